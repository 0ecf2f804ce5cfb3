"""The state of play for one incident, and what to do next."""

from __future__ import annotations

import datetime as dt
import shlex
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crisisplan.clock import to_text
from crisisplan.phases import promise_ledger
from crisisplan.phases import state as st

if TYPE_CHECKING:
    from crisisplan.phases.contact_clock import Glance
    from crisisplan.store import IncidentRow


@dataclass
class Status:
    incident_id: str
    title: str
    type: str
    phase: str
    severity: str
    max_severity: str
    severity_description: str
    started_at: dt.datetime
    now: dt.datetime
    next_update_due: dt.datetime | None
    overdue: bool
    owners: list[dict[str, Any]]
    last_public_update: st.PublicUpdate | None
    promises_due: list[st.Promise]
    promises_broken: list[st.Promise]
    followups_open: int
    escalation_due: list[st.DueStep]
    warnings: list[str] = field(default_factory=list)
    followups_contacted: int = 0  # open, and sent a message (`crisis send`)
    next_steps: list[str] = field(default_factory=list)
    contacts: Glance | None = None  # 20A: customers who wrote in, and their clocks
    sign_off: list[dict[str, Any]] = field(default_factory=list)  # 20C: statements waiting
    # 20B: promises besides update times (due soon, waiting on the fix, broken), milestones
    ledger: dict[str, list[st.Promise]] = field(default_factory=dict)
    milestones: dict[str, str] = field(default_factory=dict)

    @property
    def needs_attention(self) -> bool:
        """What `status --check` exits 1 for: overdue, broken promises, no public word,
        customers waiting past the first response promised them."""
        no_public = self.phase == "during" and self.last_public_update is None
        late_answers = self.contacts is not None and self.contacts.overdue > 0
        return self.overdue or bool(self.promises_broken) or no_public or late_answers

    def as_json(self) -> dict[str, Any]:
        def when(value: dt.datetime | None) -> str | None:
            return to_text(value) if value else None

        return {
            "incident": self.incident_id,
            "title": self.title,
            "type": self.type,
            "phase": self.phase,
            "severity": self.severity,
            "max_severity": self.max_severity,
            "severity_description": self.severity_description,
            "started_at": when(self.started_at),
            "age_minutes": round((self.now - self.started_at).total_seconds() / 60),
            "next_update_due": when(self.next_update_due),
            "overdue": self.overdue,
            "owners": self.owners,
            "last_public_update": (
                {
                    **st.as_data(self.last_public_update),
                    "at": when(st.parse(self.last_public_update.at)),
                }
                if self.last_public_update
                else None
            ),
            "promises_due": [when(st.parse(p.due)) for p in self.promises_due],
            "promises_broken": [when(st.parse(p.due)) for p in self.promises_broken],
            "followups_open": self.followups_open,
            "followups_contacted": self.followups_contacted,
            "escalation_due": [
                {"step": s.step.id, "who": s.step.who, "how": s.step.how}
                for s in self.escalation_due
            ],
            "warnings": self.warnings,
            "next_steps": self.next_steps,
            "needs_attention": self.needs_attention,
            "contacts": self.contacts.as_json(self.now) if self.contacts else None,
            "sign_off": self.sign_off,
            "promise_ledger": promise_ledger.status_json(self.ledger),
            "milestones": {k: when(st.parse(v)) for k, v in self.milestones.items()},
        }


def status(
    row: IncidentRow,
    *,
    followups_open: int,
    now: dt.datetime,
    several_open: bool,
    followups_contacted: int = 0,
) -> Status:
    """Everything an agent needs at a glance, computed from the incident's state.

    A customer counts as contacted once a message to them is sent, as the follow-up list
    says (both read the follow-up's `contacted_at`, which `crisis send` sets)."""
    state = st.of(row)
    plan = state.plan
    due = st.next_update_due(state) if state.phase == "during" else None
    promises = st.promises_view(state, now)
    owners = [
        {"channel": cid, "owner": ch.owner, "name": ch.owner_name}
        for cid, ch in plan.channels.items()
    ]
    escalation_due = (
        [s for s in st.ladder_now(state, now) if s.due and not s.contacted]
        if state.phase == "during"
        else []
    )
    last = state.last_public_update
    result = Status(
        incident_id=row.id,
        title=state.title,
        type=state.type,
        phase=state.phase,
        severity=state.severity,
        max_severity=state.max_severity,
        severity_description=plan.severities[state.severity].description,
        started_at=st.parse(state.started_at),
        now=now,
        next_update_due=due,
        overdue=bool(due and due < now),
        owners=owners,
        last_public_update=last,
        promises_due=promises.due,
        promises_broken=promises.broken,
        followups_open=followups_open,
        escalation_due=escalation_due,
        followups_contacted=followups_contacted,
        ledger=promise_ledger.status_ledger(state, now),
        milestones=dict(state.milestones),
    )
    if state.phase == "during" and state.last_public_update is None:
        result.warnings.append("No public update yet: customers are waiting for word from us.")
    for owner in owners:
        if owner["owner"] is None:
            result.warnings.append(f"Channel {owner['channel']} has no owner.")
    result.next_steps = _next_steps(result, several_open)
    result.sign_off = sign_off(state)
    return result


def sign_off(state: st.IncidentState) -> list[dict[str, Any]]:
    """The statements waiting for sign-off, and whose (phases/approvals.py)."""
    found = []
    for s in state.statements:
        # A rejected statement stays in view until something newer is drafted for its
        # channel: the drafter must hear why.
        later = any(o.number > s.number and o.channel == s.channel for o in state.statements)
        if s.status != "waiting" and (s.status != "rejected" or later):
            continue
        done = {a.role: a for a in s.approvals}
        found.append(
            {
                "id": f"S{s.number}",
                "status": s.status,
                "reason": s.reason if s.status == "rejected" else None,
                "rejected_by": s.settled_by if s.status == "rejected" else None,
                "channel": s.channel,
                "final": s.final,
                "drafted_at": to_text(st.parse(s.at)),
                "drafted_by": s.who,
                "needs": [
                    {
                        "role": role,
                        "name": name,
                        "approved_at": to_text(st.parse(done[role].at)) if role in done else None,
                    }
                    for role, name in zip(s.needs, s.names or s.needs, strict=False)
                ],
                "waiting_for": list(s.missing) if s.status == "waiting" else [],
            }
        )
    return found


def _next_steps(s: Status, several_open: bool) -> list[str]:
    """The next two or three commands to run, from the phase and the state."""
    flag = f" --incident {s.incident_id}" if several_open else ""
    steps: list[str] = []
    if s.phase == "during":
        if s.last_public_update is None or s.overdue or s.promises_broken:
            steps.append(
                f"crisis update{flag} {shlex.quote('What we know now, and what we are doing')}"
            )
        for step in s.escalation_due[:2]:
            steps.append(f"crisis escalate{flag} {step.step.id}")
        steps.append(f"crisis reply{flag} --customer NAME --email EMAIL --note 'their case'")
        if len(steps) < 3:
            steps.append(f"crisis resolve{flag} --cause '...' --impact '...'")
    elif s.phase == "aftermath":
        steps.append(f"crisis apologize{flag}")
        steps.append(f"crisis review{flag}")
    else:
        steps.append(f"crisis timeline --incident {s.incident_id} --format md")
    return steps[:3]
