"""Running the portable SQL on a psycopg connection, and riding out a server that goes
away mid-command.

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
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import psycopg

from crisisplan.store.errors import Hints, LogError, not_recorded
from crisisplan.store.postgres_errors import (
    changed_meanwhile,
    connect_error,
    connection_lost,
    is_transient,
    statement_error,
    unknown_outcome,
)

CHANNEL = "crisis_log"  # NOTIFY channel: `crisis watch` listens on it
RECONNECT_FOR = 10.0  # seconds to keep trying while a server restarts (a failover takes a few)
OPEN_PATIENCE = 3.0  # at the start of a command: a server that is simply down says so soon
TRIES = 5  # runs of one transaction after serialization failures or lost connections

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


class PgRunner:
    """Runs portable SQL on a psycopg connection; errors come out as LogErrors."""

    row_lock = " FOR UPDATE"
    json_cast = "::json"

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
                    raise self.error(exc) from exc
                if self.journal is None:
                    self.reconnect(exc)  # a read on its own: simply ask again
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

    def error(self, exc: psycopg.Error) -> LogError:
        """A driver error as a LogError, saying what this store has recorded."""
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

    def reconnect(self, exc: psycopg.Error) -> None:
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
                self.reconnect(exc)
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
                    raise self.error(again) from again
                exc = again
                continue
            else:
                self.journal = journal
                return
        self.journal = journal
        raise self.error(exc) from exc

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
                    raise self.error(exc) from exc
                self.reconnect(exc)
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
                    raise self.error(exc) from exc
                if lost:
                    try:
                        self.reconnect(exc)
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
