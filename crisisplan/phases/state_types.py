"""The incident state's types: what `state.apply` derives from events, field by field.

Frozen, so a wrong field is a type error where a dict key was a KeyError at run time.
Conversion to and from the JSON the store keeps is in state.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

# Times in the state are ISO text, as stored: comparing two is comparing their text.


@dataclass(frozen=True)
class SeverityFacts:
    """A severity of the plan: what it means and the update clock it sets."""

    description: str
    update_every_minutes: int | None
    first_response_minutes: int | None
    public: str | None = None  # what the public may read; older logs have none


@dataclass(frozen=True)
class LadderStep:
    """A step of the plan's escalation ladder, with the role's name and contact."""

    id: str
    who: str
    name: str
    contact: str | None
    phone: str | None
    how: str
    when: str
    severities: tuple[str, ...]
    types: tuple[str, ...]
    after_minutes: int


@dataclass(frozen=True)
class ChannelFacts:
    """A channel of the plan: its kind, its purpose and who owns it."""

    kind: str
    purpose: str
    owner: str | None
    owner_name: str | None
    funnel_to: str | None


@dataclass(frozen=True)
class ComponentFacts:
    """A part of the service the status page reports on."""

    name: str
    description: str | None


@dataclass(frozen=True)
class PlanFacts:
    """What the clock and `status` need of the plan, copied when the incident started."""

    name: str
    severities: Mapping[str, SeverityFacts]  # least severe first
    ladder: tuple[LadderStep, ...]
    channels: Mapping[str, ChannelFacts]
    tiers: tuple[str, ...]
    status_channel: str | None
    status_url: str | None
    company: str | None = None  # older logs have none
    components: Mapping[str, ComponentFacts] = field(default_factory=dict)


@dataclass(frozen=True)
class DueStep:
    """A ladder step for one incident: when it falls due, whether it has, whether done."""

    step: LadderStep
    due_at: str  # ISO time in UTC
    due: bool
    contacted: bool


@dataclass(frozen=True)
class PublicUpdate:
    """The latest public update: when, where, by whom, and its message."""

    at: str
    channel: str | None
    who: str
    text: str


@dataclass(frozen=True)
class Promise:
    """A promise the incident's words made, by `due`; kept or broken once an event settles it.

    `next_update` promises come from the update time a draft names; the other kinds from
    a template's declared `promises:` (docs/promises.md). Promises to customers are one
    entry per kind and time, `count` drafts making it: the log's draft events name each
    person. `due` is None while it waits on the resolution (contact when fixed, write-up).
    """

    due: str | None
    made_at: str
    kept_at: str | None
    broken_at: str | None
    kind: str = "next_update"
    to: str = "public"  # "public", a channel id, or "customers"
    made_by: int | None = None  # the event id of the first draft that made it
    kept_by: int | None = None  # the event id that kept it
    count: int = 1
    days: int | None = None  # working days after the resolution, for a write-up


@dataclass(frozen=True)
class Escalation:
    """A step of the ladder (or a role) contacted, and when."""

    step: str | None
    who: str | None
    at: str


@dataclass(frozen=True)
class Approval:
    """A role's sign-off of a statement's text: who, as which role, when, and the text's hash."""

    role: str
    who: str
    at: str
    text_sha256: str


@dataclass(frozen=True)
class Statement:
    """Public words held until the plan's roles sign them off (`public_statement_needs`).

    `number` is the id users type (S1, S2, ...); `status` is "waiting", "published",
    "rejected" or "replaced" (a newer draft for the same channel took its place).
    """

    number: int
    at: str
    who: str
    channel: str | None
    text_sha256: str
    needs: tuple[str, ...]  # role ids, in the plan's order
    names: tuple[str, ...] = ()  # their people's names, as the plan gave them then
    final: bool = False  # the final update `resolve` drafted
    approvals: tuple[Approval, ...] = ()
    status: str = "waiting"
    settled_at: str | None = None
    settled_by: str | None = None
    reason: str | None = None  # a rejection's, or what replaced it

    @property
    def missing(self) -> tuple[str, ...]:
        """The roles whose sign-off is still missing, in the plan's order."""
        done = {a.role for a in self.approvals}
        return tuple(r for r in self.needs if r not in done)


@dataclass(frozen=True)
class IncidentState:
    """Where an incident stands, as its events so far leave it."""

    title: str
    type: str
    type_description: str
    severity: str
    max_severity: str
    summary: str
    phase: str  # "during", "aftermath" or "closed"
    started_at: str
    declared_by: str
    plan: PlanFacts
    last_public_update: PublicUpdate | None
    first_public_update_at: str | None
    first_reply_at: str | None
    promises: tuple[Promise, ...]
    escalated: tuple[Escalation, ...]
    counts: Mapping[str, int]  # events by kind
    cause: str | None
    impact: str | None
    eta: str | None
    resolved_at: str | None
    severity_at: str | None = None  # when the severity last changed
    summary_at: str | None = None  # when the summary last changed
    cause_suspected: bool = False  # the cause recorded is a belief still being confirmed
    workaround: str | None = None
    facts_at: str | None = None  # when a fact (cause, impact, workaround) last changed
    # 20A contacts (phases/contact_clock.py): when the first and the latest customer message
    # of this incident came in. Each message's own first-response clock is a row of the
    # store's contacts, not state: an import brings hundreds of thousands.
    first_contact_at: str | None = None
    last_contact_at: str | None = None
    # 20C, sign-off: public statements held until the plan's roles approve (phases/signoff.py)
    statements: tuple[Statement, ...] = ()
    # 20B, promises and milestones: milestone name -> when (ISO), as the latest `milestone`
    # event of each name sets it; "declared" and "resolved" are started_at and resolved_at.
    milestones: Mapping[str, str] = field(default_factory=dict)
