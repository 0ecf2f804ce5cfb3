"""The docs cannot drift: the CLI reference is generated from `--help`, every command shows
an example, and the README's first block is the two commands a newcomer runs."""

from __future__ import annotations

import filecmp
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from crisisplan.docgen import EXAMPLE, REGENERATE, children, cli_reference, split_help, walk

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "crisisplan" / "example"


def _commands() -> list[tuple[str, str | None]]:
    """(command path, raw help) of every leaf command, sub-commands of groups included."""
    import typer
    import typer.main

    from crisisplan.cli import app

    root = typer.Context(typer.main.get_command(app), info_name="crisis")
    return [(c.command_path, c.command.help) for c in walk(root) if not children(c)]


def test_cli_reference_is_up_to_date() -> None:
    checked_in = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert checked_in == cli_reference(), (
        f"docs/cli.md is out of date with the commands' --help; regenerate it: {REGENERATE}"
    )


def test_the_reference_covers_every_command() -> None:
    reference = cli_reference()
    commands = _commands()
    assert commands, "no commands found to look for"
    for path, _ in commands:
        assert f"\n## {path}\n" in reference, f"{path} is missing from the CLI reference"


@pytest.mark.parametrize(("path", "help_text"), _commands(), ids=lambda v: str(v))
def test_every_command_shows_an_example(path: str, help_text: str | None) -> None:
    lines = (help_text or "").splitlines()
    assert any(EXAMPLE.match(line) for line in lines), (
        f'`{path} --help` has no "Example:" line; add one to the command\'s docstring, '
        f"then run: {REGENERATE}"
    )
    _, examples = split_help(help_text)
    assert examples, f"`{path} --help`: no example could be read"
    for example in examples:
        assert example.startswith(path.split()[0] + " "), f"{path}: example {example!r}"


def test_docgen_is_not_imported_by_the_cli() -> None:
    code = "import sys, crisisplan.cli; print('crisisplan.docgen' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "False"


def _first_fenced_block(markdown: str) -> list[str]:
    match = re.search(r"^```[^\n]*\n(.*?)^```", markdown, re.MULTILINE | re.DOTALL)
    assert match, "README.md has no fenced code block"
    return [line for line in match.group(1).splitlines() if line.strip()]


def test_readme_opens_with_the_two_commands_a_newcomer_runs() -> None:
    lines = _first_fenced_block((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(lines) == 2, f"README's first block should hold two command lines: {lines}"
    main_job, tests = lines

    steps = [shlex.split(step) for step in main_job.split("&&")]
    crisis_steps = [step for step in steps if step and step[0] == "crisis"]
    assert crisis_steps, f"the first line should run `crisis`: {main_job}"
    # On the bundled example: no other playbook named, and the repository's copy is the
    # example shipped in the package.
    for step in crisis_steps:
        assert not {"--playbook", "-p"} & set(step), f"names another playbook: {step}"
    assert "CRISIS_PLAYBOOK" not in main_job
    for part in ("playbooks", "response_library"):
        compared = filecmp.dircmp(ROOT / part, BUNDLED / part)
        differ = compared.left_only + compared.right_only + compared.diff_files
        assert not differ, f"{part}/ differs from the bundled example: {differ}"

    # One command that installs what the tests need (extras, Chromium, openssl) and runs
    # them all; CI runs the very same command, so a fresh machine is what CI proves.
    assert tests.strip() == "./scripts/test"
    script = ROOT / "scripts" / "test"
    assert script.stat().st_mode & 0o111, "scripts/test must be executable"
    body = script.read_text(encoding="utf-8")
    assert 'pip install -q -e ".[test]"' in body
    assert "chromium" in body and "openssl" in body
    assert 'pytest "$@"' in body
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    ci_steps = [line.strip() for line in ci.splitlines() if not line.lstrip().startswith("#")]
    assert "./scripts/test" in ci_steps, ".ci/run should run the README's test command"
    assert "pytest" not in " ".join(s for s in ci_steps if s != "./scripts/test")
