"""What every connection to the shared log asks for, psycopg's and the light one alike,
and how either tells that a database holds a crisisplan log."""

from __future__ import annotations

STATEMENT_TIMEOUT_MS = 30_000  # as long as SQLite's busy timeout: a bulk run may hold a lock


def settings() -> dict[str, str]:
    """What every connection crisis makes asks for, light or psycopg's. Credentials come
    from the URL, libpq's environment or ~/.pgpass, never from us."""
    return {
        "application_name": "crisis",
        "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
    }


IDENTITY = (
    "SELECT to_regclass('crisisplan_schema') IS NOT NULL,"
    " (SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema())"
)
