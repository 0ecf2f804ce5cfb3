"""The internal briefing: the plan's `internal_brief` template for this incident, then what
the log and the plan add (the base reply, the words, the channel owners, the next update).

Nothing here is recorded: a brief can be printed as often as people join.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crisisplan.clock import human_minutes, show, to_text
from crisisplan.phases import state as st

if TYPE_CHECKING:
    from crisisplan.playbook.loader import Plan
    from crisisplan.playbook.model import Language
    from crisisplan.store import IncidentRow, Store


@dataclass(frozen=True)
class Section:
    title: str
    lines: list[str]


@dataclass(frozen=True)
class Brief:
    """The briefing, as plain data: the rendered template, then the added sections."""

    incident_id: str
    title: str
    template: str | None
    text: str
    sections: list[Section]
    next_update_at: dt.datetime | None
    overdue: bool
    notes: list[str] = field(default_factory=list)

    def as_markdown(self) -> str:
        parts = [self.text.rstrip("\n")] if self.text.strip() else [f"# {self.title}"]
        for section in self.sections:
            parts.append(f"## {section.title}\n\n" + "\n".join(section.lines))
        return "\n\n".join(parts) + "\n"

    def as_json(self) -> dict[str, Any]:
        return {
            "incident": self.incident_id,
            "title": self.title,
            "template": self.template,
            "text": self.text,
            "sections": [{"title": s.title, "lines": s.lines} for s in self.sections],
            "next_update_at": to_text(self.next_update_at) if self.next_update_at else None,
            "overdue": self.overdue,
            "notes": self.notes,
        }


def build_brief(
    plan: Plan, store: Store, row: IncidentRow, *, agent: str, now: dt.datetime
) -> Brief:
    """The brief for one incident as it stands `now`."""
    from crisisplan.phases.drafting import draft, incident_context

    state = st.of(row)
    due = st.next_update_due(state) if state.phase == "during" else None
    notes: list[str] = []
    template: str | None = None
    text = ""
    if "internal_brief" in plan.playbook.templates:
        context = incident_context(row.id, state, next_update_at=due)
        template, text = draft(plan, "internal_brief", incident=context, agent=agent, now=now)
    else:
        notes.append(
            "the playbook names no internal_brief template; add one under `templates:` "
            "for the team's own briefing."
        )
    sections = [
        Section(
            "What to tell customers: the base reply",
            _what_to_say(plan, store, row, agent=agent, now=now),
        ),
        Section("Words to use and avoid", words(plan.playbook.language)),
        Section("Who owns which channel", _owners(state)),
        Section("Next update due", _next_update(state, due, now)),
    ]
    overdue = due is not None and due < now
    return Brief(row.id, state.title, template, text, sections, due, overdue, notes)


def _what_to_say(
    plan: Plan, store: Store, row: IncidentRow, *, agent: str, now: dt.datetime
) -> list[str]:
    """The base reply to adapt: the recorded one while it is current (it may have been
    edited), else drafted again from the latest facts, so the team never works from words
    the incident has outgrown ("we don't know the cause" after the cause was given)."""
    state = st.of(row)
    base = store.last_event(row.id, kinds=["base_reply"])
    changed = [t for t in (state.summary_at, state.facts_at, state.severity_at) if t]
    if base is not None and not (changed and max(st.parse(t) for t in changed) > base.at):
        lines = [str(base.payload.get("text", "")).rstrip("\n")]
    elif state.phase == "during" and "first_response" in plan.playbook.templates:
        lines = [_base_reply_now(plan, row, agent=agent, now=now).rstrip("\n")]
    elif base is not None:
        lines = [
            "The base reply drafted during the incident is out of date: the resolved notices "
            "(`crisis resolve`) and apologies (`crisis apologize`) are what customers get now."
        ]
    else:
        lines = ["No base reply is recorded for this incident: draft one with `crisis reply`."]
    last = st.of(row).last_public_update
    if last and last.text:
        when = st.parse(last.at)
        lines += ["", f"Last public update ({show(when)}): {last.text}"]
    return lines


def words(language: Language) -> list[str]:
    """The plan's shared words, its phrases to avoid, and the built-in rules in one line."""
    from crisisplan.language.rules import BUILTIN_RULES  # the catalogue: one list of rules

    lines = [
        f"- Say “{t.use}”, not {', '.join(f'“{w}”' for w in t.instead_of)}." for t in language.terms
    ]
    for a in language.avoid:
        instead = f" Instead: {a.instead}." if a.instead else ""
        lines.append(f"- Avoid “{a.phrase}” ({a.level}): {a.why}{instead}")
    off = {d.rule: d.reason for d in language.disable}
    on = [rule.short for rule in BUILTIN_RULES.values() if rule.id not in off]
    if on:
        lines.append(f"- Always, and checked by `crisis lint`: {'; '.join(on)}.")
    lines += [f"- Built-in rule '{rule}' is off in this plan: {why}" for rule, why in off.items()]
    if language.tone:
        lines.append(f"- Tone: {', '.join(language.tone)}.")
    return lines


def _owners(state: st.IncidentState) -> list[str]:
    lines = []
    for cid, channel in state.plan.channels.items():
        owner = channel.owner
        who = f"{channel.owner_name or owner} ({owner})" if owner else "NOBODY: ask the lead"
        funnel = f"; send people to {channel.funnel_to}" if channel.funnel_to else ""
        lines.append(f"- {cid} ({channel.kind}, {channel.purpose}): {who}{funnel}")
    return lines or ["The plan has no channels."]


def _next_update(state: st.IncidentState, due: dt.datetime | None, now: dt.datetime) -> list[str]:
    if state.phase != "during":
        return ["None: the incident is resolved."]
    if due is None:
        return ["No update cadence at this severity: none is due by the clock."]
    at = f"{due.astimezone(dt.UTC):%H:%M} UTC ({show(due)})"
    minutes = (due - now).total_seconds() / 60
    if minutes < 0:
        return [f"OVERDUE: it was due by {at}, {human_minutes(minutes)} ago. Post it now."]
    return [f"By {at}, in {human_minutes(minutes)}. Post it with `crisis update`."]


def _base_reply_now(plan: Plan, row: IncidentRow, *, agent: str, now: dt.datetime) -> str:
    """The first reply as `crisis start` drafts it, from the incident as it stands now."""
    from crisisplan.phases.declare import BASE_CUSTOMER
    from crisisplan.phases.drafting import draft, incident_context

    state = st.of(row)
    context = incident_context(row.id, state, next_update_at=st.next_update_due(state))
    _, text = draft(
        plan,
        "first_response",
        incident=context,
        agent=agent,
        now=now,
        customer=BASE_CUSTOMER,
        channel_id=st.first_individual_channel(state),
    )
    return text
