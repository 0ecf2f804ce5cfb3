"""`crisis contact`: customers who wrote in, and the first answer each one is owed."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from crisisplan.cli.options import AsOpt, AtOpt, DbOpt, IncidentOpt, JsonOpt, PlaybookOpt

contact_app = typer.Typer(
    help="Customers who wrote in: each starts a first-response clock.\n\n"
    "Example: crisis contact add --customer 'Ada Park' --email ada@example.com "
    "--said 'Rota page is blank'",
    no_args_is_help=True,
)


class ExportFormat(StrEnum):
    auto = "auto"
    zendesk = "zendesk"
    helpscout = "helpscout"


@contact_app.command("add")
def contact_add(
    customer: Annotated[str, typer.Option("--customer", help="The customer's name.")],
    email: Annotated[str, typer.Option("--email", help="Their email address.")],
    said: Annotated[str, typer.Option("--said", help="What they said, in one line.")],
    channel: Annotated[
        str | None,
        typer.Option("--channel", "-c", help="Where they wrote. Default: the first for one."),
    ] = None,
    case: Annotated[str | None, typer.Option("--case", help="Their case or ticket id.")] = None,
    as_json: JsonOpt = False,
    at: AtOpt = None,
    as_: AsOpt = None,
    incident: IncidentOpt = None,
    playbook: PlaybookOpt = None,
    db: DbOpt = None,
) -> None:
    """Record a customer's message: clock, acknowledgement, follow-up.

    --at is when it was received. Their first-response clock starts then; a reply to them,
    or their acknowledgement sent, stops it.

    Example: crisis contact add --customer "Ada Park" --email ada@example.com --said "Rota blank"
    """
    from crisisplan.cli.sessions import acting_on, drafting_session
    from crisisplan.phases import contacts
    from crisisplan.views.contacts import show_added

    with drafting_session(db=db, incident=incident, playbook=playbook, as_=as_, at=at) as s:
        row = acting_on(s, "during")
        added = contacts.add(
            s.plan, s.store, row, name=customer, email=email, channel=channel, said=said,
            case=case, at=s.at, now=s.now, agent=s.who,
        )  # fmt: skip
    show_added(added, incident_id=row.id, now=s.now, as_json=as_json)


@contact_app.command("import")
def contact_import(
    path: Annotated[Path, typer.Argument(help="The help desk's ticket export (CSV).")],
    format_: Annotated[
        ExportFormat, typer.Option("--format", help="Whose export. Default: from its columns.")
    ] = ExportFormat.auto,
    channel: Annotated[
        str | None,
        typer.Option("--channel", "-c", help="Put every contact on this channel."),
    ] = None,
    acknowledge: Annotated[
        bool,
        typer.Option("--acknowledge", help="Also draft each one's acknowledgement, in bulk."),
    ] = False,
    as_json: JsonOpt = False,
    as_: AsOpt = None,
    incident: IncidentOpt = None,
    playbook: PlaybookOpt = None,
    db: DbOpt = None,
) -> None:
    """Import a Zendesk or Help Scout export as contacts.

    Streamed and resumable: run it again after a stop and each ticket is recorded once.
    The help desk's auto-reply answered them; --acknowledge drafts ours too.

    Example: crisis contact import tickets.csv --format zendesk
    """
    from crisisplan.cli.sessions import acting_on, drafting_session
    from crisisplan.phases import contact_import as contacts
    from crisisplan.views.contacts import show_imported

    counts = contacts.Imported()
    with drafting_session(db=db, incident=incident, playbook=playbook, as_=as_) as s:
        row = acting_on(s, "during")
        contacts.import_export(
            s.plan, s.store, row, path=path, fmt=format_.value, channel=channel,
            agent=s.who, counts=counts,
        )  # fmt: skip
        drafted = None
        if acknowledge:
            drafted = contacts.acknowledge_export(
                s.plan, s.store, row, path=path, fmt=format_.value, channel=channel,
                agent=s.who, at=s.now,
            )  # fmt: skip
    show_imported(counts, drafted, incident_id=row.id, as_json=as_json)


@contact_app.command("list")
def contact_list(
    waiting: Annotated[
        bool,
        typer.Option("--waiting/--all", help="Those still waiting (default), or every contact."),
    ] = True,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="At most this many.")] = None,
    as_json: JsonOpt = False,
    incident: IncidentOpt = None,
    db: DbOpt = None,
) -> None:
    """Customers waiting for a first response, oldest first.

    With --all, every contact, answered or not, in the order received.

    Example: crisis contact list --waiting --json
    """
    from crisisplan.phases import contacts
    from crisisplan.phases.session import command_session
    from crisisplan.views.contacts import show_waiting

    with command_session(db=db, incident=incident, reads_only=True) as s:
        w = contacts.waiting(s.store, s.row, now=s.now, limit=limit, answered=not waiting)
    show_waiting(w, incident_id=s.row.id, as_json=as_json)


def register(app: typer.Typer) -> None:
    """Add `contact` to the app."""
    app.add_typer(contact_app, name="contact", rich_help_panel="During")
