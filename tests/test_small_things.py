"""The small things a stressed reader notices (issue 21, item 7)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pexpect

from tests.helpers import crisis, events, ok, start_outage
from tests.test_start_pty import crisis_command


def test_init_in_the_current_folder_says_no_cd() -> None:
    written = ok("init", ".")
    assert written.stdout.rstrip().endswith("Next: crisis check && crisis plan")
    assert "cd ." not in written.stdout


def test_plan_and_check_take_the_playbook_either_way() -> None:
    ok("init", ".")
    as_argument = ok("plan", "playbooks/example.yaml").stdout
    assert as_argument == ok("plan", "-p", "playbooks/example.yaml").stdout
    assert "Ready:" in ok("check", "-p", "playbooks/example.yaml").stdout
    both = crisis("check", "playbooks/example.yaml", "-p", "other.yaml")
    assert both.exit_code == 2
    assert "two playbooks given" in both.stderr and "Traceback" not in both.stderr


def narrow_terminal(*args: str) -> str:
    """What `crisis ARGS` prints on a 60-column terminal."""
    command, *rest = crisis_command()
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "60", "CI": "", "CRISIS_AGENT": "dana"}
    child = pexpect.spawn(
        command, [*rest, *args], env=env, encoding="utf-8", timeout=20, dimensions=(50, 60)
    )
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    return str(child.before).replace("\r\n", "\n")


def test_status_shows_the_words_posted_wrapped_under_the_margin() -> None:
    ok("init", ".")
    start_outage("--no")
    ok("update", "We found the cause: a failed database failover on the primary")
    shown = narrow_terminal("status")
    plain = re.sub(r"\x1b\[[0-9;]*m", "", shown)  # bold stays on with NO_COLOR
    block = plain.split("Last public update:", 1)[1].splitlines()[1:]
    margin = [line for line in block if line.startswith("  │")]
    assert len(margin) > 3, shown
    said = " ".join(" ".join(line.removeprefix("  │") for line in margin).split())
    assert "What we know: We found the cause: a failed database failover" in said
    assert all(len(line) <= 60 for line in margin)
    # The first line after the block is a label again: nothing wrapped to column 0.
    after = block[len(margin)]
    assert after.startswith(("Promises", "Follow-ups")), shown


def test_promises_and_the_ladder_are_in_order_and_say_what_they_are() -> None:
    ok("init", ".")
    start_outage("--no", "--at", "-30m")
    ok("update", "Later news", "--eta", "+90m")
    ok("update", "News", "--at", "-10m")
    shown = ok("status").stdout
    assert "Promises due (an update by): " in shown
    ladder = ok("escalate").stdout
    assert ".." not in ladder
    assert "Go to the next step. When:" in ladder
    started = start_outage("--no", title="Another")
    assert "Who to bring in  when, from the start" in started.stdout


def test_an_eta_that_cannot_be_read_suggests_times_ahead() -> None:
    ok("init", ".")
    start_outage("--no")
    result = crisis("update", "Fix under way", "--eta", "soonish")
    assert result.exit_code == 2
    assert "--eta 'soonish' is not a time I can read" in result.stderr
    assert "+45m (45 minutes from now)" in result.stderr and "ago" not in result.stderr
    assert events("public_update") == []  # started with --no: nothing posted, then or now


def test_an_unknown_incident_type_gets_a_did_you_mean() -> None:
    ok("init", ".")
    result = crisis(
        *("start", "--type", "outgae", "--severity", "major"),
        *("--title", "Logins failing", "--summary", "Sign-ins time out", "--no"),
    )
    assert result.exit_code == 2
    assert "--type 'outgae' is not an incident type in this plan; did you mean 'outage'?" in (
        result.stderr
    )
    assert not Path(".crisis/crisis.db").exists() or events("incident_started") == []


def test_a_jinja_syntax_error_has_a_line_and_a_column() -> None:
    ok("init", ".")
    template = Path("response_library/update.md.j2")
    lines = template.read_text(encoding="utf-8").split("\n")
    lines.append("{% for x in [1] %}{{ x }}{% endfro %}")
    template.write_text("\n".join(lines), encoding="utf-8")
    result = crisis("check")
    assert result.exit_code == 2
    column = len("{% for x in [1] %}{{ x }}{% ") + 1
    assert f"response_library/update.md.j2:{len(lines)}:{column}: " in result.stdout + (
        result.stderr
    )
    assert "unknown tag 'endfro'" in result.stdout + result.stderr
