"""Incident state, derived from events by a pure reducer.

The state is a JSON-able dict the store keeps beside the events (written in the same
transaction), so reading an incident costs one row however long its log. The facts of
the plan the clock needs (cadence per severity, the ladder, channel owners) are copied
into the state when the incident starts: an incident runs on the plan as declared, and
`status` never has to load the playbook.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crisisplan.playbook.model import Playbook

State = dict[str, Any]


# Cached: a bulk run derives state from thousands of events that share their times.
@functools.lru_cache(maxsize=1024)
def iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).isoformat()


@functools.lru_cache(maxsize=1024)
def parse(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


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


def initial(payload: dict[str, Any], at: dt.datetime, who: str) -> State:
    """The state an `incident_started` event creates."""
    plan = payload["plan"]
    return {
        "title": payload["title"],
        "type": payload["type"],
        "type_description": payload.get("type_description", ""),
        "severity": payload["severity"],
        "max_severity": payload["severity"],
        "summary": payload.get("summary") or "",
        "phase": "during",
        "started_at": iso(at),
        "declared_by": who,
        "plan": plan,
        "last_public_update": None,
        "first_public_update_at": None,
        "first_reply_at": None,
        "promises": [],
        "escalated": [],
        "counts": {},
        "cause": None,
        "impact": None,
        "eta": None,
        "resolved_at": None,
    }


# The payload fields `apply` reads, by kind of event: all a bulk run's one writing
# process needs of the events its workers encode (`NewEvent.encoded_ahead`).
READS: dict[str, tuple[str, ...]] = {
    "public_update": ("message", "eta", "next_update_at"),
    "reply": ("next_update_at",),
    "severity_changed": ("to",),
    "escalated": ("step", "who"),
    "summary_changed": ("summary",),
    "resolved": ("cause", "impact"),
}


def apply(
    state: State,
    kind: str,
    at: dt.datetime,
    who: str,
    channel: str | None,
    payload: Mapping[str, Any],
) -> State:
    """The state after one event; never mutates its input."""
    new = dict(state)
    counts = dict(state["counts"])
    counts[kind] = counts.get(kind, 0) + 1
    new["counts"] = counts
    when = iso(at)
    # Events can be backfilled with --at: what is "current" moves only forward in time.
    latest = state["last_public_update"]
    if kind == "public_update":
        if latest is None or when >= latest["at"]:
            new["last_public_update"] = {
                "at": when,
                "channel": channel,
                "who": who,
                "text": payload.get("message", ""),
            }
            if payload.get("eta"):
                new["eta"] = payload["eta"]
        if state["first_public_update_at"] is None or when < state["first_public_update_at"]:
            new["first_public_update_at"] = when
        new["promises"] = _settle(state["promises"], at)
        if payload.get("next_update_at"):
            new["promises"] = _promise(new["promises"], payload["next_update_at"], when)
        if latest is not None and latest["at"] > when:  # a later update already answered it
            new["promises"] = _settle(new["promises"], parse(latest["at"]))
    elif kind == "reply":
        if state["first_reply_at"] is None or when < state["first_reply_at"]:
            new["first_reply_at"] = when
        if payload.get("next_update_at"):
            new["promises"] = _promise(state["promises"], payload["next_update_at"], when)
            if latest is not None and latest["at"] > when:
                new["promises"] = _settle(new["promises"], parse(latest["at"]))
    elif kind == "severity_changed":
        if when >= (state.get("severity_at") or state["started_at"]):
            new["severity"], new["severity_at"] = payload["to"], when
        ranks = list(state["plan"]["severities"])
        if ranks.index(payload["to"]) > ranks.index(state["max_severity"]):
            new["max_severity"] = payload["to"]
    elif kind == "escalated":
        new["escalated"] = [
            *state["escalated"],
            {"step": payload.get("step"), "who": payload.get("who"), "at": when},
        ]
    elif kind == "summary_changed":
        if when >= (state.get("summary_at") or state["started_at"]):
            new["summary"], new["summary_at"] = payload["summary"], when
    elif kind == "resolved":
        new.update(
            phase="aftermath",
            resolved_at=when,
            cause=payload.get("cause"),
            impact=payload.get("impact"),
        )
    elif kind == "review":
        new["phase"] = "closed"  # reviewed: the incident is done, and no longer open
    elif kind == "reopened":
        new.update(phase="during", resolved_at=None)
    return new


def _settle(promises: list[dict[str, Any]], at: dt.datetime) -> list[dict[str, Any]]:
    """A public update keeps every open promise made before it: on time, or late (broken)."""
    settled = []
    for promise in promises:
        if (
            promise["kept_at"] is None
            and promise["broken_at"] is None
            and (parse(promise["made_at"]) < at)
        ):
            on_time = at <= parse(promise["due"])
            promise = {**promise, ("kept_at" if on_time else "broken_at"): iso(at)}
        settled.append(promise)
    return settled


def _promise(promises: list[dict[str, Any]], due: str, made_at: str) -> list[dict[str, Any]]:
    """Register the promise of an update by `due`; replies promising the same time share it."""
    due = iso(parse(due))
    if any(p["due"] == due and p["kept_at"] is None and p["broken_at"] is None for p in promises):
        return promises
    return [*promises, {"due": due, "made_at": made_at, "kept_at": None, "broken_at": None}]


def cadence(state: State, severity: str | None = None) -> tuple[int | None, int | None]:
    """(update every, first response within) minutes for a severity of this incident."""
    sev = state["plan"]["severities"][severity or state["severity"]]
    every = sev["update_every_minutes"]
    return every, sev["first_response_minutes"] or every


def next_update_due(state: State) -> dt.datetime | None:
    """Last public update + the severity's cadence; before any, start + first response."""
    every, first = cadence(state)
    last = state["last_public_update"]
    if last is not None:
        return parse(last["at"]) + dt.timedelta(minutes=every) if every else None
    return parse(state["started_at"]) + dt.timedelta(minutes=first) if first else None


def promises_view(state: State, now: dt.datetime) -> dict[str, list[dict[str, Any]]]:
    """Promises still due, and broken ones (due passed with no public update by then)."""
    due, broken, kept = [], [], []
    for p in state["promises"]:
        if p["kept_at"]:
            kept.append(p)
        elif p["broken_at"] or parse(p["due"]) < now:
            broken.append(p)
        else:
            due.append(p)
    return {"due": due, "broken": broken, "kept": kept}


def ladder_now(state: State, now: dt.datetime) -> list[dict[str, Any]]:
    """Ladder steps for this incident's type and severity, each with when it is due."""
    started = parse(state["started_at"])
    contacted = {e["step"] for e in state["escalated"]}
    steps = []
    for step in state["plan"]["ladder"]:
        if step["severities"] and state["severity"] not in step["severities"]:
            continue
        if step["types"] and state["type"] not in step["types"]:
            continue
        due = started + dt.timedelta(minutes=step["after_minutes"])
        steps.append(
            {**step, "due_at": iso(due), "due": due <= now, "contacted": step["id"] in contacted}
        )
    return steps


def first_individual_channel(state: State) -> str | None:
    """Where one customer is answered by default: the plan's first individual channel."""
    for cid, channel in state["plan"]["channels"].items():
        if channel["purpose"] == "individual":
            return str(cid)
    return None


def severity_rank(state: State) -> int:
    """0 for the plan's least severe level, rising with severity."""
    return list(state["plan"]["severities"]).index(state["severity"])
