"""Reading a help desk's ticket export: Zendesk's and Help Scout's CSV, row by row.

Each format is a mapping from the export's own column names to what a contact needs. A
row comes out as a `Ticket`, or the reading stops with an error naming its line and
column: an import records whole batches, so nothing of the batch a bad row is in is kept.
Never holds more than one row.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from crisisplan.errors import CrisisError, Location, UsageError
from crisisplan.phases.followups import check_email, check_name

Format = Literal["zendesk", "helpscout"]
FORMATS: tuple[Format, ...] = ("zendesk", "helpscout")
SAID_LIMIT = 300  # characters of the subject kept as what they said


@dataclass(frozen=True)
class Mapping:
    """Which column of an export holds each thing a contact needs, named as the export
    writes it (matched in any case). `ticket` lists the columns that can hold the ticket
    id: the first found wins."""

    ticket: tuple[str, ...]
    name: str
    email: str
    received: str
    said: str
    via: str


MAPPINGS: dict[Format, Mapping] = {
    # Zendesk Support, Admin Center > Tools > Reports > Export, CSV.
    "zendesk": Mapping(
        ticket=("Id",),
        name="Requester",
        email="Requester email",
        received="Created at",
        said="Subject",
        via="Via",
    ),
    # Help Scout, Reports > Export, conversations CSV.
    "helpscout": Mapping(
        ticket=("Conversation ID", "Number"),
        name="Customer Name",
        email="Customer Email",
        received="Created At",
        said="Subject",
        via="Type",
    ),
}

# A help desk's word for where the message came from -> the plan's channel kind.
_KINDS = {
    "mail": "email",
    "email": "email",
    "e-mail": "email",
    "web form": "email",
    "web_form": "email",
    "api": "email",
    "chat": "chat",
    "web widget": "chat",
    "messaging": "chat",
    "twitter": "social",
    "facebook": "social",
    "social": "social",
    "voice": "phone",
    "phone": "phone",
    "forum": "forum",
    "community": "forum",
}


@dataclass(frozen=True)
class Ticket:
    """One row of the export: a customer message."""

    line: int
    ticket: str
    name: str
    email: str
    received_at: dt.datetime
    said: str
    kind: str | None  # the channel kind its `via` names, if known


def read_export(path: Path, fmt: Format | Literal["auto"]) -> tuple[Format, Iterator[Ticket]]:
    """The export's format (named, or found from its columns) and its tickets, streamed.

    A UTF-8 byte-order mark and CRLF line ends are read as any other file. The header is
    checked before this returns, so a wrong file stops before anything is recorded.
    """
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise UsageError(
            f"cannot read {path}: {exc.strerror or exc}.", hint="Check the path to the export."
        ) from None
    reader = csv.reader(handle)
    try:
        header = next(reader, None)
    except (UnicodeDecodeError, csv.Error):
        handle.close()
        raise _unreadable(path, 1) from None
    if header is None:
        handle.close()
        raise CrisisError(f"{path} is empty.", hint="Export the tickets again, with the header.")
    columns = [h.strip().lower() for h in header]
    try:
        found = _format(path, columns) if fmt == "auto" else fmt
        index = _index(path, columns, MAPPINGS[found], found)
    except CrisisError:
        handle.close()
        raise
    return found, _rows(path, handle, reader, index, header)


def _format(path: Path, columns: list[str]) -> Format:
    for fmt in FORMATS:
        if MAPPINGS[fmt].email.lower() in columns:
            return fmt
    raise CrisisError(
        f"{path} is not a Zendesk or Help Scout export I know: "
        "it has no 'Requester email' or 'Customer Email' column.",
        location=Location(path, 1),
        hint="Export tickets as CSV from the help desk, or pass --format zendesk|helpscout.",
    )


_Index = dict[str, int]


def _index(path: Path, columns: list[str], m: Mapping, fmt: Format) -> _Index:
    """Where each needed column is; a missing one is an error naming it."""
    index: _Index = {}
    ticket = next((c.lower() for c in m.ticket if c.lower() in columns), None)
    wanted = {"name": m.name, "email": m.email, "received": m.received, "said": m.said}
    missing = [] if ticket is not None else [m.ticket[0]]
    for field, column in wanted.items():
        if column.lower() in columns:
            index[field] = columns.index(column.lower())
        else:
            missing.append(column)
    if missing:
        named = ", ".join(repr(c) for c in missing)
        raise CrisisError(
            f"the {fmt} export {path.name} has no {named} column.",
            location=Location(path, 1),
            hint=f"Export again with that column (see docs/contacts.md for the {fmt} mapping).",
        )
    assert ticket is not None
    index["ticket"] = columns.index(ticket)
    if m.via.lower() in columns:
        index["via"] = columns.index(m.via.lower())
    return index


def _rows(
    path: Path, handle: object, reader: Iterator[list[str]], index: _Index, header: list[str]
) -> Iterator[Ticket]:
    line = 2
    try:
        for row in reader:
            row_line, line = line, getattr(reader, "line_num", line) + 1
            if not any(cell.strip() for cell in row):
                continue
            yield _ticket(path, row, row_line, index, header)
    except UnicodeDecodeError:
        raise _unreadable(path, line) from None
    except csv.Error as exc:
        raise CrisisError(
            f"the export cannot be read: {exc}.",
            location=Location(path, line),
            hint="Check the quoting on that line.",
        ) from None
    finally:
        close = getattr(handle, "close", None)
        if close is not None:
            close()


def _ticket(path: Path, row: list[str], line: int, index: _Index, header: list[str]) -> Ticket:
    def cell(field: str) -> str:
        i = index.get(field)
        return row[i].strip() if i is not None and i < len(row) else ""

    def bad(field: str, message: str, hint: str) -> CrisisError:
        i = index[field]
        # Where the cell starts on its line, for an editor (exact for unquoted cells).
        column = sum(len(c) + 1 for c in row[:i]) + 1
        return CrisisError(
            f"{header[i].strip()} {message}.",
            location=Location(path, line, column),
            hint=hint,
        )

    ticket = cell("ticket")
    if not ticket:
        raise bad("ticket", "is empty", "Every row needs its ticket id; fix or remove the row.")
    try:
        email = check_email(cell("email"))
    except UsageError as exc:
        raise bad("email", f"is not usable: {exc.message.rstrip('.')}", "Fix the row.") from None
    try:
        name = check_name(cell("name") or email.partition("@")[0])
    except UsageError as exc:
        raise bad("name", f"is not usable: {exc.message.rstrip('.')}", "Fix the row.") from None
    received = cell("received")
    try:
        at = parse_time(received)
    except ValueError:
        raise bad(
            "received",
            f"{received!r} is not a date and time in the form 2024-03-05 14:22:10 +0000",
            "Export the dates in ISO form (year-month-day hour:minute, then the time zone).",
        ) from None
    said = " ".join(cell("said").split())[:SAID_LIMIT]
    via = cell("via").lower()
    return Ticket(line, ticket, name, email, at, said, _KINDS.get(via))


def parse_time(text: str) -> dt.datetime:
    """An export's time: ISO 8601, a space allowed before the zone; no zone means UTC."""
    value = text.strip()
    if len(value) < 10 or not value[:4].isdigit() or value[4] != "-":
        raise ValueError(text)
    value = value.replace(" +", "+").replace(" -", "-")
    if value.endswith(" UTC"):
        value = value[:-4] + "+00:00"
    at = dt.datetime.fromisoformat(value)
    return at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at.astimezone(dt.UTC)


def _unreadable(path: Path, line: int) -> CrisisError:
    return CrisisError(
        f"{path} is not UTF-8 text.",
        location=Location(path, line),
        hint="Export the CSV again as UTF-8.",
    )
