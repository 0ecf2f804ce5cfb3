"""`crisis start` never throws away what a lead typed: no editor, a failing editor, a
broken template. On a real pty where the question is only asked on a terminal."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pexpect

from tests.helpers import crisis, events, ok
from tests.test_start_pty import crisis_command

ANSWERS = ("--type", "outage", "--severity", "major", "--title", "Logins failing")


def spawn_with(path: Path, *args: str, **env: str) -> pexpect.spawn:
    """`crisis ARGS` on a pty, with PATH holding only `path` (and no $EDITOR unless given)."""
    command, *rest = crisis_command()
    base = {k: v for k, v in os.environ.items() if k not in ("EDITOR", "VISUAL")}
    base |= {"NO_COLOR": "1", "COLUMNS": "120", "CI": "", "PATH": str(path)} | env
    return pexpect.spawn(
        command, [*rest, *args], env=base, encoding="utf-8", timeout=20, dimensions=(50, 120)
    )


def answer_until_edit(child: pexpect.spawn) -> None:
    child.expect("What do we know so far")
    child.sendline("Sign-ins time out")
    child.expect(r"Post this first status update now\? \[Y/n\]")
    child.sendline("y")
    child.expect(r"Edit it first\? \[y/N\]")
    child.sendline("y")


def finished(child: pexpect.spawn) -> tuple[int, str]:
    child.expect(pexpect.EOF)
    child.close()
    said = str(child.before)
    assert "Traceback" not in said
    return int(child.exitstatus), said


def test_edit_it_first_with_no_editor_keeps_every_answer_and_posts_the_draft(
    tmp_path: Path,
) -> None:
    # The story: "edit it first" with no $EDITOR gave an error and threw away every
    # answer; `crisis list` then said "No incidents recorded yet."
    ok("init", ".")
    nowhere = tmp_path / "empty-bin"
    nowhere.mkdir()  # no $EDITOR, and neither editor, nano nor vi on PATH
    child = spawn_with(nowhere, "start", *ANSWERS)
    answer_until_edit(child)
    code, said = finished(child)
    assert code == 0, said
    assert "no editor found" in said and "the draft is kept unedited" in said
    assert "Recorded INC-1" in said
    assert [e["kind"] for e in events()] == ["incident_started", "base_reply", "public_update"]
    assert "Sign-ins time out" in events("public_update")[0]["payload"]["text"]
    assert "INC-1" in ok("list").stdout


def test_with_no_editor_set_the_first_of_editor_nano_vi_on_path_is_used(tmp_path: Path) -> None:
    ok("init", ".")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    nano = bin_dir / "nano"  # a stand-in that edits the draft as a lead would
    nano.write_text(
        f"#!{sys.executable}\n"
        "import sys, pathlib\n"
        "p = pathlib.Path(sys.argv[1])\n"
        "p.write_text(p.read_text().replace('Sign-ins time out', 'Sign-ins fail for all'))\n",
        encoding="utf-8",
    )
    nano.chmod(0o755)
    child = spawn_with(bin_dir, "start", *ANSWERS)
    answer_until_edit(child)
    code, said = finished(child)
    assert code == 0, said
    (update,) = events("public_update")
    assert "Sign-ins fail for all" in update["payload"]["text"]
    assert "Sign-ins time out" not in update["payload"]["text"]


def test_an_editor_that_fails_leaves_the_incident_declared_and_says_how_to_post(
    tmp_path: Path,
) -> None:
    ok("init", ".")
    nowhere = tmp_path / "empty-bin"
    nowhere.mkdir()
    child = spawn_with(nowhere, "start", *ANSWERS, EDITOR=f"{sys.executable} -c 'exit(3)'")
    answer_until_edit(child)
    code, said = finished(child)
    assert code != 0
    assert "INC-1 is declared; the first update was not posted" in said
    assert "exited with status 3" in said
    assert "Run `crisis update 'Sign-ins time out'` when fixed." in said
    assert [e["kind"] for e in events()] == ["incident_started", "base_reply"]
    assert "Logins failing" in ok("list").stdout


def test_a_template_that_fails_for_one_type_still_lets_the_incident_be_declared() -> None:
    # The story: a typo in the security branch of a template passed `check`; then the
    # breach could not be declared.
    ok("init", ".")
    template = Path("response_library/status-update.md.j2")
    text = template.read_text(encoding="utf-8")
    template.write_text(
        text.replace(
            "{% block explain -%}",
            '{% block explain -%}{% if incident.type == "security" %}{{ incident.sumary }}'
            "{% endif %}",
        ),
        encoding="utf-8",
    )
    result = crisis(
        "start", "--type", "security", "--severity", "critical", "--title", "Possible breach",
        "--summary", "Odd admin logins", "--yes",
    )  # fmt: skip
    assert result.exit_code != 0
    assert "Traceback" not in result.stderr
    assert "INC-1 is declared; the first update was not drafted" in result.stderr
    assert "sumary" in result.stderr
    assert "Run `crisis update 'Odd admin logins'` when fixed." in result.stderr
    assert [e["kind"] for e in events()] == ["incident_started"]
    assert events("incident_started")[0]["payload"]["title"] == "Possible breach"
