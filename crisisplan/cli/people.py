"""`crisis whoami`: the person of the plan who signs what this user drafts."""

from __future__ import annotations

from typing import Annotated

import typer

from crisisplan.cli.options import PlaybookOpt


def whoami(
    role: Annotated[
        str | None,
        typer.Argument(help="A role id of the plan, or its person's name. Omit to see yours."),
    ] = None,
    playbook: PlaybookOpt = None,
) -> None:
    """Save or show who you are: the person who signs your drafts.

    The role a drafting command is given with its own option, then $CRISIS_AGENT, come first;
    the saved choice is for when neither is given. Exit 1 when no one is set.

    Example: crisis whoami support-lead
    """
    from crisisplan.errors import UsageError
    from crisisplan.phases.people import role_of, save_choice, stated
    from crisisplan.phases.session import command_session

    with command_session(playbook=playbook) as s:
        if role is not None:
            person = role_of(s.plan, role, source="crisis whoami")  # nothing saved if unknown
            path = save_choice(person.role)
            typer.echo(f"You are {person.name} ({person.role}); saved in {path}.")
            return
        said = stated(None)
        if said is None:
            typer.echo(
                "No one is set: drafting commands ask on a terminal and stop without one. "
                "Run `crisis whoami ROLE`, or pass --as ROLE or CRISIS_AGENT=ROLE."
            )
            raise typer.Exit(1)
        try:
            plan = s.plan
        except UsageError:  # no playbook found here (a broken one is still an error)
            if playbook is not None:
                raise
            typer.echo(f"You are {said[0]!r}, from {said[1]}; no playbook here to check it.")
            return
        person = role_of(plan, said[0], source=said[1])
    typer.echo(f"You are {person.name} ({person.role}), from {person.source}.")


def register(app: typer.Typer) -> None:
    """Add `whoami` to the app."""
    app.command(rich_help_panel="Before")(whoami)
