"""Before a crisis: `init`, `check`, `plan`."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from crisisplan.cli.options import JsonOpt, PlaybookOpt


class PlanFormat(StrEnum):
    text = "text"
    md = "md"
    html = "html"


PlaybookArg = Annotated[
    Path | None,
    typer.Argument(
        help="The playbook YAML, as -p gives it. Default: $CRISIS_PLAYBOOK, else the only "
        "*.yaml in ./playbooks/.",
        show_default=False,
    ),
]


def check(
    playbook: PlaybookArg = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 when there are warnings.")
    ] = False,
    as_json: JsonOpt = False,
    playbook_opt: PlaybookOpt = None,
) -> None:
    """Validate the playbook and templates; audit its readiness.

    Exit 0 when ready, 1 when there are warnings and --strict is given, 2 when the
    playbook or a template is invalid or the plan is not ready.

    Example: crisis check playbooks/example.yaml --strict
    """
    from crisisplan.phases.before import run_check
    from crisisplan.views.check import show_check

    report = run_check(_one_playbook(playbook, playbook_opt))
    raise typer.Exit(show_check(report, as_json=as_json, strict=strict))


def plan(
    playbook: PlaybookArg = None,
    fmt: Annotated[
        PlanFormat, typer.Option("--format", "-f", help="text for the terminal, md or html.")
    ] = PlanFormat.text,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to this file instead of stdout."),
    ] = None,
    playbook_opt: PlaybookOpt = None,
) -> None:
    """Show the plan as a person reads it, as text, Markdown or HTML.

    Its stance, channels, escalation, update cadence and language.

    Example: crisis plan --format html -o crisis-plan.html
    """
    from crisisplan.files import write_atomic
    from crisisplan.phases.before import plan_outline
    from crisisplan.views.plan import render_plan

    title, sections = plan_outline(_one_playbook(playbook, playbook_opt))
    document = render_plan(title, sections, fmt.value)
    if output is None:
        typer.echo(document, nl=False)
    else:
        write_atomic(output, document)
        typer.echo(f"wrote {output}", err=True)


def init(
    directory: Annotated[
        Path,
        typer.Argument(
            help="Where to write the example plan.", show_default="the current directory"
        ),
    ] = Path(),
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite files that already exist.")
    ] = False,
) -> None:
    """Write a working example plan for the team to adapt.

    It writes playbooks/, response_library/ and a README.

    Example: crisis init my-team && cd my-team && crisis check
    """
    from crisisplan.phases.before import init_plan

    written = init_plan(directory, force=force)
    for path in written:
        typer.echo(f"wrote {path}")
    typer.echo(f"Next: {_cd(directory)}crisis check && crisis plan")


def register(app: typer.Typer) -> None:
    """Add the before-phase commands to the app."""
    app.command(rich_help_panel="Before")(init)
    app.command(rich_help_panel="Before")(check)
    app.command(rich_help_panel="Before")(plan)


def _one_playbook(argument: Path | None, option: Path | None) -> Path | None:
    """`crisis check PLAYBOOK` and `crisis check -p PLAYBOOK` alike; not two different ones."""
    if argument is not None and option is not None and argument != option:
        from crisisplan.errors import UsageError

        raise UsageError(
            f"two playbooks given: {argument} and -p {option}.",
            hint="Name one, as the argument or with -p.",
        )
    return argument if argument is not None else option


def _cd(directory: Path) -> str:
    """`cd DIR && `, quoted for the shell; nothing when DIR is where the user already is."""
    import shlex

    if directory.resolve() == Path.cwd().resolve():
        return ""
    return f"cd {shlex.quote(str(directory))} && "
