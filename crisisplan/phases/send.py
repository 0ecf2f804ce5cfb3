"""Sending the ready drafts by email, each exactly once, with the incident log as the ledger.

For each draft to send: `send_started` {draft, message_id, to} is committed, then the
message goes out, then `sent` (with the follow-up marked contacted) or `send_failed`
{error, code, permanent} is committed. So after any interruption the log tells every
draft's fate: `sent` (never sent again), `send_failed` (a 4xx or a broken connection is
retried by the next run; a 5xx only with `retry_failed`), or `send_started` alone: the one
message in flight when the run died, which may or may not have arrived. That one is
reported as uncertain and sent again only with `resend_uncertain`, under the same
Message-ID so the receiving side can drop a duplicate.

Two agents sending at once cannot both claim a draft: a claim commits only if the
incident's count of send events is the one this run last read, else it reads again.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from crisisplan.errors import CrisisError, UsageError
from crisisplan.interrupts import held
from crisisplan.phases import state as st
from crisisplan.phases.record import event, record_in
from crisisplan.phases.send_ledger import (
    SEND_KINDS,
    STALE_KINDS,
    Ledger,
    Track,
    customer_of,
    draft_key,
    message_id,
    not_ready,
    purpose_of,
    ready,
    subject_of,
)

if TYPE_CHECKING:
    from crisisplan.mail.smtp import Attempt, SmtpSession, SmtpSettings
    from crisisplan.playbook.model import Playbook
    from crisisplan.store import Event, IncidentRow, Store, Transaction

_MAX_BROKEN = 3  # connections lost in a row: the server or the network is down; stop
_OTHER_RUN = "sent by another `crisis send` at the same time"
_UNCERTAIN = (
    "in flight when an earlier send stopped: it may have arrived. Check the mail server's "
    "log or ask the customer; send it again with --resend-uncertain"
)

Outcome = Literal[
    "sent", "would_send", "skipped", "superseded", "uncertain", "failed", "not_attempted"
]
PROBLEMS: tuple[Outcome, ...] = ("failed", "uncertain", "not_attempted")


@dataclass(frozen=True)
class Item:
    """One draft and what became of it; `earlier` when an earlier run decided it."""

    draft: int
    kind: str
    purpose: str | None
    name: str
    email: str
    sender: str
    subject: str
    message_id: str
    outcome: Outcome = "skipped"
    reason: str | None = None
    earlier: bool = False


@dataclass
class Report:
    incident: str
    dry_run: bool
    smtp: str | None
    items: list[Item] = field(default_factory=list)
    stopped: str | None = None

    def of(self, outcome: Outcome) -> list[Item]:
        return [i for i in self.items if i.outcome == outcome]

    @property
    def problem(self) -> bool:
        """Something failed, is uncertain or was left unsent: exit 1."""
        return self.stopped is not None or any(i.outcome in PROBLEMS for i in self.items)


@dataclass(frozen=True)
class Options:
    yes: bool = False
    resend_uncertain: bool = False
    retry_failed: bool = False
    per_minute: int | None = None


@dataclass
class _Out:
    """A draft on its way: the item to report and what the message needs."""

    item: Item
    sender: tuple[str, str]  # display name, address
    text: str
    channel: str | None
    marker: int
    rank: tuple[bool, int, bool, int]


def send_drafts(
    store: Store,
    row: IncidentRow,
    playbook: Playbook,
    *,
    settings: SmtpSettings | None,
    options: Options,
    who: str,
    clock: Callable[[], dt.datetime],
    on_item: Callable[[Item], None] = lambda _item: None,
) -> Report:
    """Send (with `options.yes`) or list the ready drafts of an incident; report each one."""
    ledger = Ledger(store, row.id)
    ledger.scan()
    report = Report(row.id, dry_run=not options.yes, smtp=settings.shown if settings else None)
    queue = _classify(ledger, row, playbook, options, report)
    if not options.yes:
        report.items += [replace(o.item, outcome="would_send") for o in queue]
        return report
    if queue and settings is None:
        raise UsageError(
            f"{len(queue)} message(s) to send, but CRISIS_SMTP_URL is not set.",
            hint="Set CRISIS_SMTP_URL (e.g. smtp+starttls://USER@HOST:587) and "
            "CRISIS_SMTP_PASSWORD; run without --yes to see what would be sent.",
        )
    if queue and settings is not None:
        _Sending(store, row, ledger, report, who, clock, on_item).run(queue, settings, options)
    if report.of("uncertain"):
        # In flight when this run began may have meant in the hands of a run still going.
        ledger.scan()
        for n, i in enumerate(report.items):
            track = ledger.tracks.get(i.draft)
            if i.outcome == "uncertain" and i.earlier and track and track.sent:
                report.items[n] = replace(i, outcome="skipped", reason=_OTHER_RUN)
    return report


def _classify(
    ledger: Ledger, row: IncidentRow, playbook: Playbook, options: Options, report: Report
) -> list[_Out]:
    """Report the drafts that are not to be sent now; return the others, most urgent first."""
    name = playbook.company.name
    senders = {c: ch.address for c, ch in playbook.channels.items() if ch.kind == "email"}
    default = next(
        (a for c, a in senders.items() if a and playbook.channels[c].purpose == "individual"),
        None,
    )
    latest: dict[tuple[str, str, str], int] = {}
    for e in ledger.drafts:
        latest[draft_key(e)] = max(latest.get(draft_key(e), 0), e.id)
    tiers = list(playbook.tiers)
    queue: list[_Out] = []
    for e in sorted(ledger.drafts, key=lambda d: d.id):
        track, customer = ledger.tracks.get(e.id), customer_of(e)
        email = str(customer.get("email") or "").strip()
        sender = senders.get(e.channel or "") or default
        domain = (sender or "crisis.invalid").rpartition("@")[2]
        item = Item(
            draft=e.id,
            kind=e.kind,
            purpose=purpose_of(e),
            name=str(customer.get("name") or email),
            email=email,
            sender=f"{name} <{sender}>" if sender else "",
            subject=subject_of(e, row),
            message_id=(track.message_id if track else None) or message_id(row, e.id, domain),
        )
        channel = playbook.channels.get(e.channel or "")
        kind = channel.kind if channel else None
        stale = ledger.superseded.get(e.id)
        verdict = _verdict(e, track, latest[draft_key(e)], kind, options, stale)
        if verdict is not None:
            report.items.append(replace(item, outcome=verdict[0], reason=verdict[1], earlier=True))
            continue
        if sender is None:
            raise UsageError(
                "the playbook has no email channel with purpose individual and an address "
                "to send from.",
                hint="Add `address: you@yourcompany.example` to that channel in the playbook.",
            )
        tier = customer.get("tier")
        rank = (
            not customer.get("open_case"),
            tiers.index(tier) if tier in tiers else len(tiers),
            e.kind == "apology",  # the resolved notice first, then the apology
            e.id,
        )
        text = str(e.payload.get("text") or "")
        out = _Out(item, (name, sender), text, e.channel, ledger.marker(e.id), rank)
        queue.append(out)
    return sorted(queue, key=lambda o: o.rank)


def _verdict(
    e: Event,
    track: Track | None,
    newer: int,
    channel_kind: str | None,
    options: Options,
    stale: str | None,
) -> tuple[Outcome, str] | None:
    """Why a draft is not to be sent now (skipped, superseded, uncertain, failed), or None
    to send it."""
    last = track.last if track else None
    if track and track.sent:
        return "skipped", f"already sent ({track.sent.at:%Y-%m-%d %H:%M} UTC)"
    if last is not None and last.kind == "send_started":  # in flight when a run stopped
        return None if options.resend_uncertain else ("uncertain", _UNCERTAIN)
    if stale is not None:  # out of date: never sent, whatever the flags
        return "superseded", stale
    if newer != e.id:
        return "skipped", f"replaced by a later draft (E{newer})"
    if not ready(e):
        return "skipped", not_ready(e)
    if channel_kind not in (None, "email"):
        return "skipped", f"not email (drafted for {e.channel}, a {channel_kind} channel)"
    if last is not None and last.payload.get("permanent") and not options.retry_failed:
        return "failed", f"{last.payload.get('error') or 'refused'}; not retried (--retry-failed)"
    return None


@dataclass
class _Sending:
    """One run of sending: claim, send, record, report; stops when the server is gone."""

    store: Store
    row: IncidentRow
    ledger: Ledger
    report: Report
    who: str
    clock: Callable[[], dt.datetime]
    on_item: Callable[[Item], None]

    def run(self, queue: list[_Out], settings: SmtpSettings, options: Options) -> None:
        from crisisplan.mail.addresses import BadAddress, smtp_address
        from crisisplan.mail.smtp import MailError, SmtpSession

        for sender in {o.sender[1] for o in queue}:
            try:
                smtp_address(sender)
            except BadAddress as exc:
                raise UsageError(
                    f"the playbook's email channel address is not usable: {exc}.",
                    hint="Fix `address:` of the email channel in the playbook.",
                ) from None
        interval = 60.0 / options.per_minute if options.per_minute else 0.0
        next_at, broken = time.monotonic(), 0
        with SmtpSession(settings) as session:
            session.open()  # nothing is recorded if the server cannot be reached at all
            for n, out in enumerate(queue):
                try:
                    session.open()  # again, after a connection was lost
                except MailError as exc:
                    return self._stop(queue[n:], exc.message)
                time.sleep(max(0.0, next_at - time.monotonic()))
                next_at = max(next_at, time.monotonic()) + interval
                attempt = self._one(session, out)
                if attempt is None:
                    continue
                if attempt.stage == "mail":
                    return self._stop(
                        queue[n + 1 :], f"the server refused the sender: {attempt.error}"
                    )
                lost = attempt.status in ("not_sent", "unknown") or attempt.code == 421
                broken = broken + 1 if lost else 0
                if broken >= _MAX_BROKEN:
                    why = f"the connection to the mail server keeps breaking ({attempt.error})"
                    return self._stop(queue[n + 1 :], why)
        return None

    def _one(self, session: SmtpSession, out: _Out) -> Attempt | None:
        from crisisplan.mail.addresses import BadAddress, smtp_address
        from crisisplan.mail.headers import build_message

        item = out.item
        try:
            recipient = smtp_address(item.email)
            msg = build_message(
                sender=out.sender,
                recipient=(item.name, recipient),
                subject=item.subject,
                body=out.text,
                message_id=item.message_id,
                date=self.clock(),
            )
        except BadAddress as exc:
            self._record(out, "send_failed", error=str(exc), permanent=True)
            self._done(replace(item, outcome="failed", reason=str(exc)))
            return None
        if not self._claim(out):
            stale = self.ledger.superseded.get(item.draft)
            if stale is not None:  # newer words were recorded while this run went
                self._done(replace(item, outcome="superseded", reason=stale))
            else:
                self._done(replace(item, outcome="skipped", reason=_OTHER_RUN))
            return None
        attempt = session.send(msg, sender=smtp_address(out.sender[1]), recipient=recipient)
        if attempt.status == "delivered":
            # Delivered and then stopped before `sent` is in would make it look in doubt
            # to the next run: Ctrl-C waits for the record.
            with held():
                self._record(out, "sent", contacted=True)
                self._done(replace(item, outcome="sent"))
        elif attempt.status == "unknown":
            self._done(replace(item, outcome="uncertain", reason=f"{attempt.error}; {_UNCERTAIN}"))
        else:
            permanent = attempt.permanent and attempt.stage != "mail"
            details: dict[str, Any] = {"code": attempt.code, "stage": attempt.stage}
            self._record(out, "send_failed", error=attempt.error, permanent=permanent, **details)
            retry = "not retried without --retry-failed" if permanent else "retried next run"
            self._done(replace(item, outcome="failed", reason=f"{attempt.error}; {retry}"))
        return attempt

    def _claim(self, out: _Out) -> bool:
        """Commit `send_started`, unless another run has touched this draft meanwhile, or
        newer words superseded it (a `resolve` or `update` while this run was sending)."""
        stalled = False
        for _ in range(100):
            if self.ledger.marker(out.item.draft) != out.marker:
                return False  # another run got to it first
            if out.item.draft in self.ledger.superseded:
                return False  # e.g. the reply promising an update, once the fix is out
            with self.store.transaction() as tx:
                current = tx.incident(self.row.id)
                counts = st.of(current).counts if current else {}
                sends = sum(int(counts.get(k, 0)) for k in SEND_KINDS)
                stale = sum(int(counts.get(k, 0)) for k in STALE_KINDS)
                if sends == self.ledger.send_events and stale == self.ledger.stale_events:
                    self._append(tx, out, "send_started")
                    return True
            seen = self.ledger.send_events  # someone else is sending on this incident too
            self.ledger.scan(full=stalled)
            stalled = self.ledger.send_events == seen
        raise CrisisError(
            f"could not claim a draft on {self.row.id}: the log keeps changing.",
            hint="Another `crisis send` is running on this incident; let it finish.",
        )

    def _record(self, out: _Out, kind: str, *, contacted: bool = False, **details: Any) -> None:
        with self.store.transaction() as tx:
            written = self._append(tx, out, kind, **details)
            if contacted:
                tx.update_followup(self.row.id, out.item.email, contacted_at=written.at)

    def _append(self, tx: Transaction, out: _Out, kind: str, **details: Any) -> Event:
        i = out.item
        ids = {"draft": i.draft, "message_id": i.message_id, "to": i.email}
        new = event(kind, self.clock(), self.who, out.channel, **ids, **details)
        (written,) = record_in(tx, self.row.id, [new])
        self.ledger.absorb(written)
        return written

    def _done(self, item: Item) -> None:
        self.report.items.append(item)
        self.on_item(item)

    def _stop(self, rest: list[_Out], why: str) -> None:
        self.report.stopped = why
        self.report.items += [replace(o.item, outcome="not_attempted", reason=why) for o in rest]
