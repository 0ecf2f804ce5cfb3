"""The `promises:` a template declares in its front matter: what its words commit us to.

Written as a list: `promises: [next_update, fix_by, contact_when_fixed,
writeup_within_days: 5]`. Each item is a kind's name, or for the write-up a one-key
mapping giving its working days.
"""

from __future__ import annotations

import difflib

from pydantic import BaseModel, ConfigDict
from pydantic_core import PydanticCustomError

# The kinds the ledger tracks, in the order a support lead reads them.
PROMISE_KINDS: tuple[str, ...] = (
    "next_update",
    "fix_by",
    "contact_when_fixed",
    "writeup_within_days",
)
WRITEUP = "writeup_within_days"
MAX_DAYS = 60
_SPELLED = "next_update, fix_by, contact_when_fixed or writeup_within_days: N"


class PromiseDecl(BaseModel):
    """One promise a template makes: its kind, and the working days of a write-up."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str
    days: int | None = None

    def spelled(self) -> str:
        """As the front matter writes it."""
        return f"{self.kind}: {self.days}" if self.days is not None else self.kind


def promise_decl(value: object) -> object:
    """An item of `promises:` as a `PromiseDecl`, or an error naming the kinds there are."""
    if isinstance(value, PromiseDecl):
        return value
    if isinstance(value, str) and value in PROMISE_KINDS and value != WRITEUP:
        return {"kind": value}
    if value == WRITEUP:
        raise PydanticCustomError(
            "promise_days", f"needs its number of working days, like `{WRITEUP}: 5`"
        )
    if isinstance(value, dict) and list(value) == [WRITEUP]:
        days = value[WRITEUP]
        if type(days) is int and 1 <= days <= MAX_DAYS:
            return {"kind": WRITEUP, "days": days}
        raise PydanticCustomError(
            "promise_days",
            f"`{WRITEUP}` must be a whole number of working days from 1 to {MAX_DAYS}, "
            f"got {days!r}",
        )
    name = str(next(iter(value))) if isinstance(value, dict) and value else str(value)
    near = difflib.get_close_matches(name, PROMISE_KINDS, n=1)
    also = f"; did you mean '{near[0]}'?" if near else ""
    raise PydanticCustomError(
        "promise_kind",
        f"is not a promise the ledger knows ({name!r}): write {_SPELLED}{also}",
    )
