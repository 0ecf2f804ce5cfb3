"""Help that fits: summaries whole, every option named where it exists, --json for state.

A walk over every command (tests/helpers.py `every_command`), so a new command is held
to the same rules the day it is added.
"""

from __future__ import annotations

import re

import pytest
import typer
from typer.main import get_command
from typer.testing import CliRunner

from crisisplan.cli import app
from tests.helpers import every_command, ok, start_outage

ROOT = get_command(app)
FLAG = re.compile(r"(?<![\w-])--?[a-zA-Z][a-z0-9-]*")
# Options every command has; and those only the root has, named as `crisis --version`.
EVERYWHERE = {"--help", "-h"}
# Commands that show the state of the log: each has --json.
SHOWS_STATE = [
    ["status"],
    ["list"],
    ["timeline"],
    ["escalate"],
    ["brief"],
    ["review"],
    ["followup", "list"],
    ["library", "list"],
    ["check"],
]


def command_at(path: list[str]) -> typer.core.TyperCommand | typer.core.TyperGroup:
    command = ROOT
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    return command


def options_of(path: list[str]) -> set[str]:
    found = set(EVERYWHERE)
    for param in command_at(path).params:
        found.update(getattr(param, "opts", []))
        found.update(getattr(param, "secondary_opts", []))
    return {o for o in found if o.startswith("-")}


def help_texts(path: list[str]) -> list[str]:
    command = command_at(path)
    return [command.help or "", *(getattr(p, "help", None) or "" for p in command.params)]


def named_options(text: str, own: list[str]) -> list[tuple[list[str], str]]:
    """(command path, option) for each option the text names: after `crisis CMD ...` the
    options are that command's until the sentence or the quote ends; else the text's own."""
    found: list[tuple[list[str], str]] = []
    target, resolving = own, False
    for token in text.split():
        word = token.strip("`'\"(),;:")
        if word == "crisis":
            target, resolving = [], True
            continue
        if resolving and word in getattr(command_at(target), "commands", {}):
            target = [*target, word]
            continue
        resolving = False
        if word.startswith("-") and not word.startswith("---"):
            found.extend((target, flag) for flag in FLAG.findall(word))
        if token.endswith((".", ";", "`")):  # the sentence or the quoted command ends
            target = own
    return found


@pytest.mark.parametrize("path", every_command(), ids=lambda p: " ".join(["crisis", *p]))
def test_every_option_a_help_text_names_exists_where_it_says(path: list[str]) -> None:
    wrong = [
        f"{' '.join(['crisis', *target])} has no {flag}"
        for text in help_texts(path)
        for target, flag in named_options(text, path)
        if flag not in options_of(target)
    ]
    assert not wrong, f"`crisis {' '.join(path)} --help` names options that do not exist: {wrong}"


@pytest.mark.parametrize("columns", ["80", "100"])
def test_every_summary_in_a_command_list_is_whole(columns: str) -> None:
    groups = [p for p in every_command() if getattr(command_at(p), "commands", None)]
    assert [] in groups and ["followup"] in groups
    for group in groups:
        result = CliRunner().invoke(app, [*group, "--help"], env={"COLUMNS": columns})
        assert result.exit_code == 0
        listed = result.stdout.split("Commands:", 1)[1].splitlines()
        cut = [line.strip() for line in listed if line.rstrip().endswith(("...", "…"))]
        assert not cut, f"`crisis {' '.join(group)} --help` cuts summaries: {cut}"
        names = set(command_at(group).commands)  # type: ignore[attr-defined]
        shown = {line.split()[0] for line in listed if line.startswith("  ") and line.strip()}
        assert shown == names


@pytest.mark.parametrize("path", SHOWS_STATE, ids=lambda p: " ".join(p))
def test_every_command_that_shows_state_has_json(path: list[str]) -> None:
    assert "--json" in options_of(path)


def test_the_state_commands_print_json_a_program_can_read() -> None:
    import json

    ok("init", ".")
    start_outage("--no")
    ok("escalate", "eng", "--how", "Paged")
    ladder = json.loads(ok("escalate", "--json").stdout)
    assert ladder["incident"] == "INC-1"
    assert any(step["id"] == "eng" and step["contacted"] for step in ladder["ladder"])
    timeline = json.loads(ok("timeline", "--json").stdout)
    assert [e["kind"] for e in timeline["events"]][:1] == ["incident_started"]
    assert json.loads(ok("timeline", "--format", "json").stdout) == timeline
