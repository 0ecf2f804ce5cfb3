"""Issue 19: the shared log on PostgreSQL costs a command little more than a local file.

Starts its own throwaway server (the tests' tests/postgres.py, which imports nothing of
crisisplan) on 127.0.0.1; prints one line and no figures where this machine has no
PostgreSQL binaries or psycopg.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

from common import BIG, CRISIS, ROOT, SMALL, Result, median_wall, seed

sys.path.insert(0, str(ROOT / "tests"))

# tests/postgres.py: initdb, pg_ctl, a free port (found through the path set above)
import postgres as server


def shared_log(runs: int, work: Path) -> list[Result]:
    """`status` and `note` on PostgreSQL against the same on SQLite; `status` flat in size."""
    if importlib.util.find_spec("psycopg") is None:
        print('   (skipped: psycopg is not installed; pip install "crisisplan[postgres]")')
        return []
    pg = server.start_server()
    if pg is None:
        print("   (skipped: no PostgreSQL binaries on this machine)")
        return []
    try:
        subprocess.run([*CRISIS, "init", str(work)], check=True, capture_output=True)
        local = work / "small.db"
        small, big = pg.create_database("small"), pg.create_database("big")
        seed(local, SMALL, work)
        seed(small, SMALL, work)  # type: ignore[arg-type]  (a URL where a path goes)
        seed(big, BIG, work)  # type: ignore[arg-type]
        t = median_wall(
            {
                "status sqlite": [*CRISIS, "status", "--db", str(local)],
                "status pg": [*CRISIS, "status", "--db", small],
                "status pg big": [*CRISIS, "status", "--db", big],
                "note sqlite": [*CRISIS, "note", "Checked the failover", "--db", str(local)],
                "note pg": [*CRISIS, "note", "Checked the failover", "--db", small],
            },
            runs,
            work,
        )
    finally:
        server.stop_server(pg)
    status_sqlite, status_pg = t["status sqlite"], t["status pg"]
    return [
        Result("crisis status (PostgreSQL)", status_pg, "status (SQLite)", status_sqlite, 1.5),
        Result("crisis note (PostgreSQL)", t["note pg"], "note (SQLite)", t["note sqlite"], 2),
        Result(
            f"crisis status (PostgreSQL, {BIG:,} events)",
            t["status pg big"],
            f"status (PostgreSQL, {SMALL} events)",
            status_pg,
            1.1,
        ),
    ]


SUITES = {"postgres": shared_log}
