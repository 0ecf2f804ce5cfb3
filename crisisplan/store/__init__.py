"""The incident log: append-only events, incident snapshots and follow-ups behind `Store`.

`open_store` picks the backend from the target: a file path is SQLite; a
`postgresql://` URL is reserved for the shared server a team spread over machines uses.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

from crisisplan.errors import StoreError
from crisisplan.store.base import Event, Followup, IncidentRow, NewEvent, Store, Transaction

__all__ = [
    "DEFAULT_DB",
    "ENV_VAR",
    "Event",
    "Followup",
    "IncidentRow",
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
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def open_store(target: str | Path, *, create: bool = True) -> Store:
    """Open the incident log at a path or URL; create it on first use unless create=False."""
    text = str(target)
    match = _URL.match(text)
    if match:
        scheme = match.group(1).lower()
        shown = _without_password(text)
        if scheme in ("postgresql", "postgres"):
            raise StoreError(
                f"PostgreSQL support is not available in this version yet ({shown}).",
                hint="Use an SQLite file for now: --db PATH or CRISIS_DB=PATH.",
            )
        raise StoreError(
            f"{shown} is not a database this crisis can use.",
            hint="Give the path of an SQLite file (--db PATH or CRISIS_DB=PATH).",
        )
    # sqlite3 is imported only when a command needs the log.
    from crisisplan.store.sqlite import open_sqlite

    return open_sqlite(Path(text), create=create)


def sqlite_version() -> str:
    """The SQLite library a local log runs on, for `crisis --version`."""
    import sqlite3

    return sqlite3.sqlite_version
