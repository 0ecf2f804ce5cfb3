"""Issues 2 and 3: start-up, and the incident log's read and write costs."""

from __future__ import annotations

import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from common import BIG, CRISIS, PY, SMALL, Result, median_wall, seed


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


SUITES = {"startup": startup, "incident_log": incident_log}
