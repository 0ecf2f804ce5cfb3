"""The incident state as the store keeps it: plain JSON in, frozen `IncidentState` out.

Times are ISO text in UTC. Keys that old snapshots may lack are read with defaults, so a
log written by an earlier version still reads.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from crisisplan.phases.signoff import statements_from_json, statements_to_json
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
        company=data.get("company"),
        components={k: ComponentFacts(**v) for k, v in (data.get("components") or {}).items()},
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
        "company": plan.company,
        "components": {k: dataclasses.asdict(v) for k, v in plan.components.items()},
    }


@dataclass(frozen=True, slots=True)
class PublicGlance:
    """What the status page needs of a stored state, read without building the rest:
    a page of 1,000 incidents parses 1,000 states."""

    title: str
    severity: str
    phase: str
    started_at: str
    resolved_at: str | None
    last_public_at: str | None
    status_channel: str | None
    severities: Mapping[str, str]  # id -> description, least severe first


# The parts of a stored state `public_glance_of` reads, for `Store.state_parts`.
GLANCE_PATHS = (
    "title",
    "severity",
    "phase",
    "started_at",
    "resolved_at",
    "last_public_update.at",
    "plan.status_channel",
    "plan.severities",
)


def public_glance_of(parts: Sequence[Any]) -> PublicGlance:
    """`public_glance` from the parts at GLANCE_PATHS, as the store reads them."""
    title, severity, phase, started_at, resolved_at, last_at, channel, severities = parts
    return PublicGlance(
        title=title,
        severity=severity,
        phase=phase,
        started_at=started_at,
        resolved_at=resolved_at,
        last_public_at=last_at,
        status_channel=channel,
        severities={k: v.get("public") or "" for k, v in json.loads(severities).items()},
    )


def public_glance(data: Mapping[str, Any]) -> PublicGlance:
    """The fields of a stored state (see `to_json`) the status page shows."""
    plan = data["plan"]
    last = data["last_public_update"]
    return PublicGlance(
        title=data["title"],
        severity=data["severity"],
        phase=data["phase"],
        started_at=data["started_at"],
        resolved_at=data.get("resolved_at"),
        last_public_at=None if last is None else last["at"],
        status_channel=plan["status_channel"],
        severities={k: v.get("public") or "" for k, v in plan["severities"].items()},
    )


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
        cause_suspected=bool(data.get("cause_suspected")),
        workaround=data.get("workaround"),
        facts_at=data.get("facts_at"),
        first_contact_at=data.get("first_contact_at"),
        last_contact_at=data.get("last_contact_at"),
        statements=statements_from_json(data.get("statements")),
        milestones=dict(data.get("milestones") or {}),
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
        "promises": [promise_json(p) for p in state.promises],
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
    # Written only once set, so the state of an incident without facts stays as it was.
    if state.cause_suspected:
        data["cause_suspected"] = True
    if state.workaround is not None:
        data["workaround"] = state.workaround
    if state.facts_at is not None:
        data["facts_at"] = state.facts_at
    if state.first_contact_at is not None:  # 20A contacts
        data["first_contact_at"] = state.first_contact_at
        data["last_contact_at"] = state.last_contact_at
    if state.statements:
        data["statements"] = statements_to_json(state.statements)
    if state.milestones:
        data["milestones"] = dict(state.milestones)
    return data


_PROMISE_DEFAULTS = {"kind": "next_update", "to": "public", "count": 1}


def promise_json(promise: Promise) -> dict[str, Any]:
    """A promise as the store keeps it: fields at their default left out, so an update
    promise is stored as it always was."""
    data = dataclasses.asdict(promise)
    for name in ("kind", "to", "count", "made_by", "kept_by", "days"):
        if data[name] == _PROMISE_DEFAULTS.get(name):
            del data[name]
    return data


def as_data(
    part: PublicUpdate | Promise | Escalation | ChannelFacts | LadderStep | DueStep,
) -> dict[str, Any]:
    """A part of the state as plain data (lists for tuples), for the store, views, templates."""
    if isinstance(part, DueStep):
        return {**as_data(part.step), "due_at": part.due_at, "due": part.due} | {
            "contacted": part.contacted
        }
    data = dataclasses.asdict(part)
    if isinstance(part, LadderStep):
        data.update(severities=list(part.severities), types=list(part.types))
    return data
