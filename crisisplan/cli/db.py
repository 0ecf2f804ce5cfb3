"""`crisis db`: look at an incident log, and move a team's log to a shared server."""

from __future__ import annotations

from typing import Annotated

import typer

from crisisplan.cli.options import DbOpt, JsonOpt

db_app = typer.Typer(
    help="What the incident log is; move it to a shared server.\n\n"
    "Example: crisis db copy --from .crisis/crisis.db --to postgresql://crisis@db.internal/crisis",
    no_args_is_help=True,
)


@db_app.command("info")
def info(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Show the backend, schema, server version and size.

    Example: crisis db info --db postgresql://crisis@db.internal/crisis
    """
    from crisisplan.phases.log_admin import describe
    from crisisplan.views.log_admin import show_info

    show_info(describe(db), as_json=as_json)


@db_app.command("copy")
def copy(
    source: Annotated[str, typer.Option("--from", help="The local log to copy (an SQLite file).")],
    target: Annotated[str, typer.Option("--to", help="The empty shared log: a postgresql:// URL.")],
) -> None:
    """Copy a local log to a shared one, verified.

    Incidents, events and follow-ups keep their ids; both logs are then compared by their
    counts and a checksum of every event. The target must be empty (or already this log).

    Example: crisis db copy --from .crisis/crisis.db --to postgresql://crisis@db.internal/crisis
    """
    from crisisplan.phases.log_admin import copy as copy_log
    from crisisplan.views.log_admin import show_copied

    show_copied(copy_log(source=source, target=target))


def register(app: typer.Typer) -> None:
    """Add `crisis db` to the app."""
    app.add_typer(db_app, name="db", rich_help_panel="Records")
