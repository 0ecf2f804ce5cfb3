"""`crisis watch`: one incident's state of play, kept current as agents write.

The war-room screen reads what `status` reads (the incident's row, whose state every
write keeps current, and its open follow-ups) plus the few latest events, then only the
events written since: never the whole log, however long the incident has run. It
sleeps in `Store.wait_for_change` between writes.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from crisisplan.errors import UsageError
from crisisplan.phases import state as st
from crisisplan.phases.status import Status, status

if TYPE_CHECKING:
    from crisisplan.store import Event, Followup, IncidentRow, Store

RECENT = 6  # events shown under "Latest activity"
SHOWN_FOLLOWUPS = 3  # open follow-ups named; the rest counted
# How far back, in ids, the first look for the latest events goes: ids are shared by
# every incident, so this bounds the first read to a few hundred rows of the log.
_FIRST_LOOK = 400
# What an event said or did, from the first of these payload fields it has.
_WHAT = ("text", "message", "summary", "reason", "step", "to", "cause", "email", "title")


@dataclass(frozen=True)
class Activity:
    """One recent event: when, who, what kind, and a line of what it said or did."""

    at: dt.datetime
    who: str
    kind: str
    what: str


@dataclass(frozen=True)
class WatchScreen:
    """Everything the war-room screen shows at one moment."""

    status: Status
    recent: list[Activity]
    followups: list[Followup]  # the first few open ones
    followups_open: int

    @property
    def overdue(self) -> bool:
        """The public update is overdue, or a promised one is."""
        return self.status.overdue or bool(self.status.promises_broken)


def activity(event: Event) -> Activity:
    """An event as a line of the screen."""
    return Activity(event.at, event.who, event.kind, _what(event.payload))


def _what(payload: dict[str, Any]) -> str:
    for key in _WHAT:
        value = payload.get(key)
        if isinstance(value, str | int | float) and str(value).strip():
            return str(value)
    return ""


class Follower:
    """One incident followed as it changes: `refresh` after each change, `screen` to show."""

    def __init__(self, store: Store, incident_id: str) -> None:
        self._store = store
        self.incident_id = incident_id
        self._recent: deque[Activity] = deque(maxlen=RECENT)
        self._last_id = 0  # the largest event id seen
        self._followups: list[Followup] = []
        store.wait_for_change(0)  # from here on, every commit by another agent is seen
        self._row = self._read_row()
        self._first_look()
        self._read_followups()

    def wait(self, timeout: float) -> bool:
        """Sleep until another agent writes to the log, or `timeout` passes; True if one did."""
        return self._store.wait_for_change(timeout)

    def refresh(self) -> None:
        """Read what changed: the incident's row, the events since, the open follow-ups."""
        self._row = self._read_row()
        for event in self._store.events(self.incident_id, after_id=self._last_id):
            self._seen(event)
        self._read_followups()

    def screen(self, now: dt.datetime, *, several_open: bool = False) -> WatchScreen:
        """What to show at `now`: the clock counts down without reading the log again."""
        waiting = self._followups
        return WatchScreen(
            status=status(
                self._row,
                followups_open=len(waiting),
                followups_contacted=sum(1 for f in waiting if f.contacted_at),
                now=now,
                several_open=several_open,
            ),
            recent=sorted(self._recent, key=lambda a: a.at, reverse=True),
            followups=waiting[:SHOWN_FOLLOWUPS],
            followups_open=len(waiting),
        )

    def _read_row(self) -> IncidentRow:
        row = self._store.incident(self.incident_id)
        if row is None:
            raise UsageError(
                f"there is no incident {self.incident_id} in {self._store.location}.",
                hint="Run `crisis list` to see the incidents.",
            )
        return row

    def _first_look(self) -> None:
        """The latest few events, from a bounded read near the end of the log."""
        kinds = list(st.of(self._row).counts) or ["incident_started"]
        latest = self._store.last_event(self.incident_id, kinds=kinds)
        if latest is None:
            return
        after = max(0, latest.id - _FIRST_LOOK)
        for event in self._store.events(self.incident_id, after_id=after):
            self._seen(event)

    def _seen(self, event: Event) -> None:
        if event.id > self._last_id:
            self._last_id = event.id
            self._recent.append(activity(event))

    def _read_followups(self) -> None:
        self._followups = self._store.followups(self.incident_id, open_only=True)
