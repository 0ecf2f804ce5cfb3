"""The shared language: `lint`, `brief`, and the response `library`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from crisisplan.cli.options import AsOpt, DbOpt, IncidentOpt, JsonOpt, PlaybookOpt

if TYPE_CHECKING:
    from crisisplan.language.lint import LintFinding
    from crisisplan.phases.brief import Brief
    from crisisplan.phases.library import Entry
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
) -> None:
    """Check any text against the plan's words to use and avoid and the built-in rules.

    Exit 1 when a rule at error level fires. Without a playbook, the built-in rules alone.

    Example: crisis lint reply.md
    """
    from crisisplan.language.lint import lint as check

    name, text = _read_text(file)
    found = check(text, language=_language(playbook), above_minor=not minor)
    _show_findings(name, found, as_json=as_json)
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
    """The team's internal briefing: what we know, what to say, what not to say, who owns what.

    Never recorded, never for customers.

    Example: crisis brief -o brief.md
    """
    from crisisplan.clock import now
    from crisisplan.phases.brief import build_brief
    from crisisplan.phases.session import agent_name, find_incident, open_log
    from crisisplan.playbook.loader import find_playbook, load_plan

    plan = load_plan(find_playbook(playbook))
    with open_log(db) as store:
        row = find_incident(store, incident)
        result = build_brief(plan=plan, store=store, row=row, agent=agent_name(as_), now=now())
    _show_brief(result, output=output, as_json=as_json)


library_app = typer.Typer(
    help="Browse the response library, and keep a good reply as a new template.\n\n"
    "Example: crisis library list",
    no_args_is_help=True,
)


@library_app.command("list")
def library_list(as_json: JsonOpt = False, playbook: PlaybookOpt = None) -> None:
    """Every template in the library: id, purpose, channels, sections, description.

    Example: crisis library list --json
    """
    from crisisplan.phases.library import entries
    from crisisplan.playbook.loader import find_playbook, load_plan

    found = entries(plan=load_plan(find_playbook(playbook)))
    _show_entries(found, as_json=as_json)


@library_app.command("show")
def library_show(
    template_id: Annotated[str, typer.Argument(metavar="ID", help="The template's id.")],
    playbook: PlaybookOpt = None,
) -> None:
    """A template as written: its front matter and its body.

    Example: crisis library show first-response
    """
    from crisisplan.phases.library import source
    from crisisplan.playbook.loader import find_playbook, load_plan
    from crisisplan.terminal.console import visible

    _path, text = source(plan=load_plan(find_playbook(playbook)), template_id=template_id)
    sys.stdout.write(visible(text if text.endswith("\n") else text + "\n"))


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
    """Keep a recorded reply as a new template, the customer's details made variables.

    `crisis timeline --format json` shows each event's id.

    Example: crisis library save 42 --id calm-outage-reply
    """
    from crisisplan.phases.library import save_reply
    from crisisplan.phases.session import open_log
    from crisisplan.playbook.loader import find_playbook, load_plan

    plan = load_plan(find_playbook(playbook))
    with open_log(db) as store:
        saved = save_reply(
            plan=plan,
            store=store,
            event_id=event_id,
            new_id=new_id,
            description=description,
            force=force,
        )
    typer.echo(f"Wrote {saved.path}: a {saved.purpose} template, blocks {', '.join(saved.blocks)}.")
    for note in saved.notes:
        _note(note)
    typer.echo(f"Next: crisis check; then draft with it: --template {saved.template_id}")


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
        _note("no playbook found, so only the built-in rules are checked (see --playbook).")
        return None
    return load_plan(find_playbook(explicit)).playbook.language


def _show_findings(name: str, found: list[LintFinding], *, as_json: bool) -> None:
    from crisisplan.language.lint import findings_as_json
    from crisisplan.terminal.console import visible

    errors = sum(f.level == "error" for f in found)
    if as_json:
        document = {
            "file": name,
            "findings": findings_as_json(found),
            "errors": errors,
            "warnings": len(found) - errors,
        }
        sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        return
    for f in found:
        phrase = " ".join(f.phrase.split())
        line = f"{name}:{f.line}:{f.column}: {f.level}: “{phrase}” — {f.why} Try: {f.suggestion}"
        sys.stdout.write(visible(line) + "\n")
    counts = f"{errors} error(s), {len(found) - errors} warning(s)" if found else "no findings"
    _say(f"{name}: {counts}.")


def _show_brief(result: Brief, *, output: Path | None, as_json: bool) -> None:
    from crisisplan.terminal.console import inert, out

    for note in result.notes:
        _note(note)
    if output is not None:
        from crisisplan.files import write_atomic
        from crisisplan.inert_text import for_people

        write_atomic(output, for_people(result.as_markdown()))
        _say(f"wrote {output}")
    if as_json:
        sys.stdout.write(json.dumps(result.as_json(), indent=2, ensure_ascii=False) + "\n")
    elif output is None:
        out().print(inert(result.as_markdown().rstrip("\n")))


def _show_entries(found: list[Entry], *, as_json: bool) -> None:
    from crisisplan.terminal.console import inert, out

    if as_json:
        document = {"templates": [e.as_json() for e in found]}
        sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        return
    console = out()
    for e in found:
        used = f"; the plan's {', '.join(e.named_for)}" if e.named_for else ""
        console.print(inert(f"{e.id}  ({e.purpose}{used})", style="bold"))
        console.print(inert(f"  channels: {', '.join(e.channels) or 'any'}"))
        console.print(inert(f"  sections: {', '.join(e.sections) or 'none'}"))
        if e.description:
            console.print(inert(f"  {e.description}"))
    if not found:
        console.print(inert("The library has no templates yet."))


def _say(message: str) -> None:
    """A line for the person, on stderr: stdout stays what scripts read."""
    from crisisplan.terminal.console import visible

    sys.stderr.write(visible(message) + "\n")


def _note(message: str) -> None:
    from crisisplan.terminal.console import visible

    sys.stderr.write(f"note: {visible(message)}\n")
