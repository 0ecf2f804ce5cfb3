"""Findings of `crisis check`: validation, readiness and template problems."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from crisisplan.errors import Location

Level = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    """One problem in a plan: how bad, what, where, and a stable code for tools."""

    level: Level
    code: str
    message: str
    location: Location | None = None

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        return f"{where}{self.level}: {self.message}"

    def as_json(self) -> dict[str, object]:
        loc = self.location
        return {
            "level": self.level,
            "code": self.code,
            "message": self.message,
            "file": str(loc.file) if loc else None,
            "line": loc.line if loc else None,
            "column": loc.column if loc else None,
        }
