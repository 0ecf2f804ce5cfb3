"""The writing half of a Store, in portable SQL: one transaction's writes."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from crisisplan.store.base import (
    Contact,
    Event,
    Followup,
    IncidentRow,
    NewEvent,
    email_key,
    encode_optional_time,
    encode_time,
)
from crisisplan.store.errors import LogError
from crisisplan.store.json_codec import encode_json
from crisisplan.store.sql import (
    INCIDENT,
    SqlRunner,
    decoded,
    event_of,
    incident_of,
    unknown_incident,
    utcnow,
)


class SqlTransaction:
    """The writes of one transaction, in portable SQL; the backend begins and ends it."""

    def __init__(self, sql: SqlRunner, now: Callable[[], datetime] = utcnow) -> None:
        self._sql = sql
        self._now = now
        self._known: set[str] = set()  # incidents this transaction has seen exist
        # Each event gets a unique write key made here, on the client: a backend that loses
        # the reply to COMMIT looks for the first one to learn whether the write is in.
        self._key = os.urandom(9).hex()
        self._keys = 0
        self.first_key: str | None = None

    def _next_key(self) -> str:
        key = f"{self._key}-{self._keys}"
        self._keys += 1
        if self.first_key is None:
            self.first_key = key
        return key

    def new_incident(self, *, opened_at: datetime, state: Mapping[str, Any]) -> str:
        """Open an incident numbered after every other one ("INC-1", "INC-2", ...)."""
        # Safe because the transaction holds the write lock; UNIQUE(number) backs it up
        # where it does not.
        row = self._sql.one("SELECT COALESCE(MAX(number), 0) + 1 FROM incidents")
        number = 1 if row is None else int(row[0])
        incident_id = f"INC-{number}"
        self._sql.run(
            f"INSERT INTO incidents ({INCIDENT}) VALUES (?, ?, ?, 1, ?, ?)",
            (
                incident_id,
                number,
                encode_time(opened_at),
                encode_json(state),
                encode_time(self._now()),
            ),
        )
        return incident_id

    def incident(self, incident_id: str) -> IncidentRow | None:
        """Read an incident as this transaction sees it; no one else can change it meanwhile."""
        row = self._sql.one(
            f"SELECT {INCIDENT} FROM incidents WHERE id = ?{self._sql.row_lock}", (incident_id,)
        )
        return None if row is None else decoded(incident_of, row, self._sql.location)

    def _require(self, incident_id: str) -> None:
        # Once per incident per transaction, holding it: no other transaction appends to it
        # until this one ends, and bulk drafting appends thousands of events.
        if incident_id in self._known:
            return
        if (
            self._sql.one(
                f"SELECT 1 FROM incidents WHERE id = ?{self._sql.row_lock}", (incident_id,)
            )
            is None
        ):
            raise unknown_incident(incident_id, self._sql.location)
        self._known.add(incident_id)

    def append(self, incident_id: str, event: NewEvent) -> Event:
        """Append one event to an incident's log."""
        self._require(incident_id)
        at, recorded_at = encode_time(event.at), encode_time(self._now())
        payload = encode_json(event.payload) if event.encoded is None else event.encoded
        new_id = self._sql.insert(
            "INSERT INTO events"
            " (incident_id, kind, at, recorded_at, who, channel, payload, write_key)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                incident_id,
                event.kind,
                at,
                recorded_at,
                event.who,
                event.channel,
                payload,
                self._next_key(),
            ),
        )
        # Decoded from what was stored, so it equals what any later read returns.
        return event_of(
            (new_id, incident_id, event.kind, at, recorded_at, event.who, event.channel, payload)
        )

    def append_all(self, incident_id: str, events: Sequence[NewEvent]) -> list[int]:
        """Append many events to an incident's log at once; their ids, in order."""
        if not events:
            return []
        self._require(incident_id)
        recorded_at = encode_time(self._now())
        before = self._sql.one("SELECT COALESCE(MAX(id), 0) FROM events")
        self._sql.run_many(
            "INSERT INTO events"
            " (incident_id, kind, at, recorded_at, who, channel, payload, write_key)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    incident_id,
                    e.kind,
                    encode_time(e.at),
                    recorded_at,
                    e.who,
                    e.channel,
                    encode_json(e.payload) if e.encoded is None else e.encoded,
                    self._next_key(),
                )
                for e in events
            ),
        )
        # Ids only grow, and this transaction holds the incident: its rows after the
        # largest id before are this call's, in the order given.
        rows = self._sql.rows(
            "SELECT id, incident_id FROM events WHERE id > ? ORDER BY id",  # by primary key
            (0 if before is None else before[0],),
        )
        ids = [int(row[0]) for row in rows if row[1] == incident_id]
        if len(ids) != len(events):
            raise LogError(
                f"{self._sql.location} gave {len(ids)} ids for {len(events)} new events."
                " Nothing was recorded.",
                path=self._sql.location,
                hint="Run the command again; if it keeps failing, report it as a bug.",
            )
        return ids

    def save_state(self, incident_id: str, state: Mapping[str, Any], *, is_open: bool) -> None:
        """Replace an incident's state snapshot."""
        changed = self._sql.run(
            "UPDATE incidents SET state = ?, is_open = ?, updated_at = ? WHERE id = ?",
            (encode_json(state), int(is_open), encode_time(self._now()), incident_id),
        )
        if changed == 0:
            raise unknown_incident(incident_id, self._sql.location)

    def upsert_followups(self, followups: Iterable[Followup]) -> None:
        """Add follow-ups, or replace those with the same incident and email.

        A replaced follow-up keeps the time it was first added.
        """
        rows = []
        for f in followups:
            self._require(f.incident_id)
            rows.append(
                (
                    f.incident_id,
                    email_key(f.email),
                    f.email,
                    f.name,
                    f.tier,
                    int(f.open_case),
                    f.note,
                    encode_time(f.added_at),
                    encode_optional_time(f.contacted_at),
                    encode_optional_time(f.done_at),
                )
            )
        self._sql.run_many(
            "INSERT INTO followups (incident_id, email, email_as_given, name, tier, open_case,"
            " note, added_at, contacted_at, done_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (incident_id, email) DO UPDATE SET"
            # A later draft for the customer must not wipe what an agent recorded: a tier
            # or note given before stays unless a new one is given, an open case stays
            # open, and the time we first reached them stays. Being added again reopens.
            " email_as_given = excluded.email_as_given, name = excluded.name,"
            " tier = COALESCE(excluded.tier, followups.tier),"
            " open_case = CASE WHEN excluded.open_case = 1 THEN 1 ELSE followups.open_case END,"
            " note = COALESCE(excluded.note, followups.note),"
            " contacted_at = COALESCE(followups.contacted_at, excluded.contacted_at),"
            " done_at = excluded.done_at",
            rows,
        )

    def add_contacts(self, contacts: Sequence[Contact]) -> None:
        """Add contacts; a key already there is an error (callers skip known keys first)."""
        rows = []
        for c in contacts:
            self._require(c.incident_id)
            rows.append(
                (
                    c.incident_id,
                    c.key,
                    email_key(c.email),
                    c.name,
                    c.channel,
                    encode_time(c.received_at),
                    encode_optional_time(c.respond_by),
                    c.event_id,
                    encode_optional_time(c.answered_at),
                )
            )
        self._sql.run_many(
            "INSERT INTO contacts (incident_id, key, email, name, channel, received_at,"
            " respond_by, event_id, answered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )

    def answer_contacts(self, incident_id: str, answers: Sequence[tuple[str, datetime]]) -> None:
        """Stop the clock of each (email, at): its contacts received by then, still waiting."""
        self._sql.run_many(
            "UPDATE contacts SET answered_at = ? WHERE incident_id = ? AND email = ?"
            " AND answered_at IS NULL AND received_at <= ?",
            [
                (encode_time(at), incident_id, email_key(email), encode_time(at))
                for email, at in answers
            ],
        )

    def update_followup(
        self,
        incident_id: str,
        email: str,
        *,
        contacted_at: datetime | None = None,
        done_at: datetime | None = None,
    ) -> bool:
        """Set the times given (None leaves one as it is); False if there is no such follow-up."""
        sets, params = [], []
        for column, value in (("contacted_at", contacted_at), ("done_at", done_at)):
            if value is not None:
                sets.append(f"{column} = ?")
                params.append(encode_time(value))
        key = (incident_id, email_key(email))
        if not sets:
            found = self._sql.one(
                "SELECT 1 FROM followups WHERE incident_id = ? AND email = ?", key
            )
            return found is not None
        changed = self._sql.run(
            f"UPDATE followups SET {', '.join(sets)} WHERE incident_id = ? AND email = ?",
            [*params, *key],
        )
        return changed > 0
