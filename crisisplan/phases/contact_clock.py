"""The first-response clock of each customer who writes in: what starts and stops it.

A `contact` event starts a clock; its row in the store's contacts holds it (when the
message came in, when a first response is due, when one was given). A personal reply to
the customer stops it, and so does any message to them that `send` delivered (their
acknowledgement included); drafting the acknowledgement does not, since the customer has
not heard from us yet.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import datetime as dt

    from crisisplan.phases.state_types import IncidentState
    from crisisplan.store import Contact, Event, NewEvent, Store, Transaction

ACKNOWLEDGEMENT = "acknowledgement"  # the library purpose of the automatic answer


def contact_changes(state: IncidentState, when: str) -> dict[str, Any]:
    """What a `contact` event changes in the state: the first and latest message times."""
    first, last = state.first_contact_at, state.last_contact_at
    return {
        "first_contact_at": when if first is None or when < first else first,
        "last_contact_at": when if last is None or when > last else last,
    }


def answers(events: Sequence[Event | NewEvent]) -> list[tuple[str, dt.datetime]]:
    """(email, when) of every event among these that answers a customer."""
    found: list[tuple[str, dt.datetime]] = []
    for e in events:
        if e.kind not in ("reply", "sent"):
            continue
        payload = e.payload
        encoded = getattr(e, "encoded", None)
        if encoded is not None and e.kind == "reply":
            # A bulk run's events carry only what the reducer reads; the rest is encoded.
            payload = json.loads(encoded)
        if e.kind == "sent":
            email = payload.get("to")
        elif payload.get("purpose") != ACKNOWLEDGEMENT:
            email = (payload.get("customer") or {}).get("email")
        else:
            email = None
        if isinstance(email, str) and email:
            found.append((email, e.at))
    return found


class Answered:
    """When each customer was answered so far in an incident: a message recorded late
    (backfilled, or imported after agents replied) starts with its clock stopped."""

    def __init__(self, events: Iterable[Event]) -> None:
        self._times: dict[str, list[dt.datetime]] = {}
        for email, at in answers(list(events)):
            self._times.setdefault(email.strip().lower(), []).append(at)
        for times in self._times.values():
            times.sort()

    def after(self, email: str, received: dt.datetime) -> dt.datetime | None:
        """The first answer to `email` at or after `received`, if any."""
        times = self._times.get(email.strip().lower())
        if not times:
            return None
        i = bisect.bisect_left(times, received)
        return times[i] if i < len(times) else None


def stop_clocks(
    tx: Transaction, incident_id: str, state: IncidentState, events: Sequence[Event | NewEvent]
) -> None:
    """Stop the clock of every customer these events answer, on an incident with contacts."""
    if state.first_contact_at is None:
        return  # no contacts: nothing to stop, and a bulk reply pays nothing for it
    found = answers(events)
    if found:
        tx.answer_contacts(incident_id, found)


def glance(store: Store, incident_id: str, state: IncidentState, now: dt.datetime) -> Glance | None:
    """What `status` says of contacts: who has waited longest, how many are past the promised
    time. None when no customer has written in (and then the store is not asked)."""
    if state.first_contact_at is None:
        return None
    counts = store.contact_counts(incident_id, now=now)
    oldest = store.waiting_contacts(incident_id, limit=1)
    return Glance(counts.received, counts.waiting, counts.overdue, oldest[0] if oldest else None)


@dataclass(frozen=True)
class Glance:
    """Contacts at a glance: received, waiting, waiting past the promise, the longest wait."""

    received: int
    waiting: int
    overdue: int
    longest: Contact | None

    def as_json(self, now: dt.datetime) -> dict[str, Any]:
        from crisisplan.clock import to_text

        c = self.longest
        return {
            "received": self.received,
            "waiting": self.waiting,
            "overdue": self.overdue,
            "longest_waiting": None
            if c is None
            else {
                "name": c.name,
                "email": c.email,
                "channel": c.channel,
                "received_at": to_text(c.received_at),
                "respond_by": to_text(c.respond_by) if c.respond_by else None,
                "waited_minutes": round((now - c.received_at).total_seconds() / 60),
            },
        }
