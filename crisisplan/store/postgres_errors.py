"""What PostgreSQL's failures mean to the person at the keyboard, and which are safe to retry.

Every message names the server by its URL without the password; what libpq says is
scrubbed of it too, though libpq does not put it in its messages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crisisplan.store.errors import Hints, LogError, not_recorded

if TYPE_CHECKING:
    import psycopg

# SQLSTATEs a transaction may simply run again: it was rolled back whole.
SERIALIZATION_FAILURE = "40001"
DEADLOCK = "40P01"
RETRY_STATES = frozenset({SERIALIZATION_FAILURE, DEADLOCK})
# The server is going away or coming back: reconnect and try again, for a while.
_GOING_AWAY = frozenset({"57P01", "57P02", "57P03", "08000", "08003", "08006", "08001"})
QUERY_CANCELED = "57014"  # statement_timeout

_UNREACHABLE = (
    "connection refused",
    "could not connect",
    "starting up",
    "shutting down",
    "no such file or directory",
    "server closed the connection",
    "terminating connection",
    "connection is lost",
    "consuming input failed",
    "the connection is closed",
)
_CREDENTIALS = ("password", "authentication", "role", "permission denied for database")


def _said(exc: BaseException, password: str | None) -> str:
    """What libpq or the server said, in short: its first line, past the chain of
    "connection to server at ... failed:" prefixes, without FATAL/ERROR."""
    lines = str(exc).strip().splitlines() or [type(exc).__name__]
    text = lines[0].rsplit(" failed: ", 1)[-1]
    for level in ("FATAL:", "ERROR:"):
        text = text.removeprefix(level)
    text = " ".join(text.split())
    if password:
        text = text.replace(password, "***")
    return text.rstrip(".")


def _state(exc: BaseException) -> str | None:
    state: str | None = getattr(exc, "sqlstate", None)
    return state


def is_transient(exc: BaseException) -> bool:
    """A failure after which running the whole transaction again is safe and may succeed."""
    return _state(exc) in RETRY_STATES or connection_lost(exc)


def connection_lost(exc: BaseException) -> bool:
    """The connection is gone (server restarted, network dropped), or cannot be made yet."""
    state = _state(exc)
    if state in _GOING_AWAY:
        return True
    if state is not None:
        return False
    text = str(exc).lower()
    return any(words in text for words in _UNREACHABLE)


def connect_error(exc: psycopg.Error, shown: str, hints: Hints, password: str | None) -> LogError:
    """A connection that could not be made: the server, the database or the credentials."""
    said = _said(exc, password)
    lower = said.lower()
    if "does not exist" in lower and "database" in lower:
        return LogError(
            f"{shown} names a database the server does not have ({said}).",
            path=shown,
            hint="Create it first (createdb), or check the URL in --db or $CRISIS_DB.",
        )
    if any(words in lower for words in _CREDENTIALS):
        return LogError(
            f"The PostgreSQL server refused the login for {shown} ({said}).",
            path=shown,
            hint="Give the password in ~/.pgpass or $PGPASSWORD (never on the command line),"
            " and check the user name in the URL.",
        )
    return LogError(
        f"Cannot reach the PostgreSQL server of {shown} ({said}); nothing was recorded.",
        path=shown,
        hint=hints.postgresql,
    )


def statement_error(
    exc: psycopg.Error, shown: str, hints: Hints, *, kept: bool | None, password: str | None
) -> LogError:
    """A statement that failed, worded with what was recorded and what was not."""
    said = _said(exc, password)
    tail = "" if kept is None else not_recorded(kept)
    state = _state(exc)
    if state == QUERY_CANCELED:
        return LogError(
            f"{shown} took too long to answer (over the statement timeout), so it was"
            f" stopped.{tail}",
            path=shown,
            hint="Another agent may hold the incident for a long bulk run; try again shortly.",
            kept=kept,
        )
    if connection_lost(exc):
        return LogError(
            f"Lost the connection to {shown} and could not get it back ({said}).{tail}",
            path=shown,
            hint=hints.postgresql,
            kept=kept,
        )
    if state in RETRY_STATES:
        return LogError(
            f"{shown} kept refusing this write because other agents wrote the same records"
            f" at the same moment.{tail}",
            path=shown,
            hint="Run the command again.",
            kept=kept,
        )
    return LogError(
        f"{shown} refused a statement ({said}).{tail}",
        path=shown,
        hint=f"Check the database the URL names; if it is the incident log, {hints.report}.",
        kept=kept,
    )


def changed_meanwhile(shown: str, *, kept: bool) -> LogError:
    """The connection dropped mid-write, and the records it had read changed before it was back."""
    return LogError(
        f"Lost the connection to {shown} mid-write, and the incident changed before it was"
        f" back.{not_recorded(kept)}",
        path=shown,
        hint="Run the command again; it will see what the others recorded.",
        kept=kept,
    )


def unknown_outcome(shown: str) -> LogError:
    """COMMIT was sent, its answer was lost, and nothing tells whether it arrived."""
    return LogError(
        f"Lost the connection to {shown} while it was saving this change; it may or may not"
        " have been recorded.",
        path=shown,
        hint="Check with `crisis status` or `crisis timeline` before running it again.",
        kept=True,
    )
