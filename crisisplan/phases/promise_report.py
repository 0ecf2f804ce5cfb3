"""The promise ledger read from the log: every promise each draft made, to each person,
and the event that kept it (or when it broke). `review` counts it by kind; `resolve`
lists the promises to individuals still open.

The state keeps the ledger per kind and time (promise_ledger.py), enough for `status`;
this reads the draft events themselves, in the order they happened, in the same pass
the review already makes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from crisisplan.clock import to_text
from crisisplan.phases.promise_ledger import working_days_after
from crisisplan.phases.state_json import parse

if TYPE_CHECKING:
    from collections.abc import Iterable

    from crisisplan.store import Event

# What the ledger reads of the log.
KINDS: tuple[str, ...] = ("reply", "public_update", "apology", "resolved", "reopened", "review")
DRAFTS = ("reply", "public_update", "apology")


@dataclass
class Made:
    """One promise to one person or channel, and what became of it."""

    kind: str
    to: str
    due: dt.datetime | None  # None: waits on the resolution
    made_by: int
    made_at: dt.datetime
    days: int | None = None
    kept_by: int | None = None  # the event that kept it, or that came too late
    settled_at: dt.datetime | None = None
    outcome: str = "open"  # "kept", "broken" or "open"

    @property
    def personal(self) -> bool:
        return "@" in self.to

    def settle(self, event_id: int | None, at: dt.datetime) -> None:
        late = self.due is not None and at > self.due
        self.kept_by, self.settled_at = event_id, at
        self.outcome = "broken" if late else "kept"

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "to": self.to,
            "due": to_text(self.due) if self.due else None,
            "made_by": self.made_by,
            "outcome": self.outcome,
            "kept_by": self.kept_by,
            "settled_at": to_text(self.settled_at) if self.settled_at else None,
        }


class Ledger:
    """Fed the events of `KINDS` in log order; `close` settles what time alone settles."""

    def __init__(self) -> None:
        self.made: list[Made] = []
        self._updates: list[Made] = []  # open next_update promises
        self._fixes: list[Made] = []
        self._contacts: dict[str, list[Made]] = defaultdict(list)  # by whom, lower-cased
        self._writeups: list[Made] = []
        self._resolved: tuple[int, dt.datetime] | None = None

    def add(self, e: Event) -> None:
        if e.kind in DRAFTS:
            self._settle_by_draft(e)
            for p in e.payload.get("promises") or ():
                self._make(e, p)
        elif e.kind == "resolved":
            self._on_resolved(e.id, e.at)
        elif e.kind == "reopened":
            self._resolved = None
        elif e.kind == "review":
            for m in self._writeups:
                if m.due is not None and m.outcome == "open":
                    m.settle(e.id, e.at)
            self._writeups = [m for m in self._writeups if m.outcome == "open"]

    def close(self, now: dt.datetime) -> Ledger:
        """Promises whose time has passed with nothing to keep them are broken."""
        for m in self.made:
            if m.outcome == "open" and m.due is not None and m.due < now:
                m.outcome = "broken"
        return self

    def by_kind(self) -> dict[str, dict[str, int]]:
        """Made, kept, broken and open, for each kind any draft made."""
        from crisisplan.playbook.promises import PROMISE_KINDS

        counts: dict[str, dict[str, int]] = {}
        for kind in PROMISE_KINDS:
            made = [m for m in self.made if m.kind == kind]
            if made:
                counts[kind] = {"made": len(made)} | {
                    outcome: sum(1 for m in made if m.outcome == outcome)
                    for outcome in ("kept", "broken", "open")
                }
        return counts

    def open_to_individuals(self) -> list[Made]:
        """Promises to one person still to keep, or whose time passed without it."""
        return [m for m in self.made if m.personal and m.kept_by is None and m.outcome != "kept"]

    def _make(self, e: Event, p: dict[str, Any]) -> None:
        due = parse(p["due"]) if p.get("due") else None
        m = Made(str(p.get("kind")), str(p.get("to") or ""), due, e.id, e.at, p.get("days"))
        self.made.append(m)
        if m.kind == "next_update":
            self._updates.append(m)
        elif m.kind == "fix_by":
            self._fixes.append(m)
        elif m.kind == "contact_when_fixed":
            self._contacts[m.to.lower()].append(m)
        elif m.kind == "writeup_within_days":
            self._writeups.append(m)

    def _settle_by_draft(self, e: Event) -> None:
        if e.kind == "public_update":  # public word keeps every update promised before it
            for m in self._updates:
                if m.made_at < e.at:
                    m.settle(e.id, e.at)
            self._updates = [m for m in self._updates if m.outcome == "open"]
        if self._resolved is None:
            return
        if e.kind == "public_update":
            whom = [k for k in self._contacts if "@" not in k]
        else:
            whom = [str((e.payload.get("customer") or {}).get("email") or "").lower()]
        for key in whom:
            for m in self._contacts.pop(key, []):
                m.settle(e.id, e.at)

    def _on_resolved(self, event_id: int, at: dt.datetime) -> None:
        self._resolved = (event_id, at)
        for m in self._updates:  # the resolution answers an update not yet due
            if m.due is not None and at <= m.due:
                m.settle(event_id, at)
        self._updates = [m for m in self._updates if m.outcome == "open"]
        for m in self._fixes:
            m.settle(event_id, at)
        self._fixes = []
        for waiting in self._contacts.values():
            for m in waiting:
                m.due = at
        for m in self._writeups:
            if m.due is None:
                m.due = working_days_after(at, m.days or 0)


def ledger(events: Iterable[Event], now: dt.datetime) -> Ledger:
    """The ledger of an incident's events (of `KINDS`, in log order)."""
    found = Ledger()
    for e in events:
        found.add(e)
    return found.close(now)
