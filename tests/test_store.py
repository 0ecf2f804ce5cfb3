"""The incident log: what goes in comes out, all or nothing, and it never touches a file
that is not its own."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import random
import re
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import apsw
import pytest

from crisisplan import interrupts
from crisisplan.errors import StoreError
from crisisplan.store import (
    DEFAULT_DB,
    Followup,
    NewEvent,
    Store,
    default_target,
    migrations,
    open_store,
)
from crisisplan.store.migrations import Migration, check_registry
from crisisplan.store.sqlite import SqliteStore, open_sqlite
from tests.test_start_pty import crisis_command

T0 = datetime(2026, 11, 23, 14, 2, tzinfo=UTC)
BERLIN = timezone(timedelta(hours=1))


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def note(at: datetime, text: str = "", *, who: str = "ana", **payload: object) -> NewEvent:
    return NewEvent("note", at=at, who=who, payload={"text": text, **payload})


def start_incident(store: Store, *, opened_at: datetime = T0, **state: object) -> str:
    with store.transaction() as tx:
        return tx.new_incident(opened_at=opened_at, state=state)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def query(path: Path, sql: str) -> list[tuple[object, ...]]:
    """A plain read-only look at the file, independent of the code under test."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def pragma(path: Path, name: str) -> object:
    return query(path, f"PRAGMA {name}")[0][0]


# --- Creating the log ------------------------------------------------------------------


def trace(store: Store, callback: Callable[[str], object] | None) -> None:
    """Call `callback` with each statement the store's connection is about to run."""
    assert isinstance(store, SqliteStore)

    def each(_cursor: object, sql: str, _bindings: object) -> bool:
        assert callback is not None
        callback(sql)
        return True  # run it

    store._conn.exec_trace = None if callback is None else each


def test_first_use_creates_a_log_only_its_owner_can_read() -> None:
    old_umask = os.umask(0)  # even a careless umask must not widen the modes
    try:
        with open_store(default_target(None)) as store:
            incident = start_incident(store, title="Payments down")
            with store.transaction() as tx:
                tx.append(incident, note(T0, "customers see errors at checkout"))
            files = sorted(p.name for p in Path(".crisis").iterdir())
            modes = {name: stat.S_IMODE((Path(".crisis") / name).stat().st_mode) for name in files}
    finally:
        os.umask(old_umask)

    assert stat.S_IMODE(Path(".crisis").stat().st_mode) == 0o700
    assert files == ["crisis.db", "crisis.db-shm", "crisis.db-wal"]
    assert set(modes.values()) == {0o600}
    db = Path(".crisis/crisis.db")
    assert pragma(db, "application_id") == migrations.APPLICATION_ID
    assert pragma(db, "user_version") == migrations.latest_version(migrations.MIGRATIONS)
    assert pragma(db, "journal_mode") == "wal"


def test_the_log_is_found_from_the_flag_then_the_environment_then_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert default_target(None) == DEFAULT_DB == "./.crisis/crisis.db"
    monkeypatch.setenv("CRISIS_DB", "/srv/team.db")
    assert default_target(None) == "/srv/team.db"
    assert default_target("mine.db") == "mine.db"


def test_reading_a_log_that_does_not_exist_creates_nothing() -> None:
    with pytest.raises(StoreError) as caught:
        open_store("nowhere/crisis.db", create=False)
    assert "There is no incident log at nowhere/crisis.db" in str(caught.value)
    assert caught.value.exit_code == 2
    assert not Path("nowhere").exists()


def test_a_postgresql_server_that_is_down_is_named_without_its_password() -> None:
    with pytest.raises(StoreError) as caught:
        open_store("postgresql://support:s3cret@127.0.0.1:1/crisis")  # nothing listens there
    message = str(caught.value)
    assert message.startswith(
        "Cannot reach the PostgreSQL server of postgresql://support:***@127.0.0.1:1/crisis"
    )
    assert "nothing was recorded" in message
    assert "s3cret" not in message + str(caught.value.hint)
    assert caught.value.exit_code == 2
    with pytest.raises(StoreError) as caught:
        # An impossible port: refused at once, without waiting for a server to come back.
        open_store("postgresql://support@127.0.0.1:99999/crisis?sslmode=disable&password=s3cret")
    assert "?sslmode=disable&password=***" in str(caught.value)
    assert "s3cret" not in str(caught.value)
    with pytest.raises(StoreError, match="not a database this crisis can use"):
        open_store("mysql://db.example.com/crisis")


# --- Events ----------------------------------------------------------------------------


def test_events_come_back_as_they_went_in_ordered_by_when_they_happened() -> None:
    with open_store("log.db") as store:
        incident = start_incident(store)
        with store.transaction() as tx:
            late = tx.append(
                incident, note(minutes(30), "Zahlungen fallen aus, ça ira ✓ 🚨 日本語")
            )
            # The lead backfills what happened before they opened the terminal.
            early = tx.append(
                incident,
                NewEvent(
                    "public_update",
                    at=datetime(2026, 11, 23, 15, 5, 0, 123456, tzinfo=BERLIN),
                    who="bo",
                    channel="status_page",
                    payload={"text": "We are investigating", "next": {"in_minutes": 30}},
                ),
            )
            same_time = tx.append(incident, note(minutes(30), "second note, same minute"))
        events = list(store.events(incident))

    assert [e.id for e in events] == [early.id, late.id, same_time.id]
    assert events == [early, late, same_time]
    assert events[0].at == datetime(2026, 11, 23, 14, 5, 0, 123456, tzinfo=UTC)
    assert events[0].at.tzinfo == UTC
    assert events[0].channel == "status_page"
    assert events[0].payload == {"text": "We are investigating", "next": {"in_minutes": 30}}
    assert events[1].payload["text"] == "Zahlungen fallen aus, ça ira ✓ 🚨 日本語"
    assert events[1].channel is None
    assert all(e.recorded_at.tzinfo == UTC for e in events)
    stored = query(Path("log.db"), "SELECT at, payload FROM events ORDER BY id")
    assert stored[1][0] == "2026-11-23T14:05:00.123456Z"
    assert "ça ira ✓" in str(stored[0][1])  # readable text, not \u escapes


def test_events_stream_in_pages_keeping_time_order_across_page_boundaries() -> None:
    with open_store("log.db") as store:
        incident = start_incident(store)
        with store.transaction() as tx:
            # 1,234 events, seven to a minute, written newest minute first: ties on `at`
            # straddle every page boundary and ids run against time.
            written = [
                tx.append(incident, note(minutes(200 - i // 7), f"n{i}", kind_of=i % 3))
                for i in range(1234)
            ]
        expected = sorted(written, key=lambda e: (e.at, e.id))
        assert isinstance(store, SqliteStore)
        queries: list[str] = []
        trace(store, queries.append)  # watch what reaches SQLite

        stream = store.events(incident)
        assert [next(stream) for _ in range(3)] == expected[:3]
        assert len(queries) == 1  # one page of 500 so far, not all 1,234 rows
        assert [*expected[:3], *stream] == expected
        assert len(queries) == 3
        trace(store, None)

        assert list(store.events(incident)) == expected
        assert list(itertools.islice(store.events(incident), 3)) == expected[:3]
        assert list(store.events(incident, limit=501)) == expected[:501]
        assert list(store.events(incident, limit=0)) == []
        cut = written[600].id
        assert list(store.events(incident, after_id=cut)) == [e for e in expected if e.id > cut]


def test_reading_events_by_kind_count_and_the_latest_one() -> None:
    with open_store("log.db") as store:
        incident = start_incident(store)
        other = start_incident(store)
        with store.transaction() as tx:
            first_update = tx.append(incident, NewEvent("public_update", at=minutes(10), who="a"))
            tx.append(incident, note(minutes(20)))
            reply = tx.append(incident, NewEvent("reply", at=minutes(5), who="b"))
            backfilled = tx.append(incident, NewEvent("public_update", at=minutes(1), who="a"))
            tx.append(other, NewEvent("public_update", at=minutes(50), who="c"))

        kinds = ["public_update", "reply"]
        assert [e.id for e in store.events(incident, kinds=kinds)] == [
            backfilled.id,
            reply.id,
            first_update.id,
        ]
        assert list(store.events(incident, kinds=[])) == []
        assert store.count_events(incident) == 4
        assert store.count_events(incident, kinds=["public_update"]) == 2
        assert store.count_events(incident, kinds=[]) == 0
        assert store.last_event(incident, kinds=["public_update"]) == first_update
        assert store.last_event(incident, kinds=kinds) == first_update
        assert store.last_event(incident, kinds=["escalation"]) is None
        assert store.event(reply.id) == reply
        assert store.event(9999) is None


def test_incidents_are_numbered_across_the_log_and_listed_open_first_newest_first() -> None:
    with open_store("log.db") as store:
        first = start_incident(store, opened_at=minutes(0))
        second = start_incident(store, opened_at=minutes(60))
        third = start_incident(store, opened_at=minutes(120))
        with store.transaction() as tx:
            tx.save_state(third, {"phase": "resolved"}, is_open=False)

        assert (first, second, third) == ("INC-1", "INC-2", "INC-3")
        assert [i.id for i in store.incidents()] == ["INC-2", "INC-1", "INC-3"]
        assert [i.id for i in store.incidents(open_only=True)] == ["INC-2", "INC-1"]
        closed = store.incident("INC-3")
        assert closed is not None
        assert (closed.number, closed.is_open, closed.state) == (3, False, {"phase": "resolved"})
        assert closed.opened_at == minutes(120)
        assert store.incident("INC-9") is None


def test_the_snapshot_is_saved_with_the_events_and_read_back_inside_the_transaction() -> None:
    with open_store("log.db") as store:
        incident = start_incident(store, severity="sev2", notes=0)
        with store.transaction() as tx:
            before = tx.incident(incident)
            assert before is not None
            tx.append(incident, note(minutes(1)))
            tx.save_state(incident, {**before.state, "notes": 1}, is_open=True)
            inside = tx.incident(incident)
            assert inside is not None
            assert inside.state == {"severity": "sev2", "notes": 1}
        after = store.incident(incident)
        assert after is not None
        assert after.state == {"severity": "sev2", "notes": 1}
        assert after.updated_at >= before.updated_at


def test_a_command_that_fails_midway_records_nothing() -> None:
    with open_store("log.db") as store:
        with pytest.raises(ValueError, match="template failed"), store.transaction() as tx:
            incident = tx.new_incident(opened_at=T0, state={"title": "Outage"})
            tx.append(incident, note(T0, "first"))
            tx.upsert_followups([Followup(incident, "a@example.com", "A", None, False, None, T0)])
            raise ValueError("template failed")

        assert store.incidents() == []
        assert store.count_events("INC-1") == 0
        assert store.followups("INC-1") == []
        assert start_incident(store) == "INC-1"  # the number was not used up either


def test_ctrl_c_before_the_commit_records_nothing() -> None:
    with open_store("log.db") as store:
        incident = start_incident(store)
        with pytest.raises(KeyboardInterrupt), store.transaction() as tx:
            tx.append(incident, note(T0, "first"))
            os.kill(os.getpid(), signal.SIGINT)
        assert store.count_events(incident) == 0


def test_ctrl_c_as_the_commit_runs_comes_after_it_once_the_record_is_noted() -> None:
    # Raised the moment COMMIT returned, Ctrl-C would leave the command saying that
    # nothing was recorded when it was, and a lead who believed it would post twice.
    def ctrl_c_at_commit(sql: str) -> None:
        if sql == "COMMIT":
            os.kill(os.getpid(), signal.SIGINT)

    with open_store("log.db") as store:
        incident = start_incident(store)
    with open_store("log.db") as store:  # as in a fresh `crisis` process
        trace(store, ctrl_c_at_commit)
        with pytest.raises(KeyboardInterrupt), store.transaction() as tx:
            tx.append(incident, note(T0, "first"))
        trace(store, None)
        assert store.count_events(incident) == 1
        assert store.committed
        with pytest.raises(KeyboardInterrupt):  # and Ctrl-C stops things at once again
            os.kill(os.getpid(), signal.SIGINT)


def test_ctrl_c_while_held_waits_for_the_block_but_a_second_one_stops_at_once() -> None:
    steps = []
    with pytest.raises(KeyboardInterrupt), interrupts.held():
        os.kill(os.getpid(), signal.SIGINT)
        steps.append("went on after the first")
        with interrupts.held():  # a hold inside: the outer one decides
            steps.append("inner")
        steps.append("went on after the inner hold")
        os.kill(os.getpid(), signal.SIGINT)
        steps.append("went on after the second")
    assert steps == ["went on after the first", "inner", "went on after the inner hold"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler

    with pytest.raises(KeyboardInterrupt), interrupts.held():
        os.kill(os.getpid(), signal.SIGINT)
        steps.append("the whole block")
    assert steps[-1] == "the whole block"


def test_what_ctrl_c_says_was_recorded_is_what_the_log_holds() -> None:
    # `crisis note` interrupted at random moments, from start-up to its last line: each
    # time, what it says (or how it ended) must match whether its note is in the log.
    crisis = crisis_command()
    subprocess.run([*crisis, "init", "."], check=True, capture_output=True)
    declare = ["--type", "outage", "--severity", "major", "--title", "t", "--summary", "s"]
    subprocess.run([*crisis, "start", *declare, "--no"], check=True, capture_output=True)
    began = time.monotonic()
    subprocess.run([*crisis, "note", "uninterrupted"], check=True, capture_output=True)
    whole = time.monotonic() - began  # however slow this machine is today
    rng = random.Random(20261203)
    said: Counter[str] = Counter()
    for n in range(40):
        run = subprocess.Popen(
            [*crisis, "note", f"note {n}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(rng.uniform(0.0, 1.3 * whole))
        run.send_signal(signal.SIGINT)
        stdout, stderr = run.communicate(timeout=30)
        assert _past_the_entry_point(stderr) == [], stderr
        notes = [
            json.loads(str(p)).get("text")
            for (p,) in query(Path(DEFAULT_DB), "SELECT payload FROM events")
        ]
        # Told it is kept: by the line a note ends with (Ctrl-C may still end the process
        # as Python shuts down), or by what Ctrl-C said.
        if stdout.startswith("Noted on INC-1") or "kept in the log" in stderr:
            said["recorded"] += 1
            assert f"note {n}" in notes, (run.returncode, stdout, stderr)
        else:
            said["not recorded"] += 1
            assert f"note {n}" not in notes, (run.returncode, stdout, stderr)
            assert run.returncode != 130 or "nothing was recorded" in stderr, stderr
    assert said["recorded"] and said["not recorded"], said


def _past_the_entry_point(traceback: str) -> list[str]:
    """The frames of crisis's code in a traceback, but for loading its entry point.

    Ctrl-C in Python's own start-up, before `main()` can guard anything, is beyond reach.
    """
    ours = f"{os.sep}crisisplan{os.sep}"
    return [
        f"{path}:{function}"
        for path, function in re.findall(r'File "([^"]+)", line \d+, in (\S+)', traceback)
        if ours in path
        and not (path.endswith(("__init__.py", "__main__.py")) and function == "<module>")
    ]


def test_writing_to_an_incident_that_does_not_exist_is_refused() -> None:
    with open_store("log.db") as store:
        with pytest.raises(StoreError) as caught, store.transaction() as tx:
            tx.append("INC-7", note(T0))
        assert "There is no incident INC-7 in log.db" in str(caught.value)
        with pytest.raises(StoreError, match="no incident INC-7"), store.transaction() as tx:
            tx.save_state("INC-7", {}, is_open=True)


def test_times_must_say_their_time_zone() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        NewEvent("note", at=datetime(2026, 11, 23, 14, 2), who="ana")


def test_text_that_is_not_valid_unicode_is_kept_in_payloads_and_refused_elsewhere() -> None:
    undecodable = "caf\udce9"  # what Python makes of a Latin-1 byte in a UTF-8 argv
    with open_store("log.db") as store:
        incident = start_incident(store)
        with store.transaction() as tx:
            event = tx.append(incident, note(T0, undecodable))
        assert store.event(event.id) == event
        assert event.payload["text"] == undecodable
        with pytest.raises(StoreError, match="not valid Unicode"), store.transaction() as tx:
            tx.append(incident, note(T0, who=undecodable))
        assert store.count_events(incident) == 1


def test_events_cannot_be_changed_or_deleted_even_by_hand() -> None:
    with open_store("log.db") as store:
        incident = start_incident(store)
        with store.transaction() as tx:
            tx.append(incident, note(T0, "said something"))
    conn = sqlite3.connect("log.db")
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("UPDATE events SET payload = '{}'")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("DELETE FROM events")
    finally:
        conn.close()


def test_records_edited_by_hand_into_nonsense_are_reported_not_crashed_on() -> None:
    with open_store("log.db") as store:
        incident = start_incident(store)
    conn = sqlite3.connect("log.db")
    conn.execute("UPDATE incidents SET state = '{\"notes\": 3,' WHERE id = ?", (incident,))
    conn.execute(
        "INSERT INTO events (incident_id, kind, at, recorded_at, who, payload)"
        " VALUES (?, 'note', 'yesterday', '2026-11-23T14:02:00', 'ana', '{}')",
        (incident,),
    )
    conn.commit()
    conn.close()

    with open_store("log.db") as store:
        with pytest.raises(StoreError) as caught:
            store.incident(incident)
        assert str(caught.value).startswith("log.db holds a record that cannot be read ('INC-1':")
        assert (
            caught.value.hint == "It may have been edited by hand; restore the file from a backup."
        )
        with pytest.raises(StoreError, match=r"cannot be read \(1: Invalid isoformat"):
            list(store.events(incident))


# --- Follow-ups ------------------------------------------------------------------------


def test_followups_match_emails_whatever_their_case() -> None:
    with open_store("log.db") as store:
        incident = start_incident(store)
        with store.transaction() as tx:
            tx.upsert_followups(
                [Followup(incident, "Ana@Example.com", "Ana", "gold", True, "refund", minutes(1))]
            )
            tx.upsert_followups([Followup(incident, "bo@example.com", "Bo", None, False, None, T0)])
        with store.transaction() as tx:
            # Added again with new details: replaced, but still first added at minute 1.
            tx.upsert_followups(
                [
                    Followup(
                        incident, "ANA@example.com", "Ana P.", "gold", True, "2 cases", minutes(9)
                    )
                ]
            )
            assert tx.update_followup(incident, "ana@EXAMPLE.com", contacted_at=minutes(30))
            assert tx.update_followup(incident, "BO@example.com", done_at=minutes(40))
            assert not tx.update_followup(incident, "nobody@example.com", done_at=minutes(40))
            assert tx.update_followup(incident, "bo@example.com")
            assert not tx.update_followup("INC-9", "bo@example.com")

        everyone = store.followups(incident)
        assert [(f.email, f.name, f.note) for f in everyone] == [
            ("bo@example.com", "Bo", None),
            ("ANA@example.com", "Ana P.", "2 cases"),
        ]
        ana = everyone[1]
        assert (ana.added_at, ana.contacted_at, ana.done_at) == (minutes(1), minutes(30), None)
        assert (ana.tier, ana.open_case) == ("gold", True)
        assert [f.name for f in store.followups(incident, open_only=True)] == ["Ana P."]


def test_prior_incidents_count_other_incidents_in_the_window_in_one_pass() -> None:
    with open_store("log.db") as store:
        opened = {"old": -400, "a": -100, "b": -50, "c": -10, "now": 0, "later": 10}
        ids = {
            name: start_incident(store, opened_at=T0 + timedelta(days=days))
            for name, days in opened.items()
        }
        on_lists = {
            "old": ["ana@example.com"],
            "a": ["ana@example.com", "bo@example.com"],
            "b": ["Ana@Example.com"],
            "c": ["ANA@example.com", "cy@example.com"],
            "now": ["ana@example.com", "bo@example.com", "dee@example.com"],
            "later": ["bo@example.com"],
        }
        many = [f"customer{n}@example.com" for n in range(1200)]
        with store.transaction() as tx:
            for name, emails in on_lists.items():
                for email in emails:
                    tx.upsert_followups([Followup(ids[name], email, "x", None, False, None, T0)])
            for email in many[::100]:
                tx.upsert_followups([Followup(ids["a"], email, "x", None, False, None, T0)])

        counts = store.prior_incident_counts(
            ["Ana@example.com", "bo@example.com", "dee@example.com", "eve@example.com"],
            since=T0 - timedelta(days=180),
            before=T0,
            exclude=ids["now"],
        )
        assert counts == {
            "Ana@example.com": 3,  # a, b, c; not the old one, nor this one
            "bo@example.com": 1,  # a; "later" opened after this incident
            "dee@example.com": 0,
            "eve@example.com": 0,
        }
        bulk = store.prior_incident_counts(
            many, since=T0 - timedelta(days=180), before=T0, exclude=ids["now"]
        )
        assert len(bulk) == 1200
        assert {email for email, n in bulk.items() if n} == set(many[::100])


# --- Migrations ------------------------------------------------------------------------


def test_the_migration_registry_is_numbered_without_gaps() -> None:
    check_registry(migrations.MIGRATIONS)
    with pytest.raises(ValueError, match="should be numbered 2"):
        check_registry((migrations.MIGRATIONS[0], Migration(3, "skips two", ())))


def test_a_new_migration_is_applied_once_when_an_older_log_is_opened(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with open_store("log.db") as store:
        incident = start_incident(store, title="Before the upgrade")
    latest = migrations.latest_version(migrations.MIGRATIONS)
    tags = Migration(
        latest + 1, "tags", ("CREATE TABLE tags (incident_id TEXT NOT NULL, tag TEXT)",)
    )
    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, tags))

    for _ in range(2):  # a second open must not run it again (CREATE TABLE would fail)
        with open_store("log.db") as store:
            row = store.incident(incident)
            assert row is not None
            assert row.state == {"title": "Before the upgrade"}
    assert pragma(Path("log.db"), "user_version") == latest + 1
    assert query(Path("log.db"), "SELECT COUNT(*) FROM tags") == [(0,)]


def test_a_migration_that_fails_leaves_the_log_as_it_was(monkeypatch: pytest.MonkeyPatch) -> None:
    with open_store("log.db") as store:
        start_incident(store)
    latest = migrations.latest_version(migrations.MIGRATIONS)
    broken = Migration(
        latest + 1, "broken", ("CREATE TABLE half (x TEXT)", "CREATE TABLE oops (x NOPE(")
    )
    with monkeypatch.context() as patch:
        patch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, broken))
        with pytest.raises(StoreError) as caught:
            open_store("log.db")
    assert caught.value.message == (
        f"Could not bring log.db up to schema {latest + 1} (incomplete input); "
        f"it was left at schema {latest}."
    )
    assert pragma(Path("log.db"), "user_version") == latest
    assert query(Path("log.db"), "SELECT name FROM sqlite_master WHERE name = 'half'") == []
    with open_store("log.db") as store:
        assert [i.id for i in store.incidents()] == ["INC-1"]


# --- Files that are not ours -----------------------------------------------------------


def _text_file(path: Path) -> None:
    path.write_text("Incident notes, kept by hand.\n" * 20)


def _random_bytes(path: Path) -> None:
    path.write_bytes(b"\x00garbage" + os.urandom(8192))


def _truncated_sqlite(path: Path) -> None:
    path.write_bytes(b"SQLite format 3\x00" + b"\x10\x00")


def _damaged_sqlite(path: Path) -> None:
    path.write_bytes(b"SQLite format 3\x00" + os.urandom(4096 - 16))


def _other_application(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE contacts (name TEXT, email TEXT)")
    conn.execute("INSERT INTO contacts VALUES ('Ana', 'ana@example.com')")
    conn.commit()
    conn.close()


def _other_application_with_its_id(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA application_id = 1598903374")  # "Fossil"
    conn.execute("CREATE TABLE blob (rid INTEGER PRIMARY KEY)")
    conn.commit()
    conn.close()


def _newer_crisis(path: Path) -> None:
    with open_store(path) as store:
        start_incident(store)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 7")
    conn.close()


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (_text_file, "is not an SQLite database, so it is not a crisisplan incident log"),
        (_random_bytes, "is not an SQLite database"),
        (_truncated_sqlite, "is not an SQLite database"),
        (_damaged_sqlite, "log.db"),
        (_other_application, "is an SQLite database of another application"),
        (_other_application_with_its_id, "is an SQLite database of another application"),
        (
            _newer_crisis,
            "was written by a newer crisis (schema 7; this one reads up to"
            f" {migrations.latest_version(migrations.MIGRATIONS)})",
        ),
    ],
)
def test_a_file_that_is_not_our_log_is_refused_and_left_byte_for_byte_untouched(
    make: Callable[[Path], None], expected: str
) -> None:
    path = Path("log.db")
    make(path)
    before = digest(path)

    for create in (True, False):
        with pytest.raises(StoreError) as caught:
            open_store(path, create=create)
        assert str(caught.value).startswith("log.db ")
        assert expected in str(caught.value)
        assert caught.value.exit_code == 2

    assert digest(path) == before


def test_the_newer_log_message_says_what_to_do() -> None:
    _newer_crisis(Path("log.db"))
    with pytest.raises(StoreError) as caught:
        open_store("log.db")
    assert caught.value.hint == "Upgrade crisis."


def test_an_apsw_built_on_too_old_an_sqlite_is_told_so(monkeypatch: pytest.MonkeyPatch) -> None:
    # apsw's wheels bundle a current SQLite; one built against an old system SQLite does not.
    monkeypatch.setattr(apsw, "sqlite_lib_version", lambda: "3.22.0")
    with pytest.raises(StoreError) as caught:
        open_store("log.db")
    assert caught.value.message == (
        "This crisis needs SQLite 3.24.0 or newer to use log.db; it runs on SQLite 3.22.0."
    )
    assert not Path("log.db").exists()


def test_a_folder_where_the_log_should_be_is_refused() -> None:
    Path("log.db").mkdir()
    with pytest.raises(StoreError) as caught:
        open_store("log.db")
    assert str(caught.value).startswith("log.db is not a file; it was left untouched.")


# --- Permissions, a full disk, a busy log ----------------------------------------------


def _without_root_file_override() -> None:
    """In the child: drop root's licence to ignore file modes, as a normal user has none."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    pr_capbset_drop, cap_dac_override, cap_dac_read_search = 24, 1, 2
    for capability in (cap_dac_override, cap_dac_read_search):
        if libc.prctl(pr_capbset_drop, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


AGENT = textwrap.dedent(
    """
    import json, sys
    from datetime import UTC, datetime
    from crisisplan.errors import StoreError
    from crisisplan.phases.session import open_log
    from crisisplan.store import NewEvent
    result = {}
    try:
        store = open_log(sys.argv[1], create=sys.argv[2] == "create")
        result["incidents"] = [i.id for i in store.incidents()]
        result["events"] = store.count_events("INC-1")
        with store.transaction() as tx:
            tx.append("INC-1", NewEvent("note", at=datetime.now(UTC), who="agent"))
        result["wrote"] = True
    except StoreError as exc:
        result["error"] = str(exc)
        result["exit_code"] = exc.exit_code
    print(json.dumps(result))
    """
)


def run_as_an_ordinary_user(db: Path, *, create: bool = False) -> dict[str, object]:
    """Open the log, read it and try one write in a process without root's file override."""
    preexec = _without_root_file_override if os.geteuid() == 0 else None
    done = subprocess.run(
        [sys.executable, "-c", AGENT, str(db), "create" if create else "read"],
        preexec_fn=preexec,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    result: dict[str, object] = json.loads(done.stdout)
    return result


def _log_with_one_event(path: Path) -> None:
    with open_store(path) as store:
        incident = start_incident(store)
        with store.transaction() as tx:
            tx.append(incident, note(T0, "written before the file was locked down"))


def test_a_read_only_log_can_be_read_but_not_written(tmp_path: Path) -> None:
    db = tmp_path / "shared" / "crisis.db"
    _log_with_one_event(db)
    db.chmod(0o400)
    before = digest(db)

    result = run_as_an_ordinary_user(db)

    assert result["incidents"] == ["INC-1"]
    assert result["events"] == 1
    assert "wrote" not in result
    assert result["error"] == (
        f"{db} is read-only, so it cannot be written. Nothing was recorded. "
        "Ask for write access to the file and its folder, or point --db elsewhere."
    )
    assert result["exit_code"] == 2
    assert digest(db) == before


def test_a_log_in_a_read_only_folder_can_be_read_but_not_written(tmp_path: Path) -> None:
    db = tmp_path / "archive" / "crisis.db"
    _log_with_one_event(db)
    assert sorted(p.name for p in db.parent.iterdir()) == ["crisis.db"]  # no -wal left over
    db.parent.chmod(0o500)
    before = digest(db)
    try:
        result = run_as_an_ordinary_user(db)
    finally:
        db.parent.chmod(0o700)

    assert (result["incidents"], result["events"]) == (["INC-1"], 1)
    assert "is read-only" in str(result["error"])
    assert digest(db) == before


def test_a_new_log_in_a_folder_nobody_may_write_to_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir(mode=0o500)
    result = run_as_an_ordinary_user(folder / "crisis.db", create=True)
    assert result["error"] == (
        f"Cannot create {folder / 'crisis.db'}: Permission denied. "
        "Check the permissions of the file and its folder, or point --db elsewhere."
    )
    assert list(folder.iterdir()) == []


def test_an_unreadable_log_is_reported_not_crashed_on(tmp_path: Path) -> None:
    db = tmp_path / "crisis.db"
    _log_with_one_event(db)
    db.chmod(0o000)
    try:
        result = run_as_an_ordinary_user(db)
    finally:
        db.chmod(0o600)
    assert result["error"] == (
        f"Cannot read {db}: Permission denied. "
        "Check the permissions of the file and its folder, or point --db elsewhere."
    )


def test_a_full_disk_records_nothing_and_says_so() -> None:
    with open_store("log.db") as store:
        incident = start_incident(store)
    with open_store("log.db") as store:  # the next command
        assert isinstance(store, SqliteStore)
        conn = store._conn  # the honest way to fill the disk: SQLite's own page limit
        conn.execute(f"PRAGMA max_page_count = {conn.execute('PRAGMA page_count').fetchone()[0]}")

        with pytest.raises(StoreError) as caught, store.transaction() as tx:
            tx.append(incident, note(minutes(1), "short"))
            tx.append(incident, note(minutes(2), "x" * 200_000))

        assert str(caught.value) == (
            "The disk holding log.db is full. Nothing was recorded. "
            "Free some space and run the command again."
        )
        assert caught.value.exit_code == 2
        assert store.count_events(incident) == 0
        conn.execute("PRAGMA max_page_count = 1073741823")  # space freed
        with store.transaction() as tx:
            tx.append(incident, note(minutes(3), "after the cleanup"))
        assert store.count_events(incident) == 1


def test_a_write_that_fails_after_the_command_recorded_says_what_is_kept() -> None:
    # One command, two transactions (as a bulk reply's batches): the first is kept.
    with open_store("log.db") as store:
        incident = start_incident(store)
        with store.transaction():
            pass  # changes nothing, so records nothing
        assert store.committed  # the incident, not the empty transaction
    with open_store("log.db") as store:  # the next command
        with store.transaction():
            pass
        assert not store.committed
        with store.transaction() as tx:
            tx.append(incident, note(minutes(1), "first batch"))
        conn = store._conn
        conn.execute(f"PRAGMA max_page_count = {conn.execute('PRAGMA page_count').fetchone()[0]}")
        with pytest.raises(StoreError) as caught, store.transaction() as tx:
            tx.append(incident, note(minutes(2), "x" * 200_000))
        assert str(caught.value).startswith(
            "The disk holding log.db is full. This change was not recorded; what the command "
            "recorded before it is kept."
        )
        assert store.count_events(incident) == 1


def test_a_log_kept_busy_past_the_timeout_is_reported_as_locked() -> None:
    with open_store("log.db") as store:
        incident = start_incident(store)
    # Through the same SQLite as the store: two SQLite libraries in one process do not see
    # each other's locks (POSIX locks belong to the process), so Python's own sqlite3
    # could not stand in for another process here.
    other = apsw.Connection("log.db")
    other.execute("BEGIN IMMEDIATE")  # another process in the middle of a long write
    try:
        with open_sqlite("log.db", busy_timeout=0.3) as store:
            assert store.count_events(incident) == 0  # reading still works meanwhile
            started = time.monotonic()
            with pytest.raises(StoreError) as caught, store.transaction() as tx:
                tx.append(incident, note(T0))
            waited = time.monotonic() - started
    finally:
        other.execute("ROLLBACK")
        other.close()

    assert waited >= 0.25
    assert str(caught.value).startswith(
        "log.db is locked: another process kept it busy for more than 0.3 seconds. "
        "Nothing was recorded."
    )
    assert caught.value.exit_code == 2


# --- Waiting for another agent's write (crisis watch) ----------------------------------


def test_a_watcher_wakes_when_another_agent_writes_and_sleeps_otherwise() -> None:
    with open_store("log.db") as store:
        incident = start_incident(store)
    with open_store("log.db", create=False) as watcher, open_store("log.db") as agent:
        started = time.monotonic()
        assert watcher.wait_for_change(0.3) is False  # nothing written: it waits it out
        assert time.monotonic() - started >= 0.3

        with agent.transaction() as tx:
            tx.append(incident, note(minutes(1), "from another terminal"))
        started = time.monotonic()
        assert watcher.wait_for_change(5) is True
        assert time.monotonic() - started < 0.5  # seen at the next look, not at the timeout
        assert watcher.count_events(incident) == 1

        assert watcher.wait_for_change(0.2) is False  # that write is seen once
        with watcher.transaction() as tx:  # its own writes are not another agent's
            tx.append(incident, note(minutes(2), "from the watcher"))
        assert watcher.wait_for_change(0.2) is False
