"""Drafting replies: render the shared base answer for each customer, lint it, record it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crisisplan.errors import UsageError
from crisisplan.language.lint import Severity, lint
from crisisplan.phases import promise_ledger
from crisisplan.phases import state as st
from crisisplan.phases.customers import Customer
from crisisplan.phases.drafting import incident_context, recorded_blocks
from crisisplan.phases.followups import HISTORY_DAYS
from crisisplan.phases.record import event, record_all
from crisisplan.store.base import Followup
from crisisplan.templating.memo import Memo
from crisisplan.templating.render import build_context, render, render_subject, subject_reads
from crisisplan.templating.variables import agent_variable

if TYPE_CHECKING:
    from crisisplan.language.lint import LintFinding
    from crisisplan.playbook.loader import Plan
    from crisisplan.playbook.templates import Template
    from crisisplan.store import IncidentRow, NewEvent, Store, Transaction

_VARYING = frozenset({"customer", "compensation"})  # all else is the same for every draft
# Replies per transaction: over in well under a second, so no agent waits long, and few
# enough waits for the disk (each transaction is synced) that they cost little.
BATCH = 2000


@dataclass
class Draft:
    customer: Customer
    template: str
    channel: str | None
    text: str
    findings: list[LintFinding]
    blocks: dict[str, str] = field(default_factory=dict)
    edited_from: str | None = None
    findings_before_edit: list[LintFinding] | None = None
    event_id: int | None = None
    subject: str | None = None  # from the template's `subject:`; else send's fallback

    @property
    def has_errors(self) -> bool:
        return any(f.level == "error" for f in self.findings)


@dataclass
class Replier:
    """Drafts for one incident with one template and channel; bulk shares the setup."""

    plan: Plan
    store: Store
    row: IncidentRow
    agent: str
    at: dt.datetime
    template_id: str | None = None
    channel_id: str | None = None
    followup: bool = True
    _template: Template = field(init=False)
    _base: dict[str, Any] = field(init=False)
    _next_at: dt.datetime | None = field(init=False)
    _phase: str = field(init=False)
    _promises: list[dict[str, Any]] = field(init=False)  # what every draft promises
    # Only the customer and compensation differ between this replier's drafts.
    _memo: Memo = field(init=False)

    def __post_init__(self) -> None:
        self._memo = Memo(varying=frozenset({"customer", "compensation"}))
        pb = self.plan.playbook
        # Once resolved, the base answer is the resolved notice, and it promises no update.
        state = st.of(self.row)
        during = state.phase == "during"
        self._phase = state.phase
        self._template = (
            self.plan.templates_by_id(self.template_id)
            if self.template_id
            else self.plan.template_for("first_response" if during else "resolved")
        )
        self.channel_id = self.channel_id or _default_channel(self._template, state)
        if self.channel_id not in pb.channels:
            raise UsageError(
                f"--channel {self.channel_id!r} is not a channel in this plan.",
                hint=f"Choose one of: {', '.join(pb.channels)}.",
            )
        self._next_at = st.next_update_due(state) if during else None
        if self._next_at is not None and self._next_at < self.at:
            # Overdue already: promise a fresh cadence from now rather than a time gone by.
            every, _ = st.cadence(state)
            self._next_at = self.at + dt.timedelta(minutes=every or 0)
        self._promises = (
            promise_ledger.made(
                self._template.front.promises,
                to="",
                state=state,
                next_update_at=st.iso(self._next_at) if self._next_at else None,
            )
            or []
        )
        incident = incident_context(self.row.id, state, next_update_at=self._next_at)
        self._base = build_context(
            playbook=pb,
            incident=incident,
            customer=None,
            agent=agent_variable(pb, self.agent),
            channel_id=self.channel_id,
            now=self.at,
        )
        self._severity = Severity.of(
            state.severity, list(state.plan.severities), incident["impact"]
        )
        # A subject that reads nothing of the customer is the same for every draft: render
        # it once (a subject that fails stops the command before anything is recorded).
        self._subject_varies = bool(subject_reads(self._template) & _VARYING)
        self._subject = None if self._subject_varies else render_subject(self._template, self._base)

    @property
    def template(self) -> str:
        return self._template.front.id

    def history(self, emails: list[str]) -> dict[str, int]:
        """How many earlier incidents in the last 180 days each email was on."""
        started = st.parse(st.of(self.row).started_at)
        return self.store.prior_incident_counts(
            emails,
            since=started - dt.timedelta(days=HISTORY_DAYS),
            before=started,
            exclude=self.row.id,
        )

    def draft(
        self,
        customer: Customer,
        *,
        previous_incidents: int = 0,
        text: str | None = None,
        compensation: str | None = None,
    ) -> Draft:
        """Render and lint one reply; nothing is recorded yet."""
        blocks: dict[str, str] = {}
        subject = self._subject
        if text is None:
            context = dict(
                self._base,
                customer=customer.context(previous_incidents, now=self.at),
                compensation=compensation,
            )
            rendered = render(self._template, context, memo=self._memo)
            text, blocks = rendered.text, rendered.blocks
            if self._subject_varies:
                subject = render_subject(self._template, context)
        findings = lint(text, language=self.plan.playbook.language, severity=self._severity)
        return Draft(
            customer, self.template, self.channel_id, text, findings, blocks, subject=subject
        )

    def relint(self, draft: Draft, text: str) -> Draft:
        """The draft after a person edited it: their words, linted again."""
        edited = self.draft(draft.customer, text=text)
        edited.edited_from = draft.text
        edited.subject = draft.subject
        edited.findings_before_edit = draft.findings
        return edited

    def already_drafted(self) -> dict[str, int]:
        """Emails this template was already drafted for in this incident (lower-cased),
        each with the id of its latest draft's event. A superseded draft does not count:
        drafting again is how its customer gets what we know now."""
        done: dict[str, int] = {}
        stale: set[int] = set()
        for e in self.store.events(self.row.id, kinds=["reply", "superseded"]):
            if e.kind == "superseded":
                stale.update(e.payload.get("drafts") or [])
            elif e.payload.get("template") == self.template:
                done[str(e.payload.get("customer", {}).get("email", "")).lower()] = e.id
        return {email: draft for email, draft in done.items() if draft not in stale}

    def recorded_text(self, event_id: int) -> str:
        """The words of a recorded draft."""
        event = self.store.event(event_id)
        return "" if event is None else str(event.payload.get("text", ""))

    def record(self, drafts: list[Draft], events: list[NewEvent] | None = None) -> None:
        """Record drafts in one transaction: reply events, follow-ups, the promise.

        `events` are the drafts' events (`event`), when they were built ahead.
        """
        if not drafts:
            return
        with self.store.transaction() as tx:
            self.record_in(tx, drafts, events)

    def record_in(
        self, tx: Transaction, drafts: list[Draft], events: list[NewEvent] | None = None
    ) -> None:
        """As `record`, inside a transaction the caller holds."""
        events = [self.event(d) for d in drafts] if events is None else events
        ids = record_all(tx, self.row.id, events)
        for d, event_id in zip(drafts, ids, strict=True):
            d.event_id = event_id
        if self.followup:
            tx.upsert_followups(self._followup(d.customer) for d in drafts)

    def promises_for(self, email: str) -> list[dict[str, Any]] | None:
        """What a draft to this customer promises, for its event (promise_ledger.py)."""
        return [{**p, "to": email} for p in self._promises] or None

    def _followup(self, c: Customer) -> Followup:
        return Followup(
            incident_id=self.row.id,
            email=c.email,
            name=c.name,
            tier=c.tier,
            open_case=c.open_case,
            note=c.note,
            added_at=self.at,
        )

    def event(self, d: Draft) -> NewEvent:
        """The reply event that records a draft."""
        c = d.customer
        return event(
            "reply",
            self.at,
            self.agent,
            d.channel,
            customer=c.record(),
            template=d.template,
            purpose=self._template.front.purpose,
            text=d.text,
            subject=d.subject,
            blocks=recorded_blocks(d.text, d.blocks) or None,
            edited_from=d.edited_from,
            findings=brief_findings(d.findings),
            findings_before_edit=(
                brief_findings(d.findings_before_edit)
                if d.findings_before_edit is not None
                else None
            ),
            next_update_at=st.iso(self._next_at) if self._next_at else None,
            phase=self._phase,  # a during-phase draft goes stale with newer public words
            promises=self.promises_for(c.email),
        )


def brief_findings(findings: list[LintFinding]) -> list[dict[str, str]]:
    return [{"rule": f.rule, "level": f.level, "phrase": f.phrase} for f in findings]


def _default_channel(template: Template, state: st.IncidentState) -> str | None:
    """The template's first channel, else the plan's first individual channel."""
    if template.front.channels:
        return template.front.channels[0]
    return st.first_individual_channel(state)


def batched(items: Iterable[Any], size: int = BATCH) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


_UNSAFE_NAME = re.compile(r"[^a-z0-9]+")


def file_name(customer: Customer, number: int) -> str:
    """A file name safe on every system: a number, then the email made plain."""
    stem = _UNSAFE_NAME.sub("-", customer.email.lower()).strip("-")[:80] or "customer"
    return f"{number:05d}-{stem}.md"


def output_path(directory: Path, customer: Customer, number: int) -> Path:
    return directory / file_name(customer, number)


def reply_one(
    replier: Replier,
    *,
    name: str | None,
    email: str | None,
    tier: str | None = None,
    note: str | None = None,
    open_case: bool = False,
    again: bool = False,
    edit: Callable[[str], str] | None = None,
) -> Draft:
    """Draft, lint and record the reply for one customer, as the log knows them.

    A customer already on a follow-up list is found by name or email alone; what the
    flags leave empty (tier, open case, this incident's note) comes from the list. `edit`,
    given, is how the person changes the words before they are recorded.
    """
    from crisisplan.phases.customers import Known, customer

    known = Known(replier.store, replier.row)
    if email is None and name is not None and (entry := known.by_name(name)) is not None:
        email = entry.email  # a customer already on the list is found by name alone
    if name is None and email is not None and (entry := known.by_email(email)) is not None:
        name = entry.name
    if name is None or email is None:
        missing = "--customer" if name is None else "--email"
        raise UsageError(
            f"who is the reply for? {missing} is missing.",
            hint="Pass --customer NAME --email EMAIL, or --customers FILE.csv.",
        )
    who = known.filled(customer(name, email, tier=tier, note=note, open_case=open_case))
    if not again and who.email.lower() in replier.already_drafted():
        raise UsageError(
            f"{who.email} already has a {replier.template} draft on {replier.row.id}.",
            hint="Pass --again to draft another, or --template to pick another template.",
        )
    previous = replier.history([who.email]).get(who.email, 0)
    draft = replier.draft(who, previous_incidents=previous)
    if edit is not None:
        draft = replier.relint(draft, edit(draft.text))
    from crisisplan.phases.channel_limits import check_fits

    # Over the channel's limit, the words as drafted (or edited) cannot be posted there.
    check_fits(replier.plan, draft.channel, draft.text, template=draft.template, funnel=False)
    replier.record([draft])
    return draft
