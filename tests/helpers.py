"""Small helpers the user-story tests share: run the CLI, read the log."""

from __future__ import annotations

import json
import os
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from typer.main import get_command
from typer.testing import CliRunner, Result

from crisisplan.cli import app

DB = Path(".crisis/crisis.db")


def crisis(*args: str, input: str | None = None) -> Result:
    """Run `crisis ARGS` as a user would, in the current directory."""
    return CliRunner().invoke(app, list(args), input=input, catch_exceptions=False)


def ok(*args: str) -> Result:
    """Run a command that must succeed; show its output if it does not."""
    result = crisis(*args)
    assert result.exit_code == 0, f"{args}: {result.exit_code}\n{result.stdout}\n{result.stderr}"
    return result


def events(kind: str | None = None, db: Path = DB) -> list[dict[str, Any]]:
    """The events in the log, oldest first, with payloads decoded: the log $CRISIS_DB
    names when it is a PostgreSQL URL (see the `db_target` fixture), else the file."""
    url = os.environ.get("CRISIS_DB", "")
    if url.startswith("postgresql://"):
        rows = pg_rows(url, "SELECT * FROM events ORDER BY at, id")
    else:
        # Python's sqlite3 is another SQLite than the store's (apsw's): in one process the
        # two do not see each other's locks, so a look through it is closed before the CLI
        # runs again.
        with closing(sqlite3.connect(db)) as conn:
            conn.row_factory = sqlite3.Row
            rows = [dict(r) for r in conn.execute("SELECT * FROM events ORDER BY at, id")]
    found = [r | {"payload": json.loads(r["payload"])} for r in rows]
    return [e for e in found if kind is None or e["kind"] == kind]


def pg_rows(url: str, sql: str) -> list[dict[str, Any]]:
    """Rows of a query on a PostgreSQL log, as dicts; none while it has no tables yet."""
    import psycopg
    from psycopg.rows import dict_row

    with psycopg.connect(url, row_factory=dict_row) as conn:
        if conn.execute("SELECT to_regclass('events')").fetchone() == {"to_regclass": None}:
            return []
        return conn.execute(sql.encode()).fetchall()


def log_rows(sql: str, *params: Any) -> list[dict[str, Any]]:
    """Rows of a query on this test's log (`?` placeholders), whichever backend holds it:
    the PostgreSQL database $CRISIS_DB names (see `db_target`), else the file."""
    url = os.environ.get("CRISIS_DB", "")
    if url.startswith("postgresql://"):
        import psycopg
        from psycopg.rows import dict_row

        with psycopg.connect(url, row_factory=dict_row) as conn:
            return conn.execute(sql.replace("?", "%s").encode(), params).fetchall()
    with closing(sqlite3.connect(DB)) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(sql, params)]


def edit_log(sql: str, *params: Any) -> None:
    """Change this test's log by hand (`?` placeholders), whichever backend holds it, as a
    person with a database console might."""
    url = os.environ.get("CRISIS_DB", "")
    if url.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(url) as conn:
            conn.execute(sql.replace("?", "%s").encode(), params)
        return
    with closing(sqlite3.connect(DB)) as conn:
        conn.execute(sql, params)
        conn.commit()


def integrity_ok() -> bool:
    """SQLite's own check of the file; a PostgreSQL server checks its pages itself."""
    if os.environ.get("CRISIS_DB", "").startswith("postgresql://"):
        return True
    with closing(sqlite3.connect(DB)) as conn:
        return bool(conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)])


def start_outage(
    *extra: str,
    title: str = "Logins failing",
    summary: str = "Since 02:40 UTC sign-ins time out for many customers",
) -> Result:
    """Declare the standard test incident on the example plan."""
    return ok(
        "start",
        "--type",
        "outage",
        "--severity",
        "major",
        "--title",
        title,
        "--summary",
        summary,
        *extra,
    )


def every_command() -> list[list[str]]:
    """The command paths of the app, groups and their subcommands included."""
    found: list[list[str]] = []

    def walk(command: object, path: list[str]) -> None:
        found.append(path)
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            walk(sub, [*path, name])

    walk(get_command(app), [])
    return found
