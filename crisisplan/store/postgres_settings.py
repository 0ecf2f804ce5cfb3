"""What every connection to the shared log asks for, psycopg's and the light one alike,
and how either tells that a database holds a crisisplan log."""

from __future__ import annotations

STATEMENT_TIMEOUT_MS = 30_000  # as long as SQLite's busy timeout: a bulk run may hold a lock


def settings(statement_timeout_ms: int | None = None) -> dict[str, str]:
    """What every connection crisis makes asks for, light or psycopg's, so both read the
    same text the same way. Credentials come from the URL, libpq's environment or
    ~/.pgpass, never from us."""
    timeout = STATEMENT_TIMEOUT_MS if statement_timeout_ms is None else statement_timeout_ms
    return {
        "application_name": "crisis",
        "client_encoding": "UTF8",
        "options": f"-c statement_timeout={timeout}",
    }


IDENTITY = (
    "SELECT to_regclass('crisisplan_schema') IS NOT NULL,"
    " (SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema())"
)
