"""The exceptions library code raises; only the CLI boundary turns them into messages."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# Exit codes, as cli.md states them.
EXIT_OK = 0
EXIT_PROBLEM = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130  # Ctrl-C or Ctrl-D: 128 + SIGINT, as shells report it


@dataclass(frozen=True)
class Location:
    """A place in a user's file; line and column are 1-based."""

    file: Path | str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [str(self.file)]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


class CrisisError(Exception):
    """A mistake or failure the user can act on: what, where, and what to do."""

    exit_code: int = EXIT_BAD_INPUT

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        location: Location | None = None,
        exit_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.location = location
        if exit_code is not None:
            self.exit_code = exit_code

    def __reduce__(self) -> tuple[object, ...]:
        # Errors cross from the bulk drafter's worker processes by pickle; subclasses take
        # other arguments, so rebuild from the attributes instead of calling __init__.
        return _restored, (type(self), self.args, self.__dict__)

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}" if self.location else self.message
        if not self.hint:
            return text
        # Two sentences: what is wrong, then what to do.
        end = "" if text.rstrip().endswith((".", "!", "?", ":")) else "."
        return f"{text.rstrip()}{end} {self.hint}"


def _restored(
    cls: type[CrisisError], args: tuple[object, ...], attributes: dict[str, object]
) -> CrisisError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(attributes)
    return error


class PlaybookError(CrisisError):
    """The playbook or its library cannot be loaded or is invalid."""


class TemplateError(CrisisError):
    """A template failed to parse or render."""


class StoreError(CrisisError):
    """The incident log cannot be opened, read or written."""


class UsageError(CrisisError):
    """A flag or argument is missing or wrong."""


class Interrupted(CrisisError):
    """The user stopped the command (Ctrl-C, or Ctrl-D at a question); says what was kept."""

    exit_code = EXIT_INTERRUPTED


class PlaybookInvalid(PlaybookError):
    """One or more located problems in a playbook or its library, each on its own line."""

    def __init__(self, problems: list[tuple[Location, str]], *, hint: str | None = None) -> None:
        self.problems = problems
        first_location, first_message = problems[0]
        super().__init__(first_message, location=first_location, hint=hint)

    def __str__(self) -> str:
        lines = [f"{loc}: {message}" for loc, message in self.problems]
        if self.hint:
            lines.append(self.hint)
        return "\n".join(lines)
