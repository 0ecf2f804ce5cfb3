"""After a crisis: `resolve`, `reopen`, `apologize`."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the aftermath commands to the app."""
