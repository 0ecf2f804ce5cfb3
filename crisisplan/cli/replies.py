"""`crisis reply`: one customer or thousands, from the shared base answer."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crisisplan.cli import completion
from crisisplan.cli.options import AsOpt, AtOpt, DbOpt, IncidentOpt, JsonOpt, PlaybookOpt


def reply(
    customer: Annotated[str | None, typer.Option("--customer", help="The customer's name.")] = None,
    email: Annotated[str | None, typer.Option("--email", help="Their email address.")] = None,
    tier: Annotated[str | None, typer.Option("--tier", help="Their plan or tier.")] = None,
    note: Annotated[
        str | None, typer.Option("--note", help="Their case, in a line: what it means for them.")
    ] = None,
    open_case: Annotated[bool, typer.Option("--open-case", help="They have an open case.")] = False,
    customers: Annotated[
        Path | None,
        typer.Option("--customers", help="A CSV of many: name,email[,tier,note,open_case]."),
    ] = None,
    template: Annotated[
        str | None,
        typer.Option(
            "--template",
            help="A template id. Default: first_response.",
            autocompletion=completion.templates,
        ),
    ] = None,
    channel: Annotated[
        str | None, typer.Option("--channel", "-c", help="Where the reply goes (a channel id).")
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the draft to FILE, or one file each to DIR."),
    ] = None,
    edit: Annotated[bool, typer.Option("--edit", help="Open $EDITOR on the draft first.")] = False,
    no_followup: Annotated[
        bool, typer.Option("--no-followup", help="Do not add them to the follow-up list.")
    ] = False,
    again: Annotated[
        bool, typer.Option("--again", help="Draft again for customers already drafted for.")
    ] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="With --customers: stop before drafting on a bad row.")
    ] = False,
    as_json: JsonOpt = False,
    at: AtOpt = None,
    as_: AsOpt = None,
    incident: IncidentOpt = None,
    playbook: PlaybookOpt = None,
    db: DbOpt = None,
) -> None:
    """Draft a personal reply from the library, checked and recorded.

    The reply is linted and recorded, and the customer added to the follow-up list.

    Example: crisis reply --customer "Ada Park" --email ada@example.com --note "Rota missing"
    """
    from crisisplan.cli.replyflow import ReplyRequest, run_reply

    code = run_reply(
        ReplyRequest(
            name=customer,
            email=email,
            tier=tier,
            note=note,
            open_case=open_case,
            customers=customers,
            template=template,
            channel=channel,
            output=output,
            edit=edit,
            followup=not no_followup,
            again=again,
            strict=strict,
            as_json=as_json,
            at=at,
            agent=as_,
            incident=incident,
            playbook=playbook,
            db=db,
        )
    )
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    """Add the drafting commands to the app."""
    app.command(rich_help_panel="During")(reply)
