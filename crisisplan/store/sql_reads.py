"""The reading half of a Store, in portable SQL."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from crisisplan.store.base import (
    Brief,
    Contact,
    ContactCounts,
    Event,
    Followup,
    IncidentRow,
    email_key,
    encode_time,
)
from crisisplan.store.sql import (
    BRIEF,
    CHUNK,
    CONTACT,
    EVENT,
    FOLLOWUP,
    INCIDENT,
    PAGE,
    SqlReader,
    briefs_of,
    contact_of,
    decoded,
    event_of,
    followup_of,
    incident_of,
    incidents_of,
    marks,
)


class SqlReads:
    """The reading half of a Store, in portable SQL."""

    def __init__(self, sql: SqlReader) -> None:
        self._sql = sql

    def close(self) -> None:
        """Close the connection; closing twice is harmless (each store's own)."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def incident(self, incident_id: str) -> IncidentRow | None:
        """One incident, or None."""
        row = self._sql.one(f"SELECT {INCIDENT} FROM incidents WHERE id = ?", (incident_id,))
        return None if row is None else decoded(incident_of, row, self._sql.location)

    def incidents(self, *, open_only: bool = False) -> list[IncidentRow]:
        """Incidents, open first, then newest first."""
        where = " WHERE is_open = 1" if open_only else ""
        rows = self._sql.rows(f"SELECT {INCIDENT} FROM incidents{where}")
        # Sorted here, not by ORDER BY: SQLite would sort whole rows, states and all (15 MB
        # for 1,000 incidents), taking longer than reading them.
        rows.sort(key=lambda row: (row[3], row[2], row[1]), reverse=True)
        return incidents_of(rows, self._sql.location)

    def state_parts(self, paths: Sequence[str]) -> list[tuple[str, int, tuple[Any, ...]]]:
        """Each incident's id, number and the parts of its state at `paths` ("plan.name"),
        as `incidents()` orders them: text as it is, None where missing or null, an object
        or array as its JSON text. The database reads the JSON, so a status page of 1,000
        incidents need not parse 15 MB of states in Python."""
        state = f"state{self._sql.json_cast}"
        parts = ", ".join(_json_path(state, path) for path in paths)
        rows = self._sql.rows(f"SELECT id, number, is_open, opened_at, {parts} FROM incidents")
        rows.sort(key=lambda row: (row[2], row[3], row[1]), reverse=True)  # as incidents()
        return [(row[0], int(row[1]), tuple(row[4:])) for row in rows]

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
            where += f" AND kind IN {marks(len(kinds))}"
            params.extend(kinds)
        left = limit
        last: tuple[str, int] | None = None
        # Keyset pages, each its own short read: no statement stays open between pages,
        # so a slow consumer never holds a snapshot (or SQLite's WAL) back.
        while left is None or left > 0:
            size = PAGE if left is None else min(PAGE, left)
            after = "" if last is None else " AND (at, id) > (?, ?)"
            rows = self._sql.rows(
                f"SELECT {EVENT} FROM events WHERE {where}{after} ORDER BY at, id LIMIT ?",
                [*params, *(last or ()), size],
            )
            for row in rows:
                yield decoded(event_of, row, self._sql.location)
            if len(rows) < size:
                return
            last = (rows[-1][3], rows[-1][0])
            if left is not None:
                left -= len(rows)

    def payloads(self, incident_ids: Sequence[str], *, kinds: Sequence[str]) -> Iterator[Brief]:
        """The Briefs of some kinds of event of many incidents, by incident then (at, id):
        one query per CHUNK incidents, no full Event records."""
        unique = sorted(set(incident_ids))
        for start in range(0, len(unique), CHUNK):
            chunk = unique[start : start + CHUNK]
            rows = self._sql.rows(
                f"SELECT {BRIEF} FROM events"
                f" WHERE kind IN {marks(len(kinds))} AND incident_id IN {marks(len(chunk))}"
                " ORDER BY incident_id, at, id",
                [*kinds, *chunk],
            )
            yield from briefs_of(rows, self._sql.location)

    def event(self, event_id: int) -> Event | None:
        """One event, or None."""
        row = self._sql.one(f"SELECT {EVENT} FROM events WHERE id = ?", (event_id,))
        return None if row is None else decoded(event_of, row, self._sql.location)

    def count_events(self, incident_id: str, *, kinds: Sequence[str] | None = None) -> int:
        """How many events an incident has, of the given kinds if any."""
        if kinds is not None and not kinds:
            return 0
        where, params = "incident_id = ?", [incident_id]
        if kinds is not None:
            where += f" AND kind IN {marks(len(kinds))}"
            params.extend(kinds)
        row = self._sql.one(f"SELECT COUNT(*) FROM events WHERE {where}", params)
        return 0 if row is None else int(row[0])

    def last_event(self, incident_id: str, *, kinds: Sequence[str]) -> Event | None:
        """The latest event (by at, then id) of one of the given kinds, or None."""
        if not kinds:
            return None
        row = self._sql.one(
            f"SELECT {EVENT} FROM events WHERE incident_id = ? AND kind IN {marks(len(kinds))}"
            " ORDER BY at DESC, id DESC LIMIT 1",
            [incident_id, *kinds],
        )
        return None if row is None else decoded(event_of, row, self._sql.location)

    def followups(self, incident_id: str, *, open_only: bool = False) -> list[Followup]:
        """An incident's follow-ups in the order they were added; open ones are not done."""
        where = " AND done_at IS NULL" if open_only else ""
        rows = self._sql.rows(
            f"SELECT {FOLLOWUP} FROM followups WHERE incident_id = ?{where}"
            " ORDER BY added_at, email",
            (incident_id,),
        )
        return [decoded(followup_of, row, self._sql.location) for row in rows]

    def prior_incident_counts(
        self, emails: Sequence[str], *, since: datetime, before: datetime, exclude: str
    ) -> dict[str, int]:
        """Per email given: how many other incidents opened in [since, before) listed it."""
        keys = {email: email_key(email) for email in emails}
        unique = sorted(set(keys.values()))
        found: dict[str, int] = {}
        for start in range(0, len(unique), CHUNK):
            chunk = unique[start : start + CHUNK]
            rows = self._sql.rows(
                "SELECT f.email, COUNT(*) FROM followups f"
                " JOIN incidents i ON i.id = f.incident_id"
                f" WHERE f.email IN {marks(len(chunk))}"
                " AND i.opened_at >= ? AND i.opened_at < ? AND i.id <> ?"
                " GROUP BY f.email",
                [*chunk, encode_time(since), encode_time(before), exclude],
            )
            found.update((email, int(count)) for email, count in rows)
        return {email: found.get(key, 0) for email, key in keys.items()}

    def known_contacts(self, incident_id: str, keys: Sequence[str]) -> dict[str, int]:
        """The keys given that an incident's contacts already have, each with its event id."""
        found: dict[str, int] = {}
        unique = sorted(set(keys))
        for start in range(0, len(unique), CHUNK):
            chunk = unique[start : start + CHUNK]
            rows = self._sql.rows(
                "SELECT key, event_id FROM contacts"
                f" WHERE incident_id = ? AND key IN {marks(len(chunk))}",
                [incident_id, *chunk],
            )
            found.update((str(key), int(event_id)) for key, event_id in rows)
        return found

    def waiting_contacts(
        self, incident_id: str, *, limit: int | None = None, answered: bool = False
    ) -> list[Contact]:
        """An incident's contacts still waiting for a first response, oldest first; with
        `answered`, those answered too."""
        waiting = "" if answered else " AND answered_at IS NULL"
        # No LIMIT at all for every row: SQLite's LIMIT -1 is an error on PostgreSQL.
        limited, params = (
            ("", [incident_id]) if limit is None else (" LIMIT ?", [incident_id, limit])
        )
        rows = self._sql.rows(
            f"SELECT {CONTACT} FROM contacts WHERE incident_id = ?{waiting}"
            f" ORDER BY received_at, key{limited}",
            params,
        )
        return [decoded(contact_of, row, self._sql.location) for row in rows]

    def contact_counts(self, incident_id: str, *, now: datetime) -> ContactCounts:
        """How many contacts an incident has, waiting, and waiting past their promise."""
        row = self._sql.one(
            "SELECT COUNT(*),"
            " COALESCE(SUM(CASE WHEN answered_at IS NULL THEN 1 ELSE 0 END), 0),"
            " COALESCE(SUM(CASE WHEN answered_at IS NULL AND respond_by < ? THEN 1 ELSE 0 END), 0)"
            " FROM contacts WHERE incident_id = ?",
            (encode_time(now), incident_id),
        )
        received, waiting, overdue = row if row is not None else (0, 0, 0)
        return ContactCounts(int(received), int(waiting), int(overdue))


def _json_path(column: str, path: str) -> str:
    """`a.b.c` as `column -> 'a' -> 'b' ->> 'c'`, which SQLite and PostgreSQL both read."""
    keys = path.split(".")
    if not all(key.isidentifier() and key.isascii() for key in keys):
        raise ValueError(f"not a path of plain keys: {path!r}")
    return column + "".join(f" -> '{key}'" for key in keys[:-1]) + f" ->> '{keys[-1]}'"
