"""Sign-off before public words: `approve`, `reject`."""

from __future__ import annotations

from typing import Annotated

import typer

from crisisplan.cli import completion
from crisisplan.cli.options import AtOpt, DbOpt, IncidentOpt, JsonOpt, PlaybookOpt

StatementArg = Annotated[
    str, typer.Argument(help="The statement's id, as `crisis status` lists it (e.g. S1).")
]


def approve(
    statement: StatementArg,
    role: Annotated[
        str | None,
        typer.Option(
            "--as",
            help="The role you sign off as; it must be yours ($CRISIS_AGENT, else "
            "`crisis whoami`). Default: your role.",
            show_default=False,
            autocompletion=completion.roles,
        ),
    ] = None,
    as_json: JsonOpt = False,
    at: AtOpt = None,
    incident: IncidentOpt = None,
    playbook: PlaybookOpt = None,
    db: DbOpt = None,
) -> None:
    """Sign off a public statement held for approval.

    The last sign-off needed publishes it.

    Only the person holding a role the plan names in `public_statement_needs` may approve,
    and only as that role. The approval records the hash of the exact words.

    Example: crisis approve S1 --as comms-legal
    """
    from crisisplan.cli.sessions import acting_on, drafting_session
    from crisisplan.phases.approvals import approve as record_approval
    from crisisplan.views.signoff import show_decision

    # The approver is who this user is, never what --as says: --as names the role.
    with drafting_session(db=db, incident=incident, playbook=playbook, at=at) as s:
        row = acting_on(s, "during")
        decision = record_approval(
            s.plan, s.store, row, statement=statement, role=role, person=s.person, at=s.at
        )
    show_decision(decision, as_json=as_json)


def reject(
    statement: StatementArg,
    reason: Annotated[
        str, typer.Option("--reason", help="What must change, for whoever drafts it again.")
    ],
    as_json: JsonOpt = False,
    at: AtOpt = None,
    incident: IncidentOpt = None,
    playbook: PlaybookOpt = None,
    db: DbOpt = None,
) -> None:
    """Turn down a statement held for sign-off.

    It will never be published.

    Example: crisis reject S1 --reason "Do not name the supplier until legal has spoken to them"
    """
    from crisisplan.cli.sessions import acting_on, drafting_session
    from crisisplan.phases.approvals import reject as record_rejection
    from crisisplan.views.signoff import show_decision

    with drafting_session(db=db, incident=incident, playbook=playbook, at=at) as s:
        row = acting_on(s, "during")
        decision = record_rejection(
            s.plan, s.store, row, statement=statement, reason=reason, person=s.person, at=s.at
        )
    show_decision(decision, as_json=as_json)


def register(app: typer.Typer) -> None:
    """Add the sign-off commands to the app."""
    for command in (approve, reject):
        app.command(rich_help_panel="During")(command)
