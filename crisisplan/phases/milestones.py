"""Milestones: when the team acknowledged, identified and mitigated the incident.

Declared and resolved are the incident's start and resolution; the three between are
recorded with `crisis milestone`, each once (`--again` moves it, and the log keeps both).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crisisplan.phases.state_json import parse
from crisisplan.phases.state_types import IncidentState

# In the order an incident reaches them; the middle three are recorded by hand.
RECORDED: tuple[str, ...] = ("acknowledged", "identified", "mitigated")
ALL: tuple[str, ...] = ("declared", *RECORDED, "resolved")
# The figure each milestone gives, counted from the declaration.
TIME_TO: dict[str, str] = {
    "acknowledged": "acknowledge",
    "identified": "identify",
    "mitigated": "mitigate",
    "resolved": "resolve",
}


def reached(state: IncidentState, when: str, payload: Mapping[str, Any]) -> dict[str, str]:
    """The milestones after a `milestone` event: its name now stands at its time.

    A first recording never moves one already set: folding the log by time, a move
    backfilled earlier (`--again`, which records `moved_from`) comes before the recording
    it moved, and must still win.
    """
    name = str(payload["name"])
    if name in state.milestones and "moved_from" not in payload:
        return dict(state.milestones)
    return {**state.milestones, name: when}


def times(state: IncidentState) -> dict[str, str | None]:
    """Every milestone's time (ISO), None where not reached."""
    found: dict[str, str | None] = {"declared": state.started_at}
    found.update({name: state.milestones.get(name) for name in RECORDED})
    found["resolved"] = state.resolved_at
    return found


def minutes_to(state: IncidentState) -> dict[str, float | None]:
    """Minutes from the declaration to each later milestone: time to acknowledge, and so on."""
    start = parse(state.started_at)
    found: dict[str, float | None] = {}
    for name, when in times(state).items():
        if name in TIME_TO:
            minutes = None if when is None else (parse(when) - start).total_seconds() / 60
            found[TIME_TO[name]] = None if minutes is None else round(minutes, 1)
    return found
