"""The shared language: `lint`, `brief`, and the response `library`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from crisisplan.cli.options import AsOpt, DbOpt, IncidentOpt, JsonOpt, PlaybookOpt

if TYPE_CHECKING:
    from crisisplan.playbook.model import Language

STDIN = "<stdin>"


def lint(
    file: Annotated[
        str | None,
        typer.Argument(
            help="The text to check; - reads stdin. Default: stdin, when it is not a terminal.",
            show_default=False,
        ),
    ] = None,
    minor: Annotated[
        bool,
        typer.Option("--minor", help="The incident is minor, so calling it minor is fair."),
    ] = False,
    as_json: JsonOpt = False,
    playbook: PlaybookOpt = None,
    explain: Annotated[
        str | None,
        typer.Option("--explain", metavar="RULE", help="Show a built-in rule, why, examples."),
    ] = None,
) -> None:
    """Check text against the plan's words and the built-in rules.

    The plan's words to use and to avoid, and the built-in rules.

    Exit 1 when a rule at error level fires. Without a playbook, the built-in rules alone.

    Example: crisis lint reply.md; crisis lint --explain hedging
    """
    if explain is not None:
        from crisisplan.views.lint_explain import show_rule

        show_rule(explain, as_json=as_json)
        return
    from crisisplan.language.lint import lint as check
    from crisisplan.views.language import show_findings

    name, text = _read_text(file)
    found = check(text, language=_language(playbook), above_minor=not minor)
    show_findings(name, found, as_json=as_json)
    raise typer.Exit(1 if any(f.level == "error" for f in found) else 0)


def brief(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the brief (Markdown) to FILE.")
    ] = None,
    as_json: JsonOpt = False,
    as_: AsOpt = None,
    incident: IncidentOpt = None,
    playbook: PlaybookOpt = None,
    db: DbOpt = None,
) -> None:
    """The team's internal briefing: what to say, who owns what.

    What we know, what to say, what not to say, and who owns what.

    Never recorded, never for customers.

    Example: crisis brief -o brief.md
    """
    from crisisplan.cli.sessions import drafting_session
    from crisisplan.clock import now
    from crisisplan.phases.brief import build_brief
    from crisisplan.views.language import show_brief

    with drafting_session(db=db, incident=incident, playbook=playbook, as_=as_) as s:
        result = build_brief(plan=s.plan, store=s.store, row=s.row, agent=s.who, now=now())
    show_brief(result, output=output, as_json=as_json)


library_app = typer.Typer(
    help="Browse the response library; keep a good reply as a template.\n\n"
    "Example: crisis library list",
    no_args_is_help=True,
)


@library_app.command("list")
def library_list(as_json: JsonOpt = False, playbook: PlaybookOpt = None) -> None:
    """Every template in the library, with what it is for.

    Its id, purpose, channels, sections and description.

    Example: crisis library list --json
    """
    from crisisplan.phases.library import entries
    from crisisplan.phases.session import command_session
    from crisisplan.views.language import show_entries

    with command_session(playbook=playbook) as s:
        found = entries(plan=s.plan)
    show_entries(found, as_json=as_json)


@library_app.command("show")
def library_show(
    template_id: Annotated[str, typer.Argument(metavar="ID", help="The template's id.")],
    playbook: PlaybookOpt = None,
) -> None:
    """A template as written: its front matter and its body.

    Example: crisis library show first-response
    """
    from crisisplan.phases.library import source
    from crisisplan.phases.session import command_session
    from crisisplan.views.language import show_template

    with command_session(playbook=playbook) as s:
        _path, text = source(plan=s.plan, template_id=template_id)
    show_template(text)


@library_app.command("save")
def library_save(
    event_id: Annotated[
        int, typer.Argument(metavar="EVENT_ID", help="A recorded reply's event id.")
    ],
    new_id: Annotated[
        str, typer.Option("--id", help="The new template's id, lower-case-with-dashes.")
    ],
    description: Annotated[
        str | None, typer.Option("--description", help="When to use it. Default: where from.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace a template file.")] = False,
    playbook: PlaybookOpt = None,
    db: DbOpt = None,
) -> None:
    """Keep a recorded reply as a new template.

    The customer's details become variables.

    `crisis timeline --format json` shows each event's id.

    Example: crisis library save 42 --id calm-outage-reply
    """
    from crisisplan.phases.library_save import save_reply
    from crisisplan.phases.session import command_session
    from crisisplan.views.language import show_saved

    with command_session(db=db, playbook=playbook) as s:
        saved = save_reply(
            plan=s.plan,
            store=s.store,
            event_id=event_id,
            new_id=new_id,
            description=description,
            force=force,
        )
    show_saved(saved)


def register(app: typer.Typer) -> None:
    """Add the language and library commands to the app."""
    app.command(rich_help_panel="During")(lint)
    app.command(rich_help_panel="During")(brief)
    app.add_typer(library_app, name="library", rich_help_panel="Records")


# --- reading, finding, showing ------------------------------------------------------------


def _read_text(file: str | None) -> tuple[str, str]:
    """(name, text) of FILE, or of stdin for `-` or when stdin is piped."""
    from crisisplan.errors import CrisisError, Location, UsageError

    if file is None:
        if sys.stdin is None or sys.stdin.isatty():
            raise UsageError(
                "what should I check? Give a FILE, or - to read the text from stdin.",
                hint="For example: crisis lint reply.md, or pbpaste | crisis lint -",
            )
        file = "-"
    name = STDIN if file == "-" else file
    try:
        data = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    except OSError as exc:
        reason = "it is a folder" if isinstance(exc, IsADirectoryError) else exc.strerror or exc
        raise CrisisError(
            f"cannot read {name}: {str(reason).lower()}.",
            hint="Check the path and that you may read it.",
        ) from None
    if (nul := data.find(b"\x00")) >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise CrisisError(
            "the file looks binary (it holds a NUL byte), not text.",
            location=Location(name, line),
            hint="Give lint a text file: a draft, a post, an email saved as text.",
        )
    try:
        return name, data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise CrisisError(
            f"the text is not UTF-8: byte 0x{data[exc.start]:02x} cannot be read.",
            location=Location(name, line),
            hint="Save it as UTF-8 and check it again.",
        ) from None


def _language(explicit: Path | None) -> Language | None:
    """The playbook's language, or None (built-in rules alone) when there is no playbook."""
    import os

    from crisisplan.playbook.loader import find_playbook, load_plan

    folder = Path("playbooks")
    anywhere = folder.is_dir() and any(
        p.suffix in (".yaml", ".yml") for p in folder.iterdir() if p.is_file()
    )
    if explicit is None and not os.environ.get("CRISIS_PLAYBOOK") and not anywhere:
        from crisisplan.views.language import note

        note("no playbook found, so only the built-in rules are checked (see --playbook).")
        return None
    return load_plan(find_playbook(explicit)).playbook.language
