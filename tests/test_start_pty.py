"""`crisis start` on a real pseudo-terminal, answered as a lead at 03:00 would."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pexpect

from tests.helpers import DB, events, ok


def crisis_command() -> list[str]:
    script = Path(sys.executable).parent / "crisis"
    return [str(script)] if script.exists() else [sys.executable, "-m", "crisisplan"]


def spawn(*args: str) -> pexpect.spawn:
    command, *rest = crisis_command()
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "120", "CI": ""}
    env["CRISIS_AGENT"] = "support-lead"  # the example plan's lead signs the drafts
    return pexpect.spawn(
        command, [*rest, *args], env=env, encoding="utf-8", timeout=20, dimensions=(50, 120)
    )


def stops_saying(child: pexpect.spawn, *said: str) -> str:
    """The command stops as Ctrl-C or Ctrl-D should: it says each of `said` in turn and
    exits 130, with no traceback. What it printed."""
    for text in said:
        child.expect_exact(text)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert "Traceback" not in child.before and "Aborted" not in child.before
    return str(child.before)


def test_the_lead_is_walked_through_declaring_an_incident() -> None:
    ok("init", ".")
    child = spawn("start")
    child.expect("What kind of incident is it")
    child.expect("Choose 1-")
    child.sendline("outage")
    child.expect("How bad is it")
    child.expect(r"update every \d+ minutes")  # each severity says what it means for cadence
    child.expect(r"Choose 1-\d+ or a name \[major\]")  # the type's default severity is offered
    child.sendline("")
    child.expect("Title")
    child.sendline("Logins failing")
    child.expect("What do we know so far")
    child.sendline("Since 02:40 UTC sign-ins time out")
    child.expect("Checklist")
    child.expect("Who to bring in")
    child.expect("First status update")
    child.expect("First customer reply")
    child.expect(r"Post this first status update now\? \[Y/n\]")
    child.sendline("y")
    child.expect(r"Edit it first\? \[y/N\]")
    child.sendline("n")
    child.expect("Recorded INC-1")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert [e["kind"] for e in events()] == ["incident_started", "base_reply", "public_update"]
    started = events("incident_started")[0]
    assert started["who"] == "support-lead"
    assert started["payload"]["severity"] == "major"


def test_a_wrong_choice_is_asked_again_not_accepted() -> None:
    ok("init", ".")
    child = spawn("start", "--severity", "major", "--title", "t", "--summary", "s", "--no")
    child.expect("Choose 1-")
    child.sendline("tornado")
    child.expect("Not one of the choices")
    child.sendline("1")
    child.expect("Recorded INC-1")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_ctrl_d_at_a_question_stops_there_and_records_nothing() -> None:
    ok("init", ".")
    child = spawn("start")
    child.expect("Choose 1-")
    child.sendeof()
    stops_saying(
        child,
        "Stopped at “What kind of incident is it”; nothing was recorded.",
        "pass --type to answer it without asking",
    )
    assert not DB.exists()


def test_ctrl_c_at_the_last_question_leaves_the_log_without_the_incident() -> None:
    # The drafts are shown and the log is open when it asks whether to post: still nothing
    # is recorded until the answer is in.
    ok("init", ".")
    child = spawn("start", "--type", "outage", "--severity", "major", "--title", "t")
    child.expect("What do we know so far")
    child.sendline("Sign-ins time out")
    child.expect(r"Post this first status update now\? \[Y/n\]")
    child.sendintr()
    stops_saying(child, "Stopped at “Post this first status update now”; nothing was recorded.")
    assert not DB.exists() or events() == []
    ok("start", "--type", "outage", "--severity", "major", "--title", "t", "--summary", "s", "--no")
    assert [e["kind"] for e in events()] == ["incident_started", "base_reply"]
