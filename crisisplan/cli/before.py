"""Before a crisis: `init`, `check`, `plan`."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the before-phase commands to the app."""
