"""After a crisis: `resolve`, `reopen`, `apologize`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crisisplan.cli.options import AsOpt, AtOpt, DbOpt, IncidentOpt, JsonOpt, PlaybookOpt

OutputOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write one file per customer to this folder."),
]


def resolve(
    cause: Annotated[
        str | None, typer.Option("--cause", help="What caused it, in specific words.")
    ] = None,
    impact: Annotated[
        str | None, typer.Option("--impact", help="What it meant for customers, specifically.")
    ] = None,
    message: Annotated[
        str | None,
        typer.Option("--message", help="The final public update. Default: that it is fixed."),
    ] = None,
    channel: Annotated[
        str | None,
        typer.Option("--channel", "-c", help="Where the final update goes. Default: status page."),
    ] = None,
    output: OutputOpt = None,
    as_json: JsonOpt = False,
    at: AtOpt = None,
    as_: AsOpt = None,
    incident: IncidentOpt = None,
    playbook: PlaybookOpt = None,
    db: DbOpt = None,
) -> None:
    """Mark the incident resolved, with its cause and impact.

    It drafts a notice per follow-up and posts a final public update.

    On a terminal it asks for what is missing; without one, --cause and --impact are needed.

    Example: crisis resolve --cause "A failed database failover" --impact "No sign-ins for 2 h"
    """
    from crisisplan.cli.sessions import acting_on, drafting_session
    from crisisplan.phases.aftermath import check_open
    from crisisplan.phases.aftermath import resolve as record_resolution
    from crisisplan.terminal.prompts import asker
    from crisisplan.views.aftermath import show_resolution

    with drafting_session(db=db, incident=incident, playbook=playbook, as_=as_, at=at) as s:
        _check_folder(output)
        plan, row = s.plan, acting_on(s, "during")
        check_open(row)  # before asking anything
        who = s.who  # who signs the notices: known (or asked) before the facts are
        ask = asker()
        cause = cause if cause is not None else ask.text("What caused it", flag="--cause")
        if impact is None:
            impact = ask.text("What did it mean for customers", flag="--impact")
        result = record_resolution(
            plan,
            s.store,
            row,
            cause=cause,
            impact=impact,
            message=message,
            channel=channel,
            at=s.at,
            who=who,
        )
    show_resolution(result, output=output, as_json=as_json)
    raise typer.Exit(1 if result.has_errors else 0)


def reopen(
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why it is not over after all.")
    ] = None,
    at: AtOpt = None,
    as_: AsOpt = None,
    incident: IncidentOpt = None,
    db: DbOpt = None,
) -> None:
    """Reopen a resolved incident: back to the during phase.

    The update clock runs again.

    Example: crisis reopen --reason "Sign-ins failing again in eu-west"
    """
    from crisisplan.cli.sessions import acting_on
    from crisisplan.clock import show
    from crisisplan.phases import state as st
    from crisisplan.phases.aftermath import check_resolved
    from crisisplan.phases.aftermath import reopen as record_reopening
    from crisisplan.phases.session import command_session
    from crisisplan.terminal.prompts import asker

    with command_session(db=db, incident=incident, as_=as_, at=at) as s:
        row = acting_on(s, "aftermath")
        check_resolved(row)
        if reason is None:
            reason = asker().text("Why is it not over", flag="--reason")
        record_reopening(s.store, row, reason=reason, at=s.at, who=s.who)
        fresh = s.store.incident(row.id)
    due = st.next_update_due(st.of(fresh)) if fresh else None
    tail = f" Next update due {show(due)}: crisis update '...'" if due else ""
    typer.echo(f"Reopened {row.id}: back in the during phase.{tail}")


def apologize(
    email: Annotated[
        str | None, typer.Option("--email", help="Only this customer on the follow-up list.")
    ] = None,
    again: Annotated[
        bool, typer.Option("--again", help="Draft again for customers already apologised to.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Mark drafts ready even when a check fails.")
    ] = False,
    output: OutputOpt = None,
    as_json: JsonOpt = False,
    at: AtOpt = None,
    as_: AsOpt = None,
    incident: IncidentOpt = None,
    playbook: PlaybookOpt = None,
    db: DbOpt = None,
) -> None:
    """Draft and check an apology for each follow-up.

    Each offers the compensation the plan gives that customer.

    A draft must state the cause and the impact, offer a remedy, invite a reply and pass
    the language rules; one that does not is recorded as not ready (exit 1).

    Example: crisis apologize -o apologies/
    """
    from crisisplan.cli.sessions import acting_on, drafting_session
    from crisisplan.phases.apology import apologize as draft_apologies
    from crisisplan.views.aftermath import show_apologies

    with drafting_session(db=db, incident=incident, playbook=playbook, as_=as_, at=at) as s:
        _check_folder(output)
        result = draft_apologies(
            s.plan,
            s.store,
            acting_on(s, "aftermath"),
            email=email,
            again=again,
            force=force,
            at=s.at,
            who=s.who,
        )
    show_apologies(result, output=output, as_json=as_json)
    raise typer.Exit(1 if result.not_ready else 0)


def register(app: typer.Typer) -> None:
    """Add the aftermath commands to the app."""
    for command in (resolve, reopen, apologize):
        app.command(rich_help_panel="After")(command)


def _check_folder(output: Path | None) -> None:
    from crisisplan.errors import UsageError

    if output is not None and output.exists() and not output.is_dir():
        raise UsageError(
            f"{output} is a file; -o names a folder for one file per customer.",
            hint="Give a folder (it is created if needed).",
        )
