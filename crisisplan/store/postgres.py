"""The incident log on a shared PostgreSQL server, for a team spread over machines.

The queries are the portable ones in sql_reads.py and sql_writes.py; what is PostgreSQL's
own lives here: the paramstyle, migrations under an advisory lock, `FOR UPDATE` row locks,
incident numbers taken under a lock (no gaps, no duplicates), NOTIFY on each write, and
riding out a server that restarts or drops the connection mid-command.

A transaction is journalled statement by statement. When the connection drops before
COMMIT, or PostgreSQL reports a serialization failure or deadlock, a new connection replays
the journal (new events keep the ids they were given) and checks that every read returns
what it returned the first time; if one does not, nothing is recorded and the user is told
so. When the reply to COMMIT is lost, the transaction's first write key tells whether it
arrived, so a retry never records a change twice.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

import psycopg

from crisisplan.interrupts import held
from crisisplan.store import migrations
from crisisplan.store.base import (
    Event,
    Followup,
    IncidentRow,
    email_key,
    encode_json,
    encode_optional_time,
    encode_time,
)
from crisisplan.store.errors import PLAIN_HINTS, Hints, LogError, not_recorded
from crisisplan.store.postgres_errors import (
    changed_meanwhile,
    connect_error,
    connection_lost,
    is_transient,
    statement_error,
    unknown_outcome,
)
from crisisplan.store.sql import EVENT, INCIDENT
from crisisplan.store.sql_reads import SqlReads
from crisisplan.store.sql_writes import SqlTransaction

CHANNEL = "crisis_log"  # NOTIFY channel: `crisis watch` listens on it
STATEMENT_TIMEOUT_MS = 30_000  # as long as SQLite's busy timeout: a bulk run may hold a lock
RECONNECT_FOR = 10.0  # seconds to keep trying while a server restarts (a failover takes a few)
OPEN_PATIENCE = 3.0  # at the start of a command: a server that is simply down says so soon
TRIES = 5  # runs of one transaction after serialization failures or lost connections
# pg_advisory_xact_lock keys: "CRIS" and the next number.
MIGRATION_LOCK = migrations.APPLICATION_ID
NUMBERING_LOCK = migrations.APPLICATION_ID + 1

_INSERT = re.compile(r"^INSERT INTO (\w+) \((.*?)\) VALUES \(", re.DOTALL)


@lru_cache(maxsize=256)
def _pg(sql: str) -> str:
    """The portable SQL's `?` placeholders in psycopg's paramstyle; literal % escaped."""
    return sql.replace("%", "%%").replace("?", "%s")


@lru_cache(maxsize=64)
def _with_id(sql: str) -> str:
    """An INSERT that lets the database pick the id, made to give the id itself."""
    return _INSERT.sub(r"INSERT INTO \1 (id, \2) VALUES (%s, ", sql, count=1)


class _Changed(Exception):
    """A replayed read returned something else than the first time."""


@dataclass(frozen=True)
class _Step:
    kind: str  # rows, one, run, many, insert
    sql: str
    params: Any
    result: Any


class _PgRunner:
    """Runs portable SQL on a psycopg connection; errors come out as LogErrors."""

    row_lock = " FOR UPDATE"

    def __init__(
        self,
        connect: Callable[[], psycopg.Connection[Any]],
        location: str,
        hints: Hints,
        password: str | None,
    ) -> None:
        self._connect = connect
        self.location = location
        self.hints = hints
        self.password = password
        self.conn = connect_with_patience(connect, location, hints, password, OPEN_PATIENCE)
        self.journal: list[_Step] | None = None  # the open transaction's statements
        self.changed = False  # the open transaction changed something
        self.committed = False  # a transaction of this store has committed a change
        self.reconnected = 0

    # The SqlRunner protocol.

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Every row of a query."""
        result: list[tuple[Any, ...]] = self._execute("rows", _pg(sql), params)
        return result

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        """The first row of a query, or None."""
        result: tuple[Any, ...] | None = self._execute("one", _pg(sql), params)
        return result

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run a statement; how many rows it changed."""
        count: int = self._execute("run", _pg(sql), params)
        return count

    def run_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run a statement once for each row of parameters."""
        self._execute("many", _pg(sql), list(rows))

    def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run an INSERT into a table with a generated id; the new row's id."""
        new_id: int = self._execute("insert", _pg(sql), params)
        return new_id

    # Running, retrying and replaying.

    def _do(self, kind: str, sql: str, params: Any, replaying: Any = None) -> Any:
        conn = self.conn
        if kind == "rows":
            return conn.execute(sql, params).fetchall()
        if kind == "one":
            return conn.execute(sql, params).fetchone()
        if kind == "run":
            return conn.execute(sql, params).rowcount
        if kind == "many":
            with conn.cursor() as cur:
                cur.executemany(sql, params)
            return None
        if replaying is not None:  # the same id again: the sequence never hands it out twice
            row = conn.execute(_with_id(sql) + " RETURNING id", [replaying, *params]).fetchone()
        else:
            row = conn.execute(sql + " RETURNING id", params).fetchone()
        if row is None:
            raise psycopg.DataError("INSERT gave no id")
        return int(row[0])

    def _execute(self, kind: str, sql: str, params: Any) -> Any:
        tries = 0
        while True:
            try:
                result = self._do(kind, sql, params)
            except psycopg.Error as exc:
                tries += 1
                if tries >= TRIES or not is_transient(exc):
                    raise self._error(exc) from exc
                if self.journal is None:
                    self._reconnect(exc)  # a read on its own: simply ask again
                else:
                    self._recover(exc)
                continue
            except UnicodeEncodeError as exc:
                raise self._unicode(exc) from exc
            if self.journal is not None:
                self.journal.append(_Step(kind, sql, params, result))
                if kind in ("run", "many", "insert"):
                    self.changed = True
            return result

    def _error(self, exc: psycopg.Error) -> LogError:
        kept = self.committed if self.journal is not None else None
        return statement_error(exc, self.location, self.hints, kept=kept, password=self.password)

    def _unicode(self, exc: UnicodeEncodeError) -> LogError:
        return LogError(
            f"Cannot store text that is not valid Unicode ({exc.object[exc.start : exc.end]!a})"
            f" in {self.location}.{not_recorded(self.committed)}",
            path=self.location,
            hint="Check the character encoding of the terminal or the file (UTF-8 expected).",
            kept=self.committed,
        )

    def _reconnect(self, exc: psycopg.Error) -> None:
        """A new connection, if the old one is gone; tried for RECONNECT_FOR seconds."""
        if not self.conn.closed and not self.conn.broken and not connection_lost(exc):
            return
        with suppress(psycopg.Error):
            self.conn.close()
        self.conn = connect_with_patience(self._connect, self.location, self.hints, self.password)
        self.reconnected += 1

    def _recover(self, exc: psycopg.Error) -> None:
        """The transaction was lost: begin it again on a live connection and replay it,
        TRIES times at most (the server may go away again meanwhile)."""
        journal = self.journal or []
        for _ in range(TRIES):
            try:
                self._reconnect(exc)
                self.rollback()
                self._begin()
                for step in journal:
                    replaying = step.result if step.kind == "insert" else None
                    if self._do(step.kind, step.sql, step.params, replaying) != step.result:
                        raise _Changed
            except _Changed:
                self.rollback()
                raise changed_meanwhile(self.location, kept=self.committed) from exc
            except psycopg.Error as again:
                if not is_transient(again):
                    self.journal = journal
                    raise self._error(again) from again
                exc = again
                continue
            else:
                self.journal = journal
                return
        self.journal = journal
        raise self._error(exc) from exc

    # Transactions.

    def _begin(self) -> None:
        self.conn.execute("BEGIN ISOLATION LEVEL READ COMMITTED")

    def begin(self) -> None:
        """Begin a write transaction, reconnecting first if the connection was lost."""
        tries = 0
        while True:
            try:
                self._begin()
                break
            except psycopg.Error as exc:
                tries += 1
                if tries >= TRIES or not connection_lost(exc):
                    raise self._error(exc) from exc
                self._reconnect(exc)
        self.journal = []
        self.changed = False

    def commit(self, first_key: str | None) -> None:
        """Commit, announcing the change; a lost reply is resolved by the write key."""
        tries = 0
        while True:
            try:
                if self.changed:
                    self.conn.execute(f"NOTIFY {CHANNEL}")
                self.conn.execute("COMMIT")
                break
            except psycopg.Error as exc:
                tries += 1
                lost = connection_lost(exc)
                if tries >= TRIES or not is_transient(exc):
                    if lost:
                        raise unknown_outcome(self.location) from exc
                    raise self._error(exc) from exc
                if lost:
                    try:
                        self._reconnect(exc)
                        if first_key is not None and self._recorded(first_key):
                            break  # the first COMMIT arrived; only its answer was lost
                    except (LogError, psycopg.Error) as gone:
                        raise unknown_outcome(self.location) from gone
                try:
                    self._recover(exc)
                except LogError:
                    if first_key is None and connection_lost(exc):
                        raise unknown_outcome(self.location) from exc
                    raise
        self.journal = None

    def _recorded(self, key: str) -> bool:
        row = self.conn.execute("SELECT 1 FROM events WHERE write_key = %s", (key,)).fetchone()
        return row is not None

    def rollback(self) -> None:
        """End the open transaction without recording it (nothing to do on a lost connection)."""
        self.journal = None
        conn = self.conn
        if not conn.closed and conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            with suppress(psycopg.Error):
                conn.execute("ROLLBACK")


class _PgTransaction(SqlTransaction):
    """The portable writes, with incident numbers taken under a lock of their own."""

    def __init__(self, runner: _PgRunner) -> None:
        super().__init__(runner)
        self._runner = runner

    def new_incident(self, *, opened_at: datetime, state: Any) -> str:
        """Open an incident numbered after every other one ("INC-1", "INC-2", ...)."""
        # Row locks cannot guard MAX(number) + 1: two agents declaring at once would both
        # read the same maximum. This lock, held until the end of the transaction, makes
        # them take turns; a rolled-back declaration leaves no gap.
        self._runner.one("SELECT pg_advisory_xact_lock(?)", (NUMBERING_LOCK,))
        return super().new_incident(opened_at=opened_at, state=state)


class PostgresStore(SqlReads):
    """An open incident log on a PostgreSQL server."""

    def __init__(
        self,
        runner: _PgRunner,
        *,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(runner)
        self._runner = runner
        self._on_commit = on_commit
        self._listening: psycopg.Connection[Any] | None = None
        self.location = runner.location

    @property
    def committed(self) -> bool:
        """Whether a transaction of this store has committed a change since it was opened."""
        return self._runner.committed

    @contextmanager
    def transaction(self) -> Iterator[SqlTransaction]:
        """One command's writes, committed once or not at all."""
        runner = self._runner
        if runner.journal is not None:
            raise RuntimeError("a transaction is already open on this store")
        runner.begin()
        try:
            tx = _PgTransaction(runner)
            yield tx
            with held():  # so what Ctrl-C says was kept is what was kept
                changed = runner.changed
                runner.commit(tx.first_key)
                if changed:
                    runner.committed = True
                    if self._on_commit is not None:
                        self._on_commit()
        except BaseException:
            runner.rollback()
            raise

    def wait_for_change(self, timeout: float) -> bool:
        """Block until another connection commits a change to the log, or `timeout`
        seconds pass; True when something changed. Cheap while idle."""
        conn = self._runner.conn
        if self._listening is not conn:
            try:
                conn.execute(f"LISTEN {CHANNEL}")
            except psycopg.Error as exc:
                raise self._runner._error(exc) from exc
            self._listening = conn
        mine = conn.info.backend_pid
        deadline = time.monotonic() + timeout
        try:
            while (left := deadline - time.monotonic()) > 0:
                for notice in conn.notifies(timeout=left, stop_after=1):
                    if notice.pid != mine:
                        return True
            return False
        except psycopg.Error as exc:
            # The server went away: come back, and say "changed", since it may have.
            self._runner._reconnect(exc)
            return True

    def describe(self) -> dict[str, Any]:
        """Backend, schema version, server version and size, for `crisis db info`."""
        row = self._runner.one(
            "SELECT (SELECT version FROM crisisplan_schema), current_setting('server_version'),"
            " pg_database_size(current_database())"
        )
        assert row is not None
        return {
            "backend": "postgresql",
            "location": self.location,
            "schema_version": int(row[0]),
            "server_version": f"PostgreSQL {row[1]}",
            "size_bytes": int(row[2]),
        }

    def import_log(
        self, incidents: list[IncidentRow], events: Iterator[Event], followups: list[Followup]
    ) -> None:
        """A whole log into this empty one, in one transaction, ids and times kept."""
        with self.transaction():
            sql = self._runner
            sql.run_many(
                f"INSERT INTO incidents ({INCIDENT}) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    (
                        r.id,
                        r.number,
                        encode_time(r.opened_at),
                        int(r.is_open),
                        encode_json(r.state),
                        encode_time(r.updated_at),
                    )
                    for r in incidents
                ),
            )
            sql.run_many(
                f"INSERT INTO events ({EVENT}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    (
                        e.id,
                        e.incident_id,
                        e.kind,
                        encode_time(e.at),
                        encode_time(e.recorded_at),
                        e.who,
                        e.channel,
                        encode_json(e.payload),
                    )
                    for e in events
                ),
            )
            sql.run_many(
                "INSERT INTO followups (incident_id, email, email_as_given, name, tier,"
                " open_case, note, added_at, contacted_at, done_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    (
                        f.incident_id,
                        email_key(f.email),
                        f.email,
                        f.name,
                        f.tier,
                        int(f.open_case),
                        f.note,
                        encode_time(f.added_at),
                        encode_optional_time(f.contacted_at),
                        encode_optional_time(f.done_at),
                    )
                    for f in followups
                ),
            )
            # New events go on after the copied ones.
            sql.one(
                "SELECT setval(pg_get_serial_sequence('events', 'id'),"
                " (SELECT COALESCE(MAX(id), 0) + 1 FROM events), false)"
            )

    def close(self) -> None:
        """Close the connection; closing twice is harmless."""
        self._runner.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def connect_with_patience(
    connect: Callable[[], psycopg.Connection[Any]],
    shown: str,
    hints: Hints,
    password: str | None,
    patience: float = RECONNECT_FOR,
) -> psycopg.Connection[Any]:
    """A connection; a server that is restarting gets `patience` seconds to come back."""
    deadline = time.monotonic() + patience
    pause = 0.05
    while True:
        try:
            return connect()
        except psycopg.Error as exc:
            if not connection_lost(exc) or time.monotonic() + pause > deadline:
                raise connect_error(exc, shown, hints, password) from exc
            time.sleep(pause)
            pause = min(pause * 2, 1.0)


def _identity(conn: psycopg.Connection[Any], shown: str, hints: Hints, known: int) -> int:
    """The schema version of the database; 0 when it is empty; an error when it is not ours."""
    row = conn.execute(
        "SELECT to_regclass('crisisplan_schema') IS NOT NULL,"
        " (SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema())"
    ).fetchone()
    assert row is not None
    ours, tables = bool(row[0]), int(row[1])
    if ours:
        found = conn.execute("SELECT version FROM crisisplan_schema").fetchone()
        version = 0 if found is None else int(found[0])
        if version > known:
            raise LogError(
                f"{shown} was written by a newer crisis (schema {version}; this one reads up"
                f" to {known}); it was left untouched.",
                path=shown,
                hint="Upgrade crisis.",
            )
        return version
    if tables == 0:
        return 0
    raise LogError(
        f"{shown} holds tables of another application, not a crisisplan incident log;"
        " it was left untouched.",
        path=shown,
        hint=hints.elsewhere,
    )


def _migrate(conn: psycopg.Connection[Any], shown: str, hints: Hints, *, create: bool) -> None:
    registry = migrations.MIGRATIONS
    migrations.check_registry(registry)
    known = migrations.latest_version(registry)
    version = _identity(conn, shown, hints, known)
    if version == 0 and not create:
        raise LogError(f"There is no incident log in {shown}.", path=shown, hint=hints.missing)
    for migration in registry[version:]:
        with conn.transaction():
            # Several agents' first commands at once: one migrates, the others wait here
            # and then find it done.
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            current = _identity(conn, shown, hints, known)
            if current >= migration.version:
                continue
            if current == 0:
                conn.execute("CREATE TABLE crisisplan_schema (version INTEGER NOT NULL)")
                conn.execute("INSERT INTO crisisplan_schema VALUES (0)")
            for statement in migration.sql("postgresql"):
                conn.execute(statement.encode())  # DDL: no parameters, % is literal
            conn.execute("UPDATE crisisplan_schema SET version = %s", (migration.version,))


def open_postgres(
    url: str,
    shown: str,
    *,
    create: bool = True,
    hints: Hints = PLAIN_HINTS,
    on_commit: Callable[[], None] | None = None,
) -> PostgresStore:
    """Open the incident log in the database a postgresql:// URL names, migrating it."""

    def connect() -> psycopg.Connection[Any]:
        # Credentials come from the URL, libpq's environment or ~/.pgpass, never from us.
        return psycopg.connect(
            url,
            autocommit=True,
            connect_timeout=5,
            application_name="crisis",
            options=f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
        )

    runner = _PgRunner(connect, shown, hints, urlsplit(url).password)
    try:
        _migrate(runner.conn, shown, hints, create=create)
    except psycopg.Error as exc:
        runner.conn.close()
        raise statement_error(exc, shown, hints, kept=None, password=runner.password) from exc
    except BaseException:
        runner.conn.close()
        raise
    return PostgresStore(runner, on_commit=on_commit)
