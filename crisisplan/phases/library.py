"""The response library: browse its templates. Keeping a reply as one is in `library_save`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from crisisplan.errors import CrisisError, Location

if TYPE_CHECKING:
    from crisisplan.playbook.loader import Plan

__all__ = ["Entry", "entries", "source"]


@dataclass(frozen=True)
class Entry:
    """A template in the library, as `crisis library list` shows it."""

    id: str
    purpose: str
    channels: list[str]
    sections: list[str]
    description: str | None
    path: Path
    named_for: list[str]  # purposes the playbook uses it for

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "purpose": self.purpose,
            "channels": self.channels,
            "sections": self.sections,
            "description": self.description,
            "file": str(self.path),
            "named_for": self.named_for,
        }


def entries(*, plan: Plan) -> list[Entry]:
    """Every template in the library, in file-name order."""
    named: dict[str, list[str]] = {}
    for purpose, template_id in plan.playbook.templates.items():
        named.setdefault(template_id, []).append(purpose)
    return [
        Entry(
            id=t.front.id,
            purpose=t.front.purpose,
            channels=list(t.front.channels),
            sections=list(t.front.sections),
            description=t.front.description,
            path=t.path,
            named_for=named.get(t.front.id, []),
        )
        for t in plan.templates.values()
    ]


def source(*, plan: Plan, template_id: str) -> tuple[Path, str]:
    """A template's file and its text as written (front matter and body)."""
    template = plan.templates_by_id(template_id)
    try:
        return template.path, template.path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CrisisError(
            f"could not read {template.path}: {getattr(exc, 'strerror', None) or exc}.",
            location=Location(template.path),
            hint="Check the file is still there and readable.",
        ) from None
