"""The CLI reference in Markdown, generated from the commands' own help so it cannot drift.

Regenerate with `python -m crisisplan.docgen > docs/cli.md`; a test fails when the
checked-in file differs. Nothing in the CLI imports this module.
"""

from __future__ import annotations

import re
import sys

import typer
import typer.main
from typer.core import TyperGroup

REGENERATE = "python -m crisisplan.docgen > docs/cli.md"
EXAMPLE = re.compile(r"^\s*Example:\s*(?P<command>.*\S)\s*$")


def cli_reference() -> str:
    """Every command and sub-command's help, usage, options and example, as Markdown."""
    from crisisplan.cli import app

    root = typer.main.get_command(app)
    ctx = typer.Context(root, info_name="crisis")
    lines = [
        "# CLI reference",
        "",
        f"<!-- Generated from `crisis --help` by `{REGENERATE}`; do not edit. -->",
        "",
        "Every command also takes `-h`/`--help`, which prints what this page shows for it.",
        "",
    ]
    for sub in walk(ctx):
        lines += _section(sub)
    return "\n".join(lines).rstrip("\n") + "\n"


def walk(ctx: typer.Context) -> list[typer.Context]:
    """The context of this command and of every visible sub-command below it, in help order."""
    found = [ctx]
    for child in children(ctx):
        found += walk(child)
    return found


def children(ctx: typer.Context) -> list[typer.Context]:
    """The contexts of a group's visible sub-commands, in help order; none for a command."""
    group = ctx.command
    if not isinstance(group, TyperGroup):
        return []
    found = []
    for name in group.list_commands(ctx):
        sub = group.get_command(ctx, name)
        if sub is not None and not sub.hidden:
            found.append(typer.Context(sub, info_name=name, parent=ctx))
    return found


def split_help(text: str | None) -> tuple[str, list[str]]:
    """A command's help -> its description and its example command lines."""
    text = (text or "").split("\f", 1)[0]  # Click hides what follows \f from --help
    description: list[str] = []
    examples: list[str] = []
    for line in text.splitlines():
        match = EXAMPLE.match(line)
        if match:
            examples.append(match.group("command"))
        elif line.strip() != "\b":  # Click's "do not rewrap" marker
            description.append(line.rstrip())
    return "\n".join(description).strip(), examples


def _section(ctx: typer.Context) -> list[str]:
    command = ctx.command
    path = ctx.command_path
    description, examples = split_help(command.help)
    pieces = " ".join(command.collect_usage_pieces(ctx))
    lines = [f"## {path}", ""]
    if description:
        lines += [_text(description), ""]
    lines += ["```text", f"Usage: {path} {pieces}".rstrip(), "```", ""]
    arguments: list[tuple[str, str]] = []
    options: list[tuple[str, str]] = []
    for param in command.params:
        record = param.get_help_record(ctx)
        if record is not None:
            (arguments if param.param_type_name == "argument" else options).append(record)
    lines += _table("argument", arguments) + _table("option", options)
    subs = children(ctx)
    if subs:
        lines += ["| command | what it does |", "|---|---|"]
        for sub in subs:
            link = f"[`{sub.command_path}`](#{_anchor(sub.command_path)})"
            lines.append(f"| {link} | {_cell(_short_help(sub))} |")
        lines.append("")
    if examples:
        lines += ["Example:" if len(examples) == 1 else "Examples:", "", "```sh"]
        lines += [*examples, "```", ""]
    return lines


def _table(kind: str, records: list[tuple[str, str]]) -> list[str]:
    if not records:
        return []
    lines = [f"| {kind} | description |", "|---|---|"]
    lines += [f"| `{_code(names)}` | {_cell(text)} |" for names, text in records]
    return [*lines, ""]


def _short_help(ctx: typer.Context) -> str:
    # A limit no help line reaches: the reference shows the whole first sentence.
    return ctx.command.get_short_help_str(limit=1000)


def _anchor(path: str) -> str:
    """The id GitHub gives a heading with this text."""
    return re.sub(r"[^a-z0-9 _-]", "", path.lower()).replace(" ", "-")


_MARKDOWN = re.compile(r"([\\*<>])")


def _text(text: str) -> str:
    """Help text as Markdown prose: characters Markdown would act on are made literal."""
    parts = re.split(r"(`[^`\n]*`)", text)  # code spans stay as written
    return "".join(p if p.startswith("`") else _MARKDOWN.sub(r"\\\1", p) for p in parts)


def _cell(text: str) -> str:
    """Help text inside a table cell: one line, and a `|` does not end the cell."""
    return _text(" ".join(text.split())).replace("|", "\\|")


def _code(text: str) -> str:
    return text.replace("|", "\\|")


if __name__ == "__main__":
    sys.stdout.write(cli_reference())
