"""Benchmarks: each figure printed as a ratio against a baseline measured in the same run.

Run: python benchmarks/run.py [--quick] [SUITE...]. Exits 0 always unless --enforce is
given, in which case a ratio over its target exits 1. Targets come from the issues.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
_SCRIPT = Path(PY).parent / "crisis"
CRISIS = [str(_SCRIPT)] if _SCRIPT.exists() else [PY, "-m", "crisisplan"]


@dataclass
class Result:
    name: str
    seconds: float
    baseline_name: str
    baseline: float
    target: float

    @property
    def ratio(self) -> float:
        return self.seconds / self.baseline

    def line(self) -> str:
        verdict = "ok" if self.ratio <= self.target else "OVER TARGET"
        return (
            f"{self.name:<44} {self.seconds * 1000:8.1f} ms  "
            f"{self.ratio:5.2f}x {self.baseline_name} (target <= {self.target:g}x)  {verdict}"
        )


def median_wall(cmds: dict[str, Sequence[str]], runs: int, cwd: Path) -> dict[str, float]:
    """Median wall time of each command; runs are interleaved so load drifts hit all alike.

    What a user's installed `crisis` does is measured: bytecode cached (in a folder of the
    run's own, so the checkout is not written to, even where PYTHONDONTWRITEBYTECODE is
    set), after one warm-up round that is not counted.
    """
    times: dict[str, list[float]] = {name: [] for name in cmds}
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPYCACHEPREFIX": str(cwd / ".pycache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    for round_ in range(runs + 1):
        for name, cmd in cmds.items():
            start = time.perf_counter()
            proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, check=False)
            if round_:
                times[name].append(time.perf_counter() - start)
            if proc.returncode not in (0, 1):
                sys.exit(f"{name} failed ({proc.returncode}): {proc.stderr.decode()[-400:]}")
    return {name: statistics.median(values) for name, values in times.items()}


def startup(runs: int, work: Path) -> list[Result]:
    """Issue 2: --help within 3x of importing typer; check on the example within 5x."""
    subprocess.run([*CRISIS, "init", str(work)], check=True, capture_output=True)
    t = median_wall(
        {
            "import typer": [PY, "-c", "import typer"],
            "crisis --help": [*CRISIS, "--help"],
            "crisis check": [*CRISIS, "check"],
        },
        runs,
        work,
    )
    base = t["import typer"]
    return [
        Result("crisis --help", t["crisis --help"], "import typer", base, 3),
        Result("crisis check (example)", t["crisis check"], "import typer", base, 5),
    ]


BIG = 100_000  # events in the large incident; --quick keeps it, only the runs are fewer
SMALL = 10
_BATCH = 10_000  # events per transaction while seeding


def incident_log(runs: int, work: Path) -> list[Result]:
    """Issue 3: `status` flat in the size of the log; recording an event as cheap as --help."""
    subprocess.run([*CRISIS, "init", str(work)], check=True, capture_output=True)
    small, big, notes = work / "small.db", work / "big.db", work / "notes.db"
    seed(small, SMALL, work)
    seed(big, BIG, work)
    # Notes go to their own copy of the large log, so timing them does not grow the log
    # `status` is timed on.
    with closing(sqlite3.connect(big)) as source, closing(sqlite3.connect(notes)) as copy:
        source.backup(copy)
    t = median_wall(
        {
            "crisis --help": [*CRISIS, "--help"],
            "status small": [*CRISIS, "status", "--db", str(small)],
            "status big": [*CRISIS, "status", "--db", str(big)],
            "note": [*CRISIS, "note", "Checked the failover logs", "--db", str(notes)],
        },
        runs,
        work,
    )
    big_events, help_ = f"crisis status ({BIG:,} events)", t["crisis --help"]
    return [
        Result(big_events, t["status big"], f"status ({SMALL} events)", t["status small"], 1.5),
        Result(big_events, t["status big"], "crisis --help", help_, 2),
        Result(f"crisis note (log of {BIG:,} events)", t["note"], "crisis --help", help_, 2),
    ]


def seed(db: Path, total: int, work: Path) -> None:
    """An incident whose log holds `total` events: declared through the CLI, then notes
    appended through the store in a few large transactions that keep its state right."""
    declare = "start --type outage --severity major --title Down --summary Unknown --yes"
    subprocess.run(
        [*CRISIS, *declare.split(), "--at", "-6h", "--db", str(db)],
        cwd=work,
        check=True,
        capture_output=True,
    )
    from crisisplan.phases.record import event, record_in
    from crisisplan.store import open_store

    with open_store(db) as store:
        (row,) = store.incidents(open_only=True)
        left = total - store.count_events(row.id)
        start = row.opened_at
        # Spread over the hours since the start, ending a minute ago.
        step = (dt.datetime.now(dt.UTC) - start - dt.timedelta(minutes=1)) / max(left, 1)
        done = 0
        while done < left:
            size = min(_BATCH, left - done)
            batch = [
                event("note", start + step * (done + i), "bench", text=f"Note {done + i}: checked")
                for i in range(1, size + 1)
            ]
            with store.transaction() as tx:
                record_in(tx, row.id, batch)
            done += size
        if store.count_events(row.id) != total:
            sys.exit(f"seeding {db} gave {store.count_events(row.id)} events, not {total}")


SUITES: dict[str, Callable[[int, Path], list[Result]]] = {
    "startup": startup,
    "incident_log": incident_log,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer runs")
    parser.add_argument("--enforce", action="store_true", help="exit 1 when over a target")
    parser.add_argument("suites", nargs="*", default=list(SUITES), help="which to run")
    args = parser.parse_args()
    unknown = [name for name in args.suites if name not in SUITES]
    if unknown:
        parser.error(f"unknown suite {', '.join(unknown)}; choose from {', '.join(SUITES)}")
    runs = 5 if args.quick else 15
    over = False
    for name in args.suites:
        with tempfile.TemporaryDirectory() as tmp:
            print(f"== {name}", flush=True)
            for result in SUITES[name](runs, Path(tmp)):
                print(result.line(), flush=True)
                over |= result.ratio > result.target
    return 1 if over and args.enforce else 0


if __name__ == "__main__":
    raise SystemExit(main())
