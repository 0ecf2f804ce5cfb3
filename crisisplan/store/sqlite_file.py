"""Getting to an SQLite file safely: making sure it is ours before touching it,
connecting with the pragmas that make every commit durable, and migrating it."""

from __future__ import annotations

import os
import random
import stat
import time
from pathlib import Path

import apsw

from crisisplan.store import migrations
from crisisplan.store.errors import Hints, LogError
from crisisplan.store.sqlite_errors import (
    BUSY,
    CANTOPEN,
    MEANINGS,
    NOTADB,
    READONLY,
    READONLY_DIRECTORY,
    extended,
    not_sqlite_error,
    os_error,
    primary,
    translate,
)

_MAGIC = b"SQLite format 3\x00"
_HEADER_SIZE = 100


def prepare_file(path: Path, location: str, hints: Hints, *, create: bool) -> bool:
    """Create a missing file (0600, in a 0700 folder); refuse what cannot be ours. True if empty."""
    try:
        info = path.stat()
    except FileNotFoundError:
        if not create:
            raise LogError(
                f"There is no incident log at {location}.", path=location, hint=hints.missing
            ) from None
        _create(path, location, hints)
        return True
    except OSError as exc:
        raise os_error(exc, location, "open", hints) from exc
    if not stat.S_ISREG(info.st_mode):
        raise LogError(
            f"{location} is not a file; it was left untouched.", path=location, hint=hints.elsewhere
        )
    try:
        with path.open("rb") as file:
            header = file.read(_HEADER_SIZE)
    except OSError as exc:
        raise os_error(exc, location, "read", hints) from exc
    if not header:
        return True
    if len(header) < _HEADER_SIZE or not header.startswith(_MAGIC):
        raise not_sqlite_error(location, hints)
    return False


def _create(path: Path, location: str, hints: Hints) -> None:
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise os_error(exc, location, "create the folder for", hints) from exc
    # The file exists with its final mode before SQLite opens it, and SQLite gives the
    # -wal and -shm files the same mode: customers' names are never world-readable.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    try:
        os.close(os.open(path, flags, 0o600))
    except FileExistsError:
        pass  # another crisis process created it a moment ago; migration sorts out who sets it up
    except OSError as exc:
        raise os_error(exc, location, "create", hints) from exc


def connect(
    path: Path, location: str, hints: Hints, busy_timeout: float, *, read_only: bool
) -> apsw.Connection:
    """A connection with the busy timeout and the pragmas every one of ours has."""
    try:
        if read_only:
            conn = _connect_read_only(path, busy_timeout)
        else:
            conn = _open(str(path), _READ_WRITE, busy_timeout)
        conn.execute("PRAGMA foreign_keys = ON")
        # FULL: NORMAL keeps the file consistent but may lose the last commits on power
        # loss, and the log is the record apologies are built from.
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA mmap_size = 0")  # no mmap with several writing processes
    except apsw.Error as exc:
        raise translate(exc, location, hints, kept=None, busy_timeout=busy_timeout) from exc
    return conn


# apsw, unlike the sqlite3 module, never begins a transaction by itself: every one of
# ours is begun and ended by the store, as the durability notes ask.
_READ_WRITE = apsw.SQLITE_OPEN_READWRITE | apsw.SQLITE_OPEN_CREATE
_READ_ONLY_URI = apsw.SQLITE_OPEN_READONLY | apsw.SQLITE_OPEN_URI


def _open(name: str, flags: int, busy_timeout: float) -> apsw.Connection:
    conn = apsw.Connection(name, flags=flags)
    try:
        conn.set_busy_timeout(int(busy_timeout * 1000))
    except BaseException:
        conn.close()
        raise
    return conn


def _connect_read_only(path: Path, busy_timeout: float) -> apsw.Connection:
    uri = path.resolve().as_uri()
    conn = _open(f"{uri}?mode=ro", _READ_ONLY_URI, busy_timeout)
    try:
        conn.execute("PRAGMA user_version").fetchone()  # the first read opens the WAL index
    except apsw.Error as exc:
        conn.close()
        no_wal = not Path(f"{path}-wal").exists()
        if not (no_wal and (extended(exc) == READONLY_DIRECTORY or primary(exc) == CANTOPEN)):
            raise
        # A read-only folder without a -wal file: no one can be writing (a writer needs
        # that file there), so the file may be read as immutable.
        conn = _open(f"{uri}?immutable=1", _READ_ONLY_URI, busy_timeout)
    return conn


def _identity(conn: apsw.Connection) -> tuple[int, int, int]:
    def value(sql: str) -> int:
        row = conn.execute(sql).fetchone()
        return int(row[0]) if row else 0

    return (
        value("PRAGMA application_id"),
        value("PRAGMA user_version"),
        value("SELECT COUNT(*) FROM sqlite_master"),
    )


def check_identity(
    conn: apsw.Connection, location: str, hints: Hints, known: int, *, in_transaction: bool
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
    except apsw.Error as exc:
        raise translate(exc, location, hints, kept=None) from exc
    if app_id == migrations.APPLICATION_ID:
        if version > known:
            raise LogError(
                f"{location} was written by a newer crisis (schema {version}; this one reads "
                f"up to {known}); it was left untouched.",
                path=location,
                hint="Upgrade crisis.",
            )
        return version
    if app_id == 0 and version == 0 and objects == 0:
        return 0
    raise LogError(
        f"{location} is an SQLite database of another application, not a crisisplan "
        "incident log; it was left untouched.",
        path=location,
        hint=hints.elsewhere,
    )


def use_wal(conn: apsw.Connection, location: str, hints: Hints, busy_timeout: float) -> None:
    """Switch the file to SQLite's write-ahead log, or refuse it.

    The switch needs the file to itself and, unlike every other statement, does not wait
    on the busy timeout: several agents starting on a brand-new log at once would all but
    one fail at once. So it is tried again, with short random pauses, until it is done or
    the busy timeout has passed.
    """
    deadline = time.monotonic() + busy_timeout
    pause = 0.002
    while True:
        try:
            mode = str(_one_value(conn, "PRAGMA journal_mode"))
            if mode.lower() != "wal":
                mode = str(_one_value(conn, "PRAGMA journal_mode = WAL"))
            break
        except apsw.Error as exc:
            if primary(exc) != BUSY or time.monotonic() + pause > deadline:
                raise translate(exc, location, hints, kept=None, busy_timeout=busy_timeout) from exc
        time.sleep(random.uniform(pause / 2, pause))  # apart, so that they do not collide again
        pause = min(pause * 2, 0.05)
    if mode.lower() != "wal":
        raise LogError(
            f"{location} cannot use SQLite's write-ahead log (journal mode {mode}).",
            path=location,
            hint="Keep the incident log on a local disk, not a network share.",
        )


def _one_value(conn: apsw.Connection, sql: str) -> object:
    row = conn.execute(sql).fetchone()
    return None if row is None else row[0]


def migrate(
    conn: apsw.Connection,
    location: str,
    hints: Hints,
    registry: tuple[migrations.Migration, ...],
    busy_timeout: float,
) -> None:
    """Apply the registry's pending migrations, each in its own transaction."""
    known = migrations.latest_version(registry)
    version = check_identity(conn, location, hints, known, in_transaction=False)
    # Registries are numbered 1, 2, 3, ...: the ones past the file's version are pending.
    # Usually there are none, and opening takes no write lock at all.
    for migration in registry[version:]:
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                # Again under the lock: another process may have migrated meanwhile.
                current = check_identity(conn, location, hints, known, in_transaction=True)
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
        except apsw.Error as exc:
            if primary(exc) in (*MEANINGS, READONLY, NOTADB):
                raise translate(exc, location, hints, kept=None, busy_timeout=busy_timeout) from exc
            raise LogError(
                f"Could not bring {location} up to schema {migration.version} ({exc}); it was "
                f"left at schema {migration.version - 1}.",
                path=location,
                hint=f"The log itself is unharmed; {hints.report}.",
            ) from exc
