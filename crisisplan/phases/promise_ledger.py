"""The promise ledger: what a draft promises, recorded with it, and what keeps each promise.

A template declares its promises in front matter (`promises:`, docs/promises.md). When a
draft is recorded, `made` writes each one into the draft event's payload with who it was
made to and when it falls due. `changes` is the reducer's part: it folds those into the
incident state, one entry per kind, audience and time (see `Promise`), and settles them
as later events keep them: a public update, the resolution, a notice, the review.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from crisisplan.phases.state_json import iso, parse
from crisisplan.phases.state_types import IncidentState, Promise

if TYPE_CHECKING:
    from crisisplan.playbook.loader import Plan
    from crisisplan.playbook.promises import PromiseDecl

# Events whose words are addressed to one person: their promises are to "customers".
PERSONAL = ("reply", "apology")


def working_days_after(start: dt.datetime, days: int) -> dt.datetime:
    """`days` working days (Monday to Friday) after `start`, at the same time of day."""
    when = start
    while days > 0:
        when += dt.timedelta(days=1)
        if when.weekday() < 5:
            days -= 1
    return when


def made(
    declared: Sequence[PromiseDecl],
    *,
    to: str,
    state: IncidentState,
    next_update_at: str | None,
) -> list[dict[str, Any]] | None:
    """The promises a draft makes, for its event's payload: kind, to whom, due when.

    A promise the draft cannot make is left out: no update time named, no fix time (ETA)
    given, personal contact "when fixed" once it is fixed. A promise that waits on the
    resolution has no `due` until the incident is resolved.
    """
    resolved = state.resolved_at
    found: list[dict[str, Any]] = []
    for d in declared:
        due: str | None
        if d.kind == "next_update":
            if not next_update_at:
                continue
            due = iso(parse(next_update_at))
        elif d.kind == "fix_by":
            if not state.eta or resolved:
                continue
            due = state.eta
        elif d.kind == "contact_when_fixed":
            if resolved:
                continue  # this draft is the contact
            due = None
        else:
            due = iso(working_days_after(parse(resolved), d.days or 0)) if resolved else None
        entry: dict[str, Any] = {"kind": d.kind, "to": to, "due": due}
        if d.days is not None:
            entry["days"] = d.days
        found.append(entry)
    return found or None


def changes(
    state: IncidentState,
    so_far: Mapping[str, Any],
    kind: str,
    when: str,
    channel: str | None,
    payload: Mapping[str, Any],
    event_id: int | None,
) -> dict[str, Any]:
    """What an event changes in the ledger, after the reducer's own changes `so_far`.

    Cheap for the common case, a bulk run's ten thousand replies sharing one promise:
    nothing is copied unless something changes.
    """
    before: tuple[Promise, ...] = so_far.get("promises", state.promises)
    resolved_at = so_far.get("resolved_at", state.resolved_at)
    settles = kind in ("resolved", "reopened", "review") or (
        kind in (*PERSONAL, "public_update") and resolved_at is not None and when >= resolved_at
    )
    made = [e for e in payload.get("promises") or () if e.get("kind") != "next_update"]
    retag = before is not state.promises and kind in ("reply", "public_update")
    if not (settles or made or retag):
        return {}
    promises = list(before)
    if retag:  # the reducer made or kept an update promise: name this event
        _tag_updates(promises, kind, when, channel, event_id)
    for entry in made:
        _add(promises, kind, when, channel, entry, event_id)
    if kind == "resolved":
        promises = [_on_resolved(p, when, event_id) for p in promises]
    elif kind == "reopened":
        promises = [_on_reopened(p) for p in promises]
    elif kind in PERSONAL and settles:
        promises = [
            _kept_if(p, "contact_when_fixed", "customers", when, event_id) for p in promises
        ]
    elif kind == "public_update" and settles:
        promises = [_kept_if(p, "contact_when_fixed", None, when, event_id) for p in promises]
    elif kind == "review":
        promises = [_kept_if(p, "writeup_within_days", "any", when, event_id) for p in promises]
    return {"promises": tuple(promises)}


def _with(p: Promise, **changed: Any) -> Promise:
    """`dataclasses.replace` without its checks, as `state._changed` does: a bulk run
    bumps a shared promise's count once per reply."""
    new = object.__new__(Promise)
    new.__dict__.update(p.__dict__)
    new.__dict__.update(changed)
    return new


def is_open(p: Promise) -> bool:
    return p.kept_at is None and p.broken_at is None


def _tag_updates(
    promises: list[Promise], kind: str, when: str, channel: str | None, event_id: int | None
) -> None:
    """Name the event that made or kept an update promise this event made or kept."""
    for i, p in enumerate(promises):
        if p.kind != "next_update":
            continue
        if p.made_by is None and p.made_at == when and event_id is not None:
            to = "customers" if kind == "reply" else channel or "public"
            promises[i] = p = dataclasses.replace(p, made_by=event_id, to=to)
        if kind == "public_update" and p.kept_at == when and p.kept_by is None:
            promises[i] = dataclasses.replace(p, kept_by=event_id)


def _add(
    promises: list[Promise],
    kind: str,
    when: str,
    channel: str | None,
    entry: Mapping[str, Any],
    event_id: int | None,
) -> None:
    """One more draft making a promise: shared with an open one of the same kind, audience
    and time, else a new entry."""
    to = "customers" if kind in PERSONAL else str(entry.get("to") or channel or "public")
    due, days = entry.get("due"), entry.get("days")
    for i, p in enumerate(promises):
        if is_open(p) and (p.kind, p.to, p.due, p.days) == (entry["kind"], to, due, days):
            promises[i] = _with(p, count=p.count + 1)
            return
    promises.append(
        Promise(
            due=due,
            made_at=when,
            kept_at=None,
            broken_at=None,
            kind=str(entry["kind"]),
            to=to,
            made_by=event_id,
            days=days,
        )
    )


def _on_resolved(p: Promise, when: str, event_id: int | None) -> Promise:
    """The resolution keeps a fix promised by a time not yet passed, and sets when the
    promises that wait on it fall due."""
    if not is_open(p):
        return p
    if p.kind == "fix_by" and p.due is not None:
        if parse(when) <= parse(p.due):
            return dataclasses.replace(p, kept_at=when, kept_by=event_id)
        return dataclasses.replace(p, broken_at=when)
    if p.kind == "contact_when_fixed":
        return dataclasses.replace(p, due=when)
    if p.kind == "writeup_within_days":
        due = iso(working_days_after(parse(when), p.days or 0))
        return dataclasses.replace(p, due=due)
    return p


def _on_reopened(p: Promise) -> Promise:
    """Not fixed after all: what waited on the resolution waits again."""
    if is_open(p) and p.kind in ("contact_when_fixed", "writeup_within_days"):
        return dataclasses.replace(p, due=None)
    return p


def _kept_if(p: Promise, kind: str, to: str | None, when: str, event_id: int | None) -> Promise:
    """Settle an open promise of `kind` by this event: kept by its due time, broken when
    late. `to` is whom it must have been made to: "any", a name, or None for the public."""
    if not is_open(p) or p.kind != kind or p.due is None:
        return p
    if (to is None and p.to == "customers") or to not in (None, "any", p.to):
        return p
    if parse(when) <= parse(p.due):
        return dataclasses.replace(p, kept_at=when, kept_by=event_id)
    return dataclasses.replace(p, broken_at=when, kept_by=event_id)


def for_public(
    plan: Plan,
    template_id: str,
    *,
    channel: str | None,
    state: IncidentState,
    next_update_at: str | None,
) -> list[dict[str, Any]] | None:
    """What a public update drafted from a template promises, made to its channel."""
    template = plan.templates.get(template_id)
    if template is None:
        return None
    declared = template.front.promises
    return made(declared, to=channel or "public", state=state, next_update_at=next_update_at)


def status_ledger(state: IncidentState, now: dt.datetime) -> dict[str, list[Promise]]:
    """The promises besides update times, for `status`: those with a time still ahead
    (soonest first), those waiting on the fix, and broken ones (their time passed, or
    kept too late)."""
    found: dict[str, list[Promise]] = {"due": [], "when_fixed": [], "broken": []}
    for p in state.promises:
        if p.kind == "next_update" or p.kept_at:
            continue
        if p.broken_at or (p.due is not None and parse(p.due) < now):
            found["broken"].append(p)
        elif p.due is None:
            found["when_fixed"].append(p)
        else:
            found["due"].append(p)
    found["due"].sort(key=lambda p: p.due or "")
    return found


def status_json(ledger: dict[str, list[Promise]]) -> dict[str, list[dict[str, Any]]]:
    """The `promise_ledger` key of `status --json`."""
    from crisisplan.clock import to_text

    def entry(p: Promise) -> dict[str, Any]:
        due = to_text(parse(p.due)) if p.due else None
        return {"kind": p.kind, "to": p.to, "count": p.count, "due": due, "made_by": p.made_by}

    return {name: [entry(p) for p in found] for name, found in ledger.items()}
