"""Questions: asked on a terminal, or answered by flags when there is none."""

from __future__ import annotations

import sys
from typing import Protocol

from crisisplan.errors import UsageError


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

        from crisisplan.console import inert, out

        console = out()
        console.print(inert(question + ":"), style="bold")
        for number, (choice, description) in enumerate(choices, start=1):
            console.print(inert(f"  {number}. {choice}: {description}"))
        ids = [c for c, _ in choices]
        while True:
            answer = str(
                typer.prompt(
                    f"Choose 1-{len(ids)} or a name",
                    default=default or "",
                    show_default=bool(default),
                )
            ).strip()
            if answer.isdigit() and 1 <= int(answer) <= len(ids):
                return ids[int(answer) - 1]
            if answer in ids:
                return answer
            console.print(inert(f"Not one of the choices: {answer!r}."), style="red")

    def text(self, question: str, *, flag: str, default: str | None = None) -> str:
        import typer

        while True:
            answer: str = typer.prompt(question, default=default or "", show_default=bool(default))
            if answer.strip():
                return answer.strip()

    def confirm(self, question: str, *, flag: str, default: bool = True) -> bool:
        import typer

        return bool(typer.confirm(question, default=default))


def asker() -> Asker:
    """Prompt only when stdin is a terminal (cli.md)."""
    return Terminal() if sys.stdin.isatty() else FlagsOnly()


def _missing(question: str, flag: str, choices: str | None = None) -> UsageError:
    extra = f" (one of: {choices})" if choices else ""
    return UsageError(
        f"{question.rstrip('?:')}? There is no terminal to ask on.",
        hint=f"Pass {flag}{extra}.",
    )
