"""Moving a team's log: copy a local log to a shared one, verified; and what a log is.

Both sides are read through the `Store` protocol, so the copy is checked the way any
command reads the log: the same incidents, the same follow-ups, and every event with its
id, times, author and payload, summed up in one checksum.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from crisisplan.store.base import Contact, Event, Store, encode_time
from crisisplan.store.errors import LogError
from crisisplan.store.json_codec import encode_json


@dataclass(frozen=True)
class Tally:
    """What a log holds, summed up: counts and a checksum of its events."""

    incidents: int
    events: int
    followups: int
    checksum: str
    contacts: int = 0  # customer messages and their first-response clocks


@dataclass(frozen=True)
class Copied:
    """The outcome of a copy: what was copied (or found already there), verified."""

    source: str
    target: str
    tally: Tally
    already_there: bool


def _events(store: Store) -> Iterator[Event]:
    for row in sorted(store.incidents(), key=lambda r: r.number):
        yield from store.events(row.id)


def tally(store: Store) -> Tally:
    """Counts of incidents, events and follow-ups, and a SHA-256 over every event."""
    digest = hashlib.sha256()
    lines = sorted(
        (
            e.id,
            "\t".join(
                [
                    str(e.id),
                    e.incident_id,
                    e.kind,
                    encode_time(e.at),
                    encode_time(e.recorded_at),
                    e.who,
                    e.channel or "",
                    encode_json(e.payload),
                ]
            ),
        )
        for e in _events(store)
    )
    for _, line in lines:
        digest.update(line.encode("utf-8", "surrogatepass") + b"\n")
    incidents = store.incidents()
    followups = sum(len(store.followups(row.id)) for row in incidents)
    contacts = sum(len(_contacts(store, row.id)) for row in incidents)
    return Tally(len(incidents), len(lines), followups, digest.hexdigest(), contacts)


def _contacts(store: Store, incident_id: str) -> list[Contact]:
    return store.waiting_contacts(incident_id, answered=True)  # answered or not: every one


def copy_log(source: Store, target: Store) -> Copied:
    """Copy every incident, event, follow-up and contact of `source` into an empty `target`, then
    check that both hold the same; a target that already holds this very log is left be."""
    want = tally(source)
    if target.incidents():
        have = tally(target)
        if have == want:
            return Copied(source.location, target.location, have, already_there=True)
        raise LogError(
            f"{target.location} already holds another incident log ({have.incidents}"
            f" incidents, {have.events} events); nothing was copied.",
            path=target.location,
            hint="Copy into an empty database.",
        )
    # Only the PostgreSQL store takes a whole log at once, ids kept (`import_log`).
    importer = getattr(target, "import_log", None)
    if importer is None:
        raise LogError(
            f"Copying into {target.location} is not supported; nothing was copied.",
            path=target.location,
            hint="Copy to a postgresql:// URL.",
        )
    incidents = sorted(source.incidents(), key=lambda r: r.number)
    followups = [f for row in incidents for f in source.followups(row.id)]
    contacts = [c for row in incidents for c in _contacts(source, row.id)]
    importer(incidents, _events(source), followups, contacts)
    got = tally(target)
    if got != want:
        raise LogError(
            f"The copy in {target.location} does not match {source.location} ({got.events} of"
            f" {want.events} events, checksum {got.checksum[:12]} vs {want.checksum[:12]}).",
            path=target.location,
            hint="Empty the target database and copy again; keep using the local log meanwhile.",
            kept=True,
        )
    return Copied(source.location, target.location, got, already_there=False)


@dataclass(frozen=True)
class LogInfo:
    """What `crisis db info` shows: which backend, which schema, which server, how big."""

    backend: str
    location: str
    schema_version: int
    server_version: str
    size_bytes: int
    incidents: int
    events: int


def log_info(store: Store) -> LogInfo:
    """The facts of an open log (opening it brought its schema up to date)."""
    from crisisplan.store import sqlite_version
    from crisisplan.store.migrations import MIGRATIONS, latest_version

    incidents = store.incidents()
    events = sum(store.count_events(row.id) for row in incidents)
    describe = getattr(store, "describe", None)
    if describe is not None:
        facts = describe()
        return LogInfo(
            backend=facts["backend"],
            location=store.location,
            schema_version=facts["schema_version"],
            server_version=facts["server_version"],
            size_bytes=facts["size_bytes"],
            incidents=len(incidents),
            events=events,
        )
    path = Path(store.location)
    size = sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
    return LogInfo(
        backend="sqlite",
        location=store.location,
        schema_version=latest_version(MIGRATIONS),
        server_version=f"SQLite {sqlite_version()}",
        size_bytes=size,
        incidents=len(incidents),
        events=events,
    )
