"""A template in the response library: front matter plus a Jinja2 body."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from crisisplan.playbook.model import Id, Purpose, Text
from crisisplan.playbook.promises import PromiseDecl, promise_decl

# An email's subject line: itself a template, rendered onto one line.
Subject = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]

# Blocks each purpose must define (playbook-format.md).
REQUIRED_BLOCKS: dict[str, tuple[str, ...]] = {
    "first_response": ("acknowledge", "explain", "action", "next_update"),
    "update": ("acknowledge", "explain", "action", "next_update"),
    "status_update": ("acknowledge", "explain", "action", "next_update"),
    "apology": ("cause", "impact", "remedy", "invite_reply"),
}


class FrontMatter(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Id
    purpose: Purpose
    channels: list[Id] = Field(default_factory=list)
    sections: list[Id] = Field(default_factory=list)
    description: Text | None = None
    subject: Subject | None = None
    # What the words promise, so the ledger can hold the team to it (docs/promises.md).
    promises: list[Annotated[PromiseDecl, BeforeValidator(promise_decl)]] = Field(
        default_factory=list
    )


class Template(BaseModel):
    """A parsed template file; `body_line` is the file line where the body starts."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    front: FrontMatter
    body: str
    path: Path
    body_line: int
    # Where `subject:` is in the front matter, for its errors (line, column).
    subject_at: tuple[int, int] | None = None
