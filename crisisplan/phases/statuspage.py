"""The public status page: what was said in public, gathered from the log, and published
whole or not at all.

Only public updates posted on the status page channel reach the site; notes, drafts,
replies and internal state (who posted, the summary, the ladder) never do. An incident
appears once something public was said about it, so one kept quiet on purpose (a
suspected breach while legal reviews the words) stays off the page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from crisisplan.errors import CrisisError, StoreError
from crisisplan.interrupts import held
from crisisplan.phases import state as st

if TYPE_CHECKING:
    from crisisplan.store import Store
    from crisisplan.store.base import Brief

RESOLVED_WINDOW_DAYS = 90
DEFAULT_TITLE = "Service status"
# The files a build writes, and its folder of Statuspage-shaped API files; a folder
# holding anything else is not replaced.
SITE_FILES = ("index.html", "status.json", "feed.atom")
SITE_FOLDERS = ("api",)

# Ids in the feed and the JSON are UUIDs of version 8 (RFC 9562, a layout of our own):
# 80 bits from the SHA-1 of the incident's id and start time in this namespace, then the
# event's id in the last 48. The same update gets the same id in every build, on any
# machine, at the cost of one hash per incident rather than one per update.
_ID_NAMESPACE = bytes.fromhex("4b3c1f0e9d2a5b6c8e7f01a2b3c4d5e6")

Progress = Callable[[int, int], None]
"""Called with (incidents done, incidents in all) while the log is read."""


@dataclass(slots=True)
class PublicUpdate:
    """One update as the public saw it (not frozen: a log holds tens of thousands)."""

    id: str  # a urn:uuid: that never changes
    event_id: int
    at: dt.datetime
    text: str
    resolves: bool  # the final update `resolve` posted, or one posted after it
    logged: str  # `at` as the log keeps it: YYYY-MM-DDTHH:MM:SS.ffffffZ, UTC


@dataclass(frozen=True)
class Component:
    """A part of the service the page reports on, as the plan names it."""

    id: str
    name: str
    description: str


@dataclass(frozen=True)
class PublicIncident:
    """An incident as the status page shows it; `updates` are newest first."""

    id: str
    title: str
    resolved: bool
    severity: str
    severity_name: str
    severity_description: str
    severity_rank: int  # 0 for the plan's least severe level
    started_at: dt.datetime
    resolved_at: dt.datetime | None
    next_update_by: dt.datetime | None  # promised in the latest update, while open
    eta: dt.datetime | None  # the latest time of a fix said in public, while open
    updates: list[PublicUpdate]
    components: tuple[str, ...] = ()  # the ids it affects, as last named (start or update)

    @property
    def latest(self) -> PublicUpdate:
        return self.updates[0]


@dataclass(frozen=True)
class Site:
    """Everything the status page, its JSON and its feed are made from."""

    title: str
    url: str | None
    generated_at: dt.datetime
    window_days: int
    open: list[PublicIncident]
    resolved: list[PublicIncident]
    components: tuple[Component, ...] = ()  # the newest incident's plan's, in its order

    @property
    def incidents(self) -> list[PublicIncident]:
        return [*self.open, *self.resolved]

    @property
    def update_count(self) -> int:
        return sum(len(i.updates) for i in self.incidents)

    @property
    def feed_id(self) -> str:
        """The feed's permanent id: from the page's address, else from its title."""
        return uuid_urn(f"feed:{self.url or self.title}", 0)


def uuid_urn(name: str, number: int) -> str:
    """A version 8 UUID URN: 80 bits from hashing `name`, then `number` in the last 48."""
    digest = bytearray(hashlib.sha1(_ID_NAMESPACE + name.encode("utf-8", "replace")).digest())
    digest[6] = (digest[6] & 0x0F) | 0x80  # version 8
    digest[8] = (digest[8] & 0x3F) | 0x80  # the RFC 4122 variant
    h = digest[:10].hex()
    return f"urn:uuid:{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{number & (2**48 - 1):012x}"


def severity_name(severity_id: str) -> str:
    """`major` -> `Major`, `sev-1` -> `Sev 1`: a plan's id as a word for the public."""
    words = severity_id.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:]


def gather(
    store: Store,
    *,
    now: dt.datetime,
    title: str | None = None,
    window_days: int = RESOLVED_WINDOW_DAYS,
    progress: Progress | None = None,
) -> Site:
    """Open incidents and those resolved in the last `window_days`, from public updates."""
    glances = _glances(store)
    since = now - dt.timedelta(days=window_days)
    # Incidents never spoken of in public, or resolved before the window, are skipped
    # without reading their events.
    shown = {
        incident_id: state for incident_id, _, state in glances if _worth_reading(state, since)
    }
    tick = progress or (lambda _done, _total: None)
    tick(0, len(shown))
    open_: list[PublicIncident] = []
    resolved: list[PublicIncident] = []
    # One pass over the start and public updates of every incident shown, by incident.
    briefs = store.payloads(list(shown), kinds=("incident_started", "public_update"))
    for done, (incident_id, events) in enumerate(groupby(briefs, key=itemgetter(1)), start=1):
        incident = _incident(incident_id, shown[incident_id], events)
        if incident is not None:
            (resolved if incident.resolved else open_).append(incident)
        tick(done, len(shown))
    tick(len(shown), len(shown))
    newest_id = max(glances, key=itemgetter(1))[0] if glances else None
    newest = store.incident(newest_id) if newest_id else None
    plan = st.of(newest).plan if newest else None
    url = plan.status_url if plan else None
    # The page speaks for the company; "Service status" only when no plan names one.
    default = f"{plan.company} status" if plan and plan.company else DEFAULT_TITLE
    components = tuple(
        Component(cid, c.name, " ".join((c.description or "").split()))
        for cid, c in (plan.components if plan else {}).items()
    )
    # Most severe first, then the most recently updated.
    open_.sort(key=lambda i: (i.severity_rank, i.latest.at), reverse=True)
    resolved.sort(key=lambda i: i.resolved_at or i.latest.at, reverse=True)
    return Site(
        title=" ".join((title or "").split()) or default,
        url=url,
        generated_at=now,
        window_days=window_days,
        open=open_,
        resolved=resolved,
        components=components,
    )


def _glances(store: Store) -> list[tuple[str, int, st.PublicGlance]]:
    """(id, number, glance) of every incident, each read from the parts of its state the
    page shows (parsed by the database); a state it cannot read is worded by the store."""
    try:
        parts = store.state_parts(st.GLANCE_PATHS)
        return [(i, number, st.public_glance_of(part)) for i, number, part in parts]
    except (StoreError, ValueError, TypeError, AttributeError):
        rows = store.incidents()
        return [(row.id, row.number, st.public_glance(row.state)) for row in rows]


def _worth_reading(state: st.PublicGlance, since: dt.datetime) -> bool:
    if state.last_public_at is None:
        return False
    if state.phase == "during":
        return True
    ended = state.resolved_at or state.last_public_at
    return dt.datetime.fromisoformat(ended) >= since


def _incident(
    incident_id: str, state: st.PublicGlance, events: Iterable[Brief]
) -> PublicIncident | None:
    channel = state.status_channel
    resolved = state.phase != "during"
    resolved_at = _time(state.resolved_at) if resolved else None
    prefix = uuid_urn(f"{incident_id}/{state.started_at}", 0)[:-12]
    updates: list[PublicUpdate] = []
    eta = next_update = None
    components: list[str] = []
    add = updates.append
    for event_id, _, at, event_channel, payload, kind, logged in events:
        # Named at the start or with an update: the components affected from then on.
        components = payload.get("components", components)
        if kind != "public_update":
            continue
        if channel is not None and event_channel != channel:
            continue  # the same news, shortened for social media or a forum
        eta = payload.get("eta") or eta
        next_update = payload.get("next_update_at")
        text = payload.get("text") or payload.get("message") or ""
        add(
            PublicUpdate(
                f"{prefix}{event_id:012x}",
                event_id,
                at,
                text if type(text) is str else str(text),
                bool(payload.get("final")) or (resolved_at is not None and at >= resolved_at),
                logged,
            )
        )
    if not updates:
        return None
    updates.reverse()
    severity = state.severity
    levels = list(state.severities)
    # Only the words written for the public (`public_glance` reads no other): the internal
    # description may say what the team fears ("personal information may have been seen").
    described = state.severities.get(severity) or ""
    return PublicIncident(
        id=incident_id,
        title=state.title,
        resolved=resolved,
        severity=severity,
        severity_name=severity_name(severity),
        severity_description=" ".join(described.split()),
        severity_rank=levels.index(severity) if severity in levels else 0,
        started_at=dt.datetime.fromisoformat(state.started_at),
        resolved_at=(resolved_at or updates[0].at) if resolved else None,
        next_update_by=None if resolved else _time(next_update),
        eta=None if resolved else _time(eta),
        updates=updates,
        components=tuple(components),
    )


def _time(value: object) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if isinstance(value, str) and value else None


def publish(directory: Path, files: Iterable[tuple[str, Iterable[str | bytes]]]) -> Path:
    """Write the site into a new folder beside `directory`, then swap it in by renames.

    `files` gives each file's name (it may hold a folder: `api/v2/x.json`) and the pieces
    of its text, written as they come: a site of 100 MB is never joined into one string,
    and while the disk takes one file (a thread waits for it) the next is made.
    A build that fails leaves the previous site as it was. Only a missing or empty folder,
    or one holding nothing but a site this command built, is ever replaced.
    """
    target = directory.expanduser().absolute()
    _check_replaceable(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fresh = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.new-"))
    except OSError as exc:
        raise _cannot_write(target, exc) from None
    syncing: list[_Syncing] = []
    try:
        for file_name, pieces in files:
            path = fresh / file_name
            for folder in reversed(path.relative_to(fresh).parents[:-1]):
                (fresh / folder).mkdir(exist_ok=True)
                (fresh / folder).chmod(0o755)
            handle = path.open("wb")
            try:
                for piece in pieces:
                    handle.write(piece.encode("utf-8") if isinstance(piece, str) else piece)
                handle.flush()
            except BaseException:
                handle.close()
                raise
            syncing.append(_Syncing(handle, path))
        _synced(syncing)
        fresh.chmod(0o755)
        with held():  # Ctrl-C between its renames would leave no site at all
            _swap(fresh, target)
    except OSError as exc:
        _synced(syncing, quietly=True)
        shutil.rmtree(fresh, ignore_errors=True)
        raise _cannot_write(target, exc) from None
    except BaseException:
        _synced(syncing, quietly=True)
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    return target


class _Syncing(threading.Thread):
    """A file of the site being synced to the disk and closed, by a thread of its own: a
    large site waits for the disk a fifth of its build, time in which the next is made."""

    def __init__(self, handle: BinaryIO, path: Path) -> None:
        super().__init__(name=f"sync {path.name}", daemon=True)
        self.handle, self.path = handle, path
        self.error: OSError | None = None
        self.start()

    def run(self) -> None:
        try:
            with self.handle:
                os.fsync(self.handle.fileno())
            self.path.chmod(0o644)
        except OSError as exc:  # raised by the thread that waits for it
            self.error = exc


def _synced(syncing: list[_Syncing], *, quietly: bool = False) -> None:
    """Wait for every file to be on the disk; raise the first error, unless `quietly`."""
    for thread in syncing:
        thread.join()
    errors = [thread.error for thread in syncing if thread.error is not None]
    if errors and not quietly:
        raise errors[0]


def _check_replaceable(target: Path) -> None:
    if not target.exists() and not target.is_symlink():
        return
    if target.is_symlink() or not target.is_dir():
        what = "a symbolic link" if target.is_symlink() else "not a folder"
        raise CrisisError(
            f"{target} is {what}, so the status page cannot be built there.",
            hint="Name a new or empty folder, e.g. site/ (a build replaces the folder itself).",
        )
    try:
        others = sorted(
            p.name for p in target.iterdir() if p.name not in (*SITE_FILES, *SITE_FOLDERS)
        )
    except OSError as exc:
        raise _cannot_write(target, exc) from None
    if others:
        shown = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
        raise CrisisError(
            f"{target} holds files that are not part of a status page ({shown}); "
            "it was left untouched.",
            hint="Name a new or empty folder, e.g. site/; a build replaces the whole folder.",
        )


def _swap(fresh: Path, target: Path) -> None:
    """Put `fresh` where `target` is; the old site goes only once the new one is in place."""
    if not target.exists():
        fresh.rename(target)
        return
    old = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.old-"))
    old.rmdir()  # only its unique name is wanted
    target.rename(old)
    try:
        fresh.rename(target)
    except BaseException:
        old.rename(target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _cannot_write(target: Path, exc: OSError) -> CrisisError:
    return CrisisError(
        f"could not write the status page to {target}: {exc.strerror or exc}.",
        hint="Check the folder is writable and has space; the previous site is unchanged.",
    )
