"""During a crisis: update, re-grade, escalate, note. Declaring is in `declare`."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crisisplan.errors import UsageError
from crisisplan.phases import promise_ledger
from crisisplan.phases import state as st
from crisisplan.phases.drafting import draft, incident_context
from crisisplan.phases.record import event, record, record_in

if TYPE_CHECKING:
    from crisisplan.phases.approvals import Held
    from crisisplan.playbook.loader import Plan
    from crisisplan.store import IncidentRow, Store


def require_during(row: IncidentRow) -> None:
    """Public words, severity and escalation belong to an incident still being fought."""
    from crisisplan.clock import show

    state = st.of(row)
    if state.phase != "during":
        when = state.resolved_at
        raise UsageError(
            f"{row.id} is already resolved" + (f" (at {show(st.parse(when))})." if when else "."),
            hint=f"To reopen it: crisis reopen --incident {row.id} --reason '...'.",
        )


def check_choice(value: str, choices: list[str], flag: str, what: str) -> str:
    """A user's answer must be one of the plan's ids."""
    if value not in choices:
        import difflib

        lowered = {c.lower(): c for c in choices}
        near = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=0.6)
        guess = f"; did you mean {lowered[near[0]]!r}?" if near else "."
        raise UsageError(
            f"{flag} {value!r} is not {what} in this plan{guess}",
            hint=f"Choose one of: {', '.join(choices)}.",
        )
    return value


_CAUSE_FOUND = re.compile(
    r"\b(?:found|identified|know|confirmed|pinned down|traced)\b[^.;]{0,30}\b(?:cause|culprit)\b"
    r"|\bcaused by\b|\broot[- ]cause\b|\bthe cause (?:is|was)\b|\btraced (?:it|this|the \w+) to\b",
    re.IGNORECASE,
)


@dataclass
class Facts:
    """What `crisis update` may record beside its message: the facts known now."""

    cause: str | None = None
    suspected: bool = False
    impact: str | None = None
    workaround: str | None = None

    def payload(self) -> dict[str, Any]:
        given = {k: v.strip() for k in ("cause", "impact", "workaround") if (v := getattr(self, k))}
        return {**given, "suspected": True} if self.suspected else given


@dataclass
class Posted:
    """What `crisis update` recorded: the words, the next update due, and warnings."""

    text: str
    next_at: dt.datetime | None
    superseded: int = 0
    warnings: list[str] = field(default_factory=list)
    held: Held | None = None  # waiting for sign-off, not posted (phases/approvals.py)


def check_components(plan: Plan, ids: Sequence[str]) -> list[str]:
    """The components an incident names, each one of the plan's, in the order given."""
    known = plan.playbook.components
    for cid in ids:
        if cid not in known:
            listed = ", ".join(known)
            raise UsageError(
                f"--component {cid!r} is not a component in this plan.",
                hint=f"Choose one of: {listed}."
                if known
                else "The plan names no components; add a components: section (docs/playbook.md).",
            )
    return list(dict.fromkeys(ids))


def post_update(
    plan: Plan,
    store: Store,
    row: IncidentRow,
    *,
    message: str,
    channel: str | None,
    eta: dt.datetime | None,
    at: dt.datetime,
    who: str,
    facts: Facts | None = None,
    components: Sequence[str] | None = None,
) -> Posted:
    """Record a public update rendered through `status_update`, with the facts known now,
    in one transaction; the clock restarts and unsent during-phase drafts are superseded."""
    from crisisplan.phases.approvals import held_after, held_instead
    from crisisplan.phases.channel_limits import check_fits
    from crisisplan.phases.send_stale import superseding, when

    require_during(row)
    state = st.of(row)
    if not message.strip():
        raise UsageError("the update message is empty.", hint="Say what we know now.")
    channels = state.plan.channels
    channel = channel or state.plan.status_channel
    if channel is None:
        raise UsageError("the plan has no status page channel.", hint="Pass --channel ID.")
    check_choice(channel, list(channels), "--channel", "a channel")
    # Named: the components it affects from now on; not named: those named before.
    named = {} if components is None else {"components": check_components(plan, components)}
    known = _facts_payload(facts or Facts(), state)
    if known:
        state = st.apply(state, "facts_changed", at, who, None, known)
    state = dataclasses.replace(
        state, summary=message.strip(), eta=st.iso(eta) if eta else state.eta
    )
    warnings = []
    if state.cause is None and _CAUSE_FOUND.search(message):
        warnings.append(
            "The message says the cause is found, but no cause is recorded: pass --cause TEXT "
            "(and --suspected while it is being confirmed) so drafts stop saying the cause is "
            "unknown."
        )
    every, _ = st.cadence(state)
    next_at = at + dt.timedelta(minutes=every) if every else None
    context = incident_context(row.id, state, next_update_at=next_at)
    template, text = draft(
        plan, "status_update", incident=context, agent=who, now=at, channel_id=channel
    )
    check_fits(plan, channel, text, template=template, funnel=True)
    events = [event("summary_changed", at, who, summary=message.strip())]
    if known:
        events.append(event("facts_changed", at, who, **known))
    public = event(
        "public_update",
        at,
        who,
        channel,
        message=message.strip(),
        template=template,
        text=text,
        eta=st.iso(eta) if eta else None,
        next_update_at=st.iso(next_at) if next_at else None,
        promises=promise_ledger.for_public(
            plan,
            template,
            channel=channel,
            state=state,
            next_update_at=st.iso(next_at) if next_at else None,
        ),
        **named,
    )
    public = held_instead(plan, state.type, public)  # the type may need sign-off first
    events.append(public)
    held = None
    with store.transaction() as tx:
        stale = []
        if public.kind == "public_update":  # drafts are superseded when words go out
            stale = superseding(
                store,
                row.id,
                at=at,
                who=who,
                reason=f"superseded by the public update at {when(at)}",
            )
        record_in(tx, row.id, events + stale)
        if public.kind != "public_update":
            held = held_after(tx, row.id, plan, state.type)
    count = sum(len(e.payload["drafts"]) for e in stale)
    return Posted(text, next_at, count, warnings, held)


def _facts_payload(facts: Facts, state: st.IncidentState) -> dict[str, Any]:
    """The `facts_changed` payload, or {} when nothing new is given."""
    for name in ("cause", "impact", "workaround"):
        value = getattr(facts, name)
        if value is not None and not value.strip():
            raise UsageError(f"--{name} is empty.", hint=f"Say it in words, or leave --{name} out.")
    if facts.suspected and not facts.cause and state.cause is None:
        raise UsageError(
            "--suspected marks a cause as not yet confirmed, but no cause is given or recorded.",
            hint="Pass the cause too: --cause TEXT --suspected.",
        )
    return facts.payload()


def change_severity(
    store: Store, row: IncidentRow, *, level: str, reason: str | None, at: dt.datetime, who: str
) -> dt.datetime | None:
    """Re-grade the incident; the update clock follows the new cadence, and unsent
    during-phase drafts (promising the old cadence) are superseded."""
    from crisisplan.phases.send_stale import superseding, when

    require_during(row)
    state = st.of(row)
    severities = list(state.plan.severities)
    check_choice(level, severities, "LEVEL", "a severity")
    if level == state.severity:
        raise UsageError(
            f"{row.id} is already at severity {level}.",
            hint=f"Severities: {', '.join(severities)}.",
        )
    changed = event(
        "severity_changed", at, who, **{"from": state.severity, "to": level, "reason": reason}
    )
    with store.transaction() as tx:
        stale = superseding(
            store,
            row.id,
            at=at,
            who=who,
            reason=f"superseded by the severity change to {level} at {when(at)}",
        )
        record_in(tx, row.id, [changed, *stale])
    fresh = store.incident(row.id)
    return st.next_update_due(st.of(fresh)) if fresh else None


def escalate(
    store: Store, row: IncidentRow, *, contact: str, how: str | None, at: dt.datetime, who: str
) -> st.LadderStep:
    """Record that a step of the ladder (by step id or role) was contacted."""
    require_during(row)
    ladder = st.of(row).plan.ladder
    step = next((s for s in ladder if contact in (s.id, s.who)), None)
    if step is None:
        choices = ", ".join(sorted({s.id for s in ladder} | {s.who for s in ladder}))
        raise UsageError(
            f"{contact!r} is not on the escalation ladder.",
            hint=f"Name a step or a role: {choices}.",
        )
    record(
        store,
        row.id,
        [event("escalated", at, who, step=step.id, who=step.who, how=how or step.how)],
    )
    return step


def add_note(store: Store, row: IncidentRow, *, text: str, at: dt.datetime, who: str) -> int:
    """An internal note on the timeline; never public."""
    if not text.strip():
        raise UsageError("the note is empty.", hint="Write what the team should know.")
    (written,) = record(store, row.id, [event("note", at, who, text=text)])
    return written.id
