"""Apologies: one per follow-up, with the plan's compensation, checked for what a real one says.

A real apology names the cause and the impact in specific words, offers a remedy (and the
compensation, when the plan gives one), and invites a reply. A draft that does not is
recorded as not ready, with why, so that nobody sends it by mistake.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from crisisplan.errors import UsageError
from crisisplan.phases import state as st
from crisisplan.phases.record import record_in

if TYPE_CHECKING:
    from crisisplan.phases.replies import Draft
    from crisisplan.playbook.loader import Plan
    from crisisplan.playbook.model import Playbook
    from crisisplan.store import IncidentRow, NewEvent, Store

RUN = 4  # consecutive words of the recorded cause or impact that make a block specific
_WORD = re.compile(r"\w+")


@dataclass
class Apology:
    """One checked apology draft."""

    draft: Draft
    compensation: str | None
    previous_incidents: int
    checks: dict[str, bool]
    problems: list[str]
    ready: bool
    forced: bool


@dataclass
class Apologies:
    """What `crisis apologize` drafted, and how many it left alone (already apologised to)."""

    incident_id: str
    apologies: list[Apology]
    already: int

    @property
    def not_ready(self) -> int:
        return sum(not a.ready for a in self.apologies)


def check_resolved(row: IncidentRow) -> None:
    """The cause and the impact come from `crisis resolve`: no apology before it."""
    state = st.of(row)
    if state.phase == "during" or not state.cause:
        raise UsageError(
            f"{row.id} is not resolved yet: an apology states the cause and the impact, "
            "and `crisis resolve` records them.",
            hint=f"Resolve it first: crisis resolve --incident {row.id} --cause '...' "
            "--impact '...'.",
        )


def compensation_for(playbook: Playbook, state: st.IncidentState, previous: int) -> str | None:
    """The offer of the plan's first compensation rule that matches this customer."""
    order = list(state.plan.severities)
    highest = order.index(state.max_severity)
    for rule in playbook.compensation:
        repeat, severity = rule.when.repeat_incidents, rule.when.severity
        if repeat is not None and previous < repeat:
            continue
        if severity is not None and (severity not in order or highest < order.index(severity)):
            continue
        return rule.offer
    return None


def apologize(
    plan: Plan,
    store: Store,
    row: IncidentRow,
    *,
    email: str | None,
    again: bool,
    force: bool,
    at: dt.datetime,
    who: str,
) -> Apologies:
    """Draft, check and record an apology for each follow-up (or the one with `email`)."""
    from crisisplan.phases.customers import Customer
    from crisisplan.phases.followups import check_email, ordered
    from crisisplan.phases.replies import Replier

    check_resolved(row)
    entries = ordered(store, row)
    if email is not None:
        wanted = check_email(email).lower()
        entries = [e for e in entries if e.followup.email.lower() == wanted]
        if not entries:
            raise UsageError(
                f"{email} is not on the follow-up list of {row.id}.",
                hint="See `crisis followup list --all`, or add them with `crisis followup add`.",
            )
    done = set() if again else already_apologised(store, row)
    todo = [e for e in entries if e.followup.email.lower() not in done]
    if email is not None and not todo:
        raise UsageError(
            f"{email} already has an apology on {row.id}.", hint="Pass --again to draft another."
        )
    state = st.of(row)
    replier = Replier(
        plan,
        store,
        row,
        who,
        at,
        template_id=plan.template_for("apology").front.id,
        channel_id=_individual_email(state),
        followup=False,
    )
    apologies = []
    for entry in todo:
        f = entry.followup
        offer = compensation_for(plan.playbook, state, entry.previous_incidents)
        draft = replier.draft(
            Customer(f.name, f.email, f.tier, f.note, f.open_case, note_at=f.added_at),
            previous_incidents=entry.previous_incidents,
            compensation=offer,
        )
        checks, problems = check(draft, state, offer)
        passed = all(checks.values())
        apologies.append(
            Apology(
                draft,
                offer,
                entry.previous_incidents,
                checks,
                problems,
                ready=passed or force,
                forced=force and not passed,
            )
        )
    if apologies:
        with store.transaction() as tx:
            check_resolved(tx.incident(row.id) or row)  # another lead may have reopened it
            events = [
                _event(a, at, who, replier.promises_for(a.draft.customer.email)) for a in apologies
            ]
            written = record_in(tx, row.id, events)
        for a, e in zip(apologies, written, strict=True):
            a.draft.event_id = e.id
    return Apologies(row.id, apologies, len(entries) - len(todo))


def already_apologised(store: Store, row: IncidentRow) -> set[str]:
    """Emails with an apology on this incident already (lower-cased)."""
    return {
        str(e.payload.get("customer", {}).get("email", "")).lower()
        for e in store.events(row.id, kinds=["apology"])
    }


def check(
    draft: Draft, state: st.IncidentState, offer: str | None
) -> tuple[dict[str, bool], list[str]]:
    """Each check of a real apology, passed or not, and why each failed one failed."""
    problems: list[str] = []
    recorded = {"cause": state.cause, "impact": state.impact}

    def block(name: str, need: str) -> str:
        if name not in draft.blocks:
            problems.append(f"the template has no {name} block: {need}.")
        elif not draft.blocks[name]:
            problems.append(f"the {name} block renders empty: {need}.")
        return draft.blocks.get(name, "")

    def specific(name: str, need: str) -> bool:
        text = block(name, need)
        if text and not states(text, recorded[name]):
            problems.append(
                f"the {name} block does not state the recorded {name} in specific words."
            )
            return False
        return bool(text)

    cause = specific("cause", "say what went wrong")
    impact = specific("impact", "say what it meant for them")
    remedy = bool(block("remedy", "say what we are doing to make it right"))
    offered = offer is None or _plain(offer) in _plain(draft.text)
    if not offered:
        problems.append(f"the compensation the plan gives this customer is missing: “{offer}”.")
    invite = bool(block("invite_reply", "invite them to reply"))
    errors = [f for f in draft.findings if f.level == "error"]
    problems += [f"language: “{f.phrase}”: {f.why}" for f in errors]
    checks = {
        "cause": cause,
        "impact": impact,
        "remedy": remedy and offered,
        "invite_reply": invite,
        "language": not errors,
    }
    return checks, problems


def states(block: str, recorded: str | None) -> bool:
    """True when the block repeats the recorded words, or at least a run of several of them."""
    said, facts = _plain(block), _WORD.findall((recorded or "").lower())
    if not facts:
        return False
    run = min(RUN, len(facts))
    return any(
        f" {' '.join(facts[i : i + run])} " in f" {said} " for i in range(len(facts) - run + 1)
    )


def _plain(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def _individual_email(state: st.IncidentState) -> str | None:
    """The customer's own channel: the plan's individual email channel, else any individual."""
    channels = state.plan.channels
    individual = [cid for cid, c in channels.items() if c.purpose == "individual"]
    email = [cid for cid in individual if channels[cid].kind == "email"]
    return next(iter(email + individual), None)


def _event(
    a: Apology, at: dt.datetime, who: str, promises: list[dict[str, Any]] | None
) -> NewEvent:
    from crisisplan.phases.drafting import recorded_blocks
    from crisisplan.phases.replies import brief_findings
    from crisisplan.store import NewEvent

    d, c = a.draft, a.draft.customer
    # Built whole rather than with `event()`: "no compensation" is recorded as null, not left out.
    return NewEvent(
        kind="apology",
        at=at,
        who=who,
        channel=d.channel,
        payload={
            "customer": c.record(),
            "template": d.template,
            "purpose": "apology",
            "text": d.text,
            **({"subject": d.subject} if d.subject else {}),
            "blocks": recorded_blocks(d.text, d.blocks),
            "compensation": a.compensation,
            "previous_incidents": a.previous_incidents,
            "checks": a.checks,
            "problems": a.problems,
            "ready": a.ready,
            "forced": a.forced,
            "findings": brief_findings(d.findings),
            **({"promises": promises} if promises else {}),
        },
    )
