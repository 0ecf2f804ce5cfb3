"""Editing a draft in the user's $EDITOR."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from pathlib import Path

from crisisplan.errors import UsageError


def edit(text: str, *, suffix: str = ".md") -> str:
    """Open $VISUAL or $EDITOR on TEXT; return what was saved (unchanged if emptied)."""
    command = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not command:
        raise UsageError("no editor is set.", hint="Set $EDITOR, e.g. export EDITOR=nano.")
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
