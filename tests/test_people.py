"""Every word a customer reads is signed by a person of the plan, never a login name."""

from __future__ import annotations

import getpass
import os
import shutil
import stat
from pathlib import Path

import pexpect
import pytest

from tests.helpers import DB, crisis, events, ok, start_outage
from tests.test_start_pty import crisis_command

OTHER_TEAM = Path(__file__).parent / "fixtures" / "other-team"
LOGIN = getpass.getuser()


def saved_file(tmp_path: Path) -> Path:
    return tmp_path / "config" / "crisisplan" / "whoami"  # conftest's $XDG_CONFIG_HOME


def test_every_draft_was_signed_root_now_a_draft_without_a_person_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The story: every draft was signed "root" (the login name), the brief too.
    monkeypatch.delenv("CRISIS_AGENT")
    ok("init", ".")
    result = crisis(
        "start", "-t", "outage", "-s", "major", "--title", "Logins failing", "--summary", "s",
        "--yes",
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr == (
        "error: drafts are signed by a person of the plan, and none is set. Pass --as ROLE, "
        "set CRISIS_AGENT=ROLE or run `crisis whoami ROLE` (roles: support-lead, "
        "support-deputy, social, eng-oncall, head-of-eng, comms-legal, hosting).\n"
    )
    assert not DB.exists()  # nothing recorded, not even an empty log

    start_outage("--yes", "--as", "support-lead")
    ok("reply", "--customer", "Ada Park", "--email", "ada@example.com", "--as", "Priya Raman")
    brief = ok("brief", "--as", "priya raman").stdout  # the person's name, any case
    (reply,) = events("reply")
    assert reply["who"] == "support-lead"
    assert "\nPriya Raman\n" in reply["payload"]["text"]
    assert "Prepared by Priya Raman." in brief
    for e in events():
        assert LOGIN not in str(e["payload"].get("text", "")).split()


def test_a_record_only_command_keeps_the_login_name_when_no_one_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ok("init", ".")
    start_outage("--yes")
    monkeypatch.delenv("CRISIS_AGENT")
    ok("note", "Engineering is on it")  # never reaches a draft, so no person is needed
    assert events("note")[0]["who"] == LOGIN
    monkeypatch.setenv("CRISIS_AGENT", "support-deputy")
    ok("note", "Failover started")
    assert events("note")[1]["who"] == "support-deputy"


def test_whoami_saves_the_choice_privately_and_says_where_it_comes_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CRISIS_AGENT")
    ok("init", ".")
    assert crisis("whoami").exit_code == 1  # no one yet

    saved = ok("whoami", "Tomás Ferreira").stdout
    path = saved_file(tmp_path)
    assert saved == f"You are Tomás Ferreira (support-deputy); saved in {path}.\n"
    assert path.read_text(encoding="utf-8") == "support-deputy\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ok("whoami").stdout == (
        f"You are Tomás Ferreira (support-deputy), from the choice saved in {path}.\n"
    )
    monkeypatch.setenv("CRISIS_AGENT", "support-lead")  # the environment comes first
    assert ok("whoami").stdout == "You are Priya Raman (support-lead), from $CRISIS_AGENT.\n"

    monkeypatch.delenv("CRISIS_AGENT")
    start_outage("--yes")
    ok("reply", "--customer", "Ada Park", "--email", "ada@example.com")
    (reply,) = events("reply")
    assert reply["who"] == "support-deputy"
    assert "\nTomás Ferreira\n" in reply["payload"]["text"]


def test_whoami_with_a_role_the_plan_does_not_have_lists_its_roles_and_saves_nothing(
    tmp_path: Path,
) -> None:
    ok("init", ".")
    result = crisis("whoami", "dana")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(
        "error: playbooks/example.yaml:22:1: 'dana' (crisis whoami) is not a role of this "
        "plan; its roles are: support-lead (Priya Raman), support-deputy (Tomás Ferreira),"
    )
    assert result.stderr.rstrip().endswith("nothing was saved.")
    assert not saved_file(tmp_path).exists()


def test_whoami_away_from_the_plan_says_what_is_set_without_checking_it() -> None:
    result = ok("whoami")  # no playbook in this folder; conftest sets $CRISIS_AGENT
    assert result.stdout == (
        "You are 'support-lead', from $CRISIS_AGENT; no playbook here to check it.\n"
    )


def test_an_unknown_agent_in_the_environment_stops_a_draft_before_anything_is_recorded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ok("init", ".")
    monkeypatch.setenv("CRISIS_AGENT", "root")
    result = crisis("start", "-t", "outage", "-s", "major", "--title", "t", "--summary", "s")
    assert result.exit_code == 2
    assert "'root' ($CRISIS_AGENT) is not a role of this plan" in result.stderr
    assert not DB.exists()


def test_another_teams_plan_signs_with_its_own_people(monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(OTHER_TEAM, ".", dirs_exist_ok=True)
    monkeypatch.setenv("CRISIS_AGENT", "merchant-success")
    ok("start", "-t", "payments-down", "-s", "sev2", "--title", "Checkout failing", "--summary",
       "Card payments fail at checkout", "--yes")  # fmt: skip
    ok("reply", "--customer", "Ada Park", "--email", "ada@example.com")
    (reply,) = events("reply")
    assert "Lena Fischer, Quillpay merchant team" in reply["payload"]["text"]
    assert LOGIN not in reply["payload"]["text"].split()


def test_on_a_terminal_with_no_one_set_start_asks_once_and_saves_the_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CRISIS_AGENT")
    ok("init", ".")
    command, *rest = crisis_command()
    env = {k: v for k, v in os.environ.items() if k != "CRISIS_AGENT"}
    env |= {"NO_COLOR": "1", "COLUMNS": "120", "CI": ""}
    args = ["start", "-t", "outage", "-s", "major", "--title", "t", "--summary", "s", "--no"]
    child = pexpect.spawn(command, [*rest, *args], env=env, encoding="utf-8", timeout=20)
    child.expect("Who are you")
    child.expect("2. support-deputy: Tomás Ferreira")
    child.expect("Choose 1-")
    child.sendline("2")
    child.expect("Recorded INC-1")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert saved_file(tmp_path).read_text(encoding="utf-8") == "support-deputy\n"
    assert events("incident_started")[0]["who"] == "support-deputy"
    ok("note", "saved choice is used from now on")
    assert events("note")[0]["who"] == "support-deputy"
