"""Issue 20A: `crisis contact import` of a help desk export, against the same rows through
`followup add`'s core (validate the customer, a `followup_added` event, the follow-up
upserted) in one transaction, and the import's peak memory.

The import does more per row (a `contact` event, a clock row and the follow-up, in batches
of 2,000, each its own synced transaction, every key checked against the log first): the
target is at most twice the time, and under 150 MB whatever the export's size.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import NamedTuple

from common import CRISIS, PY, Result

FULL, QUICK = 200_000, 20_000
# Rows, instead: what tests/test_benchmarks.py runs the suite with, to see it work in seconds.
ROWS_ENV = "CRISIS_BENCH_CONTACT_ROWS"
PAIRS = 2
MEMORY_LIMIT_MB = 150

# followup add's core (phases/followups.py `add`), for every row, in one transaction.
_BASELINE = """
import csv, sys, datetime as dt
from crisisplan.phases import state as st
from crisisplan.phases.followups import check_email, check_name
from crisisplan.phases.record import event, record_in
from crisisplan.store import Followup, open_store

at = dt.datetime.now(dt.UTC)
with open_store(".crisis/crisis.db") as store:
    row = store.incidents(open_only=True)[0]
    events, followups = [], []
    with open(sys.argv[1], encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        for cells in reader:
            name, email = check_name(cells[2]), check_email(cells[3])
            received = st.parse(cells[6].replace(" ", "T") + "+00:00")
            events.append(event("followup_added", at, "support-lead", name=name, email=email,
                                tier=None, open_case=True, note=None))
            followups.append(Followup(row.id, email, name, None, True, None, received))
    with store.transaction() as tx:
        record_in(tx, row.id, events)
        tx.upsert_followups(followups)
"""


class Run(NamedTuple):
    seconds: float
    megabytes: float  # peak resident memory


def _run(cmd: list[str], cwd: Path) -> Run:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{cmd[:4]} failed: {stderr[-400:]}")
    return Run(seconds, usage.ru_maxrss / 1024)


def export(path: Path, rows: int) -> None:
    """A Help Scout conversations export of `rows` tickets, each from another customer."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(
            "Conversation ID,Number,Customer Name,Customer Email,Subject,Type,Created At\n"
        )
        for n in range(rows):
            when = f"2026-11-23 0{3 + n // 3600 % 6}:{n // 60 % 60:02d}:{n % 60:02d}"
            handle.write(
                f"{10_000_000 + n},{n},Customer {n},c{n}@example.com,Cannot log in,email,{when}\n"
            )


def contacts(runs: int, work: Path) -> list[Result]:
    """The baseline and the import alternated PAIRS times, each on a fresh log; best of each."""
    rows = int(os.environ.get(ROWS_ENV) or (QUICK if runs < 15 else FULL))
    csv = work / "helpscout.csv"
    export(csv, rows)
    baseline: list[float] = []
    imports: list[Run] = []
    for pair in range(PAIRS):
        for side in ("base", "import"):
            team = work / f"{side}{pair}"
            subprocess.run([*CRISIS, "init", str(team)], check=True, capture_output=True)
            declare = "start --type outage --severity major --title Down --summary x --yes"
            declare += " --at 2026-11-23T02:40Z"
            subprocess.run([*CRISIS, *declare.split()], cwd=team, check=True, capture_output=True)
            if side == "base":
                baseline.append(_run([PY, "-c", _BASELINE, str(csv)], team).seconds)
            else:
                imports.append(_run([*CRISIS, "contact", "import", str(csv)], team))
    best = min(imports)
    return [
        Result(
            f"contact import ({rows:,} rows)",
            best.seconds,
            "followup add's core, one transaction",
            min(baseline),
            2.0,
        ),
        Result(
            f"contact import peak memory ({rows:,} rows)",
            max(run.megabytes for run in imports),
            f"{MEMORY_LIMIT_MB} MB limit",
            MEMORY_LIMIT_MB,
            1.0,
            unit="MB",
        ),
    ]


SUITES = {"contacts": contacts}
