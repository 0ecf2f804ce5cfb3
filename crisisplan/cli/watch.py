"""`crisis watch`: the war-room screen."""

from __future__ import annotations

from typing import Annotated

import typer

from crisisplan.cli.options import DbOpt, IncidentOpt


def watch(
    once: Annotated[
        bool,
        typer.Option("--once", help="Print the screen once and stop (works without a terminal)."),
    ] = False,
    incident: IncidentOpt = None,
    db: DbOpt = None,
) -> None:
    """A live war-room screen of one incident.

    The update clock counting down (red, with a bell, when overdue), promises and
    escalations due, the latest public update, who did what lately and the open
    follow-ups. It follows every agent's writes within a second; Ctrl-C leaves.

    Example: crisis watch --incident INC-3
    """
    from crisisplan.clock import now
    from crisisplan.errors import UsageError
    from crisisplan.phases.session import command_session
    from crisisplan.phases.watch import Follower
    from crisisplan.terminal.console import is_terminal
    from crisisplan.views.watch import print_frame, show_live

    if not once and not is_terminal():
        raise UsageError(
            "crisis watch needs a terminal to draw on.",
            hint="Run it in a terminal, or use --once to print the screen once.",
        )
    with command_session(db=db, incident=incident) as s:
        follower = Follower(s.store, s.row.id)
        if once:
            print_frame(follower.screen(now()))
        else:
            show_live(follower, now)


def register(app: typer.Typer) -> None:
    """Add `watch` to the app."""
    app.command(rich_help_panel="During")(watch)
