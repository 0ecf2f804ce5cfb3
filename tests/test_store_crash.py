"""A terminal killed mid-write (laptop lid, OOM killer, kill -9) loses nothing it confirmed
and leaves no half-written note: tested the way SQLite tests itself."""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crisisplan.store import open_store

WRITER = Path(__file__).with_name("store_writer.py")


def confirmed_ids(output: str) -> list[int]:
    """The ids the writer finished printing; a line cut short by the kill is not a promise."""
    return [int(line) for line in output.splitlines(keepends=True) if line.endswith("\n")]


@pytest.mark.slow
def test_a_writer_killed_at_random_moments_loses_no_confirmed_note(tmp_path: Path) -> None:
    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    db = tmp_path / "crisis.db"
    with open_store(db) as store, store.transaction() as tx:
        incident = tx.new_incident(opened_at=datetime.now(UTC), state={"notes": 0})

    confirmed: list[int] = []
    for round_ in range(20):
        writer = subprocess.Popen(
            [sys.executable, str(WRITER), str(db), incident, "1000000"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert writer.stdout is not None
        first = writer.stdout.readline()  # it is writing now
        time.sleep(rng.uniform(0.02, 0.3))
        writer.send_signal(signal.SIGKILL)
        rest, stderr = writer.communicate(timeout=30)
        assert writer.returncode == -signal.SIGKILL
        assert stderr == ""
        ids = confirmed_ids(first + rest)
        assert ids, f"round {round_} (seed {seed}): the writer confirmed nothing"
        confirmed.extend(ids)

        # A plain SQLite connection recovers the WAL and judges the file.
        conn = sqlite3.connect(db)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)], seed
            stored = {row[0] for row in conn.execute("SELECT id FROM events WHERE kind = 'note'")}
            (state,) = conn.execute(
                "SELECT state FROM incidents WHERE id = ?", (incident,)
            ).fetchone()
        finally:
            conn.close()
        missing = set(confirmed) - stored
        assert not missing, f"round {round_} (seed {seed}): confirmed ids lost: {sorted(missing)}"
        # The snapshot and the events commit together: never one without the other.
        notes = json.loads(state)["notes"]
        assert notes == len(stored), f"round {round_} (seed {seed}): {notes} != {len(stored)}"

    with open_store(db, create=False) as store:
        assert store.count_events(incident) >= len(confirmed)
        row = store.incident(incident)
        assert row is not None
        assert row.state["notes"] == store.count_events(incident, kinds=["note"])
