"""A team's shared log on PostgreSQL: what only a network database does to a command (a
server restarted mid-run, a lost reply to COMMIT, a statement timeout), credentials kept out
of sight, a missing driver, and the change notification `crisis watch` waits on."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest

from crisisplan.errors import StoreError
from crisisplan.store import NewEvent, open_store, postgres_settings
from crisisplan.store.migrations import MIGRATIONS, latest_version
from tests.helpers import crisis, events, ok, start_outage
from tests.postgres import PgServer

WRITER = Path(__file__).with_name("note_writer.py")
ROOT = Path(__file__).resolve().parent.parent


def note(text: str) -> NewEvent:
    return NewEvent("note", at=datetime.now(UTC), who="ana", payload={"text": text})


@pytest.mark.slow
def test_a_server_restarted_during_2000_notes_keeps_every_confirmed_note_once(
    shared: str, postgres_server: PgServer
) -> None:
    ok("init", ".")
    start_outage("--yes")
    procs = [
        subprocess.Popen(
            [sys.executable, str(WRITER), shared, "INC-1", "500", "keep-going"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "TZ": "UTC"},
        )
        for _ in range(4)
    ]
    time.sleep(2.0)  # into the writing
    postgres_server.restart()  # pg_ctl restart -m fast: every connection is cut
    time.sleep(1.5)
    postgres_server.restart()
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, [err for _, err in outputs]
    confirmed = [int(x) for out, _ in outputs for x in out.split("\n") if x.isdigit()]
    failed = [x for out, _ in outputs for x in out.split("\n") if x.startswith("failed ")]
    assert len(confirmed) + len(failed) == 2000
    for line in failed:  # one plain sentence, saying nothing was recorded
        assert "not recorded" in line or "Nothing was recorded" in line, line
        assert "Traceback" not in line
    stored = {e["id"]: e["payload"]["text"] for e in events("note")}
    assert set(confirmed) <= set(stored)  # every confirmed note is there
    assert len(stored) == len(set(stored.values()))  # and none is there twice
    absent = {line.removeprefix("failed ").split(":")[0] for line in failed}
    assert not absent & set(stored.values())  # every failed note is absent
    print(f"\nrestart x2 during 2000 notes: {len(confirmed)} confirmed, {len(failed)} failed")
    print("\n".join(sorted({line.split(": ", 1)[1] for line in failed})))


def test_a_lost_reply_to_commit_does_not_record_the_note_twice(
    shared: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_store(shared) as store:
        with store.transaction() as tx:
            incident = tx.new_incident(opened_at=datetime.now(UTC), state={})
        runner: Any = store._runner  # type: ignore[attr-defined]
        real = runner.conn
        lost = []

        def commit_then_drop(sql: Any, params: Any = None) -> Any:
            result = real.execute(sql, params)
            if sql == "COMMIT" and not lost:
                lost.append(True)
                real.close()  # the COMMIT arrived; its reply did not
                raise psycopg.OperationalError("server closed the connection unexpectedly")
            return result

        class Flaky:
            def __getattr__(self, name: str) -> Any:
                return getattr(real, name)

            execute = staticmethod(commit_then_drop)

        runner.conn = Flaky()
        with store.transaction() as tx:
            tx.append(incident, note("the reply to this COMMIT is lost"))
        assert lost
        assert store.count_events(incident) == 1  # recorded once, confirmed


def test_a_statement_that_waits_past_the_timeout_records_nothing_and_says_so(
    shared: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok("init", ".")
    start_outage("--yes")
    before = len(events())
    monkeypatch.setattr(postgres_settings, "STATEMENT_TIMEOUT_MS", 300)
    with psycopg.connect(shared) as holder:  # another agent's long bulk run
        holder.execute("SELECT 1 FROM incidents FOR UPDATE")
        result = crisis("note", "Checked the load balancer")
    assert result.exit_code == 2
    message = " ".join(result.stderr.split())
    assert "took too long to answer" in message
    assert "Nothing was recorded" in message
    assert "Traceback" not in result.stderr
    assert len(events()) == before


def test_credentials_never_show_in_output_errors_or_the_log(
    postgres_server: PgServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = postgres_server.create_database("secret").replace("crisis@", "crisis:s3cret-pw@")
    monkeypatch.setenv("CRISIS_DB", url)
    ok("init", ".")
    outputs = [start_outage("--yes"), ok("status"), ok("db", "info"), ok("db", "info", "--json")]
    down = crisis("status", "--db", url.replace(f":{postgres_server.port}/", ":1/"))
    assert down.exit_code == 2
    assert "Cannot reach the PostgreSQL server" in down.stderr
    for result in [*outputs, down]:
        assert "s3cret-pw" not in result.stdout + result.stderr
    assert "crisis:***@127.0.0.1" in outputs[2].stdout
    assert all("s3cret-pw" not in str(e) for e in events())


def test_without_psycopg_a_postgresql_url_names_the_extra_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg -> ImportError
    monkeypatch.delitem(sys.modules, "crisisplan.store.postgres", raising=False)
    with pytest.raises(StoreError) as caught:
        open_store("postgresql://crisis:pw@127.0.0.1:1/crisis")
    assert str(caught.value) == (
        "Using postgresql://crisis:***@127.0.0.1:1/crisis needs psycopg, the PostgreSQL"
        ' driver, which is not installed. Install it with: pip install "crisisplan[postgres]"'
    )


def test_four_agents_declaring_at_once_get_inc_1_to_4(shared: str) -> None:
    numbers: list[str] = []

    def declare() -> None:
        with open_store(shared) as store, store.transaction() as tx:
            numbers.append(tx.new_incident(opened_at=datetime.now(UTC), state={}))

    threads = [threading.Thread(target=declare) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(numbers) == ["INC-1", "INC-2", "INC-3", "INC-4"]


def test_watch_hears_another_terminals_write_within_a_second(shared: str) -> None:
    with open_store(shared) as watcher, open_store(shared) as agent:
        with agent.transaction() as tx:
            incident = tx.new_incident(opened_at=datetime.now(UTC), state={})
        started = time.monotonic()
        assert watcher.wait_for_change(0.3) is False  # idle: nothing changed
        assert 0.25 < time.monotonic() - started < 1.0

        def write_soon() -> None:
            time.sleep(0.2)
            with agent.transaction() as tx:
                tx.append(incident, note("the war room sees this"))

        writer = threading.Thread(target=write_soon)
        writer.start()
        started = time.monotonic()
        assert watcher.wait_for_change(5.0) is True
        assert time.monotonic() - started < 1.0
        writer.join()
        with watcher.transaction() as tx:  # its own writes are not news to itself
            tx.append(incident, note("from the watcher's own connection"))
        assert watcher.wait_for_change(0.2) is False


def test_the_events_log_refuses_updates_and_deletes_on_the_server_too(shared: str) -> None:
    with open_store(shared) as store, store.transaction() as tx:
        incident = tx.new_incident(opened_at=datetime.now(UTC), state={})
        tx.append(incident, note("kept"))
    with psycopg.connect(shared, autocommit=True) as conn:
        for sql in ("UPDATE events SET who = 'x'", "DELETE FROM events"):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                conn.execute(sql.encode())
    assert Counter(e["kind"] for e in events()) == {"note": 1}
    assert os.environ["CRISIS_DB"] == shared


def test_a_team_moves_its_local_log_to_the_shared_server_verified(
    postgres_server: PgServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok("init", ".")
    start_outage("--yes")
    ok("note", "Failover did not trigger")
    ok("followup", "add", "--customer", "Ada Park", "--email", "Ada@Example.com", "--open-case")
    said = "Checkout shows error 502 since 02:40"
    ok("contact", "add", "--customer", "Bo Lee", "--email", "bo@example.com", "--said", said)
    local = events()
    url = postgres_server.create_database("moved")

    copied = ok("db", "copy", "--from", ".crisis/crisis.db", "--to", url)
    assert f"Copied 1 incidents, {len(local)} events, 2 follow-ups" in copied.stdout
    assert "Verified: same counts, events checksum sha256:" in copied.stdout

    with monkeypatch.context() as env:
        env.setenv("CRISIS_DB", url)  # every terminal now points at the shared log
        assert [(e["id"], e["kind"], e["payload"]) for e in events()] == [
            (e["id"], e["kind"], e["payload"]) for e in local
        ]
        assert "ada@example.com" in ok("followup", "list").stdout.lower()
        assert "Bo Lee" in ok("contact", "list").stdout  # their clock came along too
        ok("note", "Now on the shared log")
        assert events("note")[-1]["id"] == max(e["id"] for e in local) + 1
        info = ok("db", "info").stdout
        assert (
            "Backend:   postgresql" in info and f"Schema:    {latest_version(MIGRATIONS)}" in info
        )
        assert "Server:    PostgreSQL 15" in info

    again = crisis("db", "copy", "--from", ".crisis/crisis.db", "--to", url)
    assert again.exit_code == 2  # it holds more now: another log, refused
    assert "already holds another incident log" in again.stderr
    assert "nothing was copied" in again.stderr


def test_the_status_page_of_the_shared_log_is_byte_for_byte_the_local_one(
    postgres_server: PgServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok("init", ".")
    start_outage("--yes", "--at", "-50m", title="<b>Logins</b> & \u00e9 \U0001f600 failing")
    ok("update", "Found it </script> \x1b[2J & \u2028 more", "--at", "-30m", "--eta", "+40m")
    ok("resolve", "--cause", "A failed failover", "--impact", "No sign-ins", "--at", "-10m")
    start_outage("--yes", "--at", "-5m", title="Saves failing")
    with open_store(".crisis/crisis.db") as store:  # a byte a terminal could not decode
        row = max(store.incidents(), key=lambda r: r.number)
        said = NewEvent("public_update", datetime.now(UTC), "ana", "status", {"text": "\udcff"})
        with store.transaction() as tx:
            tx.append(row.id, said)
    url = postgres_server.create_database("page")
    ok("db", "copy", "--from", ".crisis/crisis.db", "--to", url)
    # The same moment for both builds, so that only the log they read can differ.
    monkeypatch.setattr("crisisplan.clock.now", lambda: datetime(2026, 12, 4, 12, 0, tzinfo=UTC))

    ok("statuspage", "build", "local", "--db", ".crisis/crisis.db")
    ok("statuspage", "build", "shared", "--db", url)

    local, shared = Path("local"), Path("shared")
    files = sorted(p.relative_to(local) for p in local.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(shared) for p in shared.rglob("*") if p.is_file())
    assert len(files) == 6 and "Saves failing" in (shared / "index.html").read_text("utf-8")
    for name in files:
        assert (local / name).read_bytes() == (shared / name).read_bytes(), name


def test_copying_again_into_the_same_log_changes_nothing(postgres_server: PgServer) -> None:
    ok("init", ".")
    start_outage("--yes")
    url = postgres_server.create_database("twice")
    ok("db", "copy", "--from", ".crisis/crisis.db", "--to", url)
    again = ok("db", "copy", "--from", ".crisis/crisis.db", "--to", url)
    assert "already holds this log" in again.stdout
    info = ok("db", "info", "--json", "--db", ".crisis/crisis.db").stdout
    assert '"backend": "sqlite"' in info and '"incidents": 1' in info


def test_a_copy_goes_to_a_postgresql_url_only_and_creates_nothing_else() -> None:
    ok("init", ".")
    start_outage("--yes")
    result = crisis("db", "copy", "--from", ".crisis/crisis.db", "--to", "other.db")
    assert result.exit_code == 2
    assert "--to other.db is not a PostgreSQL URL; nothing was copied." in result.stderr
    assert not Path("other.db").exists()
    missing = crisis("db", "copy", "--from", "nowhere.db", "--to", "postgresql://x@127.0.0.1:1/x")
    assert missing.exit_code == 2
    assert "There is no incident log at nowhere.db" in missing.stderr
    assert "Check --from;" in missing.stderr  # the option the lead typed, not --db
    assert not Path("nowhere.db").exists()


def test_a_connection_cut_mid_write_is_replayed_and_the_events_keep_their_ids(
    shared: str,
) -> None:
    with open_store(shared) as store:
        with store.transaction() as tx:
            incident = tx.new_incident(opened_at=datetime.now(UTC), state={"notes": 0})
        with store.transaction() as tx:
            row = tx.incident(incident)
            assert row is not None
            first = tx.append(incident, note("before the cut"))
            pid = store._runner.conn.info.backend_pid  # type: ignore[attr-defined]
            with psycopg.connect(shared, autocommit=True) as admin:  # a failover, say
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            second = tx.append(incident, note("after the cut"))
            tx.save_state(incident, {"notes": 2}, is_open=True)
        stored = list(store.events(incident))
        assert [(e.id, e.payload["text"]) for e in stored] == [
            (first.id, "before the cut"),
            (second.id, "after the cut"),
        ]
        row = store.incident(incident)
        assert row is not None and row.state == {"notes": 2}


def test_a_cut_connection_whose_incident_changed_meanwhile_records_nothing_and_says_so(
    shared: str,
) -> None:
    with open_store(shared) as store, open_store(shared) as other:
        with store.transaction() as tx:
            incident = tx.new_incident(opened_at=datetime.now(UTC), state={"notes": 0})
        with pytest.raises(StoreError) as caught, store.transaction() as tx:
            tx.incident(incident)
            tx.append(incident, note("mine"))
            pid = store._runner.conn.info.backend_pid  # type: ignore[attr-defined]
            with psycopg.connect(shared, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            with other.transaction() as theirs:  # another agent gets in first
                theirs.append(incident, note("theirs"))
                theirs.save_state(incident, {"notes": 1}, is_open=True)
            tx.append(incident, note("mine, after the cut"))
        assert str(caught.value).startswith(
            f"Lost the connection to {shared} mid-write, and the incident changed before it"
            " was back. This change was not recorded"
        )
        assert [e.payload["text"] for e in store.events(incident)] == ["theirs"]
