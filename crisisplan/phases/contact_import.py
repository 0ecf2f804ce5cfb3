"""Importing a help desk's export as contacts: streamed, a batch per transaction, resumable.

Each contact is keyed by source and ticket id (`zendesk:40211`); a batch's events, clocks
and follow-ups are written together, so a run stopped anywhere and run again records
every ticket once. A bad row stops the run after the batches before it and before any of
its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from crisisplan.errors import CrisisError, UsageError
from crisisplan.phases import state as st
from crisisplan.phases.contact_clock import ACKNOWLEDGEMENT, Answered
from crisisplan.phases.contacts import channel_for, contact_event, contact_followup, respond_by
from crisisplan.phases.record import record_all
from crisisplan.phases.replies import BATCH, batched

if TYPE_CHECKING:
    from pathlib import Path

    from crisisplan.phases.bulk import Counts as BulkCounts
    from crisisplan.phases.helpdesk import Format, Ticket
    from crisisplan.phases.replies import Draft
    from crisisplan.phases.stopped_runs import Kept
    from crisisplan.playbook.loader import Plan
    from crisisplan.store import IncidentRow, Store, Transaction


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
        channel_for(plan, state, channel)  # a wrong --channel stops before anything is read
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
    found: dict[str, str] = {"": channel_for(plan, state, None)}
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
            contact_event(
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
    tx.upsert_followups(contact_followup(row.id, t.name, t.email, t.received_at) for _, t in fresh)
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
