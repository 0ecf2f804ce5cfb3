"""Being public and reaching people: `statuspage build`, `send`."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the status page and sending commands to the app."""
