"""A glance at the log for shell completion: read-only, never creating or migrating it."""

from __future__ import annotations

from pathlib import Path

SHARED_PATIENCE = 0.5  # seconds a <TAB> waits for a shared log's server


def incident_titles(target: str) -> list[tuple[str, str]]:
    """(id, title) of every incident in the log, open ones first, then newest first;
    nothing when the log is missing, not a file or cannot be read."""
    if target.lower().startswith(("postgresql://", "postgres://")):
        from crisisplan.store.postgres_light import incident_titles as shared_titles

        return shared_titles(target, SHARED_PATIENCE)
    path = Path(target).expanduser()
    if "://" in target or not path.is_file():
        return []
    from contextlib import closing

    import apsw

    try:
        uri = f"{path.absolute().as_uri()}?mode=ro"
        flags = apsw.SQLITE_OPEN_READONLY | apsw.SQLITE_OPEN_URI
        with closing(apsw.Connection(uri, flags=flags)) as db:
            db.set_busy_timeout(100)
            rows = db.execute(
                "SELECT id, json_extract(state, '$.title') FROM incidents"
                " ORDER BY is_open DESC, number DESC"
            ).fetchall()
    except apsw.Error:
        return []
    return [(str(i), str(title or "")) for i, title in rows]
