"""What SQLite's error codes, and the OS errors met on the way to the file, mean to the
person at the terminal, and what they can do."""

from __future__ import annotations

import errno

import apsw

from crisisplan.store.errors import Hints, LogError, not_recorded

BUSY_TIMEOUT = 30.0

# Primary result codes (https://sqlite.org/rescode.html); extended codes carry them in
# their low byte.
PERM, BUSY, LOCKED, READONLY, IOERR, CORRUPT = 3, 5, 6, 8, 10, 11
FULL, CANTOPEN, CONSTRAINT, AUTH, NOTADB = 13, 14, 19, 23, 26
READONLY_DIRECTORY = 1544

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
MEANINGS: dict[int, tuple[str, str | None]] = {
    FULL: _DISK_FULL,
    BUSY: _LOCKED_TOO_LONG,
    LOCKED: _LOCKED_TOO_LONG,
    PERM: _CANNOT_OPEN,
    AUTH: _CANNOT_OPEN,
    CANTOPEN: _CANNOT_OPEN,
    CORRUPT: (
        "{location} is damaged (SQLite says: {exc}).",
        "Restore it from a backup; `sqlite3 FILE .recover` can often save the events.",
    ),
    IOERR: (
        "Could not read or write {location}: disk I/O error ({exc}).",
        "Check the disk and run the command again.",
    ),
    CONSTRAINT: ("The incident log at {location} refused a write ({exc}).", None),
}
_UNEXPECTED = (
    "The incident log at {location} failed: {exc}.",
    "Run the command again; if it fails again, {report}.",
)


def primary(exc: apsw.Error) -> int | None:
    """The primary result code of an SQLite error, if it has one."""
    code = getattr(exc, "result", None)
    return code & 0xFF if isinstance(code, int) and code >= 0 else None


def extended(exc: apsw.Error) -> int | None:
    """The extended result code of an SQLite error, if it has one."""
    code = getattr(exc, "extendedresult", None)
    return code if isinstance(code, int) and code >= 0 else None


def translate(
    exc: apsw.Error,
    location: str,
    hints: Hints,
    *,
    kept: bool | None,
    busy_timeout: float = BUSY_TIMEOUT,
) -> LogError:
    """An SQLite error -> an error that says what happened to the file and what to do.

    `kept` is None outside a write, else whether this store's earlier writes are kept.
    """
    code = primary(exc)
    if code == READONLY:
        return read_only_error(location, hints, kept=bool(kept))
    if code == NOTADB:
        return not_sqlite_error(location, hints)
    message, hint = MEANINGS.get(code or 0, _UNEXPECTED)
    text = message.format(location=location, exc=exc, timeout=busy_timeout)
    told = "" if kept is None else not_recorded(kept)
    hint = None if hint is None else hint.format(report=hints.report)
    return LogError(text + told, path=location, hint=hint, kept=kept)


def read_only_error(location: str, hints: Hints, *, kept: bool) -> LogError:
    """A write refused because the log may only be read."""
    return LogError(
        f"{location} is read-only, so it cannot be written.{not_recorded(kept)}",
        path=location,
        hint=hints.write_access,
        kept=kept,
    )


def not_sqlite_error(location: str, hints: Hints) -> LogError:
    """A file that is not an SQLite database at all."""
    return LogError(
        f"{location} is not an SQLite database, so it is not a crisisplan incident log; "
        "it was left untouched.",
        path=location,
        hint=hints.elsewhere,
    )


def os_error(exc: OSError, location: str, doing: str, hints: Hints) -> LogError:
    """An OS error met while `doing` something to the file (or its folder)."""
    if exc.errno == errno.ENOSPC:
        return LogError(
            _DISK_FULL[0].format(location=location) + not_recorded(False),
            path=location,
            hint=_DISK_FULL[1],
            kept=False,
        )
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        hint = hints.permissions
    else:
        hint = hints.elsewhere
    return LogError(f"Cannot {doing} {location}: {exc.strerror or exc}.", path=location, hint=hint)
