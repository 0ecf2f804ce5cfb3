"""The incident log in one SQLite file.

The queries are the portable ones in sql_reads.py and sql_writes.py; what is SQLite's own
lives here and beside it: making sure a file is ours before touching it and the pragmas
that make every commit durable (sqlite_file.py), migrating on open, the write lock, and
what SQLite's error codes mean to the user (sqlite_errors.py).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import apsw

from crisisplan.interrupts import held
from crisisplan.store import migrations
from crisisplan.store.errors import PLAIN_HINTS, Hints, LogError, not_recorded
from crisisplan.store.sql_reads import SqlReads
from crisisplan.store.sql_writes import SqlTransaction
from crisisplan.store.sqlite_errors import BUSY_TIMEOUT, read_only_error, translate
from crisisplan.store.sqlite_file import (
    check_identity,
    connect,
    migrate,
    prepare_file,
    use_wal,
)

_CHANGE_POLL = 0.15  # seconds between looks for another connection's commit
_OLDEST_SQLITE = (3, 24, 0)  # INSERT ... ON CONFLICT DO UPDATE; row values need only 3.15


class _SqliteRunner:
    """Runs portable SQL on an apsw connection; database errors become LogErrors."""

    row_lock = ""  # BEGIN IMMEDIATE already holds the whole database's write lock
    json_cast = ""

    def __init__(
        self, conn: apsw.Connection, location: str, busy_timeout: float, hints: Hints
    ) -> None:
        self.conn = conn
        self.location = location
        self.busy_timeout = busy_timeout
        self.hints = hints
        self.writing = False
        self.committed = False  # a transaction of this store has committed a change

    def _execute(self, sql: str, params: Sequence[Any], *, many: bool = False) -> apsw.Cursor:
        try:
            if many:
                return self.conn.executemany(sql, params)
            return self.conn.execute(sql, params)
        except apsw.Error as exc:
            kept = self.committed if self.writing else None
            raise translate(
                exc, self.location, self.hints, kept=kept, busy_timeout=self.busy_timeout
            ) from exc
        except UnicodeEncodeError as exc:
            raise LogError(
                f"Cannot store text that is not valid Unicode ({exc.object[exc.start : exc.end]!a})"
                f" in {self.location}.{not_recorded(self.committed)}",
                path=self.location,
                hint="Check the character encoding of the terminal or the file (UTF-8 expected).",
                kept=self.committed,
            ) from exc

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Every row of a query."""
        return self._execute(sql, params).fetchall()

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        """The first row of a query, or None."""
        row: tuple[Any, ...] | None = self._execute(sql, params).fetchone()
        return row

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run a statement; how many rows it changed."""
        self._execute(sql, params)
        return self.conn.changes()

    def run_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run a statement once for each row of parameters."""
        self._execute(sql, list(rows), many=True)

    def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run an INSERT into a table with a generated id; the new row's id."""
        self._execute(sql, params)
        return self.conn.last_insert_rowid()


class SqliteStore(SqlReads):
    """An open SQLite incident log; read-only when the file or its folder is."""

    def __init__(
        self,
        conn: apsw.Connection,
        location: str,
        *,
        read_only: bool,
        busy_timeout: float = BUSY_TIMEOUT,
        hints: Hints = PLAIN_HINTS,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self._runner = _SqliteRunner(conn, location, busy_timeout, hints)
        super().__init__(self._runner)
        self._conn = conn
        self._on_commit = on_commit
        self.location = location
        self.read_only = read_only
        self._seen_version: int | None = None  # PRAGMA data_version, for wait_for_change

    @property
    def committed(self) -> bool:
        """Whether a transaction of this store has committed a change since it was opened."""
        return self._runner.committed

    @contextmanager
    def transaction(self) -> Iterator[SqlTransaction]:
        """One command's writes under the write lock; committed once, or rolled back."""
        if self.read_only:
            raise read_only_error(self.location, self._runner.hints, kept=self.committed)
        if self._conn.in_transaction:
            raise RuntimeError("a transaction is already open on this store")
        self._runner.writing = True
        try:
            # IMMEDIATE takes the write lock now, so a read-modify-write inside waits its
            # turn (busy timeout) instead of failing with SQLITE_BUSY at its first write.
            self._runner.run("BEGIN IMMEDIATE")
            changes = self._conn.total_changes()
            try:
                yield SqlTransaction(self._runner)
                with held():  # so what Ctrl-C says was kept is what was kept
                    self._runner.run("COMMIT")
                    if self._conn.total_changes() != changes:
                        self._runner.committed = True
                        if self._on_commit is not None:
                            self._on_commit()
            except BaseException:
                self._rollback()
                raise
        finally:
            self._runner.writing = False

    def _rollback(self) -> None:
        # SQLite may have rolled back by itself (disk full); closing would finish it anyway.
        if self._conn.in_transaction:
            with suppress(apsw.Error):
                self._conn.execute("ROLLBACK")

    def wait_for_change(self, timeout: float) -> bool:
        """Block until another connection commits a change to the log, or `timeout`
        seconds pass; True when something changed. Cheap while idle."""
        # PRAGMA data_version changes when another connection commits to the file, not
        # when this one does. Asked on the connection kept open, a few times a second,
        # it costs a look at the WAL index: no file is read, no lock waited on.
        deadline = time.monotonic() + timeout
        if self._seen_version is None:  # the first call: changes are seen from now on
            self._seen_version = self._data_version()
        while True:
            version = self._data_version()
            if version != self._seen_version:
                self._seen_version = version
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(_CHANGE_POLL, left))

    def _data_version(self) -> int:
        row = self._runner.one("PRAGMA data_version")
        return 0 if row is None else int(row[0])

    def close(self) -> None:
        """Close the connection; closing twice is harmless."""
        self._conn.close()


def open_sqlite(
    path: str | Path,
    *,
    create: bool = True,
    busy_timeout: float = BUSY_TIMEOUT,
    hints: Hints = PLAIN_HINTS,
    on_commit: Callable[[], None] | None = None,
) -> SqliteStore:
    """Open the incident log in an SQLite file, creating and migrating it as needed.

    `hints` word what a person can do about a log that cannot be used; `on_commit` is
    called each time a transaction commits a change, while Ctrl-C is held.
    """
    path = Path(path).expanduser()
    location = str(path)
    library = apsw.sqlite_lib_version()
    if tuple(int(part) for part in library.split(".")[:3]) < _OLDEST_SQLITE:
        raise LogError(
            f"This crisis needs SQLite {'.'.join(map(str, _OLDEST_SQLITE))} or newer to use "
            f"{location}; it runs on SQLite {library}.",
            path=location,
            hint="Reinstall crisis so that it gets apsw's wheel, which bundles a current SQLite.",
        )
    registry = migrations.MIGRATIONS
    migrations.check_registry(registry)
    known = migrations.latest_version(registry)
    empty = prepare_file(path, location, hints, create=create)
    writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
    if not empty or not writable:
        # A read-only look first: until we know the file is ours, nothing we do may write
        # to it, not even the checkpoint SQLite runs when a writer closes.
        probe = connect(path, location, hints, busy_timeout, read_only=True)
        try:
            version = check_identity(probe, location, hints, known, in_transaction=False)
            if not writable and version < known:
                raise LogError(
                    f"{location} is read-only, and it needs setting up for this crisis "
                    f"(schema {version} -> {known}).",
                    path=location,
                    hint=hints.write_access,
                )
        except BaseException:
            probe.close()
            raise
        if not writable:
            return SqliteStore(
                probe,
                location,
                read_only=True,
                busy_timeout=busy_timeout,
                hints=hints,
                on_commit=on_commit,
            )
        probe.close()
    conn = connect(path, location, hints, busy_timeout, read_only=False)
    try:
        use_wal(conn, location, hints, busy_timeout)
        migrate(conn, location, hints, registry, busy_timeout)
    except BaseException:
        conn.close()
        raise
    return SqliteStore(
        conn, location, read_only=False, busy_timeout=busy_timeout, hints=hints, on_commit=on_commit
    )
