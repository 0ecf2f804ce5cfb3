"""How a command gets its session: the incident of its phase, and a person to sign drafts."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crisisplan.phases.session import Phase, Session
    from crisisplan.store import IncidentRow


def acting_on(s: Session, phase: Phase) -> IncidentRow:
    """The incident of the command's phase; asked on a terminal when several fit."""
    from crisisplan.phases.session import find_incident
    from crisisplan.terminal.prompts import Terminal, asker

    ask = asker()
    choose = ask.choose if isinstance(ask, Terminal) else None
    return find_incident(s.store, s.incident, phase=phase, choose=choose)


def drafting_session(
    *,
    db: str | None = None,
    incident: str | None = None,
    playbook: Path | None = None,
    as_: str | None = None,
    at: str | None = None,
    create: bool = False,
) -> AbstractContextManager[Session]:
    """The session of a command that drafts words: a person of the plan signs them, asked
    for once on a terminal when none is set."""
    from crisisplan.phases.session import command_session
    from crisisplan.terminal.prompts import person_chooser

    return command_session(
        db=db,
        incident=incident,
        playbook=playbook,
        as_=as_,
        at=at,
        create=create,
        drafts=True,
        choose=person_chooser(),
    )
