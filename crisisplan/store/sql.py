"""What the portable SQL of the incident log shares: the runner a backend supplies, the
columns, and how rows become records.

A backend supplies an `SqlRunner` (its connection, its paramstyle, its error messages) and
its own opening and locking; the queries in sql_reads.py and sql_writes.py are the same on
SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from crisisplan.store.base import (
    Brief,
    Contact,
    Event,
    Followup,
    IncidentRow,
    decode_optional_time,
    decode_time,
    encode_time,
)
from crisisplan.store.errors import LogError
from crisisplan.store.json_codec import decode_all, decode_json


def utcnow() -> datetime:
    """The time a write is recorded at."""
    return datetime.now(UTC)


# Portable SQL. Queries use `?` placeholders; a runner for a driver with another paramstyle
# rewrites them in its one execute method.


class SqlReader(Protocol):
    """Runs one query for SqlReads; errors come out as LogErrors."""

    location: str
    # Appended to a TEXT column to read it as JSON with -> and ->>: "" where the database
    # reads JSON text as it is (SQLite), "::json" where it must be told (PostgreSQL).
    json_cast: str

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Every row of a query."""
        ...

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        """The first row of a query, or None."""
        ...


class SqlRunner(SqlReader, Protocol):
    """Runs one statement for SqlReads and SqlTransaction; errors come out as LogErrors."""

    # Appended to the SELECT that reads an incident inside a transaction: "" where the
    # transaction already holds the database's write lock (SQLite), " FOR UPDATE" elsewhere.
    row_lock: str

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run a statement; how many rows it changed."""
        ...

    def run_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run a statement once for each row of parameters."""
        ...

    def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run an INSERT into a table with a generated id; the new row's id."""
        ...


INCIDENT = "id, number, opened_at, is_open, state, updated_at"
EVENT = "id, incident_id, kind, at, recorded_at, who, channel, payload"
FOLLOWUP = (
    "incident_id, email_as_given, name, tier, open_case, note, added_at, contacted_at, done_at"
)
PAGE = 500  # events per query while streaming: memory stays flat, round trips stay few
CHUNK = 500  # values per IN (...): below the 999 parameters older SQLite builds allow


def marks(count: int) -> str:
    """`(?, ?, ...)` for an IN list of `count` values."""
    return "(" + ", ".join(["?"] * count) + ")"


def incident_of(row: tuple[Any, ...]) -> IncidentRow:
    """An incidents row, columns as in INCIDENT, as a record."""
    return IncidentRow(
        id=row[0],
        number=int(row[1]),
        opened_at=decode_time(row[2]),
        is_open=bool(row[3]),
        state=decode_json(row[4]),
        updated_at=decode_time(row[5]),
    )


def incidents_of(rows: Sequence[tuple[Any, ...]], location: str) -> list[IncidentRow]:
    """Rows of INCIDENT columns as records, as `incident_of` makes them but their states
    decoded as one batch (a status page reads every incident's), or the error `decoded`
    gives for the first that cannot be read."""
    try:
        states = decode_all([row[4] for row in rows])
        if all(type(state) is dict for state in states):
            return [
                IncidentRow(row[0], int(row[1]), decode_time(row[2]), bool(row[3]), state, changed)
                for row, state, changed in zip(
                    rows, states, [decode_time(row[5]) for row in rows], strict=True
                )
            ]
    except (ValueError, TypeError, KeyError):
        pass
    return [decoded(incident_of, row, location) for row in rows]


def event_of(row: tuple[Any, ...]) -> Event:
    """An events row, columns as in EVENT, as a record."""
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


BRIEF = "id, incident_id, at, channel, payload, kind"


def brief_of(row: tuple[Any, ...]) -> Brief:
    """A row of BRIEF columns as a Brief."""
    at = decode_time(row[2])
    return (int(row[0]), row[1], at, row[3], decode_json(row[4]), row[5], _logged(row[2], at))


def briefs_of(rows: Sequence[tuple[Any, ...]], location: str) -> list[Brief]:
    """Rows of BRIEF columns as Briefs, as `brief_of` makes them but in one loop (a status
    page reads 50,000), or the error `decoded` gives for the first that cannot be read."""
    parse = datetime.fromisoformat
    briefs: list[Brief] = []
    add = briefs.append
    try:
        values = decode_all([row[4] for row in rows])
        for row, value in zip(rows, values, strict=True):
            event_id, incident_id, text, channel, _, kind = row
            at = parse(text)  # decode_time's work, inline
            if at.tzinfo is None or type(value) is not dict:
                raise ValueError("not an aware time and an object")
            add((int(event_id), incident_id, at, channel, value, kind, _logged(text, at)))
    except (ValueError, TypeError, KeyError):
        for row in rows:
            decoded(brief_of, row, location)
        raise
    return briefs


def _logged(text: str, at: datetime) -> str:
    """`at` in encode_time's form: the very text the log holds, unless written otherwise."""
    # YYYY-MM-DDTHH:MM:SS.ffffffZ; the positions of its separators, then its length.
    if text[4:20:3] == "--T::." and text[26:] == "Z":
        return text
    return encode_time(at)


CONTACT = "incident_id, key, email, name, channel, received_at, respond_by, event_id, answered_at"


def contact_of(row: tuple[Any, ...]) -> Contact:
    """A contacts row, columns as in CONTACT, as a record."""
    return Contact(
        incident_id=row[0],
        key=row[1],
        email=row[2],
        name=row[3],
        channel=row[4],
        received_at=decode_time(row[5]),
        respond_by=decode_optional_time(row[6]),
        event_id=int(row[7]),
        answered_at=decode_optional_time(row[8]),
    )


def followup_of(row: tuple[Any, ...]) -> Followup:
    """A followups row, columns as in FOLLOWUP, as a record."""
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


def decoded(
    make: Callable[[tuple[Any, ...]], _Record], row: tuple[Any, ...], location: str
) -> _Record:
    """A row made into a record, or an error saying the log holds one it cannot read."""
    try:
        return make(row)
    except (ValueError, TypeError, KeyError) as exc:
        raise LogError(
            f"{location} holds a record that cannot be read ({row[0]!r}: {exc}).",
            path=location,
            hint="It may have been edited by hand; restore the file from a backup.",
        ) from exc


def unknown_incident(incident_id: str, location: str) -> LogError:
    """A write to an incident the log does not hold."""
    return LogError(
        f"There is no incident {incident_id} in {location}; nothing was recorded.",
        path=location,
        hint="Check the incident id.",
    )
