"""Nothing public about a breach until the plan's roles sign it off (issue 20, item 3).

The example plan says a security incident's public words need comms-legal (Ruth Adeyemi)
and head-of-eng (Hannah Berg); Quillpay's says a breach needs risk-officer and cto. Each
test tries one way words could go out, and checks both what the user sees and the log.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pexpect
import pytest

from tests.helpers import crisis, events, log_rows, ok

OTHER_TEAM = Path(__file__).parent / "fixtures" / "other-team"
LEGAL = "Ruth Adeyemi, general counsel (comms-legal)"
HEAD = "Hannah Berg (head-of-eng)"
BREACH = ("start", "-t", "security", "-s", "critical", "--title", "Possible account breach")


@pytest.fixture(autouse=True)
def plan(db_target: str) -> None:
    ok("init", ".")


def as_(monkeypatch: pytest.MonkeyPatch, role: str) -> None:
    monkeypatch.setenv("CRISIS_AGENT", role)


def declare_breach(*extra: str) -> Any:
    return ok(*BREACH, "--summary", "Unusual sign-ins from one address since 02:10 UTC", *extra)


def status_json() -> dict[str, Any]:
    return dict(json.loads(ok("status", "--json").stdout))


def approve_both(monkeypatch: pytest.MonkeyPatch, statement: str = "S1") -> None:
    as_(monkeypatch, "comms-legal")
    ok("approve", statement, "--as", "comms-legal")
    as_(monkeypatch, "head-of-eng")
    ok("approve", statement, "--as", "head-of-eng")


def test_start_yes_holds_the_first_update_until_both_roles_approve_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started = declare_breach("--yes")
    assert (
        f"Not posted: statement S1 waits for sign-off by {LEGAL} and {HEAD}. Nothing is public "
        "until each runs `crisis approve S1 --as ROLE`." in started.stderr
    )
    assert events("public_update") == []
    (held,) = events("statement_draft")
    assert held["payload"]["needs"] == ["comms-legal", "head-of-eng"]
    text = held["payload"]["text"]
    assert held["payload"]["text_sha256"] == hashlib.sha256(text.encode()).hexdigest()

    screen = ok("status").stdout
    assert (
        "Waiting for sign-off: S1, the update for status drafted by support-lead; approval "
        f"needed from {LEGAL} and {HEAD}." in screen
    )
    assert "  crisis approve S1 --as comms-legal\n" in screen
    assert "Last public update: none yet" in screen
    assert status_json()["sign_off"][0]["waiting_for"] == ["comms-legal", "head-of-eng"]

    as_(monkeypatch, "comms-legal")
    first = ok("approve", "S1", "--as", "comms-legal").stdout
    assert first == (
        f"Approved S1 as comms-legal. Still waiting for {HEAD}: nothing is public yet.\n"
    )
    assert events("public_update") == []
    as_(monkeypatch, "head-of-eng")
    last = ok("approve", "s1").stdout  # their own role, when --as is left out
    (posted,) = events("public_update")
    assert last == (
        "Approved S1 as head-of-eng; every sign-off is in, so it is now published on status "
        f"(event E{posted['id']}).\n"
    )
    assert posted["payload"]["text"] == text
    assert posted["payload"]["approved_by"] == ["comms-legal", "head-of-eng"]
    approvals = events("approval")
    assert [(a["who"], a["payload"]["role"]) for a in approvals] == [
        ("comms-legal", "comms-legal"),
        ("head-of-eng", "head-of-eng"),
    ]
    assert {a["payload"]["text_sha256"] for a in approvals} == {held["payload"]["text_sha256"]}
    assert "Waiting for sign-off" not in ok("status").stdout
    assert status_json()["sign_off"] == []


def test_approval_by_anyone_else_or_as_another_role_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    declare_breach("--yes")
    # The lead cannot sign for legal by typing legal's role.
    posing = crisis("approve", "S1", "--as", "comms-legal")
    assert posing.exit_code == 2
    assert posing.stderr == (
        f"error: only {LEGAL} can approve as comms-legal; you are Priya Raman (support-lead) "
        "($CRISIS_AGENT). Ask Ruth Adeyemi, general counsel to run `crisis approve S1 --as "
        "comms-legal`.\n"
    )
    own = crisis("approve", "S1")
    assert own.exit_code == 2
    assert own.stderr.startswith(
        f"error: S1 needs sign-off by {LEGAL} and {HEAD}; Priya Raman (support-lead) is not "
        "one of them."
    )
    as_(monkeypatch, "support-deputy")
    assert crisis("approve", "S1", "--as", "Tomás Ferreira").exit_code == 2
    assert events("approval") == []

    as_(monkeypatch, "comms-legal")
    ok("approve", "S1", "--as", "comms-legal")
    twice = crisis("approve", "S1", "--as", "comms-legal")
    assert twice.exit_code == 2
    assert f"{LEGAL} already approved S1. Still waiting for {HEAD}." in twice.stderr
    unknown = crisis("approve", "S7")
    assert unknown.exit_code == 2
    assert "INC-1 has no statement S7. Statements waiting for sign-off: S1." in unknown.stderr
    assert len(events("approval")) == 1
    assert events("public_update") == []


def test_update_with_any_flags_or_channel_waits_for_sign_off_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    declare_breach("--no")
    ok(
        "update", "We have closed the address the sign-ins came from",
        "--eta", "+2h", "--cause", "A leaked API key", "--impact", "Sign-in history was seen",
    )  # fmt: skip
    forum = ok("update", "Password resets are being sent", "--channel", "forum")
    assert "Not posted: statement S2 waits for sign-off" in forum.stderr
    assert "Recorded on" not in forum.stderr  # no next-update clock: nothing went out
    assert events("public_update") == []
    assert [e["channel"] for e in events("statement_draft")] == ["status", "forum"]
    assert [s["id"] for s in status_json()["sign_off"]] == ["S1", "S2"]
    assert status_json()["last_public_update"] is None

    approve_both(monkeypatch, "S2")
    (posted,) = events("public_update")
    assert posted["channel"] == "forum"
    assert posted["payload"]["statement"] == 2
    assert [s["id"] for s in status_json()["sign_off"]] == ["S1"]


def test_a_new_draft_after_an_approval_needs_every_approval_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    declare_breach("--yes")
    as_(monkeypatch, "comms-legal")
    ok("approve", "S1", "--as", "comms-legal")
    as_(monkeypatch, "support-lead")
    redrafted = ok("update", "We have found how they got in, and closed it")  # new words
    assert "It replaces S1: approvals of those words do not count for these." in (redrafted.stderr)
    as_(monkeypatch, "head-of-eng")
    stale = crisis("approve", "S1")
    assert stale.exit_code == 2
    assert "S1 was replaced by S2" in stale.stderr
    assert "approvals are for exact words. Approve S2 instead" in stale.stderr
    (waiting,) = status_json()["sign_off"]
    assert waiting["id"] == "S2"
    assert waiting["waiting_for"] == ["comms-legal", "head-of-eng"]  # legal's S1 does not count

    ok("approve", "S2")
    assert events("public_update") == []
    as_(monkeypatch, "comms-legal")
    ok("approve", "S2")
    (posted,) = events("public_update")
    assert "closed it" in posted["payload"]["message"]
    draft_two = events("statement_draft")[1]["payload"]
    assert posted["payload"]["text_sha256"] == draft_two["text_sha256"]


def test_a_rejected_statement_is_never_published(monkeypatch: pytest.MonkeyPatch) -> None:
    declare_breach("--yes")
    as_(monkeypatch, "comms-legal")
    rejected = ok("reject", "S1", "--reason", "Say what customers must do first")
    assert rejected.stdout.startswith("Rejected S1 on INC-1: Say what customers must do first.")
    (rejection,) = events("rejection")
    assert rejection["who"] == "comms-legal"
    assert rejection["payload"]["reason"] == "Say what customers must do first"
    late = crisis("approve", "S1")
    assert late.exit_code == 2
    assert "S1 was rejected by Ruth Adeyemi, general counsel" in late.stderr
    assert events("public_update") == []
    (shown,) = status_json()["sign_off"]
    assert (shown["status"], shown["reason"], shown["waiting_for"]) == (
        "rejected",
        "Say what customers must do first",
        [],
    )
    assert (
        "Rejected: S1 for status, by comms-legal: Say what customers must do first. Draft it "
        "again with `crisis update ...`." in ok("status").stdout
    )
    as_(monkeypatch, "support-lead")
    ok("update", "Reset your password now: we have signed every account out")
    assert [s["id"] for s in status_json()["sign_off"]] == ["S2"]  # the rejection is answered


def test_send_and_the_status_page_leave_a_held_statement_out_and_say_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    declare_breach("--yes")
    ok("reply", "--customer", "Ada Park", "--email", "ada@example.com")
    dry = ok("send")
    assert "Would send 1 message(s)" in dry.stdout  # Ada's reply, not the statement
    assert (
        "Not sent: INC-1's statement S1 for status waits for sign-off by "
        f"{LEGAL} and {HEAD} (`crisis approve S1 --incident INC-1 --as ROLE`)." in dry.stderr
    )
    as_json = json.loads(ok("send", "--json").stdout)
    assert len(as_json["held_for_sign_off"]) == 1
    held_text = events("statement_draft")[0]["payload"]["text"]

    built = ok("statuspage", "build", "site")
    assert "0 open incidents" in built.stdout  # nothing public was said yet
    assert "Not on the page: INC-1's statement S1" in built.stderr
    site = "".join(p.read_text() for p in Path("site").rglob("*") if p.is_file())
    assert "security breach" not in site

    approve_both(monkeypatch)
    rebuilt = ok("statuspage", "build", "site")
    assert "1 open incident" in rebuilt.stdout
    assert "Not on the page" not in rebuilt.stderr
    page = Path("site/index.html").read_text()
    assert held_text.splitlines()[0].split(".")[0] in page


def test_resolve_holds_the_final_update_until_signed_off(monkeypatch: pytest.MonkeyPatch) -> None:
    declare_breach("--yes")
    approve_both(monkeypatch)
    as_(monkeypatch, "support-lead")
    resolved = ok("resolve", "--cause", "A leaked API key", "--impact", "Sign-in history seen")
    assert "Final update (waiting for sign-off) on status" in resolved.stdout
    assert "Not posted: statement S2 waits for sign-off" in resolved.stderr
    assert "posted the final update" not in resolved.stderr
    assert len(events("public_update")) == 1  # the first update only
    assert status_json()["sign_off"][0]["final"] is True

    approve_both(monkeypatch, "S2")  # approved after the resolution: the aftermath incident
    final = events("public_update")[-1]
    assert final["payload"]["final"] is True
    assert final["payload"]["statement"] == 2


def test_types_without_sign_off_still_post_at_once() -> None:
    ok("start", "-t", "outage", "-s", "major", "--title", "Logins", "--summary", "s", "--yes")
    assert len(events("public_update")) == 1
    assert events("statement_draft") == []
    assert "sign-off" not in ok("status").stdout


def test_quillpay_breach_needs_the_risk_officer_and_the_cto(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shutil.copytree(OTHER_TEAM, "other-team")
    monkeypatch.setenv("CRISIS_PLAYBOOK", "other-team/playbooks/payments.yaml")
    as_(monkeypatch, "merchant-success")
    started = ok(
        "start", "-t", "breach", "-s", "sev1", "--title", "Card data exposure",
        "--summary", "A merchant export was readable without a login", "--yes",
    )  # fmt: skip
    assert "S1 waits for sign-off by" in started.stderr
    assert "(risk-officer) and" in started.stderr and "(cto)" in started.stderr
    refused = crisis("approve", "S1", "--as", "risk-officer")
    assert refused.exit_code == 2
    assert events("public_update") == []
    for role in ("risk-officer", "cto"):
        as_(monkeypatch, role)
        ok("approve", "S1", "--as", role)
    (posted,) = events("public_update")
    assert posted["payload"]["approved_by"] == ["risk-officer", "cto"]


def test_words_edited_in_start_are_the_words_held_and_hashed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_start_pty import spawn

    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\nsed -i 's/We are investigating/We are looking into/' \"$1\"\n")
    editor.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(editor))
    child = spawn(*BREACH, "--summary", "Unusual sign-ins")
    child.expect(r"Record this first status update for sign-off by comms-legal, head-of-eng\?")
    child.sendline("y")
    child.expect(r"Edit it first\? \[y/N\]")
    child.sendline("y")
    child.expect("Not posted: statement S1 waits for sign-off")
    child.expect("Recorded INC-1")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    (held,) = events("statement_draft")
    text = held["payload"]["text"]
    assert text.startswith("We are looking into a possible security breach")
    assert held["payload"]["text_sha256"] == hashlib.sha256(text.encode()).hexdigest()
    assert events("public_update") == []


def test_the_stored_state_keeps_the_statements_as_they_were() -> None:
    from crisisplan.phases import state as st

    declare_breach("--yes")
    ok("reject", "S1", "--reason", "Too vague")
    ok("update", "We closed the address")
    (row,) = log_rows("SELECT state FROM incidents")
    state = st.from_json(json.loads(row["state"]))
    assert [(s.number, s.status) for s in state.statements] == [(1, "rejected"), (2, "waiting")]
    assert state.statements[0].reason == "Too vague"
    assert st.from_json(st.to_json(state)) == state


def test_the_plan_says_who_approves_public_words_and_each_channels_limit() -> None:
    shown = " ".join(ok("plan", "--format", "md").stdout.split())
    assert (
        "Public statements need approval from Ruth Adeyemi, general counsel (comms-legal), "
        "Hannah Berg (head-of-eng): every public update waits until each of them runs "
        "\\`crisis approve\\` (docs/signoff.md)." in shown  # Markdown escapes the backticks
    )
    assert "funnel people to email; drafts of at most 280 characters" in shown


def test_two_approvers_at_the_same_moment_publish_the_statement_once() -> None:
    import os
    import subprocess

    from tests.test_start_pty import crisis_command

    declare_breach("--yes")
    runs = [
        subprocess.Popen(
            [*crisis_command(), "approve", "S1"],
            env={**os.environ, "CRISIS_AGENT": role},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for role in ("comms-legal", "head-of-eng")
    ]
    said = [run.communicate(timeout=60) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], said
    assert sum("now published" in out for out, _ in said) == 1
    assert len(events("approval")) == 2
    (posted,) = events("public_update")
    assert sorted(posted["payload"]["approved_by"]) == ["comms-legal", "head-of-eng"]
