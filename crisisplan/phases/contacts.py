"""Customers who wrote in: each message recorded, its first-response clock started, its
acknowledgement drafted, and the customer on the follow-up list with an open case.

One at a time (`contact add`), or a help desk's export streamed in batches (`contact
import`): each batch's events, clocks and follow-ups are one transaction, keyed by source
and ticket id, so a run stopped anywhere and run again records every contact once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from crisisplan.errors import CrisisError, PlaybookError, UsageError
from crisisplan.phases import state as st
from crisisplan.phases.contact_clock import ACKNOWLEDGEMENT, Answered
from crisisplan.phases.followups import check_email, check_name
from crisisplan.phases.record import event, record_all, record_in
from crisisplan.phases.replies import BATCH, batched

if TYPE_CHECKING:
    from pathlib import Path

    from crisisplan.phases.bulk import Counts as BulkCounts
    from crisisplan.phases.helpdesk import Format, Ticket
    from crisisplan.phases.replies import Draft, Replier
    from crisisplan.phases.stopped_runs import Kept
    from crisisplan.playbook.loader import Plan
    from crisisplan.store import (
        Contact,
        ContactCounts,
        Followup,
        IncidentRow,
        NewEvent,
        Store,
        Transaction,
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
    channel = _channel(plan, state, channel)
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
    new = _event(name, email, channel, said, at, agent, due, source="added", ticket=case, key=key)
    answered = Answered(store.events(row.id, kinds=["reply", "sent"])).after(email, at)
    with store.transaction() as tx:
        (written,) = record_in(tx, row.id, [new])
        contact = Contact(row.id, key, email, name, channel, at, due, written.id, answered)
        tx.add_contacts([contact])
        if replier is not None and draft is not None:
            replier.record_in(tx, [draft])  # its follow-up too, merged by email
        else:
            tx.upsert_followups([_followup(row.id, name, email, at)])
    return Added(contact, draft)


def _channel(plan: Plan, state: st.IncidentState, channel: str | None) -> str:
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


def _event(
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


def _followup(incident_id: str, name: str, email: str, at: dt.datetime) -> Followup:
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


# --- import -------------------------------------------------------------------------


@dataclass
class Imported:
    """What an import did with the rows of its export."""

    format: str = ""
    recorded: int = 0
    already: int = 0  # rows whose ticket an earlier run recorded
    last_line: int = 0  # the export's line of the last row in a recorded batch


def import_export(
    plan: Plan,
    store: Store,
    row: IncidentRow,
    *,
    path: Path,
    fmt: Format | Literal["auto"],
    channel: str | None,
    agent: str,
    counts: Imported,
    on_batch: Callable[[Imported], None] = lambda _: None,
    batch_size: int = BATCH,
) -> Imported:
    """Record every ticket of a help desk export as a contact, a batch per transaction.

    A ticket already recorded (by an earlier run, stopped or not) is skipped; one that
    appears twice in this export, a bad date or address stop the run with the line, after
    the batches before it are in and nothing of its own batch is. `counts` is kept up to
    date as batches land, so a caller still has them when the run stops.
    """
    from crisisplan.phases.helpdesk import read_export

    state = st.of(row)
    if channel is not None:
        _channel(plan, state, channel)  # a wrong --channel stops before anything is read
    by_kind = _channels_by_kind(plan, state)
    found, tickets = read_export(path, fmt)
    counts.format = found
    try:
        _import(plan, store, row, state, path, found, tickets, channel, agent, counts, by_kind,
                on_batch, batch_size)  # fmt: skip
    except CrisisError as exc:
        exc.hint = (
            f"{exc.hint} {_kept(counts).sentence()}" if exc.hint else _kept(counts).sentence()
        )
        raise
    return counts


def _kept(counts: Imported) -> Kept:
    from crisisplan.phases.stopped_runs import Kept

    after = f"the rows after line {counts.last_line}" if counts.last_line else "the rows"
    return Kept(
        counts.recorded,
        ("contact", "contacts"),
        not_reached=after,
        rerun="it records the rest and skips the tickets already recorded",
    )


def _import(
    plan: Plan,
    store: Store,
    row: IncidentRow,
    state: st.IncidentState,
    path: Path,
    found: Format,
    tickets: Iterator[Ticket],
    channel: str | None,
    agent: str,
    counts: Imported,
    by_kind: dict[str, str],
    on_batch: Callable[[Imported], None],
    batch_size: int,
) -> None:
    first_id: int | None = None  # the first event this run wrote: later ones are its own
    answered = Answered(store.events(row.id, kinds=["reply", "sent"]))
    for batch in batched(tickets, batch_size):
        keys = {f"{found}:{t.ticket}": t for t in _unique(path, batch)}
        known = store.known_contacts(row.id, list(keys))
        if known and first_id is not None:
            _refuse_repeats(store, path, keys, known, first_id)
        fresh = [(k, t) for k, t in keys.items() if k not in known]
        counts.already += len(keys) - len(fresh)
        if fresh:
            with store.transaction() as tx:
                ids = _record_batch(
                    tx, plan, state, row, fresh, found, agent, channel, by_kind, answered
                )
            first_id = ids[0] if first_id is None else first_id
            counts.recorded += len(fresh)
        counts.last_line = batch[-1].line
        on_batch(counts)


def _channels_by_kind(plan: Plan, state: st.IncidentState) -> dict[str, str]:
    """The plan's first channel for one customer of each kind; "" the first of all."""
    found: dict[str, str] = {"": _channel(plan, state, None)}
    for cid, ch in plan.playbook.channels.items():
        if ch.purpose == "individual":
            found.setdefault(ch.kind, cid)
    return found


def _record_batch(
    tx: Transaction,
    plan: Plan,
    state: st.IncidentState,
    row: IncidentRow,
    fresh: list[tuple[str, Ticket]],
    source: str,
    agent: str,
    forced: str | None,
    by_kind: dict[str, str],
    answered: Answered,
) -> list[int]:
    """Write one batch: its events, its clocks, its follow-ups; the events' ids."""
    from crisisplan.store import Contact

    due_minutes: dict[str, dt.timedelta | None] = {}
    events, rows = [], []
    for key, t in fresh:
        channel = forced or by_kind.get(t.kind or "", by_kind[""])
        if channel not in due_minutes:
            due = respond_by(plan, state, channel, t.received_at)
            due_minutes[channel] = None if due is None else due - t.received_at
        delta = due_minutes[channel]
        due = None if delta is None else t.received_at + delta
        events.append(
            _event(
                t.name,
                t.email,
                channel,
                t.said,
                t.received_at,
                agent,
                due,
                source=source,
                ticket=t.ticket,
                key=key,
                line=t.line,
            )
        )
        rows.append((key, t, channel, due))
    ids = record_all(tx, row.id, events)
    tx.add_contacts(
        [
            Contact(
                row.id,
                key,
                t.email,
                t.name,
                channel,
                t.received_at,
                due,
                event_id,
                answered.after(t.email, t.received_at),
            )
            for (key, t, channel, due), event_id in zip(rows, ids, strict=True)
        ]
    )
    tx.upsert_followups(_followup(row.id, t.name, t.email, t.received_at) for _, t in fresh)
    return ids


def _unique(path: Path, batch: list[Ticket]) -> Iterator[Ticket]:
    seen: dict[str, int] = {}
    for t in batch:
        if t.ticket in seen:
            raise _twice(path, t, seen[t.ticket])
        seen[t.ticket] = t.line
        yield t


def _refuse_repeats(
    store: Store, path: Path, keys: dict[str, Ticket], known: dict[str, int], first_id: int
) -> None:
    """A ticket this run already recorded is in the export twice: an error with both lines."""
    for key in sorted(known, key=lambda k: keys[k].line):
        if known[key] >= first_id:
            e = store.event(known[key])
            line = e.payload.get("line") if e is not None else None
            raise _twice(path, keys[key], line if isinstance(line, int) else None)


def _twice(path: Path, t: Ticket, first: int | None) -> CrisisError:
    from crisisplan.errors import Location

    where = f"line {first}" if first else "an earlier line"
    return CrisisError(
        f"ticket {t.ticket} appears twice in this export (first on {where}).",
        location=Location(path, t.line),
        hint="Export again, or remove the repeated row; the contacts before this batch are kept.",
    )


def acknowledge_export(
    plan: Plan,
    store: Store,
    row: IncidentRow,
    *,
    path: Path,
    fmt: Format | Literal["auto"],
    channel: str | None,
    agent: str,
    at: dt.datetime,
    on_drafts: Callable[[list[Draft]], None] = lambda _: None,
) -> BulkCounts:
    """Draft the acknowledgement of every customer in an export, the way `reply --customers`
    drafts: in bulk, recorded batch by batch, a customer already acknowledged skipped (so
    a stopped run, run again, drafts the rest)."""
    from crisisplan.phases.bulk import draft_all
    from crisisplan.phases.customers import customer
    from crisisplan.phases.helpdesk import read_export
    from crisisplan.phases.replies import Replier

    if ACKNOWLEDGEMENT not in plan.playbook.templates:
        raise UsageError(
            "the plan names no acknowledgement template, so there is nothing to draft.",
            hint="Add `acknowledgement: TEMPLATE-ID` under `templates:`, or leave out "
            "--acknowledge.",
        )
    template = plan.template_for(ACKNOWLEDGEMENT).front.id
    replier = Replier(plan, store, row, agent, at, template_id=template, channel_id=channel)
    _, tickets = read_export(path, fmt)
    customers = (
        customer(t.name, t.email, tier=None, note=None, open_case=True, line=t.line)
        for t in tickets
    )
    return draft_all(
        replier,
        customers,
        directory=None,
        again=False,
        csv_size=path.stat().st_size,
        on_bad=lambda _: None,  # the import read every row already
        on_drafts=on_drafts,
        on_rows=lambda _: None,
    )
