"""After a crisis: `review`, the post-incident review built from the log."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the review command to the app."""
