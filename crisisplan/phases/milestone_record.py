"""`crisis milestone`: record that the incident was acknowledged, identified or mitigated."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from crisisplan.clock import show
from crisisplan.errors import UsageError
from crisisplan.phases import state as st
from crisisplan.phases.milestones import ALL, RECORDED
from crisisplan.phases.record import event, record_in

if TYPE_CHECKING:
    from crisisplan.store import IncidentRow, Store


@dataclass(frozen=True)
class Reached:
    """A milestone recorded: its name, when, and the time it moved from (with --again)."""

    name: str
    at: dt.datetime
    moved_from: str | None
    event_id: int


def record_milestone(
    store: Store,
    row: IncidentRow,
    *,
    name: str,
    at: dt.datetime,
    now: dt.datetime,
    again: bool,
    who: str,
) -> Reached:
    """Record that the incident reached a milestone, once; `again` moves it."""
    if name not in RECORDED:
        also = " (they are recorded by `crisis start` and `crisis resolve`)" if name in ALL else ""
        raise UsageError(
            f"{name!r} is not a milestone you can record{also}.",
            hint=f"Record one of: {', '.join(RECORDED)}.",
        )
    if at > now:
        raise UsageError(
            f"--at {show(at)} is in the future; a milestone is recorded once it is reached.",
            hint="Leave --at out for now, or give a time that has passed.",
        )
    with store.transaction() as tx:
        current = tx.incident(row.id) or row
        state = st.of(current)
        previous = state.milestones.get(name)
        if previous is not None and not again:
            raise UsageError(
                f"{row.id} was already {name} at {show(st.parse(previous))}; "
                "each milestone is recorded once.",
                hint=f"To move it, run: crisis milestone {name} --at TIME --again.",
            )
        if at < st.parse(state.started_at):
            raise UsageError(
                f"--at {show(at)} is before {row.id} was declared "
                f"({show(st.parse(state.started_at))}).",
                hint="Give a time after the declaration, like --at 03:10 or --at -20m.",
            )
        if state.resolved_at is not None and at > st.parse(state.resolved_at):
            raise UsageError(
                f"--at {show(at)} is after {row.id} was resolved "
                f"({show(st.parse(state.resolved_at))}).",
                hint="Give a time before the resolution.",
            )
        (written,) = record_in(
            tx, row.id, [event("milestone", at, who, name=name, moved_from=previous)]
        )
    return Reached(name, at, previous, written.id)
