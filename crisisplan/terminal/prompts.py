"""Questions: asked on a terminal, or answered by flags when there is none."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Protocol, TypeVar

from crisisplan.errors import Interrupted, UsageError

_T = TypeVar("_T")


class Asker(Protocol):
    def choose(
        self, question: str, choices: list[tuple[str, str]], *, flag: str, default: str | None
    ) -> str: ...

    def text(self, question: str, *, flag: str, default: str | None = None) -> str: ...

    def confirm(self, question: str, *, flag: str, default: bool = True) -> bool: ...


class FlagsOnly:
    """No terminal: every missing answer is an error naming the flag that gives it."""

    def choose(
        self, question: str, choices: list[tuple[str, str]], *, flag: str, default: str | None
    ) -> str:
        raise _missing(question, flag, ", ".join(c for c, _ in choices))

    def text(self, question: str, *, flag: str, default: str | None = None) -> str:
        raise _missing(question, flag)

    def confirm(self, question: str, *, flag: str, default: bool = True) -> bool:
        raise _missing(question, flag)


class Terminal:
    """A person at a terminal: numbered choices, plain questions, yes/no."""

    def choose(
        self, question: str, choices: list[tuple[str, str]], *, flag: str, default: str | None
    ) -> str:
        import typer

        from crisisplan.terminal.console import inert, out

        console = out()
        console.print(inert(question + ":"), style="bold")
        for number, (choice, description) in enumerate(choices, start=1):
            console.print(inert(f"  {number}. {choice}: {description}"))
        ids = [c for c, _ in choices]
        while True:
            answer = str(
                _asked(
                    question,
                    flag,
                    lambda: typer.prompt(
                        f"Choose 1-{len(ids)} or a name",
                        default=default or "",
                        show_default=bool(default),
                    ),
                )
            ).strip()
            if answer.isdigit() and 1 <= int(answer) <= len(ids):
                return ids[int(answer) - 1]
            if answer in ids:
                return answer
            console.print(inert(f"Not one of the choices: {answer!r}."), style="red")

    def text(self, question: str, *, flag: str, default: str | None = None) -> str:
        while True:
            answer = self.line(question, flag=flag, default=default)
            if answer:
                return answer

    def line(
        self,
        question: str,
        *,
        flag: str,
        default: str | None = None,
        stop_label: str | None = None,
        suffix: str = ": ",
    ) -> str:
        """One answer, stripped; may be empty. `stop_label` names the question if it is
        stopped at, where the question itself is too long to repeat."""
        import typer

        answer = _asked(
            stop_label or question,
            flag,
            lambda: typer.prompt(
                question, default=default or "", show_default=bool(default), prompt_suffix=suffix
            ),
        )
        return str(answer).strip()

    def confirm(self, question: str, *, flag: str, default: bool = True) -> bool:
        import typer

        return bool(_asked(question, flag, lambda: typer.confirm(question, default=default)))


def asker() -> Asker:
    """Prompt only when stdin is a terminal (cli.md)."""
    return Terminal() if sys.stdin.isatty() else FlagsOnly()


def _asked(question: str, flag: str, ask: Callable[[], _T]) -> _T:
    """The answer; Ctrl-C or Ctrl-D at the question stops the command, recording nothing.

    Every command asks before it records, so there is nothing to undo.
    """
    import typer

    try:
        return ask()
    except typer.Abort:
        typer.echo(err=True)  # off the line the question left the cursor on
        raise Interrupted(
            f"Stopped at “{question.rstrip('?:')}”; nothing was recorded.",
            hint=f"Run the command again when ready, or pass {flag} to answer it without asking.",
        ) from None


def _missing(question: str, flag: str, choices: str | None = None) -> UsageError:
    extra = f" (one of: {choices})" if choices else ""
    return UsageError(
        f"{question.rstrip('?:')}? There is no terminal to ask on.",
        hint=f"Pass {flag}{extra}.",
    )


def person_chooser() -> Callable[[str, list[tuple[str, str]]], str] | None:
    """How a drafting command asks who signs, as a numbered choice of the plan's roles;
    None without a terminal (the command then says how to set it)."""
    if not sys.stdin.isatty():
        return None
    terminal = Terminal()

    def choose(question: str, choices: list[tuple[str, str]]) -> str:
        return terminal.choose(question, choices, flag="--as ROLE", default=None)

    return choose
