"""Several agents working one incident from their own terminals at once, and a terminal
killed mid-write: the log keeps every confirmed note, once, with the state in step."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crisisplan.phases import state as st
from crisisplan.store import open_store
from tests.helpers import DB, events, integrity_ok, ok, start_outage

WRITER = Path(__file__).with_name("note_writer.py")
ROOT = Path(__file__).resolve().parent.parent


def writer(count: int, *extra: str) -> subprocess.Popen[str]:
    """An agent's terminal writing to the log $CRISIS_DB names (see `db_target`), or DB."""
    target = os.environ.get("CRISIS_DB", str(DB))
    return subprocess.Popen(
        [sys.executable, str(WRITER), target, "INC-1", str(count), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path.cwd(),
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "TZ": "UTC"},
    )


def note_events() -> list[tuple[int, str]]:
    return [(e["id"], e["payload"]["text"]) for e in events("note")]


@pytest.fixture(autouse=True)
def incident(db_target: str) -> None:
    """An outage declared in a log on each backend in turn."""
    ok("init", ".")
    start_outage("--yes")


@pytest.mark.slow
def test_eight_agents_recording_500_notes_each_at_once_lose_nothing() -> None:
    procs = [writer(500) for _ in range(8)]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0] * 8, [err for _, err in outputs]
    assert all("locked" not in err for _, err in outputs)
    printed = [int(line) for out, _ in outputs for line in out.split()]
    notes = note_events()
    assert len(notes) == 4000 == len(printed)
    assert sorted(printed) == sorted(i for i, _ in notes)  # every note readable, none twice
    assert len({text for _, text in notes}) == 4000
    timeline = json.loads(ok("timeline", "--format", "json").stdout)
    assert sum(e["kind"] == "note" for e in timeline["events"]) == 4000
    assert _note_count() == 4000  # the derived state saw every write


@pytest.mark.slow
def test_a_terminal_killed_mid_write_leaves_every_confirmed_note_and_no_half_event() -> None:
    rng = random.Random(20261123)
    confirmed: list[int] = []
    for _ in range(20):
        proc = writer(100_000)
        time.sleep(rng.uniform(0.35, 0.9))  # past start-up, into the writing
        proc.kill()
        out, _ = proc.communicate(timeout=30)
        lines = out.split("\n")
        confirmed += [int(x) for x in lines[:-1] if x]  # a last line cut short is no promise
        assert integrity_ok()
        ids = {i for i, _ in note_events()}
        assert set(confirmed) <= ids
        assert _note_count() == len(ids)  # events and state commit together
    assert confirmed, "the writer never got to write; the kill came too early"
    print(f"\n20 kills: {len(confirmed)} confirmed notes, all in the log; {len(ids)} stored")


def _note_count() -> int:
    """How many notes the incident's derived state has counted, read as `status` reads it."""
    with open_store(os.environ.get("CRISIS_DB", str(DB)), create=False) as store:
        row = store.incident("INC-1")
    assert row is not None
    return st.of(row).counts.get("note", 0)
