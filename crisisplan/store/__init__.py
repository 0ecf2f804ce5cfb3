"""The incident log: append-only events, incident snapshots and follow-ups behind `Store`.

`open_store` picks the backend from the target: a file path is SQLite; a
`postgresql://` URL is the shared server a team spread over machines uses (psycopg is
imported only then).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from crisisplan.store.base import (
    Contact,
    ContactCounts,
    Event,
    Followup,
    IncidentRow,
    NewEvent,
    Store,
    Transaction,
)
from crisisplan.store.errors import PLAIN_HINTS, Hints, LogError

if TYPE_CHECKING:
    from crisisplan.store.postgres import PostgresStore

__all__ = [
    "DEFAULT_DB",
    "ENV_VAR",
    "Contact",
    "ContactCounts",
    "Event",
    "Followup",
    "Hints",
    "IncidentRow",
    "LogError",
    "NewEvent",
    "Store",
    "Transaction",
    "default_target",
    "open_store",
]

DEFAULT_DB = "./.crisis/crisis.db"
ENV_VAR = "CRISIS_DB"

_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


def default_target(explicit: str | None) -> str:
    """Where the log is: --db, else $CRISIS_DB, else ./.crisis/crisis.db."""
    if explicit:
        return explicit
    return os.environ.get(ENV_VAR) or DEFAULT_DB


def _without_password(url: str) -> str:
    # libpq takes a password in the user part or as ?password=...; neither is shown.
    parts = urlsplit(url)
    if parts.password is not None:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
        parts = parts._replace(netloc=netloc)
    if "password=" in parts.query:
        query = re.sub(r"(^|&)password=[^&]*", r"\1password=***", parts.query)
        parts = parts._replace(query=query)
    return parts.geturl()


def open_store(
    target: str | Path,
    *,
    create: bool = True,
    hints: Hints = PLAIN_HINTS,
    on_commit: Callable[[], None] | None = None,
    reads_only: bool = False,
) -> Store:
    """Open the incident log at a path or URL; create it on first use unless create=False.

    `hints` word what a person can do about a log that cannot be used (the CLI's name
    --db); `on_commit` is called each time a transaction commits a change. `reads_only`:
    the command means only to read, so a shared log is read on libpq without loading
    psycopg (which takes over should it write after all).
    """
    text = str(target)
    match = _URL.match(text)
    if match:
        scheme = match.group(1).lower()
        shown = _without_password(text)
        if scheme in ("postgresql", "postgres"):
            return _open_postgres(
                text, shown, create=create, hints=hints, on_commit=on_commit, light=reads_only
            )
        raise LogError(
            f"{shown} is not a database this crisis can use.", path=shown, hint=hints.not_a_database
        )
    # apsw (and SQLite) is imported only when a command needs the log.
    from crisisplan.store.sqlite import open_sqlite

    return open_sqlite(Path(text), create=create, hints=hints, on_commit=on_commit)


def _open_postgres(
    url: str,
    shown: str,
    *,
    create: bool,
    hints: Hints,
    on_commit: Callable[[], None] | None,
    light: bool,
) -> Store:
    """The log on psycopg; with `light`, on libpq first where it can be (postgres_light.py)."""

    def open_full() -> PostgresStore:
        try:
            from crisisplan.store.postgres import open_postgres
        except ImportError as exc:
            if exc.name and not exc.name.startswith("psycopg"):
                raise
            raise LogError(
                f"Using {shown} needs psycopg, the PostgreSQL driver, which is not installed.",
                path=shown,
                hint='Install it with: pip install "crisisplan[postgres]"',
            ) from exc
        return open_postgres(url, shown, create=create, hints=hints, on_commit=on_commit)

    if not light:
        return open_full()
    from crisisplan.store.postgres_light import open_lightly

    return open_lightly(url, shown, open_full) or open_full()


def psycopg_version() -> str | None:
    """The PostgreSQL driver's version, for `crisis --version`; None when not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("psycopg")
    except PackageNotFoundError:
        return None


def sqlite_version() -> str:
    """The SQLite library a local log runs on, for `crisis --version`: "3.54.1, bundled
    with apsw 3.54.1.0", or which SQLite of the system apsw was built against."""
    import apsw

    where = "bundled with" if apsw.using_amalgamation else "the system's, through"
    return f"{apsw.sqlite_lib_version()}, {where} apsw {apsw.apsw_version()}"
