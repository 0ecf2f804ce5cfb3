"""Which incident a command acts on when --incident is not given: chosen by phase."""

from __future__ import annotations

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
