"""The one place that owns terminal output: consoles, errors, and inert customer text."""

from __future__ import annotations

import os
import re
import sys
from functools import cache
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from crisisplan.errors import CrisisError

# C0 and C1 controls (but tab and newline), DEL, and the bidi/zero-width
# formatting characters that can disguise text on a terminal.
# Lone surrogates (bytes that were not UTF-8 on the command line) cannot be printed at all.
_UNSAFE = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]"
)


def visible(text: str) -> str:
    """Text with control and bidi characters shown as escapes, safe for any terminal."""
    return _UNSAFE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def inert(text: str, style: str = "") -> Text:
    """Customer or playbook text as a rich Text: never read as markup, controls made visible."""
    from rich.text import Text

    return Text(visible(text), style=style)


def is_terminal(stream: TextIO | None = None) -> bool:
    stream = stream or sys.stdout
    return stream.isatty() and os.environ.get("CI", "").lower() not in {"1", "true"}


@cache
def out() -> Console:
    """The console for results on stdout."""
    from rich.console import Console

    # Piped output is not wrapped: a script or a file wants whole lines.
    return Console(highlight=False, soft_wrap=not is_terminal(), no_color="NO_COLOR" in os.environ)


@cache
def err() -> Console:
    """The console for warnings and progress on stderr."""
    from rich.console import Console

    return Console(
        stderr=True,
        highlight=False,
        soft_wrap=not is_terminal(sys.stderr),
        no_color="NO_COLOR" in os.environ,
    )


def display_error(error: CrisisError) -> None:
    """One or two plain sentences on stderr: what, where, what to do."""
    from crisisplan.errors import Interrupted, PlaybookInvalid

    if isinstance(error, PlaybookInvalid):  # each problem an error; then what to do, once
        lines = [f"error: {loc}: {message}" for loc, message in error.problems]
        lines += [error.hint] if error.hint else []
    else:
        label = "" if isinstance(error, Interrupted) else "error: "  # the user chose to stop
        lines = [f"{label}{line}" for line in str(error).splitlines() or [""]]
    for line in lines:
        sys.stderr.write(visible(line) + "\n")
    sys.stderr.flush()


def display_warning(message: str) -> None:
    sys.stderr.write(f"warning: {visible(message)}\n")
    sys.stderr.flush()
