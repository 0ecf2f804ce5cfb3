"""Customers to reply to: one from flags, or many streamed from a CSV file."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from crisisplan.errors import CrisisError, Location, UsageError
from crisisplan.phases.followups import check_email, check_name

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

    def record(self) -> dict[str, object]:
        """Who the draft is for, as the log keeps it."""
        return {
            "name": self.name,
            "email": self.email,
            "tier": self.tier,
            "note": self.note,
            "open_case": self.open_case,
        }

    def context(self, previous_incidents: int) -> dict[str, object]:
        """The `customer` variable templates see: plain data, without control characters
        (the log keeps what was entered; the customer reads their name, not an ESC)."""
        from crisisplan.inert_text import for_customer
        from crisisplan.templating.variables import sentence

        clean = {k: for_customer(v) if isinstance(v, str) else v for k, v in self.record().items()}
        # The note is joined into sentences: it gets its full stop (issue 17C).
        clean["note"] = sentence(clean.get("note"))
        return {**clean, "previous_incidents": previous_incidents}


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
