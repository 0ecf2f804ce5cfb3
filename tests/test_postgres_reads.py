"""Reading the shared log on libpq alone: `crisis status` on PostgreSQL without psycopg.

An agent runs `status` many times an hour. On a shared log it reads over a light libpq
connection instead of importing psycopg (about 100 ms); the first write, or anything the
light connection cannot answer exactly as psycopg would, goes to psycopg. These stories hold
both halves to that: the reads never load psycopg, every read gives psycopg's own answer,
and each way out of the light path (a large read, a lost connection, no libpq) still ends in
the right answer.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crisisplan.store import libpq, open_store, postgres_light
from crisisplan.store.migrations import MIGRATIONS, latest_version
from crisisplan.store.postgres import PostgresStore, open_postgres
from crisisplan.store.postgres_light import LightlyOpened
from tests.helpers import crisis, ok, start_outage
from tests.postgres import PgServer
from tests.probe import heavy_imports, imported_by
from tests.test_completion import completions

ROOT = Path(__file__).resolve().parent.parent


def busy_incident() -> None:
    """An incident with something of everything `status` reads: updates, notes in several
    scripts, follow-ups, customers waiting, promises."""
    ok("init", ".")
    start_outage("--yes", "--at", "-50m")
    ok("update", "We found the cause: a failed database failover.", "--at", "-20m")
    ok("note", "Ingeniería confirma: 数据库 failover — ✅ done", "--at", "-10m")
    ok("followup", "add", "--customer", "Ada Ø'Brien", "--email", "ada@example.com")
    ok("contact", "add", "--customer", "Bo Lee", "--email", "bo@example.com", "--said", "x",
       "--channel", "chat", "--at", "-45m")  # fmt: skip


def test_status_on_a_shared_log_never_loads_psycopg(shared: str, tmp_path: Path) -> None:
    busy_incident()

    reads = [
        ["status"],
        ["status", "--json"],
        ["list"],
        ["timeline"],
        ["followup", "list"],
        ["contact", "list"],
        ["review", "--trend"],
    ]
    modules, importtime = imported_by(reads, Path.cwd())

    assert "crisisplan.views.status" in modules, "status did not get as far as showing the state"
    assert "crisisplan.store.libpq" in modules, "the shared log was not read on libpq"
    assert heavy_imports(modules, importtime, ["psycopg", "crisisplan.store.postgres"]) == []


def test_status_reads_what_psycopg_reads(shared: str) -> None:
    busy_incident()
    with open_store(shared, reads_only=True) as store:
        assert isinstance(store, LightlyOpened)  # so `status` reads on libpq
    on_libpq = ok("status", "--json").stdout

    # The same command, with the light path taken away: every byte the same.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(postgres_light, "library", lambda: None)
        assert ok("status", "--json").stdout == on_libpq


def every_read(store: Any, incident: str) -> list[Any]:
    """Every read of the Store protocol, with arguments that find something."""
    now = datetime.now(UTC)
    emails = ["ada@example.com", "bo@example.com", "nobody@example.com"]
    return [
        store.incident(incident),
        store.incident("INC-404"),
        store.incidents(),
        store.incidents(open_only=True),
        list(store.events(incident)),
        list(store.events(incident, kinds=["note", "public_update"], after_id=1, limit=2)),
        list(store.payloads([incident], kinds=["public_update"])),
        store.event(1),
        store.event(10_000),
        store.count_events(incident),
        store.count_events(incident, kinds=["note"]),
        store.last_event(incident, kinds=["public_update"]),
        store.followups(incident),
        store.followups(incident, open_only=True),
        store.prior_incident_counts(
            emails, since=now - timedelta(days=90), before=now, exclude="INC-404"
        ),
        store.known_contacts(incident, ["bo@example.com", "cy@example.com"]),
        store.waiting_contacts(incident),
        store.waiting_contacts(incident, limit=1, answered=True),
        store.contact_counts(incident, now=now),
    ]


def test_every_read_on_libpq_is_psycopgs_own_answer(shared: str) -> None:
    busy_incident()
    full = open_postgres(shared, "shared")
    light = open_store(shared, reads_only=True)
    assert isinstance(light, LightlyOpened) and isinstance(full, PostgresStore)
    with full, light:
        assert every_read(light, "INC-1") == every_read(full, "INC-1")
        assert not light.handed_off, "a read the status commands make went to psycopg"


def test_each_type_libpq_reads_comes_back_as_psycopg_gives_it(shared: str) -> None:
    busy_incident()
    sql = (
        "SELECT true, false, 1::int2, -2::int4, 9007199254740993::int8, 7::oid, 'x'::text,"
        " 'ü ✅'::varchar, 'z'::char(3), 'n'::name, 1.5::float8, 0.1::float4, NULL::int,"
        " 'bare', ?, ?, ?"
    )
    params = ("ïd", 42, None)
    with open_store(shared, reads_only=True) as light, open_postgres(shared, "shared") as full:
        assert light._sql.rows(sql, params) == full.runner.rows(sql, params)
        assert not light.handed_off


@pytest.mark.parametrize("column", ["1.5::numeric", "'{}'::jsonb", "now()", "'\\x00'::bytea"])
def test_a_type_libpq_does_not_read_is_read_by_psycopg(shared: str, column: str) -> None:
    busy_incident()
    with open_store(shared, reads_only=True) as light, open_postgres(shared, "shared") as full:
        sql = f"SELECT {column} - interval '0'" if column == "now()" else f"SELECT {column}"
        assert type(light._sql.rows(sql)[0][0]) is type(full.runner.rows(sql)[0][0])
        assert light.handed_off


def test_a_read_larger_than_is_quick_on_libpq_goes_to_psycopg_with_the_same_answer(
    shared: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    busy_incident()
    with open_postgres(shared, "shared") as full:
        expected = list(full.events("INC-1"))
    monkeypatch.setattr(libpq, "MOST_CELLS", 10)

    with open_store(shared, reads_only=True) as store:
        assert store.incident("INC-1") is not None  # 6 values: still on libpq
        assert not store.handed_off
        assert list(store.events("INC-1")) == expected
        assert store.handed_off


def test_a_connection_the_server_drops_between_reads_is_picked_up_by_psycopg(
    shared: str, postgres_server: PgServer
) -> None:
    busy_incident()
    with open_store(shared, reads_only=True) as store:
        before = store.count_events("INC-1")
        (pid,) = store._sql.one("SELECT pg_backend_pid()")  # type: ignore[misc]
        postgres_server.psql(f"SELECT pg_terminate_backend({int(pid)})")

        assert store.count_events("INC-1") == before
        assert store.handed_off


def test_a_command_that_writes_opens_the_shared_log_on_psycopg_from_the_start(
    shared: str,
) -> None:
    busy_incident()
    with open_store(shared) as store:
        assert isinstance(store, PostgresStore)


def test_a_write_after_reads_on_libpq_is_recorded_once_by_psycopg(shared: str) -> None:
    busy_incident()
    with open_store(shared, reads_only=True) as store:
        assert isinstance(store, LightlyOpened)
        before = store.count_events("INC-1")
        with store.transaction() as tx:
            tx.append("INC-1", note_event("written after reading on libpq"))
        assert store.committed and store.handed_off
        assert store.count_events("INC-1") == before + 1
    assert ok("timeline").stdout.count("written after reading on libpq") == 1


def note_event(text: str) -> Any:
    from crisisplan.store import NewEvent

    return NewEvent("note", at=datetime.now(UTC), who="ana", payload={"text": text})


def test_without_libpq_the_shared_log_opens_on_psycopg(
    shared: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    busy_incident()
    monkeypatch.setattr(postgres_light, "library", lambda: None)
    with open_store(shared, reads_only=True) as store:
        assert isinstance(store, PostgresStore)
    assert "INC-1" in ok("status").stdout


def test_an_empty_database_is_made_a_log_by_psycopg_then_read_on_libpq(
    postgres_server: PgServer,
) -> None:
    url = postgres_server.create_database("empty")
    with open_store(url, reads_only=True) as store:  # psycopg creates the log
        assert isinstance(store, PostgresStore)
    with open_store(url, reads_only=True) as store:
        assert isinstance(store, LightlyOpened)


def test_a_log_of_a_newer_crisis_is_explained_by_psycopg(
    shared: str, postgres_server: PgServer
) -> None:
    busy_incident()
    newer = latest_version(MIGRATIONS) + 1
    postgres_server.psql(
        f"UPDATE crisisplan_schema SET version = {newer}", shared.rsplit("/", 1)[1]
    )

    result = crisis("status")

    assert result.exit_code == 2
    assert "was written by a newer crisis" in " ".join(result.stderr.split())


READER = """
import sys, time
from crisisplan.store import open_store
store = open_store(sys.argv[1], reads_only=True)
print("reading", flush=True)
try:
    store._sql.rows("SELECT pg_sleep(20)")
except KeyboardInterrupt:
    print("stopped", flush=True)
"""


def test_ctrl_c_stops_a_read_on_libpq_at_once(shared: str) -> None:
    busy_incident()
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, shared],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert reader.stdout is not None
    assert reader.stdout.readline() == "reading\n"
    time.sleep(0.5)  # into the query
    asked = time.monotonic()
    reader.send_signal(signal.SIGINT)
    out, _ = reader.communicate(timeout=10)
    assert out == "stopped\n"
    assert time.monotonic() - asked < 5  # not the query's 20 seconds
    # And the server stopped it too: it holds no snapshot for the next 20 seconds.
    assert still_sleeping(shared) == 0


def still_sleeping(url: str) -> int:
    """Queries of pg_sleep running on the server, after a moment to notice a cancel."""
    with psycopg.connect(url, autocommit=True) as conn:
        for _ in range(20):
            (count,) = conn.execute(  # type: ignore[misc]
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE query LIKE '%pg_sleep(20)%' AND pid <> pg_backend_pid()"
            ).fetchone()
            if count == 0:
                break
            time.sleep(0.1)
    return int(count)


# The portable SQL's `?` placeholders as libpq's $1, $2, ...

_PLAIN = st.text(alphabet=st.sampled_from("SELECT x=(),? "), max_size=12)
_LITERAL = st.text(alphabet=st.sampled_from("ab?$ "), max_size=6).map(lambda t: f"'{t}'")


@given(st.lists(st.one_of(_PLAIN, _LITERAL), max_size=8))
def test_placeholders_are_numbered_in_order_and_never_inside_a_literal(parts: list[str]) -> None:
    sql = "".join(parts)
    numbered = libpq.numbered(sql)

    outside = sql.split("'")[::2]
    count = sum(piece.count("?") for piece in outside)
    assert numbered.split("'")[1::2] == sql.split("'")[1::2]  # literals untouched
    assert "?" not in "".join(numbered.split("'")[::2])
    for n in range(1, count + 1):
        assert f"${n}" in numbered
    rebuilt = numbered
    for n in range(count, 0, -1):  # longest first: $12 before $1
        rebuilt = rebuilt.replace(f"${n}", "?")
    assert rebuilt == sql


def test_the_light_connection_has_the_session_psycopgs_has(shared: str) -> None:
    busy_incident()
    sql = (
        "SELECT current_setting('statement_timeout'), current_setting('application_name'),"
        " current_setting('client_encoding'), current_setting('TimeZone')"
    )
    with open_store(shared, reads_only=True) as light, open_postgres(shared, "shared") as full:
        (settings,) = light._sql.rows(sql)
        assert full.runner.rows(sql) == [settings]
        assert settings[:3] == ("30s", "crisis", "UTF8")


def test_tab_completes_the_incident_ids_of_a_shared_log(
    shared: str, postgres_server: PgServer
) -> None:
    busy_incident()
    start_outage("--no", title="Reminders late")

    assert completions("update", "--incident", "") == ["INC-2", "INC-1"]  # newest first
    assert completions("update", "--incident", "INC-2") == ["INC-2"]
    down = shared.replace(f":{postgres_server.port}/", ":1/")
    started = time.monotonic()
    assert completions("update", "--incident", "", db=down) == []  # quietly, and at once
    assert time.monotonic() - started < 5


def test_text_that_is_not_unicode_is_refused_in_a_plain_sentence(shared: str) -> None:
    busy_incident()
    done = subprocess.run(
        [sys.executable, "-m", "crisisplan", "status", "--incident", b"INC-\xff"],
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,
    )
    said = " ".join(done.stderr.decode(errors="replace").split())
    assert done.returncode == 2, said
    assert "not valid Unicode" in said
    assert "Traceback" not in said and "internal error" not in said


def test_the_servers_warnings_are_not_printed_on_the_terminal(
    shared: str, postgres_server: PgServer, capfd: pytest.CaptureFixture[str]
) -> None:
    busy_incident()
    postgres_server.psql(
        "CREATE FUNCTION hello() RETURNS int LANGUAGE plpgsql AS"
        " $$ BEGIN RAISE WARNING 'server says hello'; RETURN 1; END $$",
        shared.rsplit("/", 1)[1],
    )
    capfd.readouterr()
    with open_store(shared, reads_only=True) as store:
        assert store._sql.rows("SELECT hello()") == [(1,)]
        assert not store.handed_off
    assert "server says hello" not in capfd.readouterr().err


def test_a_statement_that_writes_never_runs_on_the_light_connection(shared: str) -> None:
    busy_incident()
    with open_store(shared, reads_only=True) as store:
        sql = "INSERT INTO crisisplan_schema (version) VALUES (99) RETURNING version"
        assert store._sql.rows(sql) == [(99,)]  # psycopg ran it: read-only refused it here
        assert store.handed_off
    with psycopg.connect(shared) as conn:
        found = conn.execute("SELECT count(*) FROM crisisplan_schema WHERE version = 99")
        assert found.fetchone() == (1,)  # once, not twice


def test_integers_are_typed_as_psycopg_types_them(shared: str) -> None:
    busy_incident()
    sql = "SELECT pg_typeof(?)::text, pg_typeof(?)::text, pg_typeof(?)::text, pg_typeof(?)::text"
    params = (7, 70_000, 2**40, True)
    with open_store(shared, reads_only=True) as light, open_postgres(shared, "shared") as full:
        assert light._sql.rows(sql, params) == full.runner.rows(sql, params)
        assert not light.handed_off


def test_tab_gives_up_quietly_on_a_server_that_never_answers(
    shared: str, postgres_server: PgServer
) -> None:
    busy_incident()
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts, never says a word
        port = silent.getsockname()[1]
        url = shared.replace(f":{postgres_server.port}/", f":{port}/")
        started = time.monotonic()
        assert completions("update", "--incident", "", db=url) == []
        assert time.monotonic() - started < 2.5


def test_tab_gives_up_quietly_while_the_incidents_are_locked(shared: str) -> None:
    busy_incident()
    with psycopg.connect(shared) as holder:  # a migration, say, holding the table
        holder.execute("LOCK TABLE incidents IN ACCESS EXCLUSIVE MODE")
        started = time.monotonic()
        assert completions("update", "--incident", "") == []
        assert time.monotonic() - started < 2.5
