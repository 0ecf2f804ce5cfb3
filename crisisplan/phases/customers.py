"""Customers to reply to: one from flags, or many streamed from a CSV file."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from crisisplan.errors import CrisisError, Location, UsageError
from crisisplan.inert_text import for_customer
from crisisplan.phases.followups import check_email, check_name
from crisisplan.templating.variables import sentence

if TYPE_CHECKING:
    from crisisplan.store import Followup, IncidentRow, Store

_TRUE = {"1", "true", "yes", "y", "x", "open"}
_FALSE = {"", "0", "false", "no", "n"}
COLUMNS = ("name", "email", "tier", "note", "open_case")


@dataclass(frozen=True)
class Customer:
    """One customer to draft for; `line` is the CSV line it came from."""

    name: str
    email: str
    tier: str | None = None
    note: str | None = None
    open_case: bool = False
    line: int | None = None
    note_at: dt.datetime | None = None  # when the note was written; None: now

    def record(self) -> dict[str, object]:
        """Who the draft is for, as the log keeps it."""
        return {
            "name": self.name,
            "email": self.email,
            "tier": self.tier,
            "note": self.note,
            "open_case": self.open_case,
        }

    def context(
        self, previous_incidents: int, *, now: dt.datetime | None = None
    ) -> dict[str, object]:
        """The `customer` variable templates see: plain data, without control characters
        (the log keeps what was entered; the customer reads their name, not an ESC).
        A note without a time of its own was written `now`."""
        tier, note = self.tier, self.note
        return {
            "name": for_customer(self.name),
            "email": for_customer(self.email),
            "tier": None if tier is None else for_customer(tier),
            # The note is joined into sentences: it gets its full stop.
            "note": None if note is None else sentence(for_customer(note)),
            "open_case": self.open_case,
            "previous_incidents": previous_incidents,
            "note_at": (self.note_at or now) if note else None,
        }


class Known:
    """What the log already knows of customers: this incident's follow-up list first, then
    earlier incidents (the latest first). By email always; by name only when one email has
    that name, so two customers called Sam never borrow each other's case."""

    def __init__(self, store: Store, row: IncidentRow) -> None:
        self._store, self._row = store, row
        self._emails: dict[str, Followup] | None = None
        self._names: dict[str, Followup | None] = {}

    def _index(self) -> dict[str, Followup]:
        """Read once, on the first look-up; indexed so a CSV of thousands stays quick."""
        if self._emails is None:
            earlier = sorted(
                (r for r in self._store.incidents() if r.number < self._row.number),
                key=lambda r: r.number,
                reverse=True,
            )
            self._emails = {}
            for incident_id in [self._row.id, *(r.id for r in earlier)]:
                names: dict[str, list[Followup]] = {}
                for f in self._store.followups(incident_id):
                    self._emails.setdefault(f.email.lower(), f)
                    names.setdefault(f.name.strip().casefold(), []).append(f)
                for name, found in names.items():
                    if name not in self._names:  # the latest list naming them decides
                        unique = len({f.email.lower() for f in found}) == 1
                        self._names[name] = found[0] if unique else None
        return self._emails

    def by_email(self, email: str) -> Followup | None:
        """The latest entry for this email, in any case."""
        return self._index().get(email.strip().lower())

    def by_name(self, name: str) -> Followup | None:
        """The latest entry for this name, if only one email goes by it there."""
        self._index()
        return self._names.get(name.strip().casefold())

    def filled(self, c: Customer) -> Customer:
        """The customer with what the log knows, where the flags or the CSV left it empty.

        A note comes from this incident's list only: one about an earlier incident would
        read as true of this one.
        """
        f = self.by_email(c.email)
        if f is None:
            return c
        note_from_log = c.note is None and f.note is not None and f.incident_id == self._row.id
        return dataclasses.replace(
            c,
            tier=c.tier or f.tier,
            note=f.note if note_from_log else c.note,
            open_case=c.open_case or f.open_case,
            note_at=f.added_at if note_from_log else c.note_at,
        )

    def fill_all(self, rows: Iterable[Customer | BadRow]) -> Iterator[Customer | BadRow]:
        """Each CSV customer filled in as `filled` does; bad rows pass through."""
        for r in rows:
            yield self.filled(r) if isinstance(r, Customer) else r


@dataclass(frozen=True)
class BadRow:
    line: int
    message: str


def customer(
    name: str,
    email: str,
    *,
    tier: str | None,
    note: str | None,
    open_case: bool,
    line: int | None = None,
) -> Customer:
    """A validated customer: a name, a plausible email; empty optional fields are None."""
    return Customer(
        name=check_name(name),
        email=check_email(email),
        tier=(tier or "").strip() or None,
        note=(note or "").strip() or None,
        open_case=open_case,
        line=line,
    )


def read_csv(path: Path) -> Iterator[Customer | BadRow]:
    """Stream customers from a CSV (name,email[,tier,note,open_case]); bad rows as BadRow.

    Handles a UTF-8 byte-order mark, quoted commas and line breaks, and blank lines.
    Never holds more than one row.
    """
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise CrisisError(
            f"cannot read {path}: {exc.strerror or exc}.", hint="Check the path to the CSV file."
        ) from None
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
            if header is None:
                raise CrisisError(
                    f"{path} is empty.",
                    hint="The first line names the columns: name,email[,tier,note,open_case].",
                )
            columns = _columns(path, header)
            missing = [c for c in ("name", "email") if c not in columns]
            if missing:
                raise CrisisError(
                    f"{path} has no {' or '.join(missing)} column (found: {', '.join(columns)}).",
                    location=Location(path, 1),
                    hint="The first line must name the columns: "
                    "name,email and optionally tier,note,open_case.",
                )
            index = {c: columns.index(c) for c in COLUMNS if c in columns}
            line = reader.line_num + 1
            for row in reader:
                row_line, line = line, reader.line_num + 1
                if not any(cell.strip() for cell in row):
                    continue
                yield _row(row, index, row_line)
        except UnicodeDecodeError as exc:
            raise CrisisError(
                f"{path} is not UTF-8 text (byte {exc.start}).", hint="Save the CSV as UTF-8."
            ) from None
        except csv.Error as exc:
            raise CrisisError(
                f"the CSV cannot be read: {exc}.",
                location=Location(path, reader.line_num),
                hint="Check the quoting on that line.",
            ) from None


def _columns(path: Path, header: list[str]) -> list[str]:
    """The header's column names; one named twice or not at all is an error naming it."""
    columns = [h.strip().lower() for h in header]
    seen: set[str] = set()
    at = 1  # the character column where each name starts (for an editor's file:line:col)
    for n, name in enumerate(columns, start=1):
        if not name:
            raise CrisisError(
                f"column {n} has no name.",
                location=Location(path, 1, at),
                hint="Name every column in the first line, or remove the empty one.",
            )
        if name in seen:
            raise CrisisError(
                f"the column {name} appears twice; which one to read is not clear.",
                location=Location(path, 1, at),
                hint="Keep one column of each name in the first line.",
            )
        seen.add(name)
        at += len(header[n - 1]) + 1
    return columns


def _row(row: list[str], index: dict[str, int], line: int) -> Customer | BadRow:
    def cell(name: str) -> str:
        i = index.get(name)
        return row[i].strip() if i is not None and i < len(row) else ""

    for name, i in index.items():
        if i < len(row) and "\x00" in row[i]:
            return BadRow(line, f"{name} has a NUL byte")

    flag = cell("open_case").lower()
    if flag not in _TRUE | _FALSE:
        return BadRow(line, f"open_case {cell('open_case')!r} is not yes or no")
    try:
        return customer(
            cell("name"),
            cell("email"),
            tier=cell("tier"),
            note=cell("note"),
            open_case=flag in _TRUE,
            line=line,
        )
    except UsageError as exc:
        return BadRow(line, exc.message.rstrip("."))
