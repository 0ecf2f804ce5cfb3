"""The portable SQL that reads and writes the incident log.

A backend supplies an `SqlRunner` (its connection, its paramstyle, its error messages) and
its own opening and locking; the queries here are the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from crisisplan.errors import StoreError
from crisisplan.store.base import (
    Event,
    Followup,
    IncidentRow,
    NewEvent,
    decode_json,
    decode_optional_time,
    decode_time,
    email_key,
    encode_json,
    encode_optional_time,
    encode_time,
)


def _utcnow() -> datetime:
    return datetime.now(UTC)


# Portable SQL. Queries use `?` placeholders; a runner for a driver with another paramstyle
# rewrites them in its one execute method.


class SqlRunner(Protocol):
    """Runs one statement for SqlReads and SqlTransaction; errors come out as StoreErrors."""

    location: str
    # Appended to the SELECT that reads an incident inside a transaction: "" where the
    # transaction already holds the database's write lock (SQLite), " FOR UPDATE" elsewhere.
    row_lock: str

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Every row of a query."""
        ...

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        """The first row of a query, or None."""
        ...

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run a statement; how many rows it changed."""
        ...

    def run_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run a statement once for each row of parameters."""
        ...

    def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run an INSERT into a table with a generated id; the new row's id."""
        ...


_INCIDENT = "id, number, opened_at, is_open, state, updated_at"
_EVENT = "id, incident_id, kind, at, recorded_at, who, channel, payload"
_FOLLOWUP = (
    "incident_id, email_as_given, name, tier, open_case, note, added_at, contacted_at, done_at"
)
_PAGE = 500  # events per query while streaming: memory stays flat, round trips stay few
_CHUNK = 500  # values per IN (...): below the 999 parameters older SQLite builds allow


def _marks(count: int) -> str:
    return "(" + ", ".join(["?"] * count) + ")"


def _incident(row: tuple[Any, ...]) -> IncidentRow:
    return IncidentRow(
        id=row[0],
        number=int(row[1]),
        opened_at=decode_time(row[2]),
        is_open=bool(row[3]),
        state=decode_json(row[4]),
        updated_at=decode_time(row[5]),
    )


def _event(row: tuple[Any, ...]) -> Event:
    return Event(
        id=int(row[0]),
        incident_id=row[1],
        kind=row[2],
        at=decode_time(row[3]),
        recorded_at=decode_time(row[4]),
        who=row[5],
        channel=row[6],
        payload=decode_json(row[7]),
    )


def _followup(row: tuple[Any, ...]) -> Followup:
    return Followup(
        incident_id=row[0],
        email=row[1],
        name=row[2],
        tier=row[3],
        open_case=bool(row[4]),
        note=row[5],
        added_at=decode_time(row[6]),
        contacted_at=decode_optional_time(row[7]),
        done_at=decode_optional_time(row[8]),
    )


_Record = TypeVar("_Record")


def _decoded(
    make: Callable[[tuple[Any, ...]], _Record], row: tuple[Any, ...], location: str
) -> _Record:
    try:
        return make(row)
    except (ValueError, TypeError, KeyError) as exc:
        raise StoreError(
            f"{location} holds a record that cannot be read ({row[0]!r}: {exc}).",
            hint="It may have been edited by hand; restore the file from a backup.",
        ) from exc


def _unknown_incident(incident_id: str, location: str) -> StoreError:
    return StoreError(
        f"There is no incident {incident_id} in {location}; nothing was recorded.",
        hint="Check the incident id.",
    )


class SqlReads:
    """The reading half of a Store, in portable SQL."""

    def __init__(self, sql: SqlRunner) -> None:
        self._sql = sql

    def incident(self, incident_id: str) -> IncidentRow | None:
        """One incident, or None."""
        row = self._sql.one(f"SELECT {_INCIDENT} FROM incidents WHERE id = ?", (incident_id,))
        return None if row is None else _decoded(_incident, row, self._sql.location)

    def incidents(self, *, open_only: bool = False) -> list[IncidentRow]:
        """Incidents, open first, then newest first."""
        where = "WHERE is_open = 1 " if open_only else ""
        rows = self._sql.rows(
            f"SELECT {_INCIDENT} FROM incidents {where}"
            "ORDER BY is_open DESC, opened_at DESC, number DESC"
        )
        return [_decoded(_incident, row, self._sql.location) for row in rows]

    def events(
        self,
        incident_id: str,
        *,
        kinds: Sequence[str] | None = None,
        after_id: int = 0,
        limit: int | None = None,
    ) -> Iterator[Event]:
        """An incident's events with id > after_id, ordered by (at, id), read page by page."""
        if kinds is not None and not kinds:
            return
        where = "incident_id = ? AND id > ?"
        params: list[Any] = [incident_id, after_id]
        if kinds is not None:
            where += f" AND kind IN {_marks(len(kinds))}"
            params.extend(kinds)
        left = limit
        last: tuple[str, int] | None = None
        # Keyset pages, each its own short read: no statement stays open between pages,
        # so a slow consumer never holds a snapshot (or SQLite's WAL) back.
        while left is None or left > 0:
            size = _PAGE if left is None else min(_PAGE, left)
            after = "" if last is None else " AND (at, id) > (?, ?)"
            rows = self._sql.rows(
                f"SELECT {_EVENT} FROM events WHERE {where}{after} ORDER BY at, id LIMIT ?",
                [*params, *(last or ()), size],
            )
            for row in rows:
                yield _decoded(_event, row, self._sql.location)
            if len(rows) < size:
                return
            last = (rows[-1][3], rows[-1][0])
            if left is not None:
                left -= len(rows)

    def event(self, event_id: int) -> Event | None:
        """One event, or None."""
        row = self._sql.one(f"SELECT {_EVENT} FROM events WHERE id = ?", (event_id,))
        return None if row is None else _decoded(_event, row, self._sql.location)

    def count_events(self, incident_id: str, *, kinds: Sequence[str] | None = None) -> int:
        """How many events an incident has, of the given kinds if any."""
        if kinds is not None and not kinds:
            return 0
        where, params = "incident_id = ?", [incident_id]
        if kinds is not None:
            where += f" AND kind IN {_marks(len(kinds))}"
            params.extend(kinds)
        row = self._sql.one(f"SELECT COUNT(*) FROM events WHERE {where}", params)
        return 0 if row is None else int(row[0])

    def last_event(self, incident_id: str, *, kinds: Sequence[str]) -> Event | None:
        """The latest event (by at, then id) of one of the given kinds, or None."""
        if not kinds:
            return None
        row = self._sql.one(
            f"SELECT {_EVENT} FROM events WHERE incident_id = ? AND kind IN {_marks(len(kinds))}"
            " ORDER BY at DESC, id DESC LIMIT 1",
            [incident_id, *kinds],
        )
        return None if row is None else _decoded(_event, row, self._sql.location)

    def followups(self, incident_id: str, *, open_only: bool = False) -> list[Followup]:
        """An incident's follow-ups in the order they were added; open ones are not done."""
        where = " AND done_at IS NULL" if open_only else ""
        rows = self._sql.rows(
            f"SELECT {_FOLLOWUP} FROM followups WHERE incident_id = ?{where}"
            " ORDER BY added_at, email",
            (incident_id,),
        )
        return [_decoded(_followup, row, self._sql.location) for row in rows]

    def prior_incident_counts(
        self, emails: Sequence[str], *, since: datetime, before: datetime, exclude: str
    ) -> dict[str, int]:
        """Per email given: how many other incidents opened in [since, before) listed it."""
        keys = {email: email_key(email) for email in emails}
        unique = sorted(set(keys.values()))
        found: dict[str, int] = {}
        for start in range(0, len(unique), _CHUNK):
            chunk = unique[start : start + _CHUNK]
            rows = self._sql.rows(
                "SELECT f.email, COUNT(*) FROM followups f"
                " JOIN incidents i ON i.id = f.incident_id"
                f" WHERE f.email IN {_marks(len(chunk))}"
                " AND i.opened_at >= ? AND i.opened_at < ? AND i.id <> ?"
                " GROUP BY f.email",
                [*chunk, encode_time(since), encode_time(before), exclude],
            )
            found.update((email, int(count)) for email, count in rows)
        return {email: found.get(key, 0) for email, key in keys.items()}


class SqlTransaction:
    """The writes of one transaction, in portable SQL; the backend begins and ends it."""

    def __init__(self, sql: SqlRunner, now: Callable[[], datetime] = _utcnow) -> None:
        self._sql = sql
        self._now = now
        self._known: set[str] = set()  # incidents this transaction has seen exist

    def new_incident(self, *, opened_at: datetime, state: Mapping[str, Any]) -> str:
        """Open an incident numbered after every other one ("INC-1", "INC-2", ...)."""
        # Safe because the transaction holds the write lock; UNIQUE(number) backs it up
        # where it does not.
        row = self._sql.one("SELECT COALESCE(MAX(number), 0) + 1 FROM incidents")
        number = 1 if row is None else int(row[0])
        incident_id = f"INC-{number}"
        self._sql.run(
            f"INSERT INTO incidents ({_INCIDENT}) VALUES (?, ?, ?, 1, ?, ?)",
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
            f"SELECT {_INCIDENT} FROM incidents WHERE id = ?{self._sql.row_lock}", (incident_id,)
        )
        return None if row is None else _decoded(_incident, row, self._sql.location)

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
            raise _unknown_incident(incident_id, self._sql.location)
        self._known.add(incident_id)

    def append(self, incident_id: str, event: NewEvent) -> Event:
        """Append one event to an incident's log."""
        self._require(incident_id)
        at, recorded_at = encode_time(event.at), encode_time(self._now())
        payload = encode_json(event.payload) if event.encoded is None else event.encoded
        new_id = self._sql.insert(
            "INSERT INTO events (incident_id, kind, at, recorded_at, who, channel, payload)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (incident_id, event.kind, at, recorded_at, event.who, event.channel, payload),
        )
        # Decoded from what was stored, so it equals what any later read returns.
        return _event(
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
            "INSERT INTO events (incident_id, kind, at, recorded_at, who, channel, payload)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    incident_id,
                    e.kind,
                    encode_time(e.at),
                    recorded_at,
                    e.who,
                    e.channel,
                    encode_json(e.payload) if e.encoded is None else e.encoded,
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
            raise StoreError(
                f"{self._sql.location} gave {len(ids)} ids for {len(events)} new events."
                " Nothing was recorded.",
                hint="Run the command again; if it keeps failing, run `crisis check` on the log.",
            )
        return ids

    def save_state(self, incident_id: str, state: Mapping[str, Any], *, is_open: bool) -> None:
        """Replace an incident's state snapshot."""
        changed = self._sql.run(
            "UPDATE incidents SET state = ?, is_open = ?, updated_at = ? WHERE id = ?",
            (encode_json(state), int(is_open), encode_time(self._now()), incident_id),
        )
        if changed == 0:
            raise _unknown_incident(incident_id, self._sql.location)

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
