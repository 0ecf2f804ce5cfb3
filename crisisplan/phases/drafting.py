"""Drafting words from the library for an incident: the context templates see."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from crisisplan.phases import state as st

if TYPE_CHECKING:
    from crisisplan.playbook.loader import Plan


def incident_context(
    incident_id: str, state: st.IncidentState, *, next_update_at: dt.datetime | None
) -> dict[str, Any]:
    """The `incident` variable: plain data from the derived state."""
    severity = state.plan.severities[state.severity]
    return {
        "id": incident_id,
        "title": state.title,
        "type": state.type,
        "type_description": state.type_description or "",
        "severity": state.severity,
        "severity_description": severity.description,
        "status": "resolved" if state.phase != "during" else "investigating",
        "started_at": st.parse(state.started_at),
        "summary": state.summary,
        "cause": state.cause,
        "cause_known": bool(state.cause),
        "cause_confirmed": bool(state.cause) and not state.cause_suspected,
        "impact": state.impact,
        "workaround": state.workaround,
        "eta": st.parse(state.eta) if state.eta else None,
        "next_update_at": next_update_at,
        "status_url": state.plan.status_url,
    }


def draft(
    plan: Plan,
    purpose: str,
    *,
    incident: dict[str, Any],
    agent: str,
    now: dt.datetime,
    customer: dict[str, Any] | None = None,
    channel_id: str | None = None,
    template_id: str | None = None,
    compensation: str | None = None,
) -> tuple[str, str]:
    """Render the plan's template for a purpose (or a named one): (template id, text)."""
    from crisisplan.templating.render import build_context, render
    from crisisplan.templating.variables import agent_variable

    template = plan.templates_by_id(template_id) if template_id else plan.template_for(purpose)
    context = build_context(
        playbook=plan.playbook,
        incident=incident,
        customer=customer,
        agent=agent_variable(plan.playbook, agent),
        channel_id=channel_id,
        compensation=compensation,
        now=now,
    )
    return template.front.id, render(template, context).text


def recorded_blocks(text: str, blocks: dict[str, str]) -> dict[str, list[int] | str]:
    """Blocks as the log keeps them: where each one's words are in the text, [start, end].

    Positions keep a reply's log entry half the size it would be with the words twice.
    A block whose words cannot be found in the text as written is kept as words.
    """
    recorded: dict[str, list[int] | str] = {}
    position = 0
    for name, words in blocks.items():
        start = text.find(words, position)
        if start < 0:
            start = text.find(words)
        if start < 0:
            recorded[name] = words
            continue
        position = start + len(words)
        recorded[name] = [start, position]
    return recorded


def block_texts(text: str, recorded: dict[str, Any]) -> dict[str, str]:
    """The words of each recorded block: the inverse of `recorded_blocks`."""
    texts: dict[str, str] = {}
    for name, where in recorded.items():
        if isinstance(where, list) and len(where) == 2 and all(type(i) is int for i in where):
            texts[str(name)] = text[where[0] : where[1]]
        else:
            texts[str(name)] = str(where or "")
    return texts
