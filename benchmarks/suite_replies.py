"""Issue 4: drafting replies from a CSV (render, lint, record, write files) against bare
Jinja2 rendering the same template as many times, and the drafting run's peak memory."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from common import CRISIS, PY, Result

FULL, QUICK = 100_000, 10_000
PAIRS = 2
MEMORY_LIMIT_MB = 200

_BARE = """
import sys
from pathlib import Path
from jinja2 import Environment, StrictUndefined
from crisisplan.loader import load_plan
from crisisplan.rendering import sample_context
plan = load_plan(Path("playbooks/example.yaml"))
template = plan.template_for("first_response")
base = sample_context(plan.playbook, purpose="first_response")
env = Environment(undefined=StrictUndefined, keep_trailing_newline=True)
env.filters.update(clock=lambda v: v.strftime("%H:%M UTC"), ago=lambda v: "a while ago",
                   plural=lambda n, s, p=None: f"{n} {s}")
compiled = env.from_string(template.body)
for i in range(int(sys.argv[1])):
    compiled.render(dict(base, customer=dict(base["customer"], name=f"Customer {i}")))
"""


def _run(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MB) of one process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"{cmd[:3]} failed: {stderr[-400:]}")
    return seconds, usage.ru_maxrss / 1024


def replies(runs: int, work: Path) -> list[Result]:
    """Bare Jinja2 and the drafting run, alternated PAIRS times, best of each: this VM's
    speed swings by up to 2x over tens of seconds, and alternating lets both sides meet
    the same swings."""
    rows = QUICK if runs < 15 else FULL
    csv = work / "customers.csv"
    with csv.open("w", encoding="utf-8") as handle:
        handle.write("name,email,tier,note,open_case\n")
        for i in range(rows):
            handle.write(f"Customer {i},c{i}@example.com,business,Their case {i},no\n")
    bare, drafting, peak = [], [], 0.0
    for pair in range(PAIRS):
        team = work / f"team{pair}"  # a fresh log and folder each time: nothing to skip
        subprocess.run([*CRISIS, "init", str(team)], check=True, capture_output=True)
        declare = "start --type outage --severity major --title Down --summary Unknown --yes"
        subprocess.run([*CRISIS, *declare.split()], cwd=team, check=True, capture_output=True)
        bare.append(_run([PY, "-c", _BARE, str(rows)], team)[0])
        seconds, megabytes = _run([*CRISIS, "reply", "--customers", str(csv), "-o", "drafts"], team)
        drafting.append(seconds)
        peak = max(peak, megabytes)
    return [
        Result(
            f"reply --customers ({rows:,} rows, files)",
            min(drafting),
            f"bare Jinja2 x {rows:,}",
            min(bare),
            2.5,
        ),
        Result(
            f"reply --customers peak memory ({rows:,} rows)",
            peak,
            f"{MEMORY_LIMIT_MB} MB limit",
            MEMORY_LIMIT_MB,
            1.0,
            unit="MB",
        ),
    ]


SUITES = {"replies": replies}
