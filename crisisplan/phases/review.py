"""The post-incident review: figures from one streaming pass over the log, and the answers."""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crisisplan.clock import to_text
from crisisplan.errors import UsageError
from crisisplan.phases import milestones, promise_report
from crisisplan.phases import state as st

if TYPE_CHECKING:
    from crisisplan.store import Event, IncidentRow, Store

# The kinds the figures read: notes and follow-up events, usually the bulk of a long log,
# are never decoded.
KINDS: tuple[str, ...] = ("incident_started", "public_update", "severity_changed", "resolved")
KINDS += ("reopened", "reply", "escalated", "apology")
KEEP = 3  # answers worth keeping, of each sort: most reused, most edited


@dataclass(frozen=True)
class Interval:
    """A stretch without public word, judged against the cadence in force when it began."""

    start: dt.datetime
    end: dt.datetime
    severity: str
    promised: int | None  # minutes; None when the severity sets no cadence
    ends: str  # "update" or "resolved"

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60

    @property
    def kept(self) -> bool | None:
        return None if self.promised is None else self.minutes <= self.promised


@dataclass(frozen=True)
class Keep:
    """A recorded reply worth keeping as a template, and the command that keeps it."""

    event_id: int
    why: str
    template: str
    channel: str | None
    agent: str
    customers: int
    changed: float | None  # share of the words an agent rewrote, for edited replies
    command: str


@dataclass
class Figures:
    """Everything the review counts, measured from the log."""

    incident_id: str
    title: str
    type: str
    phase: str
    started_at: dt.datetime
    detected_at: dt.datetime
    ended_at: dt.datetime
    resolved_at: dt.datetime | None
    severity_at_start: str
    max_severity: str
    cause: str | None
    impact: str | None
    events: int
    first_public_update: float | None
    first_reply: float | None
    first_response_promised: int | None
    intervals: list[Interval]
    longest_silence: Interval | None
    promises: dict[str, int]
    followups: dict[str, int]
    apologies: dict[str, int]
    replies: dict[str, Any]
    escalations: list[dict[str, Any]]
    keep: list[Keep]
    # 20B: the promise ledger by kind, the events that kept them, the milestones' times
    promises_by_kind: dict[str, dict[str, int]] = field(default_factory=dict)
    promises_kept_by: dict[str, list[int]] = field(default_factory=dict)
    milestones: dict[str, str | None] = field(default_factory=dict)
    time_to: dict[str, float | None] = field(default_factory=dict)

    @property
    def judged(self) -> list[Interval]:
        return [i for i in self.intervals if i.kept is not None]

    @property
    def cadence_kept(self) -> int:
        return sum(1 for i in self.judged if i.kept)

    def headline(self) -> dict[str, Any]:
        """The figures the `review` event records."""
        silence = self.longest_silence
        return {
            "first_public_update_minutes": _round(self.first_public_update),
            "first_reply_minutes": _round(self.first_reply),
            "cadence_kept": self.cadence_kept,
            "cadence_intervals": len(self.judged),
            "longest_silence_minutes": _round(silence.minutes) if silence else None,
            "promises": self.promises,
            "followups": self.followups,
            "apologies": self.apologies,
            "replies": self.replies["drafted"],
            "escalations": len(self.escalations),
            # Not the promises by kind: recording this review keeps the write-up promised,
            # so a second review would always differ from the first.
            "time_to": self.time_to,
        }


def _round(minutes: float | None) -> float | None:
    return None if minutes is None else round(minutes, 1)


def check_resolved(row: IncidentRow) -> None:
    """A review looks back on a resolved incident; recording it closes the incident."""
    if st.of(row).phase == "during":
        raise UsageError(
            f"{row.id} is not resolved yet: a review looks back on the whole incident, "
            "and recording it closes the incident.",
            hint="Resolve it first: crisis resolve --cause '...' --impact '...'.",
        )


def figures(store: Store, row: IncidentRow, *, now: dt.datetime) -> Figures:
    """Measure the incident from its log: one streaming pass over the kinds that count."""
    check_resolved(row)
    state = st.of(row)
    started = st.parse(state.started_at)
    resolved = st.parse(state.resolved_at) if state.resolved_at else None
    first = next(iter(store.events(row.id, limit=1)), None)
    detected = min(started, first.at) if first else started
    clock = _Clock(state, started)
    replies = _Replies(row.id)
    escalations: list[dict[str, Any]] = []
    apologies: dict[str, bool] = {}  # the latest draft for each customer says if it is ready
    ledger = promise_report.Ledger()
    for e in store.events(row.id, kinds=(*KINDS, "review")):
        ledger.add(e)
        if e.kind == "review":
            continue
        if e.kind == "reply":
            replies.add(e)
        elif e.kind == "escalated":
            escalations.append(_escalation(e, started, state))
        elif e.kind == "apology":
            customer = e.payload.get("customer") or {}
            apologies[str(customer.get("email") or e.id).lower()] = bool(e.payload.get("ready"))
        else:
            clock.add(e)
    followups = store.followups(row.id)
    first_severity = state.plan.severities[clock.first_severity]
    return Figures(
        incident_id=row.id,
        title=state.title,
        type=state.type,
        phase=state.phase,
        started_at=started,
        detected_at=detected,
        ended_at=resolved or now,
        resolved_at=resolved,
        severity_at_start=clock.first_severity,
        max_severity=state.max_severity,
        cause=state.cause,
        impact=state.impact,
        events=store.count_events(row.id),
        first_public_update=_since(detected, state.first_public_update_at),
        first_reply=_since(detected, state.first_reply_at),
        first_response_promised=first_severity.first_response_minutes
        or first_severity.update_every_minutes,
        intervals=clock.intervals,
        longest_silence=clock.longest,
        promises=_promises(state, resolved, now),
        followups={
            "added": len(followups),
            # Contacted once their notice or apology is sent (or marked done); open until
            # marked done: as `status` and `followup list` count them.
            "contacted": sum(1 for f in followups if f.contacted_at or f.done_at),
            "open": sum(1 for f in followups if f.done_at is None),
        },
        apologies={"drafted": len(apologies), "ready": sum(apologies.values())},
        replies=replies.counts(),
        escalations=escalations,
        keep=replies.keep(),
        promises_by_kind=ledger.close(now).by_kind(),
        promises_kept_by=_kept_by(ledger),
        milestones=milestones.times(state),
        time_to=milestones.minutes_to(state),
    )


def _kept_by(ledger: promise_report.Ledger) -> dict[str, list[int]]:
    """For each kind, the events that kept its promises, in log order."""
    found: dict[str, list[int]] = {}
    for m in ledger.made:
        if m.outcome == "kept" and m.kept_by is not None:
            ids = found.setdefault(m.kind, [])
            if m.kept_by not in ids:
                ids.append(m.kept_by)
    return found


def _since(start: dt.datetime, when: str | None) -> float | None:
    return None if when is None else (st.parse(when) - start).total_seconds() / 60


class _Clock:
    """The update clock replayed: each public word (an update, the resolution) ends a silence."""

    def __init__(self, state: st.IncidentState, started: dt.datetime) -> None:
        self.cadence = {k: v.update_every_minutes for k, v in state.plan.severities.items()}
        self.mark, self.running = started, True
        self.first_severity = self.severity = self.mark_severity = str(state.severity)
        self.intervals: list[Interval] = []
        self.longest: Interval | None = None

    def add(self, e: Event) -> None:
        if e.kind == "incident_started":
            self.first_severity = self.severity = self.mark_severity = str(e.payload["severity"])
        elif e.kind == "severity_changed":
            self.severity = str(e.payload.get("to"))
        elif e.kind == "public_update" and self.running:
            self._close(e.at, "update")
        elif e.kind == "resolved" and self.running:
            self._close(e.at, "resolved")
            self.running = False
        elif e.kind == "reopened" and not self.running:
            self.mark, self.running, self.mark_severity = e.at, True, self.severity

    def _close(self, at: dt.datetime, ends: str) -> None:
        # Words at the same moment (the resolution and its final update) end one silence.
        if at > self.mark:
            self._add(self._interval(at, ends))
            self.mark = at
        self.mark_severity = self.severity

    def _interval(self, end: dt.datetime, ends: str) -> Interval:
        severity = self.mark_severity
        return Interval(self.mark, end, severity, self.cadence.get(severity), ends)

    def _add(self, interval: Interval) -> None:
        self.intervals.append(interval)
        if self.longest is None or interval.minutes > self.longest.minutes:
            self.longest = interval


def _promises(
    state: st.IncidentState, resolved: dt.datetime | None, now: dt.datetime
) -> dict[str, int]:
    """Made, kept, broken, still open; the resolution keeps what was not yet due."""
    counts = {"made": 0, "kept": 0, "broken": 0, "open": 0}
    for p in state.promises:
        if p.kind != "next_update" or p.due is None:
            continue  # the other kinds are counted by kind: `promises_by_kind`
        counts["made"] += 1
        due = st.parse(p.due)
        if p.kept_at or (not p.broken_at and resolved is not None and due >= resolved):
            counts["kept"] += 1
        elif p.broken_at or due < now:
            counts["broken"] += 1
        else:
            counts["open"] += 1
    return counts


def _escalation(e: Event, started: dt.datetime, state: st.IncidentState) -> dict[str, Any]:
    step = next((s for s in state.plan.ladder if s.id == e.payload.get("step")), None)
    return {
        "step": e.payload.get("step"),
        "who": e.payload.get("who"),
        "name": (step.name if step else None) or e.payload.get("who"),
        "how": e.payload.get("how"),
        "at": to_text(e.at),
        "after_minutes": round((e.at - started).total_seconds() / 60, 1),
        "recorded_by": e.who,
    }


class _Replies:
    """Counts over the reply events, and the answers most reused and most edited."""

    def __init__(self, incident_id: str) -> None:
        self.incident_id = incident_id
        self.drafted = 0
        self.by_channel: Counter[str] = Counter()
        self.by_agent: Counter[str] = Counter()
        self.by_purpose: Counter[str] = Counter()
        self.fixed = self.findings_fixed = self.left_in = 0
        self.rules_left: Counter[str] = Counter()
        # Same words (the customer's name and email aside) -> the first reply, who got them.
        self.texts: dict[bytes, tuple[_Brief, set[str]]] = {}
        self.edited: list[tuple[float, int, _Brief]] = []  # a min-heap: the KEEP most edited

    def add(self, e: Event) -> None:
        p = e.payload
        customer = p.get("customer") or {}
        self.drafted += 1
        self.by_channel[e.channel or "none"] += 1
        self.by_agent[e.who] += 1
        self.by_purpose[str(p.get("purpose") or p.get("template") or "reply")] += 1
        final = {(f.get("rule"), f.get("phrase")) for f in p.get("findings") or []}
        before = {(f.get("rule"), f.get("phrase")) for f in p.get("findings_before_edit") or []}
        if before - final:
            self.fixed += 1
            self.findings_fixed += len(before - final)
        if final:
            self.left_in += 1
            self.rules_left.update(str(rule) for rule, _ in final)
        text = str(p.get("text", ""))
        key = _same_words(text, str(customer.get("name") or ""), str(customer.get("email") or ""))
        _, who = self.texts.setdefault(key, (_brief(e), set()))
        who.add(str(customer.get("email") or "").lower())
        if p.get("edited_from"):
            changed = _changed(str(p["edited_from"]), text)
            if changed > 0:
                item = (changed, -e.id, _brief(e))
                if len(self.edited) < KEEP:
                    heapq.heappush(self.edited, item)
                else:
                    heapq.heappushpop(self.edited, item)

    def counts(self) -> dict[str, Any]:
        return {
            "drafted": self.drafted,
            "by_channel": dict(self.by_channel.most_common()),
            "by_agent": dict(self.by_agent.most_common()),
            "by_purpose": dict(self.by_purpose.most_common()),
            "findings_fixed": {"replies": self.fixed, "findings": self.findings_fixed},
            "findings_left_in": {"replies": self.left_in, "by_rule": dict(self.rules_left)},
        }

    def keep(self) -> list[Keep]:
        """The most reused answers (to two customers or more), then the most edited."""
        texts = ((len(who), -e.id, e) for e, who in self.texts.values() if len(who) > 1)
        picks: list[tuple[_Brief, str, int, float | None]] = [
            (e, f"the same words went to {n} customers", n, None)
            for n, _, e in heapq.nlargest(KEEP, texts)
        ]
        for rewrote, _, e in sorted(self.edited, reverse=True):
            if all(e.id != p[0].id for p in picks):
                picks.append((e, f"{e.who} rewrote {round(rewrote * 100)}% of it", 1, rewrote))
        found: list[Keep] = []
        for e, why, customers, changed in picks:
            base = f"{e.template}-{self.incident_id.lower()}" + ("-edited" if changed else "")
            new_id, number = base, 2
            while any(k.command.endswith(f" --id {new_id}") for k in found):
                new_id, number = f"{base}-{number}", number + 1
            command = f"crisis library save {e.id} --id {new_id}"
            share = None if changed is None else round(changed, 2)
            found.append(Keep(e.id, why, e.template, e.channel, e.who, customers, share, command))
        return found


@dataclass(frozen=True, order=True)
class _Brief:
    """What the review keeps of a reply it may suggest: not its words."""

    id: int
    template: str
    channel: str | None
    who: str


def _brief(e: Event) -> _Brief:
    return _Brief(e.id, str(e.payload.get("template") or "reply"), e.channel, e.who)


def _same_words(text: str, name: str, email: str) -> bytes:
    """A digest of the reply's words with the customer's own name and email taken out."""
    for own in (email, name):
        if own.strip():
            text = text.replace(own, "\x00")
    return hashlib.blake2b(" ".join(text.split()).encode(), digest_size=16).digest()


def _changed(before: str, after: str) -> float:
    """How much of a draft a person rewrote: 0 untouched, 1 all new words."""
    import difflib

    matcher = difflib.SequenceMatcher(None, before.split(), after.split(), autojunk=False)
    return 1 - matcher.ratio()
