"""Sign-off before public words: statements held for the plan's roles, approved or rejected.

When the plan says an incident type needs sign-off (`public_statement_needs`), every public
update drafted for it (`start`, `update`, `resolve`'s final update) is recorded as a
`statement_draft`, not a `public_update`: the status page, the feed, `status` and the
update clock only ever read `public_update` events, so nothing held can reach them. The
last approval needed records the `public_update`, in the same transaction, with the exact
text every approval hashed. A newer draft for the same channel replaces a waiting one, and
approvals never carry over to other words. The state's part is in phases/signoff.py.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crisisplan.errors import UsageError
from crisisplan.phases import signoff
from crisisplan.phases import state as st
from crisisplan.phases.record import event, record_in

if TYPE_CHECKING:
    from crisisplan.phases.people import Person
    from crisisplan.phases.state_types import Statement
    from crisisplan.playbook.loader import Plan
    from crisisplan.store import Event, IncidentRow, NewEvent, Store, Transaction


@dataclass(frozen=True)
class Held:
    """A statement recorded and waiting: its id, and who must approve it."""

    number: int
    needs: list[tuple[str, str]]  # (role id, person's name)
    replaced: list[int] = field(default_factory=list)  # waiting ones it took the place of

    @property
    def id(self) -> str:
        return f"S{self.number}"


@dataclass(frozen=True)
class Decision:
    """What `approve` or `reject` recorded, and what became of the statement."""

    statement: Statement
    incident_id: str
    role: str
    published: int | None  # the public_update event, once every role approved
    names: dict[str, str]
    warnings: list[str]


def needs(plan: Plan, incident_type: str) -> list[tuple[str, str]]:
    """The roles (id, person) that must approve public words about this type of incident."""
    pb = plan.playbook
    typ = pb.incident_types.get(incident_type)
    roles = typ.public_statement_needs if typ is not None else []
    return [(r, pb.roles[r].name if r in pb.roles else r) for r in roles]


def held_instead(plan: Plan, incident_type: str, public: NewEvent) -> NewEvent:
    """The `public_update` event itself, or, when the type needs sign-off, the statement
    that holds it until approved (every field kept, for publishing it as drafted)."""
    roles = needs(plan, incident_type)
    if not roles or public.kind != "public_update":
        return public
    text = str(public.payload.get("text") or "")
    return event(
        "statement_draft",
        public.at,
        public.who,
        public.channel,
        **public.payload,
        needs=[r for r, _ in roles],
        names=dict(roles),
        text_sha256=signoff.sha256(text),
    )


def held_after(tx: Transaction, incident_id: str, plan: Plan, incident_type: str) -> Held:
    """The statement just recorded in `tx`, as `held_instead` held it."""
    row = tx.incident(incident_id)
    statements = st.of(row).statements if row is not None else ()
    number = statements[-1].number if statements else 0
    why = f"replaced by S{number}"
    replaced = [s.number for s in statements if s.status == "replaced" and s.reason == why]
    return Held(number, needs(plan, incident_type), replaced)


def waiting_anywhere(store: Store) -> list[tuple[str, dict[str, Any]]]:
    """(incident id, statement) of every statement waiting for sign-off in open incidents:
    what `statuspage build` and `send` leave out, and say so."""
    from crisisplan.phases.signoff import waiting_in

    return [(row.id, s) for row in store.incidents(open_only=True) for s in waiting_in(row.state)]


def parse_id(text: str) -> int:
    """S3, s3 or 3: the statement's number."""
    found = re.fullmatch(r"\s*[sS]?(\d{1,9})\s*", text)
    if found is None or int(found.group(1)) == 0:
        raise UsageError(
            f"{text!r} is not a statement id.",
            hint="Statements are numbered S1, S2, ...; `crisis status` lists those waiting.",
        )
    return int(found.group(1))


def approve(
    plan: Plan,
    store: Store,
    row: IncidentRow,
    *,
    statement: str,
    role: str | None,
    person: Person,
    at: dt.datetime,
) -> Decision:
    """Record `person`'s sign-off as `role` (their own role when not given); the last one
    needed publishes the statement. Anyone else, or any other role, is refused."""
    number = parse_id(statement)
    names = {rid: r.name for rid, r in plan.playbook.roles.items()}
    with store.transaction() as tx:
        state = _fresh(tx, row)
        held = _waiting(state, row.id, number, names)
        wanted = _role_of(plan, role) if role else person.role
        _may_approve(held, wanted, person, names)
        draft = _draft_event(store, row.id, held)
        text = str(draft.payload.get("text") or "")
        if signoff.sha256(text) != held.text_sha256:  # never publish words nobody approved
            raise UsageError(
                f"the log's text of S{number} does not match the hash it was drafted with.",
                hint="Draft the statement again (`crisis update ...`).",
            )
        approval = event(
            "approval",
            at,
            person.role,
            held.channel,
            statement=number,
            role=wanted,
            name=person.name,
            text_sha256=held.text_sha256,
        )
        events = [approval]
        last = held.missing == (wanted,)
        if last:
            events.append(
                _publication(draft, held, at, [*(a.role for a in held.approvals), wanted])
            )
        written = record_in(tx, row.id, events)
        after = _fresh(tx, row).statements[number - 1]
    warnings = _late_promise(draft.payload, at) if last else []
    published = written[-1].id if last else None
    return Decision(after, row.id, wanted, published, names, warnings)


def reject(
    plan: Plan,
    store: Store,
    row: IncidentRow,
    *,
    statement: str,
    reason: str,
    person: Person,
    at: dt.datetime,
) -> Decision:
    """Turn a waiting statement down, with the reason: it can never be published."""
    number = parse_id(statement)
    if not reason.strip():
        raise UsageError("--reason is empty.", hint="Say what must change, for the drafter.")
    names = {rid: r.name for rid, r in plan.playbook.roles.items()}
    with store.transaction() as tx:
        held = _waiting(_fresh(tx, row), row.id, number, names)
        rejection = event(
            "rejection",
            at,
            person.role,
            held.channel,
            statement=number,
            reason=reason.strip(),
            name=person.name,
            text_sha256=held.text_sha256,
        )
        record_in(tx, row.id, [rejection])
        after = _fresh(tx, row).statements[number - 1]
    return Decision(after, row.id, person.role, None, names, [])


def _fresh(tx: Transaction, row: IncidentRow) -> st.IncidentState:
    """The state as committed now: another approver may have signed a moment ago."""
    return st.of(tx.incident(row.id) or row)


def _waiting(
    state: st.IncidentState, incident_id: str, number: int, names: dict[str, str]
) -> Statement:
    if not 1 <= number <= len(state.statements):
        listed = ", ".join(f"S{s.number}" for s in signoff.waiting(state)) or "none"
        raise UsageError(
            f"{incident_id} has no statement S{number}.",
            hint=f"Statements waiting for sign-off: {listed}.",
        )
    held = state.statements[number - 1]
    if held.status == "waiting":
        return held
    by = names.get(held.settled_by or "", held.settled_by or "")
    why = {
        "published": f"is already published (approved by all, the last at {_at(held)})",
        "rejected": f"was rejected by {by} at {_at(held)} ({held.reason})",
        "replaced": f"was {held.reason} at {_at(held)}; approvals are for exact words",
    }[held.status]
    newer = [s for s in signoff.waiting(state) if s.channel == held.channel]
    hint = (
        f"Approve S{newer[0].number} instead, if its words are right."
        if newer
        else "Draft it again with `crisis update ...`; it then waits for sign-off again."
    )
    raise UsageError(f"S{number} {why}.", hint=hint)


def _at(held: Statement) -> str:
    from crisisplan.clock import show

    return show(st.parse(held.settled_at)) if held.settled_at else "?"


def _role_of(plan: Plan, role: str) -> str:
    from crisisplan.phases.people import role_of

    return role_of(plan, role, source="--as").role


def _may_approve(held: Statement, role: str, person: Person, names: dict[str, str]) -> None:
    def who(r: str) -> str:
        return f"{names.get(r, r)} ({r})"

    needed = " and ".join(who(r) for r in held.needs)
    if role not in held.needs:
        raise UsageError(
            f"S{held.number} needs sign-off by {needed}; {who(role)} is not one of them.",
            hint=f"Ask one of them to run `crisis approve S{held.number} --as ROLE`.",
        )
    if person.role != role:
        raise UsageError(
            f"only {who(role)} can approve as {role}; you are {who(person.role)} "
            f"({person.source}).",
            hint=f"Ask {names.get(role, role)} to run `crisis approve S{held.number} --as {role}`.",
        )
    if role not in held.missing:
        left = " and ".join(who(r) for r in held.missing)
        raise UsageError(
            f"{who(role)} already approved S{held.number}.",
            hint=f"Still waiting for {left}.",
        )


def _draft_event(store: Store, incident_id: str, held: Statement) -> Event:
    """The statement's `statement_draft` event: the n-th, in the order they were recorded."""
    drafts = sorted(store.events(incident_id, kinds=("statement_draft",)), key=lambda e: e.id)
    return drafts[held.number - 1]


def _publication(draft: Event, held: Statement, at: dt.datetime, roles: list[str]) -> NewEvent:
    """The public update the statement was drafted as, published now, naming its approvals."""
    kept = {
        k: v
        for k, v in draft.payload.items()
        if k not in ("needs", "names", "text_sha256", "approved_by")
    }
    return event(
        "public_update",
        at,
        draft.who,
        draft.channel,
        **kept,
        statement=held.number,
        approved_by=roles,
        text_sha256=held.text_sha256,
    )


def _late_promise(payload: dict[str, Any], at: dt.datetime) -> list[str]:
    """The words promise the next update by a time already past when they went out."""
    from crisisplan.clock import show

    due = payload.get("next_update_at")
    if not due or st.parse(str(due)) > at:
        return []
    return [
        f"The published words promised the next update by {show(st.parse(str(due)))}, "
        "already past: post one now (`crisis update ...`)."
    ]
