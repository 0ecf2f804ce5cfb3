"""The incident log in one SQLite file.

The queries are the portable ones in base.py; what is SQLite's own lives here: making sure
a file is ours before touching it, the pragmas that make every commit durable, migrating
on open, the write lock, and what SQLite's error codes mean to the user.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import stat
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from crisisplan.errors import StoreError
from crisisplan.interrupts import anything_recorded, held, note_recorded
from crisisplan.store import migrations
from crisisplan.store.sql import SqlReads, SqlTransaction

BUSY_TIMEOUT = 30.0
_OLDEST_SQLITE = (3, 24, 0)  # INSERT ... ON CONFLICT DO UPDATE; row values need only 3.15
_MAGIC = b"SQLite format 3\x00"
_HEADER_SIZE = 100

# Primary result codes (https://sqlite.org/rescode.html); extended codes carry them in
# their low byte.
_PERM, _BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT = 3, 5, 6, 8, 10, 11
_FULL, _CANTOPEN, _CONSTRAINT, _AUTH, _NOTADB = 13, 14, 19, 23, 26
_READONLY_DIRECTORY = 1544

_POINT_ELSEWHERE = "Point --db or $CRISIS_DB at the incident log, or at a new file."
_ASK_FOR_ACCESS = "Ask for write access to the file and its folder, or point --db elsewhere."
_DISK_FULL = ("The disk holding {location} is full.", "Free some space and run the command again.")
_CANNOT_OPEN = (
    "Cannot open {location} ({exc}).",
    "Check that the file and its folder exist and that you may read and write them.",
)
_LOCKED_TOO_LONG = (
    "{location} is locked: another process kept it busy for more than {timeout:g} seconds.",
    "Run the command again; if this keeps happening, look for a stuck process using the file.",
)
# What each SQLite failure means to the person at the terminal, and what they can do.
_MEANINGS: dict[int, tuple[str, str | None]] = {
    _FULL: _DISK_FULL,
    _BUSY: _LOCKED_TOO_LONG,
    _LOCKED: _LOCKED_TOO_LONG,
    _PERM: _CANNOT_OPEN,
    _AUTH: _CANNOT_OPEN,
    _CANTOPEN: _CANNOT_OPEN,
    _CORRUPT: (
        "{location} is damaged (SQLite says: {exc}).",
        "Restore it from a backup; `sqlite3 FILE .recover` can often save the events.",
    ),
    _IOERR: (
        "Could not read or write {location}: disk I/O error ({exc}).",
        "Check the disk and run the command again.",
    ),
    _CONSTRAINT: ("The incident log at {location} refused a write ({exc}).", None),
}
_UNEXPECTED = (
    "The incident log at {location} failed: {exc}.",
    "Run the command again; if it fails again, report it with CRISIS_DEBUG=1 output.",
)


def _primary(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def _translate(
    exc: sqlite3.Error, location: str, *, writing: bool, busy_timeout: float = BUSY_TIMEOUT
) -> StoreError:
    """An sqlite3 error -> a StoreError that says what happened to the file and what to do."""
    code = _primary(exc)
    if code == _READONLY:
        return _read_only_error(location)
    if code == _NOTADB:
        return _not_sqlite_error(location)
    message, hint = _MEANINGS.get(code or 0, _UNEXPECTED)
    text = message.format(location=location, exc=exc, timeout=busy_timeout)
    return StoreError(text + (_not_recorded() if writing else ""), hint=hint)


def _not_recorded() -> str:
    """What a failed write leaves: nothing, or what the command recorded before it."""
    if anything_recorded():
        return " This change was not recorded; what the command recorded before it is kept."
    return " Nothing was recorded."


def _read_only_error(location: str) -> StoreError:
    return StoreError(
        f"{location} is read-only, so it cannot be written.{_not_recorded()}",
        hint=_ASK_FOR_ACCESS,
    )


def _not_sqlite_error(location: str) -> StoreError:
    return StoreError(
        f"{location} is not an SQLite database, so it is not a crisisplan incident log; "
        "it was left untouched.",
        hint=_POINT_ELSEWHERE,
    )


def _os_error(exc: OSError, location: str, doing: str) -> StoreError:
    if exc.errno == errno.ENOSPC:
        return StoreError(
            _DISK_FULL[0].format(location=location) + _not_recorded(), hint=_DISK_FULL[1]
        )
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        hint = "Check the permissions of the file and its folder, or point --db elsewhere."
    else:
        hint = _POINT_ELSEWHERE
    return StoreError(f"Cannot {doing} {location}: {exc.strerror or exc}.", hint=hint)


class _SqliteRunner:
    """Runs portable SQL on a sqlite3 connection; database errors become StoreErrors."""

    row_lock = ""  # BEGIN IMMEDIATE already holds the whole database's write lock

    def __init__(self, conn: sqlite3.Connection, location: str, busy_timeout: float) -> None:
        self.conn = conn
        self.location = location
        self.busy_timeout = busy_timeout
        self.writing = False

    def _execute(self, sql: str, params: Sequence[Any], *, many: bool = False) -> sqlite3.Cursor:
        try:
            if many:
                return self.conn.executemany(sql, params)
            return self.conn.execute(sql, params)
        except sqlite3.Error as exc:
            raise _translate(
                exc, self.location, writing=self.writing, busy_timeout=self.busy_timeout
            ) from exc
        except UnicodeEncodeError as exc:
            raise StoreError(
                f"Cannot store text that is not valid Unicode ({exc.object[exc.start : exc.end]!a})"
                f" in {self.location}.{_not_recorded()}",
                hint="Check the character encoding of the terminal or the file (UTF-8 expected).",
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
        return self._execute(sql, params).rowcount

    def run_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run a statement once for each row of parameters."""
        self._execute(sql, list(rows), many=True)

    def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run an INSERT into a table with a generated id; the new row's id."""
        new_id = self._execute(sql, params).lastrowid
        if new_id is None:  # sqlite3 sets it after every INSERT; this is for the type checker
            raise StoreError(f"{self.location} gave no id for a new row.{_not_recorded()}")
        return new_id


class SqliteStore(SqlReads):
    """An open SQLite incident log; read-only when the file or its folder is."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        location: str,
        *,
        read_only: bool,
        busy_timeout: float = BUSY_TIMEOUT,
    ) -> None:
        self._runner = _SqliteRunner(conn, location, busy_timeout)
        super().__init__(self._runner)
        self._conn = conn
        self.location = location
        self.read_only = read_only

    @contextmanager
    def transaction(self) -> Iterator[SqlTransaction]:
        """One command's writes under the write lock; committed once, or rolled back."""
        if self.read_only:
            raise _read_only_error(self.location)
        if self._conn.in_transaction:
            raise RuntimeError("a transaction is already open on this store")
        self._runner.writing = True
        try:
            # IMMEDIATE takes the write lock now, so a read-modify-write inside waits its
            # turn (busy timeout) instead of failing with SQLITE_BUSY at its first write.
            self._runner.run("BEGIN IMMEDIATE")
            changes = self._conn.total_changes
            try:
                yield SqlTransaction(self._runner)
                with held():  # so what Ctrl-C says was kept is what was kept
                    self._runner.run("COMMIT")
                    if self._conn.total_changes != changes:
                        note_recorded()
            except BaseException:
                self._rollback()
                raise
        finally:
            self._runner.writing = False

    def _rollback(self) -> None:
        # SQLite may have rolled back by itself (disk full); closing would finish it anyway.
        if self._conn.in_transaction:
            with suppress(sqlite3.Error):
                self._conn.execute("ROLLBACK")

    def close(self) -> None:
        """Close the connection; closing twice is harmless."""
        self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def open_sqlite(
    path: str | Path, *, create: bool = True, busy_timeout: float = BUSY_TIMEOUT
) -> SqliteStore:
    """Open the incident log in an SQLite file, creating and migrating it as needed."""
    path = Path(path).expanduser()
    location = str(path)
    if sqlite3.sqlite_version_info < _OLDEST_SQLITE:
        raise StoreError(
            f"This crisis needs SQLite {'.'.join(map(str, _OLDEST_SQLITE))} or newer to use "
            f"{location}; this Python has SQLite {sqlite3.sqlite_version}.",
            hint="Install crisis with a newer Python (any official 3.11+ build will do).",
        )
    registry = migrations.MIGRATIONS
    migrations.check_registry(registry)
    known = migrations.latest_version(registry)
    empty = _prepare_file(path, location, create=create)
    writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
    if not empty or not writable:
        # A read-only look first: until we know the file is ours, nothing we do may write
        # to it, not even the checkpoint SQLite runs when a writer closes.
        probe = _connect(path, location, busy_timeout, read_only=True)
        try:
            version = _check_identity(probe, location, known, in_transaction=False)
            if not writable and version < known:
                raise StoreError(
                    f"{location} is read-only, and it needs setting up for this crisis "
                    f"(schema {version} -> {known}).",
                    hint=_ASK_FOR_ACCESS,
                )
        except BaseException:
            probe.close()
            raise
        if not writable:
            return SqliteStore(probe, location, read_only=True, busy_timeout=busy_timeout)
        probe.close()
    conn = _connect(path, location, busy_timeout, read_only=False)
    try:
        _use_wal(conn, location)
        _migrate(conn, location, registry, busy_timeout)
    except BaseException:
        conn.close()
        raise
    return SqliteStore(conn, location, read_only=False, busy_timeout=busy_timeout)


def _prepare_file(path: Path, location: str, *, create: bool) -> bool:
    """Create a missing file (0600, in a 0700 folder); refuse what cannot be ours. True if empty."""
    try:
        info = path.stat()
    except FileNotFoundError:
        if not create:
            raise StoreError(
                f"There is no incident log at {location}.",
                hint="Check --db and $CRISIS_DB; the log is created by the first `crisis start`.",
            ) from None
        _create(path, location)
        return True
    except OSError as exc:
        raise _os_error(exc, location, "open") from exc
    if not stat.S_ISREG(info.st_mode):
        raise StoreError(f"{location} is not a file; it was left untouched.", hint=_POINT_ELSEWHERE)
    try:
        with path.open("rb") as file:
            header = file.read(_HEADER_SIZE)
    except OSError as exc:
        raise _os_error(exc, location, "read") from exc
    if not header:
        return True
    if len(header) < _HEADER_SIZE or not header.startswith(_MAGIC):
        raise _not_sqlite_error(location)
    return False


def _create(path: Path, location: str) -> None:
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise _os_error(exc, location, "create the folder for") from exc
    # The file exists with its final mode before SQLite opens it, and SQLite gives the
    # -wal and -shm files the same mode: customers' names are never world-readable.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    try:
        os.close(os.open(path, flags, 0o600))
    except FileExistsError:
        pass  # another crisis process created it a moment ago; migration sorts out who sets it up
    except OSError as exc:
        raise _os_error(exc, location, "create") from exc


def _connect(
    path: Path, location: str, busy_timeout: float, *, read_only: bool
) -> sqlite3.Connection:
    try:
        if read_only:
            conn = _connect_read_only(path, busy_timeout)
        else:
            conn = sqlite3.connect(path, isolation_level=None, timeout=busy_timeout)
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        conn.execute("PRAGMA foreign_keys = ON")
        # FULL: NORMAL keeps the file consistent but may lose the last commits on power
        # loss, and the log is the record apologies are built from.
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA mmap_size = 0")  # no mmap with several writing processes
    except sqlite3.Error as exc:
        raise _translate(exc, location, writing=False, busy_timeout=busy_timeout) from exc
    return conn


def _connect_read_only(path: Path, busy_timeout: float) -> sqlite3.Connection:
    uri = path.resolve().as_uri()
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, isolation_level=None, timeout=busy_timeout)
    try:
        conn.execute("PRAGMA user_version").fetchone()  # the first read opens the WAL index
    except sqlite3.Error as exc:
        conn.close()
        code = getattr(exc, "sqlite_errorcode", None)
        no_wal = not Path(f"{path}-wal").exists()
        if not (no_wal and (code == _READONLY_DIRECTORY or _primary(exc) == _CANTOPEN)):
            raise
        # A read-only folder without a -wal file: no one can be writing (a writer needs
        # that file there), so the file may be read as immutable.
        conn = sqlite3.connect(
            f"{uri}?immutable=1", uri=True, isolation_level=None, timeout=busy_timeout
        )
    return conn


def _identity(conn: sqlite3.Connection) -> tuple[int, int, int]:
    def value(sql: str) -> int:
        row = conn.execute(sql).fetchone()
        return int(row[0]) if row else 0

    return (
        value("PRAGMA application_id"),
        value("PRAGMA user_version"),
        value("SELECT COUNT(*) FROM sqlite_master"),
    )


def _check_identity(
    conn: sqlite3.Connection, location: str, known: int, *, in_transaction: bool
) -> int:
    """Raise unless the file is ours (or brand-new) and no newer than we know; its version."""
    try:
        if in_transaction:
            app_id, version, objects = _identity(conn)
        else:
            conn.execute("BEGIN")  # one snapshot for the three values
            try:
                app_id, version, objects = _identity(conn)
            finally:
                conn.execute("COMMIT")
    except sqlite3.Error as exc:
        raise _translate(exc, location, writing=False) from exc
    if app_id == migrations.APPLICATION_ID:
        if version > known:
            raise StoreError(
                f"{location} was written by a newer crisis (schema {version}; this one reads "
                f"up to {known}); it was left untouched.",
                hint="Upgrade crisis.",
            )
        return version
    if app_id == 0 and version == 0 and objects == 0:
        return 0
    raise StoreError(
        f"{location} is an SQLite database of another application, not a crisisplan "
        "incident log; it was left untouched.",
        hint=_POINT_ELSEWHERE,
    )


def _use_wal(conn: sqlite3.Connection, location: str) -> None:
    try:
        mode = str(conn.execute("PRAGMA journal_mode").fetchone()[0])
        if mode.lower() != "wal":
            mode = str(conn.execute("PRAGMA journal_mode = WAL").fetchone()[0])
    except sqlite3.Error as exc:
        raise _translate(exc, location, writing=False) from exc
    if mode.lower() != "wal":
        raise StoreError(
            f"{location} cannot use SQLite's write-ahead log (journal mode {mode}).",
            hint="Keep the incident log on a local disk, not a network share.",
        )


def _migrate(
    conn: sqlite3.Connection,
    location: str,
    registry: tuple[migrations.Migration, ...],
    busy_timeout: float,
) -> None:
    known = migrations.latest_version(registry)
    version = _check_identity(conn, location, known, in_transaction=False)
    # Registries are numbered 1, 2, 3, ...: the ones past the file's version are pending.
    # Usually there are none, and opening takes no write lock at all.
    for migration in registry[version:]:
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                # Again under the lock: another process may have migrated meanwhile.
                current = _check_identity(conn, location, known, in_transaction=True)
                if current < migration.version:
                    for statement in migration.sql("sqlite"):
                        conn.execute(statement)
                    conn.execute(f"PRAGMA user_version = {int(migration.version)}")
                    conn.execute(f"PRAGMA application_id = {migrations.APPLICATION_ID}")
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            if _primary(exc) in (*_MEANINGS, _READONLY, _NOTADB):
                raise _translate(exc, location, writing=False, busy_timeout=busy_timeout) from exc
            raise StoreError(
                f"Could not bring {location} up to schema {migration.version} ({exc}); it was "
                f"left at schema {migration.version - 1}.",
                hint="Report this with CRISIS_DEBUG=1 output; the log itself is unharmed.",
            ) from exc
