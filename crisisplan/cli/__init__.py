"""The `crisis` command: thin commands grouped by phase, one error boundary.

Command modules keep heavy imports (jinja2, pydantic models, sqlite, rich) inside
the command bodies so that `--help` and `status` start fast.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

from crisisplan import __version__
from crisisplan.errors import CrisisError, Interrupted

if TYPE_CHECKING:
    from crisisplan.phases.session import Recorded


class CrisisGroup(TyperGroup):
    """The single error boundary: a CrisisError or Ctrl-C becomes a message and an exit code."""

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().make_context(*args, **kwargs)
        except KeyboardInterrupt:  # Typer would exit 130 without a word
            _stop(_interrupted(anything=False))

    def invoke(self, ctx: Any) -> Any:
        recorded: Recorded | None = None
        try:
            from crisisplan.phases.session import command_starts

            recorded = command_starts()
            return super().invoke(ctx)
        except CrisisError as exc:
            _stop(exc)
        except KeyboardInterrupt:  # Ctrl-C away from a question (prompts say where)
            _stop(_interrupted(anything=recorded is not None and recorded.anything))


def _stop(error: CrisisError) -> NoReturn:
    from crisisplan.terminal.console import display_error

    display_error(error)
    raise typer.Exit(error.exit_code)


def _interrupted(*, anything: bool) -> Interrupted:
    """What Ctrl-C says: whether the command recorded anything before it."""
    if sys.stderr.isatty():
        sys.stderr.write("\n")  # off the line the terminal echoed ^C on
    if anything:
        return Interrupted(
            "Interrupted; what this command recorded before it is kept in the log.",
            hint="`crisis timeline` shows it.",
        )
    return Interrupted("Interrupted; nothing was recorded.")


app = typer.Typer(
    name="crisis",
    cls=CrisisGroup,
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        import platform

        from crisisplan.store import psycopg_version, sqlite_version

        typer.echo(
            f"crisis {__version__} (Python {platform.python_version()}, SQLite {sqlite_version()})"
        )
        if (psycopg := psycopg_version()) is not None:
            typer.echo(f"PostgreSQL driver: psycopg {psycopg}")
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
    contacts,
    db,
    during,
    language,
    milestones,
    people,
    public,
    records,
    replies,
    review,
    signoff,
    watch,
)

for module in (before, people, during, replies, language, records, after, review, public):
    module.register(app)
contacts.register(app)
signoff.register(app)  # 20C: approve, reject
milestones.register(app)
watch.register(app)
db.register(app)
