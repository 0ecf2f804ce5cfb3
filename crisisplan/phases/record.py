"""Writing events: each command's events and the state they lead to, in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from crisisplan.errors import UsageError
from crisisplan.phases import state as st

if TYPE_CHECKING:
    from crisisplan.store import Event, NewEvent, Store, Transaction


def record(store: Store, incident_id: str, events: Sequence[NewEvent]) -> list[Event]:
    """Append events to an incident and save the state they derive, all or nothing."""
    with store.transaction() as tx:
        return record_in(tx, incident_id, events)


def record_in(tx: Transaction, incident_id: str, events: Sequence[NewEvent]) -> list[Event]:
    """As `record`, inside a transaction the caller holds."""
    row = tx.incident(incident_id)
    if row is None:
        raise UsageError(f"there is no incident {incident_id}.", hint="See `crisis list`.")
    state = row.state
    written = []
    for new in events:
        event = tx.append(incident_id, new)
        state = st.apply(state, event.kind, event.at, event.who, event.channel, event.payload)
        written.append(event)
    tx.save_state(incident_id, state, is_open=state["phase"] != "closed")
    return written


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
