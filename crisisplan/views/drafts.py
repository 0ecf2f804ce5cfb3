"""A draft on screen: its words, then what the language rules found in them."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crisisplan.phases.replies import Draft


def show_draft(
    d: Draft,
    path: Path | None,
    *,
    heading: str | None = None,
    lines: Sequence[tuple[str, str]] = (),
) -> None:
    """The text (or where it was written), then notes and findings, all inert."""
    from crisisplan.terminal.console import err, inert, out

    console = out()
    if heading is not None:
        console.print(inert(f"── {heading}", style="bold"))
    if path is None:
        console.print(inert(d.text.rstrip("\n")))
    else:
        err().print(inert(f"wrote {path}"))
    # Problems with a draft belong with it on a terminal, and out of the drafts when piped.
    target = console if sys.stdout.isatty() else err()
    for line, style in lines:
        target.print(inert(line, style=style))
    for f in d.findings:
        style = "bold red" if f.level == "error" else "yellow"
        target.print(
            inert(f"{f.line}:{f.column}: {f.level}: “{f.phrase}”: {f.why}", style=style)
            + inert(f" Try: {f.suggestion}" if f.suggestion else "")
        )
