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

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from importlib.util import find_spec
from typing import TYPE_CHECKING, Any

from crisisplan.store import migrations
from crisisplan.store.base import (
    Transaction,
)
from crisisplan.store.libpq import LightConnection, Unanswerable, library
from crisisplan.store.postgres_settings import IDENTITY, settings
from crisisplan.store.sql_reads import SqlReads

if TYPE_CHECKING:
    from crisisplan.store.postgres import PostgresStore


class _HandOff:
    """The reads' SqlReader: the light connection while it can answer, psycopg after."""

    json_cast = "::json"

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
        """Close the light connection (psycopg's, if open, stays)."""
        if self._light is not None:
            self._light.close()
            self._light = None

    def _light_rows(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]] | None:
        """The light connection's answer; None when psycopg must give it."""
        if self._light is None:
            return None
        try:
            return self._light.rows(sql, params)
        except Unanswerable:
            return None

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Every row of a query."""
        found = self._light_rows(sql, params)
        return self.full().runner.rows(sql, params) if found is None else found

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        """The first row of a query, or None."""
        found = self._light_rows(sql, params)
        if found is None:
            return self.full().runner.one(sql, params)
        return found[0] if found else None


class LightlyOpened(SqlReads):
    """An incident log on PostgreSQL, read on libpq until psycopg is needed.

    Only commands that mean to read open one (`reads_only`); `db copy` opens its target
    on psycopg, so this store takes no whole log (`import_log`)."""

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

    def close(self) -> None:
        """Close whichever connection is open; closing twice is harmless."""
        self._hand_off.close_light()
        if self._hand_off.full_store is not None:
            self._hand_off.full_store.close()


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
        light = LightConnection(lib, url, settings())
    except Unanswerable:
        return None
    try:
        ours, _tables = light.rows(IDENTITY)[0]
        current = ours and light.rows("SELECT version FROM crisisplan_schema") == [
            (migrations.latest_version(migrations.MIGRATIONS),)
        ]
    except Unanswerable:
        current = False
    except BaseException:
        light.close()
        raise
    if not current:
        light.close()
        return None
    return LightlyOpened(_HandOff(light, shown, open_full))


def incident_titles(url: str, timeout: float) -> list[tuple[str, str]]:
    """(id, title) of every incident in a shared log, open ones first, then newest first,
    for shell completion: nothing when it cannot be read within `timeout` seconds, each
    for connecting and for the answer (the host name's lookup is libpq's, unbounded)."""
    lib = library()
    if lib is None:
        return []
    asked = settings(statement_timeout_ms=int(timeout * 1000))
    try:
        light = LightConnection(lib, url, asked, timeout)
    except Unanswerable:
        return []
    try:
        rows = light.rows(
            "SELECT id, state::json->>'title' FROM incidents ORDER BY is_open DESC, number DESC",
            timeout=timeout,
        )
    except Unanswerable:
        return []
    finally:
        light.close()
    return [(str(incident), str(title or "")) for incident, title in rows]
