"""The incident log on a shared PostgreSQL server, for a team spread over machines.

The queries are the portable ones in sql_reads.py and sql_writes.py; what is PostgreSQL's
own lives here and beside it: the paramstyle and riding out a server that restarts or drops
the connection mid-command (postgres_runner.py), migrations under an advisory lock,
`FOR UPDATE` row locks, incident numbers taken under a lock (no gaps, no duplicates), and
NOTIFY on each write for `crisis watch`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import psycopg

from crisisplan.interrupts import held
from crisisplan.store import migrations
from crisisplan.store.base import (
    Contact,
    Event,
    Followup,
    IncidentRow,
    encode_time,
)
from crisisplan.store.errors import PLAIN_HINTS, Hints, LogError
from crisisplan.store.json_codec import encode_json
from crisisplan.store.postgres_errors import statement_error
from crisisplan.store.postgres_runner import CHANNEL, PgRunner
from crisisplan.store.postgres_settings import IDENTITY, settings
from crisisplan.store.sql import EVENT, INCIDENT
from crisisplan.store.sql_reads import SqlReads
from crisisplan.store.sql_writes import SqlTransaction

# pg_advisory_xact_lock keys: "CRIS" and the next number.
MIGRATION_LOCK = migrations.APPLICATION_ID
NUMBERING_LOCK = migrations.APPLICATION_ID + 1


class _PgTransaction(SqlTransaction):
    """The portable writes, with incident numbers taken under a lock of their own."""

    def __init__(self, runner: PgRunner) -> None:
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
        runner: PgRunner,
        *,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(runner)
        self._runner = runner
        self._on_commit = on_commit
        self._listening: psycopg.Connection[Any] | None = None
        self.location = runner.location

    @property
    def runner(self) -> PgRunner:
        """The connection's runner, for a store that hands its reads on to this one."""
        return self._runner

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
                raise self._runner.error(exc) from exc
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
            self._runner.reconnect(exc)
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
        self,
        incidents: list[IncidentRow],
        events: Iterator[Event],
        followups: list[Followup],
        contacts: Sequence[Contact] = (),
    ) -> None:
        """A whole log into this empty one, in one transaction, ids and times kept."""
        with self.transaction() as tx:
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
            # The same rows `followup add` and `contact add` write (the log is empty).
            tx.upsert_followups(followups)
            tx.add_contacts(contacts)
            # New events go on after the copied ones.
            sql.one(
                "SELECT setval(pg_get_serial_sequence('events', 'id'),"
                " (SELECT COALESCE(MAX(id), 0) + 1 FROM events), false)"
            )

    def close(self) -> None:
        """Close the connection; closing twice is harmless."""
        self._runner.conn.close()


def _identity(conn: psycopg.Connection[Any], shown: str, hints: Hints, known: int) -> int:
    """The schema version of the database; 0 when it is empty; an error when it is not ours."""
    row = conn.execute(IDENTITY).fetchone()
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
        conninfo = psycopg.conninfo.make_conninfo(url, connect_timeout=5, **settings())
        return psycopg.connect(conninfo, autocommit=True)

    runner = PgRunner(connect, shown, hints, urlsplit(url).password)
    try:
        _migrate(runner.conn, shown, hints, create=create)
    except psycopg.Error as exc:
        runner.conn.close()
        raise statement_error(exc, shown, hints, kept=None, password=runner.password) from exc
    except BaseException:
        runner.conn.close()
        raise
    return PostgresStore(runner, on_commit=on_commit)
