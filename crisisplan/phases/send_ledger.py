"""What the incident log says about sending: which drafts there are, and each one's fate.

Read once, then only what is new; `crisisplan.phases.send` decides from it what to send.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from crisisplan.phases import state as st

if TYPE_CHECKING:
    from crisisplan.store import Event, IncidentRow, Store

DRAFT_KINDS = ("reply", "apology")
SEND_KINDS = ("send_started", "sent", "send_failed")
# Not a send event: counted apart, in `stale_events`, which the claim checks as well.
STALE_KINDS = ("superseded",)
_SUBJECTS = {
    "acknowledgement": "We have your message: {title}",
    "update": "Update: {title}",
    "resolved": "Resolved: {title}",
    "apology": "Our apology: {title}",
}


@dataclass
class Track:
    """The send events of one draft: the first Message-ID, `sent`, the latest other one."""

    message_id: str | None = None
    sent: Event | None = None
    last: Event | None = None


class Ledger:
    """What the log says about sending; read once, then only what is new."""

    def __init__(self, store: Store, incident_id: str) -> None:
        self.store, self.incident_id = store, incident_id
        self.drafts: list[Event] = []
        self.tracks: dict[int, Track] = {}
        self.ids: set[int] = set()
        self.send_events = 0
        self.stale_events = 0  # `superseded` events read: the claim checks these too
        self.superseded: dict[int, str] = {}  # draft -> why
        self._scanned = 0

    def scan(self, *, full: bool = False) -> None:
        """Read what is new; `full` reads every send event again (pages go by time and
        `after_id` by id, so a page read while others write can miss one)."""
        kinds = STALE_KINDS + (SEND_KINDS if self._scanned else DRAFT_KINDS + SEND_KINDS)
        after = 0 if full else self._scanned
        for e in self.store.events(self.incident_id, kinds=kinds, after_id=after):
            self.absorb(e)
            self._scanned = max(self._scanned, e.id)

    def absorb(self, e: Event) -> None:
        if e.id in self.ids:
            return
        self.ids.add(e.id)
        if e.kind in DRAFT_KINDS:
            self.drafts.append(e)
            return
        if e.kind in STALE_KINDS:
            self.stale_events += 1
            why = str(e.payload.get("reason") or "superseded")
            for draft in e.payload.get("drafts") or []:
                if isinstance(draft, int):
                    self.superseded.setdefault(draft, why)
            return
        self.send_events += 1
        if not isinstance(draft := e.payload.get("draft"), int):
            return
        track = self.tracks.setdefault(draft, Track())
        if track.message_id is None and e.kind == "send_started":
            track.message_id = str(e.payload.get("message_id") or "") or None
        if e.kind == "sent":
            track.sent = track.sent or e
        elif track.last is None or e.id > track.last.id:
            track.last = e

    def marker(self, draft: int) -> int:
        """Changes whenever anyone records a send event for the draft."""
        track = self.tracks.get(draft)
        return -1 if track and track.sent else (track.last.id if track and track.last else 0)


def message_id(row: IncidentRow, draft: int, domain: str) -> str:
    """The same for a draft every time; the incident's opening time keeps two logs apart."""
    return f"<crisis-{row.id}-E{draft}-{row.opened_at:%Y%m%d%H%M%S}@{domain}>"


def purpose_of(e: Event) -> str | None:
    purpose = e.payload.get("purpose")
    return str(purpose) if purpose else ("apology" if e.kind == "apology" else None)


def customer_of(e: Event) -> dict[str, Any]:
    customer = e.payload.get("customer")
    return customer if isinstance(customer, dict) else {}


def draft_key(e: Event) -> tuple[str, str, str]:
    """Drafts with the same key replace each other: the latest is the one to send."""
    what = purpose_of(e) or str(e.payload.get("template") or "")
    return (e.kind, what, str(customer_of(e).get("email") or "").strip().lower())


def ready(e: Event) -> bool:
    if e.kind == "apology":
        return e.payload.get("ready") is True
    findings = e.payload.get("findings") or []
    return not any(isinstance(f, dict) and f.get("level") == "error" for f in findings)


def not_ready(e: Event) -> str:
    if e.kind == "apology":
        problems = [str(p) for p in e.payload.get("problems") or []]
        return f"not ready ({'; '.join(problems) or 'the apology check failed'})"
    errors = [f for f in e.payload.get("findings") or [] if f.get("level") == "error"]
    return f"not ready ({len(errors)} language error(s) to fix, then draft it again)"


def subject_of(e: Event, row: IncidentRow) -> str:
    given = e.payload.get("subject")  # the template's own `subject:`, as drafted
    if isinstance(given, str) and given.strip():
        # The incident's id stays in every subject: replies thread, and agents can search it.
        return given if row.id in given else f"{given} [{row.id}]"
    title = str(st.of(row).title or row.id)
    return _SUBJECTS.get(purpose_of(e) or "", "{title}").format(title=title) + f" [{row.id}]"
