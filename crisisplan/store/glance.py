"""A glance at the log for shell completion: read-only, never creating or migrating it."""

from __future__ import annotations

from pathlib import Path


def incident_titles(target: str) -> list[tuple[str, str]]:
    """(id, title) of every incident in a local log, open ones first, then newest first;
    nothing when the log is missing, not a file or cannot be read."""
    path = Path(target).expanduser()
    if "://" in target or not path.is_file():
        return []
    import sqlite3
    from contextlib import closing

    try:
        uri = f"{path.absolute().as_uri()}?mode=ro"
        with closing(sqlite3.connect(uri, uri=True, timeout=0.1)) as db:
            rows = db.execute(
                "SELECT id, json_extract(state, '$.title') FROM incidents"
                " ORDER BY is_open DESC, number DESC"
            ).fetchall()
    except sqlite3.Error:
        return []
    return [(str(i), str(title or "")) for i, title in rows]
