"""The files of drafts already in the log (`resolve -o`, `apologize -o`): one a customer,
made safe to open, and on a failure part way an error that says what is kept."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crisisplan.phases.replies import Draft


def write_draft_files(
    output: Path | None,
    drafts: Sequence[Draft],
    *,
    noun: tuple[str, str],
    rerun: str,
) -> list[Path | None]:
    """Write each recorded draft to its file in `output`; the paths, in order (None each
    when there is no folder). A file that cannot be written stops it with what is kept."""
    from crisisplan.files import WriteError, write_atomic
    from crisisplan.inert_text import for_people
    from crisisplan.phases.replies import output_path

    if output is None:
        return [None] * len(drafts)
    paths: list[Path | None] = []
    for number, d in enumerate(drafts, start=1):
        path = output_path(output, d.customer, number)
        try:
            write_atomic(path, for_people(d.text), mode=0o600)  # names and emails: ours only
        except WriteError as exc:
            n = len(drafts)
            exc.hint = (
                f"{n:,} {noun[0] if n == 1 else noun[1]} {'is' if n == 1 else 'are'} recorded; "
                f"{len(paths):,} of their {n:,} files were written in {output} before this one; "
                f"{rerun}."
            )
            raise
        paths.append(path)
    return paths
