"""Editing a draft in the user's $EDITOR."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

from crisisplan.errors import UsageError

# Tried in turn when neither $VISUAL nor $EDITOR is set: Debian's chosen editor, then the
# two found on nearly every system.
FALLBACKS = ("editor", "nano", "vi")


def editor_command() -> str | None:
    """$VISUAL, else $EDITOR, else the first of `FALLBACKS` on PATH; None when none is."""
    command = (os.environ.get("VISUAL") or os.environ.get("EDITOR") or "").strip()
    if command:
        return command
    return next((name for name in FALLBACKS if shutil.which(name)), None)


def edit(text: str, *, suffix: str = ".md") -> str:
    """Open the editor on TEXT; return what was saved (unchanged if emptied).

    With no editor at all the draft is kept as it is, and stderr says so: a lead who
    chose "edit it first" must not lose the answers they typed.
    """
    command = editor_command()
    if command is None:
        from crisisplan.terminal.console import display_warning

        display_warning(
            "no editor found ($VISUAL, $EDITOR, editor, nano or vi), so the draft is kept "
            "unedited; set $EDITOR to edit drafts next time."
        )
        return text
    fd, name = tempfile.mkstemp(prefix="crisis-draft-", suffix=suffix)
    path = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        try:
            result = subprocess.run([*shlex.split(command), str(path)], check=False)
        except OSError as exc:
            raise UsageError(
                f"could not run the editor {command!r}: {exc.strerror or exc}.",
                hint="Check $EDITOR names a program on your PATH.",
            ) from None
        if result.returncode != 0:
            raise UsageError(
                f"the editor {command!r} exited with status {result.returncode}.",
                hint="Nothing was recorded; run the command again.",
            )
        edited = path.read_text(encoding="utf-8", errors="replace")
    finally:
        path.unlink(missing_ok=True)
    return edited if edited.strip() else text
