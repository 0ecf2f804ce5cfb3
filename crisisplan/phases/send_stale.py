"""Drafts that went stale: a during-phase reply not yet sent when newer public words came.

A reply is drafted with the facts, the promised next update and the phase of its moment
(its payload keeps `phase` and `next_update_at`). A later public update, severity change
or resolution makes those words out of date; the command that does it records, in the
same transaction, one `superseded` event naming the drafts and why. `send` never sends
them. A draft already sent is history, and one in flight (`send_started` last) may have
arrived: neither is superseded.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from crisisplan.phases.record import event

if TYPE_CHECKING:
    from crisisplan.store import Event, NewEvent, Store

_KINDS = ("reply", "superseded", "send_started", "sent", "send_failed")


def phase_of(e: Event) -> str:
    """The phase a draft was written in; drafts from before it was recorded by purpose."""
    phase = e.payload.get("phase")
    if isinstance(phase, str):
        return phase
    return (
        "aftermath" if e.kind == "apology" or e.payload.get("purpose") == "resolved" else "during"
    )


def when(at: dt.datetime) -> str:
    """A moment as a reason names it: `10:31 UTC`, the date too when not today."""
    moment = at.astimezone(dt.UTC)
    text = f"{moment:%H:%M} UTC"
    return (
        text if moment.date() == dt.datetime.now(dt.UTC).date() else f"{text} on {moment:%Y-%m-%d}"
    )


def superseding(
    store: Store, incident_id: str, *, at: dt.datetime, who: str, reason: str
) -> list[NewEvent]:
    """The `superseded` event for every unsent during-phase draft made by `at`, or none.

    Call it inside the transaction that records what supersedes them, so no draft
    recorded meanwhile is missed.
    """
    drafts: dict[int, Event] = {}
    settled: set[int] = set()  # sent, in flight, or already superseded
    last_send: dict[int, str] = {}
    for e in store.events(incident_id, kinds=_KINDS):
        if e.kind == "reply":
            if phase_of(e) == "during" and e.at <= at:
                drafts[e.id] = e
        elif e.kind == "superseded":
            settled.update(d for d in e.payload.get("drafts") or [] if isinstance(d, int))
        elif isinstance(draft := e.payload.get("draft"), int):
            if e.kind == "sent":
                settled.add(draft)
            else:
                last_send[draft] = e.kind
    settled.update(d for d, kind in last_send.items() if kind == "send_started")
    stale = sorted(d for d in drafts if d not in settled)
    if not stale:
        return []
    return [event("superseded", at, who, drafts=stale, reason=reason)]
