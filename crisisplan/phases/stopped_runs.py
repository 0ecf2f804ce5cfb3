"""What a run stopped part way kept: the words every bulk command ends its error with.

A bulk command records as it goes, so when bad input or a failure stops it, what it
recorded stays recorded. The user must learn how much that is, where its files are,
what was not reached, and that running the same command again finishes the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Kept:
    """What a stopped run recorded and what it left."""

    recorded: int
    noun: tuple[str, str]  # singular, plural: ("draft", "drafts")
    files: Path | None = None  # the folder its files went to, if any
    files_failed: bool = False  # some of those files could not be written
    restored: int = 0  # files of earlier records written again before it stopped
    not_reached: str | None = None  # e.g. "line 15002 and after"
    rerun: str = "it does the rest and skips what is already done"

    def sentence(self) -> str:
        """'4,300 drafts are recorded, their files in out; line 4302 and after were not
        reached. Fix that, then run the same command again: it ...'"""
        one, many = self.noun
        if self.recorded:
            verb = "is" if self.recorded == 1 else "are"
            said = f"{self.recorded:,} {one if self.recorded == 1 else many} {verb} recorded"
        else:
            said = f"No {one} was recorded"
        if self.files is not None and self.recorded:
            said += f" and their files are in {self.files}"
            if self.files_failed:
                said += ", but for those that could not be written"
        parts = [said]
        if self.restored:
            parts.append(f"{self.restored:,} missing file(s) were written again from the log")
        if self.not_reached:
            parts.append(f"{self.not_reached} were not reached")
        return "; ".join(parts) + f". Fix that, then run the same command again: {self.rerun}."
