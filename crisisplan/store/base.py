"""What every incident-log backend shares: the records, the Store and Transaction
protocols, and how values are encoded for storage."""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Protocol, Self

from crisisplan.store.json_codec import encode_json


def _require_aware(name: str, value: datetime | None) -> None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")


@dataclass(frozen=True)
class NewEvent:
    """An event to append: what happened, when, who did it, and its details."""

    kind: str
    at: datetime
    who: str
    channel: str | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)
    # The payload as the store keeps it, when it was encoded ahead (see `shipped`): what
    # the log records, even where `payload` keeps only some of its fields.
    encoded: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        _require_aware("NewEvent.at", self.at)

    def shipped(self, *, keep: Collection[str]) -> Shipped:
        """This event as a worker process sends it to the one that records it: its payload
        encoded, and as a mapping only the fields in `keep` (what that process reads of
        it besides, see `state.READS`). Plain values pickle several times quicker than
        the dataclass, and bulk drafting ships one per customer."""
        kept = {k: v for k, v in self.payload.items() if k in keep}
        return (self.kind, self.at, self.who, self.channel, kept, encode_json(self.payload))

    @classmethod
    def landed(cls, shipped: Shipped) -> NewEvent:
        """The event a worker `shipped`, to record: the log keeps its whole payload."""
        kind, at, who, channel, kept, encoded = shipped
        return cls(kind, at, who, channel, kept, encoded)


Shipped = tuple[str, datetime, str, str | None, dict[str, Any], str]
"""A NewEvent on its way from a worker process: see `NewEvent.shipped`."""


@dataclass(frozen=True)
class Event:
    """A recorded event; `at` is when it happened, `recorded_at` when it was written."""

    id: int
    incident_id: str
    kind: str
    at: datetime
    recorded_at: datetime
    who: str
    channel: str | None
    payload: dict[str, Any]


Brief = tuple[int, str, datetime, str | None, dict[str, Any], str, str]
"""An event without its author or write time: (id, incident id, at, channel, payload, kind,
logged), `logged` being `at` as the log keeps it, in `encode_time`'s form (so that a page of
50,000 times can be written without formatting each)."""


@dataclass(frozen=True)
class IncidentRow:
    """An incident and the caller's snapshot of its derived state."""

    id: str
    number: int
    opened_at: datetime
    is_open: bool
    state: dict[str, Any]
    updated_at: datetime


@dataclass(frozen=True)
class Followup:
    """A customer to come back to; `email` reads back as given and matches in any case."""

    incident_id: str
    email: str
    name: str
    tier: str | None
    open_case: bool
    note: str | None
    added_at: datetime
    contacted_at: datetime | None = None
    done_at: datetime | None = None

    def __post_init__(self) -> None:
        _require_aware("Followup.added_at", self.added_at)
        _require_aware("Followup.contacted_at", self.contacted_at)
        _require_aware("Followup.done_at", self.done_at)


@dataclass(frozen=True)
class Contact:
    """A customer message received, and its first-response clock.

    `key` names it where it came from ("zendesk:4512", "added:<email>:<time>"), so the
    same message imported twice is one contact. `email` reads back lower-cased.
    """

    incident_id: str
    key: str
    email: str
    name: str
    channel: str | None
    received_at: datetime
    respond_by: datetime | None
    event_id: int
    answered_at: datetime | None = None


@dataclass(frozen=True)
class ContactCounts:
    """An incident's contacts at a moment: received, still waiting, waiting past the promise."""

    received: int
    waiting: int
    overdue: int


class Transaction(Protocol):
    """One command's writes; nothing is visible to others until the block ends cleanly."""

    def new_incident(self, *, opened_at: datetime, state: Mapping[str, Any]) -> str:
        """Open an incident numbered after every other one ("INC-1", "INC-2", ...)."""
        ...

    def incident(self, incident_id: str) -> IncidentRow | None:
        """Read an incident as this transaction sees it; no one else can change it meanwhile."""
        ...

    def append(self, incident_id: str, event: NewEvent) -> Event:
        """Append one event to an incident's log."""
        ...

    def append_all(self, incident_id: str, events: Sequence[NewEvent]) -> list[int]:
        """Append many events to an incident's log at once; their ids, in order."""
        ...

    def save_state(self, incident_id: str, state: Mapping[str, Any], *, is_open: bool) -> None:
        """Replace an incident's state snapshot."""
        ...

    def upsert_followups(self, followups: Iterable[Followup]) -> None:
        """Add follow-ups, or update those with the same incident and email (not added_at)."""
        ...

    def add_contacts(self, contacts: Sequence[Contact]) -> None:
        """Add contacts; a key already there is an error (callers skip known keys first)."""
        ...

    def answer_contacts(self, incident_id: str, answers: Sequence[tuple[str, datetime]]) -> None:
        """Stop the clock of each (email, at): its contacts received by then, still waiting."""
        ...

    def update_followup(
        self,
        incident_id: str,
        email: str,
        *,
        contacted_at: datetime | None = None,
        done_at: datetime | None = None,
    ) -> bool:
        """Set the times given (None leaves one as it is); False if there is no such follow-up."""
        ...


class Store(Protocol):
    """The incident log: reads, plus all-or-nothing write transactions."""

    location: str

    @property
    def committed(self) -> bool:
        """Whether a transaction of this store has committed a change since it was opened."""
        ...

    def transaction(self) -> AbstractContextManager[Transaction]:
        """Begin one command's writes: all are recorded when the block ends, or none."""
        ...

    def incident(self, incident_id: str) -> IncidentRow | None:
        """One incident, or None."""
        ...

    def incidents(self, *, open_only: bool = False) -> list[IncidentRow]:
        """Incidents, open first, then newest first."""
        ...

    def state_parts(self, paths: Sequence[str]) -> list[tuple[str, int, tuple[Any, ...]]]:
        """Each incident's id, number and the parts of its state at `paths`, in the order
        of `incidents()`, read without parsing whole states."""
        ...

    def events(
        self,
        incident_id: str,
        *,
        kinds: Sequence[str] | None = None,
        after_id: int = 0,
        limit: int | None = None,
    ) -> Iterator[Event]:
        """An incident's events with id > after_id, ordered by (at, id), read page by page."""
        ...

    def payloads(self, incident_ids: Sequence[str], *, kinds: Sequence[str]) -> Iterator[Brief]:
        """The Briefs of some kinds of event of many incidents, by incident then (at, id):
        one pass for a page built from thousands of events."""
        ...

    def event(self, event_id: int) -> Event | None:
        """One event, or None."""
        ...

    def count_events(self, incident_id: str, *, kinds: Sequence[str] | None = None) -> int:
        """How many events an incident has, of the given kinds if any."""
        ...

    def last_event(self, incident_id: str, *, kinds: Sequence[str]) -> Event | None:
        """The latest event (by at, then id) of one of the given kinds, or None."""
        ...

    def followups(self, incident_id: str, *, open_only: bool = False) -> list[Followup]:
        """An incident's follow-ups in the order they were added; open ones are not done."""
        ...

    def prior_incident_counts(
        self, emails: Sequence[str], *, since: datetime, before: datetime, exclude: str
    ) -> dict[str, int]:
        """Per email given: how many other incidents opened in [since, before) listed it."""
        ...

    def known_contacts(self, incident_id: str, keys: Sequence[str]) -> dict[str, int]:
        """The keys given that an incident's contacts already have, each with its event id."""
        ...

    def waiting_contacts(
        self, incident_id: str, *, limit: int | None = None, answered: bool = False
    ) -> list[Contact]:
        """An incident's contacts still waiting for a first response, oldest first; with
        `answered`, those answered too."""
        ...

    def contact_counts(self, incident_id: str, *, now: datetime) -> ContactCounts:
        """How many contacts an incident has, waiting, and waiting past their promise."""
        ...

    def wait_for_change(self, timeout: float) -> bool:
        """Block until another connection commits a change to the log, or `timeout`
        seconds pass; True when something changed. Cheap while idle."""
        ...

    def close(self) -> None:
        """Release the database; closing twice is harmless."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


# Encodings. Times are UTC text of fixed width so that text order is time order in any
# database (JSON's is in json_codec.py).


@functools.lru_cache(maxsize=1024)  # a bulk run's thousands of rows share their times
def encode_time(value: datetime) -> str:
    """Aware datetime -> "YYYY-MM-DDTHH:MM:SS.ffffffZ" in UTC."""
    _require_aware("time", value)
    u = value.astimezone(UTC)
    return (
        f"{u.year:04d}-{u.month:02d}-{u.day:02d}T"
        f"{u.hour:02d}:{u.minute:02d}:{u.second:02d}.{u.microsecond:06d}Z"
    )


def decode_time(text: str) -> datetime:
    """The inverse of encode_time: an aware UTC datetime."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError(f"time without a zone: {text!r}")
    return value


def encode_optional_time(value: datetime | None) -> str | None:
    """encode_time, passing None through."""
    return None if value is None else encode_time(value)


def decode_optional_time(text: str | None) -> datetime | None:
    """decode_time, passing None through."""
    return None if text is None else decode_time(text)


def email_key(email: str) -> str:
    """The form of an email address used for matching."""
    return email.strip().lower()
