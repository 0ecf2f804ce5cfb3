"""What the store's errors say: the facts of a failure, and hints worded by the opener.

The store knows the path of its log, not how the person at the keyboard named it: the
CLI says --db and $CRISIS_DB, a script says something else. So whoever opens a store
passes the `Hints` to give, and the store's errors carry plain facts besides their words.
"""

from __future__ import annotations

from dataclasses import dataclass

from crisisplan.errors import StoreError


@dataclass(frozen=True)
class Hints:
    """What a person can do about a log that cannot be used, in the opener's words."""

    # The file is not an incident log (or not a file): use the right one, or a new one.
    elsewhere: str = "Use the incident log's own file, or a new one."
    # The log may be read, not written.
    write_access: str = "Ask for write access to the file and its folder, or use another file."
    # The file or its folder may not be read or created.
    permissions: str = "Check the permissions of the file and its folder, or use another file."
    # There is no log at the path, and creating one was not asked for.
    missing: str = "Check the path of the incident log."
    # A PostgreSQL server that cannot be reached (down, restarting, or a wrong URL).
    postgresql: str = "Check that the PostgreSQL server is running and that the URL names it."
    # A URL of some other kind of database.
    not_a_database: str = "Give the path of an SQLite file."
    # Something that should not happen: what to send with a report of it.
    report: str = "report it as a bug"


PLAIN_HINTS = Hints()


class LogError(StoreError):
    """A StoreError from the store itself, with the facts it was worded from.

    `path` is the log as the store was given it. `kept` is for a failed write: whether
    what this store committed before it is kept (True), or nothing was (False); None
    where nothing was being written.
    """

    def __init__(
        self, message: str, *, path: str, hint: str | None = None, kept: bool | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.path = path
        self.kept = kept


def not_recorded(kept: bool) -> str:
    """What a failed write leaves: nothing, or what the store committed before it."""
    if kept:
        return " This change was not recorded; what the command recorded before it is kept."
    return " Nothing was recorded."
