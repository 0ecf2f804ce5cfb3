"""The shared language on screen: lint findings, the brief, the library."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from crisisplan.views.json_out import print_json

if TYPE_CHECKING:
    from crisisplan.language.lint import LintFinding
    from crisisplan.phases.brief import Brief
    from crisisplan.phases.library import Entry
    from crisisplan.phases.library_save import Saved


def show_findings(name: str, found: list[LintFinding], *, as_json: bool) -> None:
    """One line a finding, file:line:column first, then the counts on stderr."""
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
        print_json(document)
        return
    for f in found:
        phrase = " ".join(f.phrase.split())
        line = f"{name}:{f.line}:{f.column}: {f.level}: “{phrase}” — {f.why} Try: {f.suggestion}"
        sys.stdout.write(visible(line) + "\n")
    counts = f"{errors} error(s), {len(found) - errors} warning(s)" if found else "no findings"
    say(f"{name}: {counts}.")


def show_brief(result: Brief, *, output: Path | None, as_json: bool) -> None:
    """Notes first, then the brief to -o, as JSON, or on the terminal."""
    from crisisplan.terminal.console import inert, out

    for line in result.notes:
        note(line)
    if output is not None:
        from crisisplan.files import write_atomic
        from crisisplan.inert_text import for_people

        write_atomic(output, for_people(result.as_markdown()))
        say(f"wrote {output}")
    if as_json:
        print_json(result.as_json())
    elif output is None:
        out().print(inert(result.as_markdown().rstrip("\n")))


def show_entries(found: list[Entry], *, as_json: bool) -> None:
    """Each template: id, purpose, channels, sections, description."""
    from crisisplan.terminal.console import inert, out

    if as_json:
        document = {"templates": [e.as_json() for e in found]}
        print_json(document)
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


def say(message: str) -> None:
    """A line for the person, on stderr: stdout stays what scripts read."""
    from crisisplan.terminal.console import visible

    sys.stderr.write(visible(message) + "\n")


def note(message: str) -> None:
    """A `note:` line on stderr, for what the person may want to know."""
    from crisisplan.terminal.console import visible

    sys.stderr.write(f"note: {visible(message)}\n")


def show_template(text: str) -> None:
    """A template as written, controls made visible."""
    from crisisplan.terminal.console import visible

    sys.stdout.write(visible(text if text.endswith("\n") else text + "\n"))


def show_saved(saved: Saved) -> None:
    """Where the new template is, what was made a variable, and what to do next."""
    typer.echo(f"Wrote {saved.path}: a {saved.purpose} template, blocks {', '.join(saved.blocks)}.")
    for line in saved.notes:
        note(line)
    typer.echo(f"Next: crisis check; then draft with it: --template {saved.template_id}")
