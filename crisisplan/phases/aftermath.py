"""After the fix: resolve (cause, impact, notices, a final public word) and reopen."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crisisplan.errors import CrisisError, Location, UsageError
from crisisplan.phases import promise_ledger, promise_report
from crisisplan.phases import state as st
from crisisplan.phases.drafting import incident_context
from crisisplan.phases.during import check_choice, require_during
from crisisplan.phases.record import event, record_in

if TYPE_CHECKING:
    from crisisplan.phases.approvals import Held
    from crisisplan.phases.promise_report import Made
    from crisisplan.phases.replies import Draft
    from crisisplan.playbook.loader import Plan
    from crisisplan.store import IncidentRow, Store

FINAL_MESSAGE = "This is fixed."
_BLANK_RUNS = re.compile(r"\n(?:[^\S\n]*\n){2,}")


@dataclass
class FinalUpdate:
    """The last public update: where it went and what it said."""

    channel: str
    template: str
    text: str
    event_id: int | None = None
    held: Held | None = None  # waits for sign-off (phases/approvals.py), not posted


@dataclass
class Resolution:
    """What `crisis resolve` recorded."""

    incident_id: str
    resolved_at: dt.datetime
    cause: str
    impact: str
    notices: list[Draft]
    final_update: FinalUpdate | None
    warnings: list[str] = field(default_factory=list)
    open_promises: list[Made] = field(default_factory=list)  # to individuals, not yet kept

    @property
    def has_errors(self) -> bool:
        return any(d.has_errors for d in self.notices)


def check_open(row: IncidentRow) -> None:
    """An incident can be resolved only while it is in the during phase."""
    require_during(row)


def check_resolved(row: IncidentRow) -> None:
    """Only a resolved incident can be reopened."""
    if st.of(row).phase == "during":
        raise UsageError(
            f"{row.id} is open, not resolved: there is nothing to reopen.",
            hint="To tell customers what is new: crisis update 'What we know now'.",
        )


def resolve(
    plan: Plan,
    store: Store,
    row: IncidentRow,
    *,
    cause: str,
    impact: str,
    message: str | None,
    channel: str | None,
    at: dt.datetime,
    who: str,
) -> Resolution:
    """Record the resolution, a resolved notice per open follow-up and a final update.

    Everything is drafted first, from the state the resolution leads to, then written in
    one transaction: either the incident is resolved with all of it, or nothing is.
    """
    from crisisplan.phases.approvals import held_after, held_instead
    from crisisplan.phases.customers import Customer
    from crisisplan.phases.followups import ordered
    from crisisplan.phases.replies import Replier
    from crisisplan.phases.send_stale import superseding, when

    check_open(row)
    cause = _required(cause, "--cause", "what caused it")
    impact = _required(impact, "--impact", "what it meant for customers")
    resolved = event("resolved", at, who, cause=cause, impact=impact)
    after = st.apply(st.of(row), resolved.kind, at, who, None, dict(resolved.payload))
    after_row = dataclasses.replace(row, state=st.to_json(after))
    final = _final_update(plan, row.id, after, message=message, channel=channel, at=at, who=who)
    warnings: list[str] = []
    if final is None:
        warnings.append(
            "The plan has no status page channel, so no final public update was posted; "
            "pass --channel to post it on another channel."
        )
    replier = Replier(
        plan,
        store,
        after_row,
        who,
        at,
        template_id=plan.template_for("resolved").front.id,
        followup=False,
    )
    notices: list[Draft] = []
    for entry in ordered(store, row, open_only=True):
        f = entry.followup
        notices.append(
            replier.draft(
                Customer(f.name, f.email, f.tier, f.note, f.open_case, note_at=f.added_at),
                previous_incidents=entry.previous_incidents,
            )
        )
    with store.transaction() as tx:
        check_open(tx.incident(row.id) or row)  # another lead may have resolved it meanwhile
        # Replies drafted during the incident promise updates and say it is not fixed:
        # after this, a customer gets the resolved notice (then the apology), never those.
        stale = superseding(
            store, row.id, at=at, who=who, reason=f"superseded by the resolution at {when(at)}"
        )
        record_in(tx, row.id, [resolved, *stale])
        replier.record_in(tx, notices)
        if final is not None:
            public = event(
                "public_update",
                at,
                who,
                final.channel,
                message=(message or FINAL_MESSAGE).strip(),
                template=final.template,
                text=final.text,
                final=True,
                promises=promise_ledger.for_public(
                    plan, final.template, channel=final.channel, state=after, next_update_at=None
                ),
            )
            public = held_instead(plan, after.type, public)  # sign-off first, if needed
            (posted,) = record_in(tx, row.id, [public])
            if public.kind == "public_update":
                final.event_id = posted.id
            else:
                final.held = held_after(tx, row.id, plan, after.type)
    ledger = promise_report.ledger(store.events(row.id, kinds=promise_report.KINDS), at)
    still_open = ledger.open_to_individuals()
    return Resolution(row.id, at, cause, impact, notices, final, warnings, still_open)


def _required(value: str, flag: str, what: str) -> str:
    if not value.strip():
        raise UsageError(f"{flag} is empty.", hint=f"Say {what}, in specific words: {flag} TEXT.")
    return value.strip()


def _final_update(
    plan: Plan,
    incident_id: str,
    state: st.IncidentState,
    *,
    message: str | None,
    channel: str | None,
    at: dt.datetime,
    who: str,
) -> FinalUpdate | None:
    """The status_update template on the status page, promising no next update."""
    from crisisplan.phases.drafting import draft
    from crisisplan.templating.render import RenderError

    channels = list(state.plan.channels)
    channel = channel or state.plan.status_channel
    if channel is None:
        return None
    check_choice(channel, channels, "--channel", "a channel")
    if message is not None and not message.strip():
        raise UsageError("--message is empty.", hint="Say it is fixed, or leave --message out.")
    # It is over: no ETA to keep, and no next update to promise.
    facts = dataclasses.replace(state, summary=(message or FINAL_MESSAGE).strip(), eta=None)
    incident = incident_context(incident_id, facts, next_update_at=None)
    try:
        template, text = draft(
            plan, "status_update", incident=incident, agent=who, now=at, channel_id=channel
        )
    except RenderError:
        # The template prints the next update time unguarded: render it with one, then
        # leave its next_update block out (a second failure is a real template error).
        incident["next_update_at"] = at
        template, text = _without_promise(plan, incident, channel, at, who)
    return FinalUpdate(channel, template, text)


def _without_promise(
    plan: Plan, incident: dict[str, Any], channel: str, at: dt.datetime, who: str
) -> tuple[str, str]:
    from crisisplan.templating.render import build_context, render
    from crisisplan.templating.variables import agent_variable

    template = plan.template_for("status_update")
    context = build_context(
        playbook=plan.playbook,
        incident=incident,
        agent=agent_variable(plan.playbook, who),
        channel_id=channel,
        now=at,
    )
    rendered = render(template, context)
    promise = rendered.blocks.get("next_update", "")
    head, found, tail = rendered.text.rpartition(promise)
    if not promise or not found:
        raise CrisisError(
            f"the {template.front.id} template promises a next update even when the incident "
            "is resolved.",
            location=Location(template.path, template.body_line),
            hint="Guard the promise: {% if incident.next_update_at %}...{% endif %}.",
        )
    text = _BLANK_RUNS.sub("\n\n", head + tail).strip()
    return template.front.id, text + "\n"


def reopen(store: Store, row: IncidentRow, *, reason: str, at: dt.datetime, who: str) -> None:
    """Put a resolved incident back in the during phase, saying why."""
    reason = _required(reason, "--reason", "why it is not over")
    with store.transaction() as tx:
        check_resolved(tx.incident(row.id) or row)  # another lead may have reopened it
        record_in(tx, row.id, [event("reopened", at, who, reason=reason)])
