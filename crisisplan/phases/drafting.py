"""Drafting words from the library for an incident: the context templates see."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from crisisplan.phases import state as st

if TYPE_CHECKING:
    from crisisplan.loader import Plan


def incident_context(
    incident_id: str, state: st.State, *, next_update_at: dt.datetime | None
) -> dict[str, Any]:
    """The `incident` variable: plain data from the derived state."""
    severity = state["plan"]["severities"][state["severity"]]
    return {
        "id": incident_id,
        "title": state["title"],
        "type": state["type"],
        "type_description": state.get("type_description") or "",
        "severity": state["severity"],
        "severity_description": severity["description"],
        "status": "resolved" if state["phase"] != "during" else "investigating",
        "started_at": st.parse(state["started_at"]),
        "summary": state["summary"],
        "cause": state.get("cause"),
        "impact": state.get("impact"),
        "eta": st.parse(state["eta"]) if state.get("eta") else None,
        "next_update_at": next_update_at,
        "status_url": state["plan"].get("status_url"),
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
    from crisisplan.rendering import build_context, render

    template = plan.templates_by_id(template_id) if template_id else plan.template_for(purpose)
    role = agent if agent in plan.playbook.roles else None
    agent_data = {
        "name": plan.playbook.roles[role].name if role else agent,
        "role": role or "",
    }
    context = build_context(
        playbook=plan.playbook,
        incident=incident,
        customer=customer,
        agent=agent_data,
        channel_id=channel_id,
        compensation=compensation,
        now=now,
    )
    return template.front.id, render(template, context).text
