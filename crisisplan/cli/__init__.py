"""The `crisis` command: thin commands grouped by phase, one error boundary.

Command modules keep heavy imports (jinja2, pydantic models, sqlite, rich) inside
the command bodies so that `--help` and `status` start fast.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from crisisplan import __version__
from crisisplan.errors import CrisisError, Interrupted


class CrisisGroup(TyperGroup):
    """The single error boundary: a CrisisError or Ctrl-C becomes a message and an exit code."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except CrisisError as exc:
            error = exc
        except KeyboardInterrupt:  # Ctrl-C away from a question (prompts say where)
            from crisisplan.interrupts import anything_recorded

            if sys.stderr.isatty():
                sys.stderr.write("\n")  # off the line the terminal echoed ^C on
            error = (
                Interrupted(
                    "Interrupted; what this command recorded before it is kept in the log.",
                    hint="`crisis timeline` shows it.",
                )
                if anything_recorded()
                else Interrupted("Interrupted; nothing was recorded.")
            )
        from crisisplan.console import display_error

        display_error(error)
        raise typer.Exit(error.exit_code)


app = typer.Typer(
    name="crisis",
    cls=CrisisGroup,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        import platform
        import sqlite3

        typer.echo(
            f"crisis {__version__} (Python {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version})"
        )
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Crisis communication for support teams: before, during and after an incident.

    Example: crisis init my-team && cd my-team && crisis check && crisis start
    """


from crisisplan.cli import (  # noqa: E402  (each module registers its commands on `app`)
    after,
    before,
    during,
    language,
    public,
    records,
    replies,
    review,
)

for module in (before, during, replies, language, records, after, review, public):
    module.register(app)
