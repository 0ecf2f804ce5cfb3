"""Shell completion: commands, options, and the values a lead would otherwise look up
(incident ids from the log, role and template ids from the plan), in a real bash on a pty.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import pexpect
import pytest

from tests.helpers import DB, crisis, ok, start_outage

PROMPT = "READY> "
BIN = Path(sys.executable).parent


def completions(*words: str, db: Path | str | None = None) -> list[str]:
    """What `crisis WORDS<TAB>` offers, as bash's completion function would ask for it."""
    line = ["crisis", words[0], *(["--db", str(db)] if db else []), *words[1:]]
    env = {"COMP_WORDS": " ".join(line), "COMP_CWORD": str(len(line) - 1)}
    env["_CRISIS_COMPLETE"] = "complete_bash"
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        result = crisis()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    assert result.exit_code == 0, result.stdout + result.stderr
    return result.stdout.split()


@pytest.fixture
def bash(tmp_path: Path) -> pexpect.spawn:
    """bash --norc on a pty, in the test's folder, with crisis's completion script sourced."""
    if shutil.which("bash") is None:
        pytest.fail("bash is needed for the completion test and is not installed")
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "PS1": PROMPT,
        "TERM": "dumb",
        "NO_COLOR": "1",
    }
    child = pexpect.spawn(
        "bash",
        ["--norc", "--noprofile"],
        env=env,
        cwd=str(Path.cwd()),
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 200),
    )
    child.expect_exact(PROMPT)
    # The script as `crisis --show-completion` prints it, detecting the shell it runs in.
    child.sendline("crisis --show-completion > completion.bash && source completion.bash")
    child.expect_exact(PROMPT)
    child.sendline("bind 'set show-all-if-ambiguous on'; complete -p crisis")
    child.expect_exact("-F _crisis_completion crisis")
    child.expect_exact(PROMPT)
    yield child
    child.sendeof()
    child.close(force=True)


def abandon(child: pexpect.spawn) -> None:
    """Once bash has redrawn the line, erase it (Ctrl-U) and wait until bash is ready."""
    child.expect_exact(PROMPT)
    child.sendcontrol("u")
    child.sendline("echo SYNC-$((40 + 2))")
    child.expect_exact("SYNC-42")
    child.expect_exact(PROMPT)


def test_bash_completes_commands_and_the_incident_ids_in_the_log(bash: pexpect.spawn) -> None:
    ok("init", ".")
    start_outage("--no")
    start_outage("--no", title="Reminders late")

    bash.send("crisis st\t\t")
    bash.expect(r"start\s+status\s+statuspage")
    abandon(bash)

    bash.send("crisis update --incident \t\t")
    bash.expect(r"INC-1\s+INC-2")  # the log's incidents (bash sorts what it lists)
    abandon(bash)

    bash.send("crisis update --incident I\t")  # all fit the common prefix INC-, so it is typed
    bash.expect_exact("crisis update --incident INC-")
    bash.sendcontrol("u")
    bash.sendline("echo SYNC-$((40 + 2))")
    bash.expect_exact("SYNC-42")


def test_completion_offers_roles_templates_incidents_and_options() -> None:
    ok("init", ".")
    start_outage("--no")

    assert completions("st") == ["start", "status", "statuspage"]
    assert "--incident" in completions("update", "--")
    assert completions("update", "--incident", "") == ["INC-1"]
    assert completions("update", "--incident", "inc-9") == []
    assert completions("note", "--as", "support-") == ["support-lead", "support-deputy"]
    assert completions("reply", "--template", "") == sorted(
        p.name.removesuffix(".md.j2") for p in Path("response_library").glob("*.md.j2")
    )


def test_completion_reads_but_never_writes_and_never_fails() -> None:
    # No plan and no log yet: nothing to offer, no error, and no log created.
    assert completions("update", "--incident", "") == []
    assert completions("note", "--as", "") == []
    assert completions("reply", "--template", "") == []
    assert not DB.exists()
    # A file that is not a log, and a playbook that is not YAML: still nothing, quietly.
    Path("not-a-log").write_text("hello", encoding="utf-8")
    assert completions("update", "--incident", "", db=Path("not-a-log")) == []
    Path("playbooks").mkdir()
    Path("playbooks/broken.yaml").write_text("roles: [unclosed", encoding="utf-8")
    assert completions("note", "--as", "") == []


def test_show_completion_prints_a_script_for_bash_zsh_and_fish(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Typer's own switch for naming the shell instead of detecting the one we run in.
    monkeypatch.setenv("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION", "1")
    for shell, marker in [
        ("bash", "complete -o"),
        ("zsh", "compdef"),
        ("fish", "complete --command crisis"),
    ]:
        result = crisis("--show-completion", shell)
        assert result.exit_code == 0
        assert marker in result.stdout and re.search(r"_CRISIS_COMPLETE", result.stdout)


def test_a_tab_after_the_command_builds_that_command_alone() -> None:
    # Typer builds every command's options before completing anything; a <TAB> after the
    # command's name needs only that command's (bash passes COMP_WORDS, zsh and fish the
    # whole line), and the command's name itself needs them all.
    import copy

    from crisisplan.cli import app
    from crisisplan.cli.completion import only_the_command_completed

    def kept(**environ: str) -> tuple[int, list[str]]:
        trimmed = copy.copy(app)
        only_the_command_completed(trimmed, environ)
        return len(trimmed.registered_commands), [str(g.name) for g in trimmed.registered_groups]

    every = (len(app.registered_commands), [str(g.name) for g in app.registered_groups])
    assert kept(COMP_WORDS="crisis update --incident ", COMP_CWORD="3") == (1, [])
    assert kept(COMP_WORDS="crisis up", COMP_CWORD="1") == every
    assert kept(_TYPER_COMPLETE_ARGS="crisis statuspage b") == (0, ["statuspage"])
    assert kept(_TYPER_COMPLETE_ARGS="crisis statuspage") == every  # still typing its name
    assert kept(_TYPER_COMPLETE_ARGS="crisis nope --") == every  # no such command: as before
    assert kept(_TYPER_COMPLETE_ARGS='crisis note "open quote') == (1, [])
    assert app.registered_commands and every[0] > 20  # the app itself is untouched
