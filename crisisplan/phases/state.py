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
import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from crisisplan.phases.state_types import (
    ChannelFacts,
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

# Re-exported, so callers name them st.IncidentState and so on; the rest is defined here.
__all__ = ["ChannelFacts", "Escalation", "IncidentState", "LadderStep", "PlanFacts"]
__all__ += ["Promise", "PublicUpdate", "SeverityFacts"]


# Cached: a bulk run derives state from thousands of events that share their times.
@functools.lru_cache(maxsize=1024)
def iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).isoformat()


@functools.lru_cache(maxsize=1024)
def parse(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def plan_from_json(data: Mapping[str, Any]) -> PlanFacts:
    """The plan's facts as `plan_facts` wrote them."""
    return PlanFacts(
        name=data["name"],
        severities={k: SeverityFacts(**v) for k, v in data["severities"].items()},
        ladder=tuple(
            LadderStep(
                **{**step, "severities": tuple(step["severities"]), "types": tuple(step["types"])}
            )
            for step in data["ladder"]
        ),
        channels={k: ChannelFacts(**v) for k, v in data["channels"].items()},
        tiers=tuple(data.get("tiers") or ()),
        status_channel=data["status_channel"],
        status_url=data.get("status_url"),
    )


def plan_to_json(plan: PlanFacts) -> dict[str, Any]:
    """Plain data, keys in the order `plan_facts` writes them."""
    return {
        "name": plan.name,
        "severities": {k: dataclasses.asdict(v) for k, v in plan.severities.items()},
        "ladder": [as_data(step) for step in plan.ladder],
        "channels": {k: as_data(v) for k, v in plan.channels.items()},
        "tiers": list(plan.tiers),
        "status_channel": plan.status_channel,
        "status_url": plan.status_url,
    }


def from_json(data: Mapping[str, Any]) -> IncidentState:
    """The state as the store keeps it (see `to_json`)."""
    last = data["last_public_update"]
    return IncidentState(
        title=data["title"],
        type=data["type"],
        type_description=data.get("type_description") or "",
        severity=data["severity"],
        max_severity=data["max_severity"],
        summary=data["summary"],
        phase=data["phase"],
        started_at=data["started_at"],
        declared_by=data["declared_by"],
        plan=plan_from_json(data["plan"]),
        last_public_update=None if last is None else PublicUpdate(**last),
        first_public_update_at=data["first_public_update_at"],
        first_reply_at=data["first_reply_at"],
        promises=tuple(Promise(**p) for p in data["promises"]),
        escalated=tuple(Escalation(**e) for e in data["escalated"]),
        counts=dict(data["counts"]),
        cause=data.get("cause"),
        impact=data.get("impact"),
        eta=data.get("eta"),
        resolved_at=data.get("resolved_at"),
        severity_at=data.get("severity_at"),
        summary_at=data.get("summary_at"),
    )


def to_json(state: IncidentState) -> dict[str, Any]:
    """The state as plain JSON-able data, for the store; the `*_at` of changes only once set."""
    data: dict[str, Any] = {
        "title": state.title,
        "type": state.type,
        "type_description": state.type_description,
        "severity": state.severity,
        "max_severity": state.max_severity,
        "summary": state.summary,
        "phase": state.phase,
        "started_at": state.started_at,
        "declared_by": state.declared_by,
        "plan": plan_to_json(state.plan),
        "last_public_update": (
            None if state.last_public_update is None else as_data(state.last_public_update)
        ),
        "first_public_update_at": state.first_public_update_at,
        "first_reply_at": state.first_reply_at,
        "promises": [as_data(p) for p in state.promises],
        "escalated": [as_data(e) for e in state.escalated],
        "counts": dict(state.counts),
        "cause": state.cause,
        "impact": state.impact,
        "eta": state.eta,
        "resolved_at": state.resolved_at,
    }
    if state.severity_at is not None:
        data["severity_at"] = state.severity_at
    if state.summary_at is not None:
        data["summary_at"] = state.summary_at
    return data


def as_data(
    part: PublicUpdate | Promise | Escalation | ChannelFacts | LadderStep,
) -> dict[str, Any]:
    """A part of the state as plain data (lists for tuples), for the store, views, templates."""
    data = dataclasses.asdict(part)
    if isinstance(part, LadderStep):
        data.update(severities=list(part.severities), types=list(part.types))
    return data


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
# process needs of the events its workers encode (`NewEvent.encoded_ahead`).
READS: dict[str, tuple[str, ...]] = {
    "public_update": ("message", "text", "eta", "next_update_at"),
    "reply": ("next_update_at",),
    "severity_changed": ("to",),
    "escalated": ("step", "who"),
    "summary_changed": ("summary",),
    "resolved": ("cause", "impact"),
}


def apply(
    state: IncidentState,
    kind: str,
    at: dt.datetime,
    who: str,
    channel: str | None,
    payload: Mapping[str, Any],
) -> IncidentState:
    """The state after one event; never mutates its input."""
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
    elif kind == "resolved":
        changes.update(
            phase="aftermath",
            resolved_at=when,
            cause=payload.get("cause"),
            impact=payload.get("impact"),
        )
    elif kind == "review":
        changes["phase"] = "closed"  # reviewed: the incident is done, and no longer open
    elif kind == "reopened":
        changes.update(phase="during", resolved_at=None)
    return dataclasses.replace(state, **changes)


def _settle(promises: tuple[Promise, ...], at: dt.datetime) -> tuple[Promise, ...]:
    """A public update keeps every open promise made before it: on time, or late (broken)."""
    settled = []
    for promise in promises:
        if promise.kept_at is None and promise.broken_at is None and parse(promise.made_at) < at:
            if at <= parse(promise.due):
                promise = dataclasses.replace(promise, kept_at=iso(at))
            else:
                promise = dataclasses.replace(promise, broken_at=iso(at))
        settled.append(promise)
    return tuple(settled)


def _promise(promises: tuple[Promise, ...], due: str, made_at: str) -> tuple[Promise, ...]:
    """Register the promise of an update by `due`; replies promising the same time share it."""
    due = iso(parse(due))
    if any(p.due == due and p.kept_at is None and p.broken_at is None for p in promises):
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


def promises_view(state: IncidentState, now: dt.datetime) -> dict[str, list[Promise]]:
    """Promises still due, and broken ones (due passed with no public update by then)."""
    due, broken, kept = [], [], []
    for p in state.promises:
        if p.kept_at:
            kept.append(p)
        elif p.broken_at or parse(p.due) < now:
            broken.append(p)
        else:
            due.append(p)
    return {"due": due, "broken": broken, "kept": kept}


def ladder_now(state: IncidentState, now: dt.datetime) -> list[dict[str, Any]]:
    """Ladder steps for this incident's type and severity, each with when it is due (plain
    data, for views)."""
    started = parse(state.started_at)
    done = {e.step for e in state.escalated}
    steps = []
    for step in state.plan.ladder:
        if step.severities and state.severity not in step.severities:
            continue
        if step.types and state.type not in step.types:
            continue
        due = started + dt.timedelta(minutes=step.after_minutes)
        steps.append(
            {**as_data(step), "due_at": iso(due), "due": due <= now, "contacted": step.id in done}
        )
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
