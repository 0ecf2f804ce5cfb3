"""The list of people to come back to, in the order to reach them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from crisisplan.errors import UsageError
from crisisplan.mail import addresses
from crisisplan.phases import state as st
from crisisplan.phases.record import event, record_in

if TYPE_CHECKING:
    from crisisplan.store import Followup, IncidentRow, Store

HISTORY_DAYS = 180


@dataclass(frozen=True)
class Entry:
    followup: Followup
    previous_incidents: int


def check_email(email: str) -> str:
    """An address mail can go to (the rule `send` uses), trimmed; matching ignores case."""
    try:
        return addresses.check_address(email)
    except addresses.BadAddress as exc:
        raise UsageError(f"{exc}.", hint="Pass --email name@example.com.") from None


def check_name(name: str) -> str:
    """A customer's name, trimmed: not empty, and short enough for a mail header."""
    try:
        return addresses.check_name(name)
    except ValueError as exc:
        raise UsageError(f"{exc}.", hint="Pass --customer NAME.") from None


def add(
    store: Store,
    row: IncidentRow,
    *,
    name: str,
    email: str,
    tier: str | None,
    open_case: bool,
    note: str | None,
    at: dt.datetime,
    who: str,
) -> None:
    """Add a customer (or update their entry) and record it on the timeline."""
    from crisisplan.store import Followup

    email = check_email(email)
    name = check_name(name)
    with store.transaction() as tx:
        record_in(
            tx,
            row.id,
            [
                event(
                    "followup_added",
                    at,
                    who,
                    name=name.strip(),
                    email=email,
                    tier=tier,
                    open_case=open_case,
                    note=note,
                )
            ],
        )
        tx.upsert_followups(
            [
                Followup(
                    incident_id=row.id,
                    email=email,
                    name=name.strip(),
                    tier=tier,
                    open_case=open_case,
                    note=note,
                    added_at=at,
                )
            ]
        )


def done(store: Store, row: IncidentRow, *, email: str, at: dt.datetime, who: str) -> None:
    """Mark a customer as followed up."""
    email = check_email(email)
    with store.transaction() as tx:
        if not tx.update_followup(row.id, email, done_at=at):
            raise UsageError(
                f"{email} is not on the follow-up list of {row.id}.",
                hint="See `crisis followup list`.",
            )
        record_in(tx, row.id, [event("followup_done", at, who, email=email)])


def ordered(store: Store, row: IncidentRow, *, open_only: bool = False) -> list[Entry]:
    """Open case first, then tier (the plan's order), then time added; with history."""
    entries = store.followups(row.id, open_only=open_only)
    state = st.of(row)
    tiers: list[str] = list(state.plan.tiers)
    started = dt.datetime.fromisoformat(state.started_at)
    history = store.prior_incident_counts(
        [f.email for f in entries],
        since=started - dt.timedelta(days=HISTORY_DAYS),
        before=started,
        exclude=row.id,
    )

    def key(f: Followup) -> tuple[bool, int, dt.datetime]:
        rank = tiers.index(f.tier) if f.tier in tiers else len(tiers)
        return (not f.open_case, rank, f.added_at)

    return [
        Entry(f, history.get(f.email.lower(), history.get(f.email, 0)))
        for f in sorted(entries, key=key)
    ]
