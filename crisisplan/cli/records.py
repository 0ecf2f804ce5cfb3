"""Records: `followup`, `timeline`, `list`."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from crisisplan.cli.options import AsOpt, AtOpt, DbOpt, IncidentOpt, JsonOpt

followup_app = typer.Typer(
    help="The list of customers to come back to when it is fixed.\n\n"
    "Example: crisis followup add --customer 'Ada Park' --email ada@example.com --open-case",
    no_args_is_help=True,
)


@followup_app.command("add")
def followup_add(
    customer: Annotated[str, typer.Option("--customer", help="The customer's name.")],
    email: Annotated[str, typer.Option("--email", help="Their email address.")],
    tier: Annotated[str | None, typer.Option("--tier", help="Their plan or tier.")] = None,
    open_case: Annotated[
        bool, typer.Option("--open-case", help="They have an open case with us.")
    ] = False,
    note: Annotated[str | None, typer.Option("--note", help="Their case, in a line.")] = None,
    at: AtOpt = None,
    as_: AsOpt = None,
    incident: IncidentOpt = None,
    db: DbOpt = None,
) -> None:
    """Add a customer to the follow-up list.

    Example: crisis followup add --customer "Ada Park" --email ada@example.com --open-case
    """
    from crisisplan.cli.sessions import acting_on
    from crisisplan.phases import followups
    from crisisplan.phases.session import command_session

    with command_session(db=db, incident=incident, as_=as_, at=at) as s:
        row = acting_on(s, "during")
        followups.add(
            s.store,
            row,
            name=customer,
            email=email,
            tier=tier,
            open_case=open_case,
            note=note,
            at=s.at,
            who=s.who,
        )
    typer.echo(f"Added {email} to the follow-up list of {row.id}.")


@followup_app.command("list")
def followup_list(
    all_: Annotated[bool, typer.Option("--all", help="Include those already done.")] = False,
    as_json: JsonOpt = False,
    incident: IncidentOpt = None,
    db: DbOpt = None,
) -> None:
    """The follow-up list, in the order to reach them.

    Open case first, then tier, then time added.

    Example: crisis followup list --json
    """
    from crisisplan.phases import followups
    from crisisplan.phases.session import command_session
    from crisisplan.views.records import show_followups

    with command_session(db=db, incident=incident, reads_only=True) as s:
        entries = followups.ordered(s.store, s.row, open_only=not all_)
    show_followups(entries, as_json=as_json)


@followup_app.command("done")
def followup_done(
    email: Annotated[str, typer.Option("--email", help="The customer's email address.")],
    at: AtOpt = None,
    as_: AsOpt = None,
    incident: IncidentOpt = None,
    db: DbOpt = None,
) -> None:
    """Mark a customer as followed up.

    Example: crisis followup done --email ada@example.com
    """
    from crisisplan.phases import followups
    from crisisplan.phases.session import command_session

    with command_session(db=db, incident=incident, as_=as_, at=at) as s:
        followups.done(s.store, s.row, email=email, at=s.at, who=s.who)
    typer.echo(f"Marked {email} done on {s.row.id}.")


class TimelineFormat(StrEnum):
    text = "text"
    md = "md"
    json = "json"


def timeline(
    fmt: Annotated[
        TimelineFormat, typer.Option("--format", "-f", help="text, md or json.")
    ] = TimelineFormat.text,
    as_json: Annotated[bool, typer.Option("--json", help="The same as --format json.")] = False,
    incident: IncidentOpt = None,
    db: DbOpt = None,
) -> None:
    """Every event of the incident in order.

    Example: crisis timeline --format md > timeline.md
    """
    from crisisplan.phases.session import command_session
    from crisisplan.views.records import show_timeline

    with command_session(db=db, incident=incident, reads_only=True) as s:
        # Shown while the log is open: the events are read as they are written out.
        show_timeline(s.row, s.store.events(s.row.id), "json" if as_json else fmt.value)


def list_incidents(
    open_only: Annotated[
        bool, typer.Option("--open", help="Only those not yet reviewed: during or resolved.")
    ] = False,
    as_json: JsonOpt = False,
    db: DbOpt = None,
) -> None:
    """Incidents, open first, each with its phase.

    The phase is during, resolved (not yet reviewed) or reviewed.

    Example: crisis list --open
    """
    from crisisplan.phases.session import command_session
    from crisisplan.views.records import show_incidents

    with command_session(db=db, reads_only=True) as s:
        rows = s.store.incidents(open_only=open_only)
    show_incidents(rows, as_json=as_json)


def register(app: typer.Typer) -> None:
    """Add the record commands to the app."""
    app.add_typer(followup_app, name="followup", rich_help_panel="Records")
    app.command(rich_help_panel="Records")(timeline)
    app.command("list", rich_help_panel="Records")(list_incidents)
