"""Customers who wrote in: each message recorded, its first-response clock started, its
acknowledgement drafted, and the customer on the follow-up list with an open case.

One at a time here (`contact add`); a help desk's export, streamed in batches, in
contact_import.py. `waiting` is who still waits, oldest first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from crisisplan.errors import PlaybookError, UsageError
from crisisplan.phases import state as st
from crisisplan.phases.contact_clock import ACKNOWLEDGEMENT, Answered
from crisisplan.phases.followups import check_email, check_name
from crisisplan.phases.record import event, record_in

if TYPE_CHECKING:
    from crisisplan.phases.replies import Draft, Replier
    from crisisplan.playbook.loader import Plan
    from crisisplan.store import (
        Contact,
        ContactCounts,
        Followup,
        IncidentRow,
        NewEvent,
        Store,
    )

SAID_LIMIT = 500  # characters: what they said, in one line


@dataclass(frozen=True)
class Added:
    """A contact recorded, with its acknowledgement draft (None: the plan names none)."""

    contact: Contact
    draft: Draft | None


def respond_by(
    plan: Plan, state: st.IncidentState, channel: str, at: dt.datetime
) -> dt.datetime | None:
    """When a first response is due for a message received `at` on `channel`: the channel's
    `first_response_minutes`, else the severity's first-response time, else none."""
    minutes = plan.playbook.channels[channel].first_response_minutes
    if minutes is None:
        minutes = st.cadence(state)[1]
    return at + dt.timedelta(minutes=minutes) if minutes else None


def add(
    plan: Plan,
    store: Store,
    row: IncidentRow,
    *,
    name: str,
    email: str,
    channel: str | None,
    said: str,
    case: str | None,
    at: dt.datetime,
    now: dt.datetime,
    agent: str,
) -> Added:
    """Record one customer message, start its clock, draft its acknowledgement."""
    from crisisplan.phases.customers import Known, customer
    from crisisplan.store import Contact

    state = st.of(row)
    channel = channel_for(plan, state, channel)
    email, name, said = check_email(email), check_name(name), _one_line(said)
    case = (case or "").strip() or None
    key = f"case:{case}" if case else f"added:{email.lower()}:{st.iso(at)}"
    if store.known_contacts(row.id, [key]):
        raise UsageError(
            f"this message from {email} is already recorded on {row.id}"
            + (f" (case {case})." if case else f" (received {st.iso(at)})."),
            hint="See `crisis contact list`.",
        )
    due = respond_by(plan, state, channel, at)
    replier = _acknowledger(plan, store, row, agent, now, channel)
    draft = None
    if replier is not None:
        who = Known(store, row).filled(customer(name, email, tier=None, note=None, open_case=True))
        draft = replier.draft(who, previous_incidents=replier.history([email]).get(email, 0))
    new = contact_event(
        name, email, channel, said, at, agent, due, source="added", ticket=case, key=key
    )
    # Received before now (--at): a reply since may have answered it already.
    answered = (
        Answered(store.events(row.id, kinds=["reply", "sent"])).after(email, at)
        if at < now
        else None
    )
    with store.transaction() as tx:
        (written,) = record_in(tx, row.id, [new])
        contact = Contact(row.id, key, email, name, channel, at, due, written.id, answered)
        tx.add_contacts([contact])
        if replier is not None and draft is not None:
            replier.record_in(tx, [draft])  # its follow-up too, merged by email
        else:
            tx.upsert_followups([contact_followup(row.id, name, email, at)])
    return Added(contact, draft)


def channel_for(plan: Plan, state: st.IncidentState, channel: str | None) -> str:
    """The channel given, else the plan's first for one customer; one not in the plan is
    an error."""
    chosen = channel or st.first_individual_channel(state)
    if chosen is None or chosen not in plan.playbook.channels:
        raise UsageError(
            f"--channel {chosen!r} is not a channel in this plan."
            if chosen
            else "the plan has no channel for one customer.",
            hint=f"Choose one of: {', '.join(plan.playbook.channels)}.",
        )
    return chosen


def _one_line(said: str) -> str:
    text = " ".join(said.split())
    if not text:
        raise UsageError(
            "what did they say? --said is empty.", hint='Pass --said "Rota page is blank".'
        )
    if len(text) > SAID_LIMIT:
        raise UsageError(
            f"--said has {len(text):,} characters; one line of at most {SAID_LIMIT} is kept.",
            hint="Say it in a line; the whole message stays in the help desk.",
        )
    return text


def _acknowledger(
    plan: Plan, store: Store, row: IncidentRow, agent: str, now: dt.datetime, channel: str
) -> Replier | None:
    """The replier that drafts acknowledgements on `channel`; None if the plan has none."""
    from crisisplan.phases.replies import Replier

    if ACKNOWLEDGEMENT not in plan.playbook.templates:
        return None
    try:
        template = plan.template_for(ACKNOWLEDGEMENT)
    except PlaybookError:
        return None
    return Replier(plan, store, row, agent, now, template_id=template.front.id, channel_id=channel)


def contact_event(
    name: str,
    email: str,
    channel: str,
    said: str,
    at: dt.datetime,
    agent: str,
    due: dt.datetime | None,
    *,
    source: str,
    ticket: str | None,
    key: str,
    line: int | None = None,
) -> NewEvent:
    """The `contact` event of one message received (`line`: where an export had it)."""
    return event(
        "contact",
        at,
        agent,
        channel,
        customer={"name": name, "email": email},
        said=said,
        source=source,
        ticket=ticket,
        key=key,
        respond_by=st.iso(due) if due else None,
        line=line,
    )


def contact_followup(incident_id: str, name: str, email: str, at: dt.datetime) -> Followup:
    """The customer's follow-up entry: a message means a case is open."""
    from crisisplan.store import Followup

    # Merged by email with what the list has; a message means a case is open.
    return Followup(
        incident_id=incident_id,
        email=email,
        name=name,
        tier=None,
        open_case=True,
        note=None,
        added_at=at,
    )


# --- waiting ------------------------------------------------------------------------


@dataclass(frozen=True)
class Waiting:
    """Who is waiting for a first response, oldest first, and the counts."""

    contacts: list[Contact]
    counts: ContactCounts
    now: dt.datetime


def waiting(
    store: Store,
    row: IncidentRow,
    *,
    now: dt.datetime,
    limit: int | None = None,
    answered: bool = False,
) -> Waiting:
    """The contacts still waiting (or all, with `answered`), oldest first, with how many are
    past their promise."""
    found = store.waiting_contacts(row.id, limit=limit, answered=answered)
    return Waiting(found, store.contact_counts(row.id, now=now), now)
