"""`crisis lint`: an agent checks a draft, a post or a pasted email against the shared words."""

from __future__ import annotations

import json
from pathlib import Path

import pexpect

from tests.helpers import crisis, ok
from tests.test_start_pty import spawn

PLAYBOOK = Path("playbooks/example.yaml")
DRAFT = (
    "We know a small number of customers cannot sign in.\n"
    "We are sorry for any inconvenience this has caused.\n"
    "It wasn't our\n"
    "fault: the hosting provider had a fault.\n"
)


def write(name: str, text: str) -> Path:
    path = Path(name)
    path.write_text(text, encoding="utf-8")
    return path


def test_the_builtin_rules_catch_minimising_fake_apologies_and_blame_across_lines() -> None:
    write("draft.md", DRAFT)

    result = crisis("lint", "draft.md")

    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("draft.md:1:9: error: “a small number of customers” — It is big")
    assert "Try: Say who is affected and how" in lines[0]
    assert lines[1].startswith("draft.md:2:8: error: “sorry for any inconvenience” — ")
    # The blame is split over a line break; the finding starts where the phrase starts.
    assert lines[2].startswith("draft.md:3:1: error: “It wasn't our fault” — Customers chose us")
    assert "Try: Own it" in lines[2]
    assert len(lines) == 3
    assert "only the built-in rules" in result.stderr  # no playbook here
    assert "3 error(s)" in result.stderr


def test_ordinary_words_are_not_flagged() -> None:
    write("fine.md", "Our customers cannot sign in. The fix is small and we are testing it.\n")

    result = crisis("lint", "fine.md")

    assert result.exit_code == 0
    assert result.stdout == ""
    assert "fine.md: no findings." in result.stderr


def test_stdin_is_read_for_a_dash_and_when_no_file_is_given() -> None:
    for args in (("lint", "-"), ("lint",)):
        result = crisis(*args, input="Hello,\nwe apologise if this caused trouble.\n")
        assert result.exit_code == 1, args
        assert result.stdout.startswith("<stdin>:2:4: error: “apologise if” — "), result.stdout


def test_json_is_one_document_with_each_finding_and_its_place() -> None:
    write("draft.md", DRAFT)

    result = crisis("lint", "draft.md", "--json")

    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert (document["file"], document["errors"], document["warnings"]) == ("draft.md", 3, 0)
    first = document["findings"][0]
    assert {k: first[k] for k in ("line", "column", "phrase", "rule", "level")} == {
        "line": 1,
        "column": 9,
        "phrase": "a small number of customers",
        "rule": "minimising",
        "level": "error",
    }
    assert first["why"] and first["suggestion"]
    assert [f["rule"] for f in document["findings"]] == ["minimising", "fake-apology", "blame"]
    assert document["findings"][2]["phrase"] == "It wasn't our\nfault"


def test_warnings_alone_exit_0_and_minor_lets_a_minor_incident_be_called_minor() -> None:
    warned = crisis("lint", "-", input="This was caused by a third-party provider.\n")
    assert warned.exit_code == 0
    assert ": warning: “caused by a third-party provider” — " in warned.stdout

    text = "We are looking into a minor issue with reminders.\n"
    assert crisis("lint", "-", input=text).exit_code == 1
    minor = crisis("lint", "-", "--minor", input=text)
    assert (minor.exit_code, minor.stdout) == (0, "")


def test_the_playbooks_words_are_checked_when_there_is_a_playbook() -> None:
    ok("init", ".")
    write("post.md", "We are seeing a service\ninterruption. We take security seriously.\n")

    result = crisis("lint", "post.md")

    assert result.exit_code == 1  # "we take security seriously" is at error level in the plan
    lines = result.stdout.splitlines()
    assert lines[0].startswith("post.md:1:17: warning: “service interruption” — ")
    assert "Try: Write “outage”." in lines[0]
    assert lines[1].startswith("post.md:2:15: error: “We take security seriously” — ")
    assert "only the built-in rules" not in result.stderr


def test_a_playbook_given_with_playbook_is_used_from_anywhere(tmp_path: Path) -> None:
    ok("init", str(tmp_path / "team"))
    text = "Sorry, it is a glitch going forward.\n"

    bare = crisis("lint", "-", input=text)
    team = crisis(
        "lint", "-", "--playbook", str(tmp_path / "team/playbooks/example.yaml"), input=text
    )

    assert (bare.exit_code, bare.stdout) == (0, "")
    assert team.exit_code == 0  # both are warnings in that plan
    assert "“glitch”" in team.stdout and "“going forward”" in team.stdout


def test_a_builtin_rule_the_plan_turns_off_is_not_reported_and_the_plan_says_why() -> None:
    ok("init", ".")
    text = PLAYBOOK.read_text(encoding="utf-8")
    tone = "  tone: [plain, warm, accountable, specific]\n"
    assert tone in text
    reason = "Our regulator requires us to say when a fault was not ours."
    PLAYBOOK.write_text(
        text.replace(tone, f"{tone}  disable:\n    - rule: blame\n      reason: {reason}\n"),
        encoding="utf-8",
    )

    result = crisis("lint", "-", input="It was not our fault. Sorry for any inconvenience.\n")

    assert result.exit_code == 1
    assert "“It was not our fault”" not in result.stdout
    assert "“Sorry for any inconvenience”" in result.stdout
    assert f"Built-in rule 'blame' is off: {reason}" in ok("plan").stdout


def test_unreadable_binary_and_non_utf8_input_is_bad_input() -> None:
    Path("folder").mkdir()
    Path("binary.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    Path("latin1.txt").write_bytes("Caf\u00e9 ouvert.\nD\u00e9sol\u00e9.\n".encode("latin-1"))

    cases = {
        "missing.md": "cannot read missing.md",
        "folder": "cannot read folder: it is a folder",
        "binary.png": "binary.png:3: the file looks binary",
        "latin1.txt": "latin1.txt:1: the text is not UTF-8: byte 0xe9",
    }
    for name, message in cases.items():
        result = crisis("lint", name)
        assert result.exit_code == 2, name
        assert message in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
        assert result.stdout == ""


def test_a_broken_playbook_is_reported_not_ignored() -> None:
    ok("init", ".")
    PLAYBOOK.write_text("playbook: 1\nname: [\n", encoding="utf-8")

    result = crisis("lint", "-", input="Hello.\n")

    assert result.exit_code == 2
    assert "playbooks/example.yaml" in result.stderr


def test_on_a_terminal_without_a_file_it_says_what_to_pass() -> None:
    child = spawn("lint")
    child.expect("Give a FILE, or - to read the text from stdin")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
