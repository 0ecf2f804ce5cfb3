"""Milestones: `milestone`, and the trend across incidents (`review --trend`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crisisplan.cli.options import AsOpt, AtOpt, DbOpt, IncidentOpt, JsonOpt


def milestone(
    name: Annotated[
        str,
        typer.Argument(
            help="acknowledged, identified or mitigated (declared and resolved are recorded "
            "by start and resolve).",
            show_default=False,
        ),
    ],
    again: Annotated[
        bool,
        typer.Option("--again", help="Move a milestone already recorded (the log keeps both)."),
    ] = False,
    as_json: JsonOpt = False,
    at: AtOpt = None,
    as_: AsOpt = None,
    incident: IncidentOpt = None,
    db: DbOpt = None,
) -> None:
    """Record when it was acknowledged, identified or mitigated.

    Each is recorded once; `crisis review` gives the time to each.

    Example: crisis milestone identified --at 03:10
    """
    from crisisplan.cli.sessions import acting_on
    from crisisplan.phases.milestone_record import record_milestone
    from crisisplan.phases.session import command_session
    from crisisplan.views.promises import show_milestone

    with command_session(db=db, incident=incident, as_=as_, at=at) as s:
        row = acting_on(s, "during")
        reached = record_milestone(
            s.store, row, name=name.strip().lower(), at=s.at, now=s.now, again=again, who=s.who
        )
        fresh = s.store.incident(row.id) or row
    show_milestone(fresh, reached, as_json=as_json)


def show_trend(
    *, last: int, incident_type: str | None, output: Path | None, as_json: bool, db: str | None
) -> None:
    """`crisis review --trend`: read the incidents' derived state, show it, write -o."""
    from crisisplan.phases.session import command_session
    from crisisplan.phases.trend import trend
    from crisisplan.views import trend as view

    with command_session(db=db, reads_only=True) as s:
        found = trend(s.store, last=last, incident_type=incident_type)
    if output is not None:
        from crisisplan.files import write_atomic
        from crisisplan.inert_text import for_people

        write_atomic(output, for_people("".join(view.trend_md(found))), mode=0o600)
    if as_json:
        from crisisplan.views.json_out import print_json

        print_json(found.as_json() | {"report": str(output) if output else None})
        return
    view.show_trend(found)
    if output is not None:
        typer.echo(f"Wrote the trend report to {output}.", err=True)


def register(app: typer.Typer) -> None:
    """Add the milestone command to the app."""
    app.command(rich_help_panel="During")(milestone)
