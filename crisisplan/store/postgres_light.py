"""The shared log opened on libpq alone, and handed to psycopg when a command needs more.

Most commands an agent runs many times an hour only read: `status`, `list`, `timeline`.
They open the log here, on a light connection (libpq.py) that costs a few milliseconds
instead of psycopg's hundred. The first write, the first LISTEN, or the first read the light
connection cannot answer exactly as psycopg would, opens the log through psycopg
(postgres.py) and closes the light connection; from then on psycopg does everything, so a
transaction never spans both. Anything unusual at opening (no log yet, an older schema, a
server that is down or refuses the login) goes to psycopg from the start, which words the
error or migrates. Reads outside a transaction are single statements either way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from importlib.util import find_spec
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from crisisplan.store import migrations
from crisisplan.store.base import (
    Contact,
    Event,
    Followup,
    IncidentRow,
    Transaction,
    decode_json,
)
from crisisplan.store.libpq import LightConnection, Unanswerable, library
from crisisplan.store.postgres_session import IDENTITY, settings
from crisisplan.store.sql_reads import SqlReads

if TYPE_CHECKING:
    from crisisplan.store.postgres import PostgresStore


class _HandOff:
    """The reads' SqlReader: the light connection while it can answer, psycopg after."""

    def __init__(
        self, light: LightConnection, location: str, open_full: Callable[[], PostgresStore]
    ) -> None:
        self.location = location
        self._light: LightConnection | None = light
        self._open_full = open_full
        self.full_store: PostgresStore | None = None

    def full(self) -> PostgresStore:
        """The log through psycopg, opened at the first call."""
        if self.full_store is None:
            self.close_light()
            self.full_store = self._open_full()
        return self.full_store

    def close_light(self) -> None:
        if self._light is not None:
            self._light.close()
            self._light = None

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Every row of a query."""
        if self._light is not None:
            try:
                return self._light.rows(sql, params)
            except Unanswerable:
                pass
        return self.full().runner.rows(sql, params)

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        """The first row of a query, or None."""
        if self._light is not None:
            try:
                found = self._light.rows(sql, params)
            except Unanswerable:
                pass
            else:
                return found[0] if found else None
        return self.full().runner.one(sql, params)


class LightlyOpened(SqlReads):
    """An incident log on PostgreSQL, read on libpq until psycopg is needed."""

    def __init__(self, hand_off: _HandOff) -> None:
        super().__init__(hand_off)
        self._hand_off = hand_off
        self.location = hand_off.location

    @property
    def handed_off(self) -> bool:
        """Whether psycopg has taken over from the light connection."""
        return self._hand_off.full_store is not None

    @property
    def committed(self) -> bool:
        """Whether a transaction of this store has committed a change since it was opened."""
        full = self._hand_off.full_store
        return full is not None and full.committed

    def transaction(self) -> AbstractContextManager[Transaction]:
        """One command's writes, on psycopg."""
        return self._hand_off.full().transaction()

    def wait_for_change(self, timeout: float) -> bool:
        """Block until another agent changes the log (psycopg's LISTEN)."""
        return self._hand_off.full().wait_for_change(timeout)

    def describe(self) -> dict[str, Any]:
        """Backend, schema version, server version and size, for `crisis db info`."""
        return self._hand_off.full().describe()

    def import_log(
        self,
        incidents: list[IncidentRow],
        events: Iterator[Event],
        followups: list[Followup],
        contacts: Sequence[Contact] = (),
    ) -> None:
        """A whole log into this empty one (psycopg's)."""
        self._hand_off.full().import_log(incidents, events, followups, contacts)

    def close(self) -> None:
        """Close whichever connection is open; closing twice is harmless."""
        self._hand_off.close_light()
        if self._hand_off.full_store is not None:
            self._hand_off.full_store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def open_lightly(
    url: str, shown: str, open_full: Callable[[], PostgresStore]
) -> LightlyOpened | None:
    """The log on a light connection, when libpq is here and the log is ours and current;
    None for anything else, which `open_full` (psycopg) then opens or explains."""
    if find_spec("psycopg") is None:  # without it, say so at once, not at the first write
        return None
    lib = library()
    if lib is None:
        return None
    try:
        light = LightConnection(lib, url, {**settings(), "client_encoding": "UTF8"})
    except Unanswerable:
        return None
    try:
        ours, _tables = light.rows(IDENTITY)[0]
        current = ours and light.rows("SELECT version FROM crisisplan_schema") == [
            (migrations.latest_version(migrations.MIGRATIONS),)
        ]
    except Unanswerable:
        current = False
    if not current:
        light.close()
        return None
    return LightlyOpened(_HandOff(light, shown, open_full))


def incident_titles(url: str, timeout: float) -> list[tuple[str, str]]:
    """(id, title) of every incident in a shared log, open ones first, then newest first,
    for shell completion: nothing when it cannot be read within `timeout` seconds."""
    lib = library()
    if lib is None:
        return []
    try:
        light = LightConnection(lib, url, {**settings(), "client_encoding": "UTF8"}, timeout)
    except Unanswerable:
        return []
    try:
        rows = light.rows("SELECT id, state FROM incidents ORDER BY is_open DESC, number DESC")
    except Unanswerable:
        return []
    finally:
        light.close()
    return [(str(incident), _title(state)) for incident, state in rows]


def _title(state: str) -> str:
    try:
        found = decode_json(state).get("title")
    except (ValueError, TypeError):
        return ""
    return found if isinstance(found, str) else ""
