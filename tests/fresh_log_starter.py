"""Agents declaring incidents on a brand-new log at the same moment, round after round.

Usage: python tests/fresh_log_starter.py FOLDER ROUNDS AGENTS

Each round, AGENTS processes start together on a log that does not exist yet
(FOLDER/round-N/.crisis/crisis.db) and each declares an incident through the CLI's core
(`open_store`, then `phases.declare.declare` with the example plan): the opening, the
switch to the write-ahead log and the first migration all race. The plan is loaded once
and the processes are forked from this one, so a round costs a fork, not a Python start:
200 rounds stay affordable. Each process reports "INC-n" or its error on a pipe; a line
per round says what every process got. Exit status 0 only if all got their incident.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from crisisplan.errors import CrisisError
from crisisplan.phases.declare import declare
from crisisplan.playbook.loader import Plan, load_plan
from crisisplan.store import open_store

EXAMPLE = Path(__file__).resolve().parents[1] / "crisisplan" / "example" / "playbooks"


def agent(plan: Plan, db: Path, go: int, report: int) -> int:
    """One process: wait for the start signal, open the brand-new log and declare."""
    os.read(go, 1)  # every process of the round is forked before any touches the log
    try:
        with open_store(db) as store:
            said = declare(
                plan,
                store,
                incident_type="outage",
                severity="major",
                title=f"Logins failing ({os.getpid()})",
                summary="Sign-ins time out",
                at=datetime.now(UTC),
                who="support-lead",
            )
        status = 0
    except CrisisError as exc:
        said, status = f"error: {exc}", 2
    except BaseException as exc:  # a crash must be seen, not lost with the child
        said, status = f"crash: {exc!r}", 3
    os.write(report, (said.replace("\n", " ") + "\n").encode())
    return status


def one_round(plan: Plan, db: Path, agents: int) -> list[str]:
    """Fork the agents, start them together; what each said, sorted."""
    go_read, go_write = os.pipe()
    report_read, report_write = os.pipe()
    children = []
    for _ in range(agents):
        pid = os.fork()
        if pid == 0:
            os.close(go_write)
            os.close(report_read)
            os._exit(agent(plan, db, go_read, report_write))
        children.append(pid)
    os.close(go_read)
    os.close(report_write)
    os.write(go_write, b"x" * agents)
    os.close(go_write)
    with os.fdopen(report_read) as reports:
        said = reports.read().splitlines()
    for pid in children:
        os.waitpid(pid, 0)
    return sorted(said, key=lambda s: (len(s), s))


def main(argv: list[str]) -> int:
    """Run the rounds; print one line per round that went wrong, and a summary."""
    folder, rounds, agents = Path(argv[1]), int(argv[2]), int(argv[3])
    plan = load_plan(EXAMPLE / "example.yaml")
    expected = [f"INC-{n}" for n in range(1, agents + 1)]
    failed = 0
    started = time.monotonic()
    for n in range(rounds):
        db = folder / f"round-{n}" / ".crisis" / "crisis.db"
        said = one_round(plan, db, agents)
        with open_store(db, create=False) as store:
            in_log = sorted((row.id for row in store.incidents()), key=lambda s: (len(s), s))
        conn = sqlite3.connect(db)  # another SQLite than the one that wrote it
        try:
            check = conn.execute("PRAGMA integrity_check").fetchall()
        finally:
            conn.close()
        if said != expected or in_log != expected or check != [("ok",)]:
            failed += 1
            print(f"round {n}: said {said}; the log holds {in_log}; {check}", flush=True)
    elapsed = time.monotonic() - started
    print(f"{rounds} rounds x {agents} agents, {failed} failed, {elapsed:.1f} s", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
