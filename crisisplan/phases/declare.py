"""Declaring an incident: the answers checked, the first drafts made, the declaration
recorded, and, when a later step fails, the answers kept all the same."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crisisplan.errors import CrisisError, UsageError
from crisisplan.phases import promise_ledger
from crisisplan.phases import state as st
from crisisplan.phases.drafting import draft, incident_context
from crisisplan.phases.during import check_choice, check_components
from crisisplan.phases.record import event, record_in

if TYPE_CHECKING:
    from crisisplan.phases.approvals import Held
    from crisisplan.playbook.loader import Plan
    from crisisplan.store import Store

BASE_CUSTOMER = {
    "name": "[customer's name]",
    "email": "",
    "tier": None,
    "note": None,
    "open_case": False,
    "previous_incidents": 0,
}


@dataclass
class StartDraft:
    """Everything `crisis start` shows before the lead confirms."""

    incident_id: str
    state: st.IncidentState
    checklist: list[str]
    ladder: list[st.DueStep]
    channels: dict[str, dict[str, Any]]
    status_channel: str | None
    update_template: str
    update_text: str
    reply_template: str
    reply_text: str
    next_update_at: dt.datetime | None
    warnings: list[str] = field(default_factory=list)
    components: list[str] = field(default_factory=list)  # the plan's ids it affects
    held: Held | None = None  # the first update waits for sign-off (phases/approvals.py)


def check_start(plan: Plan, *, incident_type: str, severity: str, title: str) -> None:
    """The answers must name the plan's type and severity, and a title: checked before
    anything is drafted or recorded."""
    pb = plan.playbook
    check_choice(incident_type, list(pb.incident_types), "--type", "an incident type")
    check_choice(severity, list(pb.severities), "--severity", "a severity")
    if not title.strip():
        raise UsageError("the title is empty.", hint="Say in a few words what is wrong: --title.")


def prepare_start(
    plan: Plan,
    store: Store,
    *,
    incident_type: str,
    severity: str,
    title: str,
    summary: str,
    at: dt.datetime,
    who: str,
    components: Sequence[str] = (),
) -> StartDraft:
    """Build the incident's first state and drafts, without writing anything yet."""
    check_start(plan, incident_type=incident_type, severity=severity, title=title)
    payload = _start_payload(plan, incident_type, severity, title, summary)
    state = st.initial(payload, at, who)
    incidents = store.incidents()  # one read for both: those still open, the next number
    open_now = [r for r in incidents if r.is_open]
    predicted = f"INC-{max((r.number for r in incidents), default=0) + 1}"
    draft_ = _drafts(plan, predicted, state, at, who)
    from crisisplan.phases.channel_limits import check_fits

    # The first update obeys its channel's limit and funnel, as `crisis update` does.
    check_fits(
        plan,
        draft_.status_channel,
        draft_.update_text,
        template=draft_.update_template,
        funnel=True,
    )
    warnings = []
    if open_now:
        listed = ", ".join(f"{r.id} ({st.of(r).title})" for r in open_now)
        warnings.append(
            f"{listed} {'is' if len(open_now) == 1 else 'are'} still open; this starts another "
            "incident, so other commands will need --incident."
        )
    draft_.warnings = warnings
    draft_.components = check_components(plan, components)
    return draft_


def declare(
    plan: Plan,
    store: Store,
    *,
    incident_type: str,
    severity: str,
    title: str,
    summary: str,
    at: dt.datetime,
    who: str,
    components: Sequence[str] = (),
) -> str:
    """Record the incident alone, in its own transaction: when drafting failed, the
    answers are kept and the lead finishes with `crisis update`."""
    payload = _start_payload(plan, incident_type, severity, title, summary, components)
    with store.transaction() as tx:
        incident_id = tx.new_incident(opened_at=at, state={})
        started = tx.append(incident_id, event("incident_started", at, who, **payload))
        new_state = st.initial(started.payload, started.at, started.who)
        tx.save_state(incident_id, st.to_json(new_state), is_open=True)
    return incident_id


def unfinished(incident_id: str, step: str, error: CrisisError, summary: str) -> CrisisError:
    """The error of a step after the declaration: what is kept, and how to finish."""
    import shlex

    from crisisplan.inert_text import one_line

    reason = error.message.rstrip(". ")
    again = shlex.quote(one_line(summary))
    return CrisisError(
        f"{incident_id} is declared; {step}: {reason}.",
        location=error.location,
        hint=f"Run `crisis update {again}` when fixed.",
        exit_code=error.exit_code,
    )


def _start_payload(
    plan: Plan,
    incident_type: str,
    severity: str,
    title: str,
    summary: str,
    components: Sequence[str] = (),
) -> dict[str, Any]:
    """What `incident_started` records; the components only when the lead named some."""
    typ = plan.playbook.incident_types[incident_type]
    payload: dict[str, Any] = {
        "title": title.strip(),
        "type": incident_type,
        "type_description": typ.description,
        "severity": severity,
        "summary": summary.strip(),
        "checklist": list(typ.checklist),
        "plan": st.plan_facts(plan.playbook),
    }
    if components:
        payload["components"] = list(components)
    return payload


def _drafts(
    plan: Plan, incident_id: str, state: st.IncidentState, at: dt.datetime, who: str
) -> StartDraft:
    every, _ = st.cadence(state)
    next_at = at + dt.timedelta(minutes=every) if every else None
    context = incident_context(incident_id, state, next_update_at=next_at)
    status_channel = state.plan.status_channel
    update_tpl, update_text = draft(
        plan, "status_update", incident=context, agent=who, now=at, channel_id=status_channel
    )
    email = st.first_individual_channel(state)
    reply_tpl, reply_text = draft(
        plan,
        "first_response",
        incident=context,
        agent=who,
        now=at,
        customer=BASE_CUSTOMER,
        channel_id=email,
    )
    ladder = st.ladder_now(dataclasses.replace(state, escalated=()), at + dt.timedelta(days=365))
    return StartDraft(
        incident_id=incident_id,
        state=state,
        checklist=plan.playbook.incident_types[state.type].checklist,
        ladder=ladder,
        channels={cid: st.as_data(ch) for cid, ch in state.plan.channels.items()},
        status_channel=status_channel,
        update_template=update_tpl,
        update_text=update_text,
        reply_template=reply_tpl,
        reply_text=reply_text,
        next_update_at=next_at,
    )


def commit_start(
    plan: Plan,
    store: Store,
    prepared: StartDraft,
    *,
    post_update: bool,
    at: dt.datetime,
    who: str,
    update_text: str | None = None,
    reply_text: str | None = None,
) -> str:
    """Record the incident and its base reply; then, in a transaction of its own, the first
    public update (if confirmed). A failure of the update names the declared incident."""
    state = prepared.state
    payload = _start_payload(
        plan, state.type, state.severity, state.title, state.summary, prepared.components
    )
    with store.transaction() as tx:
        incident_id = tx.new_incident(opened_at=at, state={})
        fresh = prepared
        if incident_id != prepared.incident_id:  # another lead started one meanwhile
            fresh = _drafts(plan, incident_id, state, at, who)
        started = tx.append(incident_id, event("incident_started", at, who, **payload))
        new_state = st.initial(started.payload, started.at, started.who)
        tx.save_state(incident_id, st.to_json(new_state), is_open=True)
        base = event(
            "base_reply",
            at,
            who,
            template=fresh.reply_template,
            text=reply_text or fresh.reply_text,
        )
        record_in(tx, incident_id, [base])
    if not post_update:
        return incident_id
    public = event(
        "public_update",
        at,
        who,
        prepared.status_channel,
        message=state.summary,
        template=fresh.update_template,
        text=update_text or fresh.update_text,
        next_update_at=st.iso(prepared.next_update_at) if prepared.next_update_at else None,
        promises=promise_ledger.for_public(
            plan,
            fresh.update_template,
            channel=prepared.status_channel,
            state=state,
            next_update_at=st.iso(prepared.next_update_at) if prepared.next_update_at else None,
        ),
    )
    from crisisplan.phases.approvals import held_after, held_instead
    from crisisplan.phases.channel_limits import check_fits

    # `--yes` posts it, unless the type needs sign-off: then it waits for approval.
    public = held_instead(plan, state.type, public)
    try:
        if update_text is not None:  # as the lead edited it: the channel's rules again
            check_fits(
                plan, public.channel, update_text, template=fresh.update_template, funnel=True
            )
        with store.transaction() as tx:
            record_in(tx, incident_id, [public])
            if public.kind != "public_update":
                prepared.held = held_after(tx, incident_id, plan, state.type)
    except CrisisError as exc:
        raise unfinished(
            incident_id, "the first update was not posted", exc, state.summary
        ) from None
    return incident_id
