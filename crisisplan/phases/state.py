"""Incident state, derived from events by a pure reducer.

The state is an `IncidentState` (state_types.py): frozen, so a wrong field is a type
error. The store keeps it beside the events as plain JSON (written in the same
transaction; `to_json` and `from_json` convert), so reading an incident costs one row
however long its log. The facts of the plan the clock needs (cadence per severity, the
ladder, channel owners) are copied into the state when the incident starts: an incident
runs on the plan as declared, and `status` never has to load the playbook. Templates get
plain data, never these classes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from crisisplan.phases import milestones, promise_ledger, signoff
from crisisplan.phases.contact_clock import contact_changes
from crisisplan.phases.state_json import (
    GLANCE_PATHS,
    PublicGlance,
    as_data,
    from_json,
    iso,
    parse,
    plan_from_json,
    plan_to_json,
    public_glance,
    public_glance_of,
    to_json,
)
from crisisplan.phases.state_types import (
    ChannelFacts,
    ComponentFacts,
    DueStep,
    Escalation,
    IncidentState,
    LadderStep,
    PlanFacts,
    Promise,
    PublicUpdate,
    SeverityFacts,
)

if TYPE_CHECKING:
    from crisisplan.playbook.model import Playbook
    from crisisplan.store import IncidentRow

# Re-exported, so callers name them st.IncidentState and so on; the reducer is defined here.
__all__ = ["ChannelFacts", "ComponentFacts", "DueStep", "Escalation", "IncidentState"]
__all__ += ["LadderStep", "PlanFacts", "Promise", "PublicUpdate", "SeverityFacts"]
# ... and the JSON conversions of state_json.py, as st.to_json, st.from_json and so on.
__all__ += ["GLANCE_PATHS", "PublicGlance", "public_glance", "public_glance_of"]
__all__ += ["as_data", "from_json", "iso", "parse", "plan_from_json", "plan_to_json", "to_json"]


def of(row: IncidentRow) -> IncidentState:
    """The state of a stored incident."""
    return from_json(row.state)


def plan_facts(playbook: Playbook) -> dict[str, Any]:
    """What the clock and `status` need of the plan, as plain data."""
    roles = playbook.roles

    def name(role: str | None) -> str | None:
        return roles[role].name if role and role in roles else None

    status_page = playbook.status_page()
    return {
        "name": playbook.name,
        "severities": {
            sid: {
                "description": sev.description,
                "update_every_minutes": sev.update_every_minutes,
                "first_response_minutes": sev.first_response_minutes,
                "public": sev.public,
            }
            for sid, sev in playbook.severities.items()
        },
        "ladder": [
            {
                "id": step.id,
                "who": step.who,
                "name": name(step.who) or step.who,
                "contact": roles[step.who].contact if step.who in roles else None,
                "phone": roles[step.who].phone if step.who in roles else None,
                "how": step.how,
                "when": step.when,
                "severities": list(step.severities),
                "types": list(step.types),
                "after_minutes": step.after_minutes,
            }
            for step in playbook.escalation
        ],
        "channels": {
            cid: {
                "kind": ch.kind,
                "purpose": ch.purpose,
                "owner": ch.owner,
                "owner_name": name(ch.owner),
                "funnel_to": ch.funnel_to,
            }
            for cid, ch in playbook.channels.items()
        },
        "tiers": list(playbook.tiers),
        "status_channel": status_page[0] if status_page else None,
        "status_url": status_page[1].url if status_page else None,
        "company": playbook.company.name,
        "components": {
            cid: {"name": c.name, "description": c.description}
            for cid, c in playbook.components.items()
        },
    }


def initial(payload: Mapping[str, Any], at: dt.datetime, who: str) -> IncidentState:
    """The state an `incident_started` event creates."""
    return IncidentState(
        title=payload["title"],
        type=payload["type"],
        type_description=payload.get("type_description", ""),
        severity=payload["severity"],
        max_severity=payload["severity"],
        summary=payload.get("summary") or "",
        phase="during",
        started_at=iso(at),
        declared_by=who,
        plan=plan_from_json(payload["plan"]),
        last_public_update=None,
        first_public_update_at=None,
        first_reply_at=None,
        promises=(),
        escalated=(),
        counts={},
        cause=None,
        impact=None,
        eta=None,
        resolved_at=None,
    )


# The payload fields `apply` reads, by kind of event: all a bulk run's one writing
# process needs of the events its workers encode (`NewEvent.shipped`).
READS: dict[str, tuple[str, ...]] = {
    "public_update": ("message", "text", "eta", "next_update_at"),
    "reply": ("next_update_at",),
    "severity_changed": ("to",),
    "escalated": ("step", "who"),
    "summary_changed": ("summary",),
    "facts_changed": ("cause", "suspected", "impact", "workaround"),
    "resolved": ("cause", "impact"),
    "milestone": ("name",),
}
for _kind in ("public_update", "reply", "apology"):  # the promise ledger reads these too
    READS[_kind] = (*READS.get(_kind, ()), "promises")


def _changed(state: IncidentState, changes: dict[str, Any]) -> IncidentState:
    """`dataclasses.replace`, without its checks: a bulk run applies tens of thousands of
    events, and replace's field-by-field __init__ was a tenth of the recording process's
    time. The state has no __post_init__ and every field is set by `initial`, so copying
    its fields and changing some is the same thing."""
    new = object.__new__(IncidentState)
    new.__dict__.update(state.__dict__)
    new.__dict__.update(changes)
    return new


def apply(
    state: IncidentState,
    kind: str,
    at: dt.datetime,
    who: str,
    channel: str | None,
    payload: Mapping[str, Any],
    event_id: int | None = None,
) -> IncidentState:
    """The state after one event; never mutates its input. `event_id`, when known, is
    what the promise ledger names as the event that made or kept a promise."""
    changes: dict[str, Any] = {"counts": {**state.counts, kind: state.counts.get(kind, 0) + 1}}
    when = iso(at)
    # Events can be backfilled with --at: what is "current" moves only forward in time.
    latest = state.last_public_update
    if kind == "public_update":
        if latest is None or when >= latest.at:
            changes["last_public_update"] = PublicUpdate(
                # The words posted (as edited), not the summary they were drafted from.
                at=when,
                channel=channel,
                who=who,
                text=payload.get("text") or payload.get("message", ""),
            )
            if payload.get("eta"):
                changes["eta"] = payload["eta"]
        if state.first_public_update_at is None or when < state.first_public_update_at:
            changes["first_public_update_at"] = when
        promises = _settle(state.promises, at)
        if payload.get("next_update_at"):
            promises = _promise(promises, payload["next_update_at"], when)
        if latest is not None and latest.at > when:  # a later update already answered it
            promises = _settle(promises, parse(latest.at))
        changes["promises"] = promises
    elif kind == "reply":
        if state.first_reply_at is None or when < state.first_reply_at:
            changes["first_reply_at"] = when
        if payload.get("next_update_at"):
            promises = _promise(state.promises, payload["next_update_at"], when)
            if latest is not None and latest.at > when:
                promises = _settle(promises, parse(latest.at))
            changes["promises"] = promises
    elif kind == "severity_changed":
        if when >= (state.severity_at or state.started_at):
            changes["severity"], changes["severity_at"] = payload["to"], when
        ranks = list(state.plan.severities)
        if ranks.index(payload["to"]) > ranks.index(state.max_severity):
            changes["max_severity"] = payload["to"]
    elif kind == "escalated":
        changes["escalated"] = (
            *state.escalated,
            Escalation(step=payload.get("step"), who=payload.get("who"), at=when),
        )
    elif kind == "summary_changed":
        if when >= (state.summary_at or state.started_at):
            changes["summary"], changes["summary_at"] = payload["summary"], when
    elif kind == "facts_changed":
        if when >= (state.facts_at or state.started_at):
            changes.update(_facts(payload), facts_at=when)
    elif kind == "resolved":
        changes.update(
            phase="aftermath",
            resolved_at=when,
            cause=payload.get("cause"),
            impact=payload.get("impact"),
            cause_suspected=False,  # given at resolve, the cause is the confirmed one
        )
    elif kind == "review":
        changes["phase"] = "closed"  # reviewed: the incident is done, and no longer open
    elif kind == "reopened":
        changes.update(phase="during", resolved_at=None)
    elif kind == "contact":
        changes.update(contact_changes(state, when))
    elif kind == "statement_draft":  # 20C, sign-off (phases/signoff.py)
        changes.update(signoff.drafted(state, when, who, channel, payload))
    elif kind == "approval":
        changes.update(signoff.approved(state, when, who, payload))
    elif kind == "rejection":
        changes.update(signoff.rejected(state, when, who, payload))
    elif kind == "milestone":
        changes["milestones"] = milestones.reached(state, when, payload)
    changes.update(promise_ledger.changes(state, changes, kind, when, channel, payload, event_id))
    return _changed(state, changes)


def _facts(payload: Mapping[str, Any]) -> dict[str, Any]:
    """What a `facts_changed` event changes: the facts it names; the others stay.

    `suspected` qualifies the cause given with it, or the one already recorded; a cause
    given without it is confirmed.
    """
    changes: dict[str, Any] = {}
    for name in ("cause", "impact", "workaround"):
        if payload.get(name):
            changes[name] = payload[name]
    if payload.get("cause") or payload.get("suspected"):
        changes["cause_suspected"] = bool(payload.get("suspected"))
    return changes


def _settle(promises: tuple[Promise, ...], at: dt.datetime) -> tuple[Promise, ...]:
    """A public update keeps every open promise made before it: on time, or late (broken)."""
    settled = []
    for promise in promises:
        made_before = promise.kind == "next_update" and parse(promise.made_at) < at
        if promise.kept_at is None and promise.broken_at is None and made_before:
            if at <= parse(promise.due or promise.made_at):
                promise = dataclasses.replace(promise, kept_at=iso(at))
            else:
                promise = dataclasses.replace(promise, broken_at=iso(at))
        settled.append(promise)
    return tuple(settled)


def _promise(promises: tuple[Promise, ...], due: str, made_at: str) -> tuple[Promise, ...]:
    """Register the promise of an update by `due`; replies promising the same time share it."""
    due = iso(parse(due))
    if any(
        p.kind == "next_update" and p.due == due and p.kept_at is None and p.broken_at is None
        for p in promises
    ):
        return promises
    return (*promises, Promise(due=due, made_at=made_at, kept_at=None, broken_at=None))


def cadence(state: IncidentState, severity: str | None = None) -> tuple[int | None, int | None]:
    """(update every, first response within) minutes for a severity of this incident."""
    sev = state.plan.severities[severity or state.severity]
    every = sev.update_every_minutes
    return every, sev.first_response_minutes or every


def next_update_due(state: IncidentState) -> dt.datetime | None:
    """Last public update + the severity's cadence; before any, start + first response."""
    every, first = cadence(state)
    last = state.last_public_update
    if last is not None:
        return parse(last.at) + dt.timedelta(minutes=every) if every else None
    return parse(state.started_at) + dt.timedelta(minutes=first) if first else None


class Promises(NamedTuple):
    """The incident's promises by what became of them."""

    due: list[Promise]  # still to keep
    broken: list[Promise]  # due passed with no public update by then
    kept: list[Promise]


def promises_view(state: IncidentState, now: dt.datetime) -> Promises:
    """Promises still due, broken ones, and kept ones."""
    due, broken, kept = [], [], []
    for p in state.promises:
        if p.kind != "next_update" or p.due is None:
            continue  # the other kinds: promise_ledger.py and views/promises.py
        if p.kept_at:
            kept.append(p)
        elif p.broken_at or parse(p.due) < now:
            broken.append(p)
        else:
            due.append(p)
    return Promises(due, broken, kept)


def ladder_now(state: IncidentState, now: dt.datetime) -> list[DueStep]:
    """Ladder steps for this incident's type and severity, each with when it is due."""
    started = parse(state.started_at)
    done = {e.step for e in state.escalated}
    steps = []
    for step in state.plan.ladder:
        if step.severities and state.severity not in step.severities:
            continue
        if step.types and state.type not in step.types:
            continue
        due = started + dt.timedelta(minutes=step.after_minutes)
        steps.append(DueStep(step, iso(due), due <= now, step.id in done))
    return steps


def first_individual_channel(state: IncidentState) -> str | None:
    """Where one customer is answered by default: the plan's first individual channel."""
    for cid, channel in state.plan.channels.items():
        if channel.purpose == "individual":
            return str(cid)
    return None


def severity_rank(state: IncidentState) -> int:
    """0 for the plan's least severe level, rising with severity."""
    return list(state.plan.severities).index(state.severity)
