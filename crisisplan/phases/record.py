"""Writing events: each command's events and the state they lead to, in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from crisisplan.errors import UsageError
from crisisplan.phases import state as st
from crisisplan.phases.contact_clock import stop_clocks

if TYPE_CHECKING:
    from crisisplan.store import Event, IncidentRow, NewEvent, Store, Transaction


def record(store: Store, incident_id: str, events: Sequence[NewEvent]) -> list[Event]:
    """Append events to an incident and save the state they derive, all or nothing."""
    with store.transaction() as tx:
        return record_in(tx, incident_id, events)


def record_in(tx: Transaction, incident_id: str, events: Sequence[NewEvent]) -> list[Event]:
    """As `record`, inside a transaction the caller holds."""
    row = _incident(tx, incident_id)
    written = [tx.append(incident_id, new) for new in events]
    _save_state(tx, row, written, [e.id for e in written])
    return written


def record_all(tx: Transaction, incident_id: str, events: Sequence[NewEvent]) -> list[int]:
    """As `record_in`, for a bulk run's thousands of events: only their ids come back."""
    row = _incident(tx, incident_id)
    ids = tx.append_all(incident_id, events)
    _save_state(tx, row, events, ids)
    return ids


def _incident(tx: Transaction, incident_id: str) -> IncidentRow:
    row = tx.incident(incident_id)
    if row is None:
        raise UsageError(f"there is no incident {incident_id}.", hint="See `crisis list`.")
    return row


def _save_state(
    tx: Transaction, row: IncidentRow, events: Sequence[Event | NewEvent], ids: Sequence[int]
) -> None:
    """Save the state the events lead to from the incident's current one."""
    state = st.of(row)
    for e, event_id in zip(events, ids, strict=True):
        state = st.apply(state, e.kind, e.at, e.who, e.channel, e.payload, event_id)
    tx.save_state(row.id, st.to_json(state), is_open=state.phase != "closed")
    stop_clocks(tx, row.id, state, events)  # a reply or a message sent answers a contact


def event(
    kind: str, at: dt.datetime, actor: str, channel: str | None = None, /, **payload: Any
) -> NewEvent:
    """A new event, dropping payload fields that are None."""
    from crisisplan.store import NewEvent

    return NewEvent(
        kind=kind,
        at=at,
        who=actor,
        channel=channel,
        payload={k: v for k, v in payload.items() if v is not None},
    )
