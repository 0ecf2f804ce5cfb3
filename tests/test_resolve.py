"""`crisis resolve` and `crisis reopen`: the lead closes the incident, and opens it again."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pexpect
import pytest
from typer.testing import Result

from tests.helpers import crisis, events, ok, start_outage
from tests.test_start_pty import spawn, stops_saying

CAUSE = "A failed database failover left the sign-in service without its database."
IMPACT = "For two hours nobody could sign in, so teams could not see or swap their shifts."


@pytest.fixture(autouse=True)
def incident(db_target: str) -> None:
    """An open outage with follow-ups, in a log on each backend in turn."""
    ok("init", ".")
    start_outage("--yes", "--at", "-40m")
    add("Ada Park", "ada@example.com", "--open-case", "--note", "Her Monday rota is missing")
    add("Bo Lund", "bo@example.com")
    add("Cy Done", "cy@example.com")
    ok("followup", "done", "--email", "cy@example.com")


def add(name: str, email: str, *extra: str) -> None:
    ok("followup", "add", "--customer", name, "--email", email, "--at", "-35m", *extra)


def resolve(*extra: str) -> Result:
    return crisis("resolve", "--cause", CAUSE, "--impact", IMPACT, *extra)


def status() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(ok("status", "--json").stdout)
    return document


def test_resolve_records_cause_impact_a_notice_per_open_followup_and_a_final_update() -> None:
    result = resolve()
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "Final public update on status" in out
    assert "Resolved notice for Ada Park <ada@example.com>" in out
    assert "Resolved notice for Bo Lund <bo@example.com>" in out
    assert "Cy Done" not in out  # already followed up
    assert "Resolved INC-1" in result.stderr and "crisis apologize" in result.stderr

    (resolved,) = events("resolved")
    assert resolved["payload"] == {"cause": CAUSE, "impact": IMPACT}
    notices = [e for e in events("reply") if e["payload"]["purpose"] == "resolved"]
    assert [n["payload"]["customer"]["email"] for n in notices] == [
        "ada@example.com",  # open case first
        "bo@example.com",
    ]
    for notice in notices:
        payload = notice["payload"]
        assert payload["template"] == "resolved" and notice["channel"] == "email"
        assert CAUSE in payload["text"] and IMPACT in payload["text"]  # templates see them
        assert "next_update_at" not in payload  # nothing more is promised
    assert "Her Monday rota is missing" in notices[0]["payload"]["text"]

    final = events("public_update")[-1]
    assert final["channel"] == "status" and final["payload"]["final"] is True
    assert "next_update_at" not in final["payload"]
    assert "Next update" not in final["payload"]["text"]
    assert CAUSE in final["payload"]["text"] and IMPACT in final["payload"]["text"]
    # one transaction: the resolution, the notices and the final word share one time
    assert {e["at"] for e in (resolved, *notices, final)} == {resolved["at"]}

    now = status()
    assert now["phase"] == "aftermath"
    assert now["next_update_due"] is None and now["overdue"] is False
    # the final word keeps the promise made at the start, and makes none
    assert now["promises_due"] == [] and now["promises_broken"] == []
    assert now["next_steps"][0] == "crisis apologize"


def test_the_final_update_can_say_more_and_go_elsewhere() -> None:
    ok("resolve", "--cause", CAUSE, "--impact", IMPACT, "--message", "All fixed at 04:10 UTC.")
    final = events("public_update")[-1]
    assert final["payload"]["message"] == "All fixed at 04:10 UTC."
    assert "All fixed at 04:10 UTC." in final["payload"]["text"]
    ok("reopen", "--reason", "Back again")
    ok("resolve", "--cause", CAUSE, "--impact", IMPACT, "--channel", "forum")
    assert events("public_update")[-1]["channel"] == "forum"


def test_notices_go_one_file_per_customer_and_as_json() -> None:
    result = resolve("-o", "notices", "--json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["incident"] == "INC-1" and document["phase"] == "aftermath"
    assert (document["cause"], document["impact"]) == (CAUSE, IMPACT)
    assert document["final_update"]["channel"] == "status"
    assert document["final_update"]["event_id"] == events("public_update")[-1]["id"]
    files = sorted(Path("notices").iterdir())
    assert [f.name for f in files] == ["00001-ada-example-com.md", "00002-bo-example-com.md"]
    assert [n["file"] for n in document["notices"]] == [str(f) for f in files]
    assert files[0].read_text(encoding="utf-8") == document["notices"][0]["text"]
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600


def test_without_a_terminal_a_missing_answer_names_the_flag_and_records_nothing() -> None:
    before = len(events())
    for args, flag in (
        (("--cause", CAUSE), "--impact"),
        (("--impact", IMPACT), "--cause"),
        (("--cause", "  ", "--impact", IMPACT), "--cause"),
        (("--cause", CAUSE, "--impact", IMPACT, "--channel", "pigeon"), "pigeon"),
        (("--cause", CAUSE, "--impact", IMPACT, "--message", " "), "--message"),
        (("--cause", CAUSE, "--impact", IMPACT, "-o", "notices", "--at", "+1h"), "future"),
    ):
        result = crisis("resolve", *args)
        assert result.exit_code == 2, args
        assert flag in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr
    assert len(events()) == before
    assert status()["phase"] == "during"


def test_a_template_that_fails_to_render_leaves_the_incident_unresolved() -> None:
    template = Path("response_library/resolved.md.j2")
    template.write_text(
        template.read_text(encoding="utf-8").replace("{{ customer.name }}", "{{ customer.nick }}"),
        encoding="utf-8",
    )
    before = len(events())
    result = resolve()
    assert result.exit_code == 2
    assert "resolved.md.j2" in result.stderr and "Traceback" not in result.stderr
    assert len(events()) == before
    assert status()["phase"] == "during"


def test_resolving_twice_or_reopening_an_open_incident_is_a_clear_error() -> None:
    reopen = crisis("reopen", "--reason", "why not")
    assert reopen.exit_code == 2
    assert "INC-1 is open, not resolved" in reopen.stderr
    ok("resolve", "--cause", CAUSE, "--impact", IMPACT)
    again = resolve()
    assert again.exit_code == 2
    assert "INC-1 is already resolved" in again.stderr and "crisis reopen" in again.stderr
    assert len(events("resolved")) == 1
    missing = crisis("reopen")
    assert missing.exit_code == 2 and "--reason" in missing.stderr
    assert events("reopened") == []


def test_reopen_then_resolve_again() -> None:
    ok("resolve", "--cause", CAUSE, "--impact", IMPACT, "--at", "-30m")
    reopened = ok("reopen", "--reason", "Sign-ins failing again in eu-west", "--at", "-20m")
    assert "Reopened INC-1" in reopened.stdout and "Next update due" in reopened.stdout
    assert events("reopened")[0]["payload"] == {"reason": "Sign-ins failing again in eu-west"}
    assert status()["phase"] == "during"
    ok("update", "Sign-ins fail again in eu-west; we are failing over by hand.")
    second = "The manual failover missed the eu-west replica, which had stale credentials."
    result = ok("resolve", "--cause", second, "--impact", IMPACT)
    assert second in result.stdout
    assert [e["payload"]["cause"] for e in events("resolved")] == [CAUSE, second]
    assert status()["phase"] == "aftermath"
    resolved_notices = [e for e in events("reply") if e["payload"]["purpose"] == "resolved"]
    assert len(resolved_notices) == 4  # each resolution tells the open follow-ups
    kinds = [e["kind"] for e in events() if e["kind"] in ("resolved", "reopened")]
    assert kinds == ["resolved", "reopened", "resolved"]


def test_the_lead_is_asked_for_cause_and_impact_on_a_terminal() -> None:
    child = spawn("resolve")
    child.expect("What caused it")
    child.sendline(CAUSE)
    child.expect("What did it mean for customers")
    child.sendline("")  # an empty answer is asked again, never recorded
    child.expect("What did it mean for customers")
    child.sendline(IMPACT)
    child.expect("Final public update")
    child.expect("Resolved INC-1")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    (resolved,) = events("resolved")
    assert resolved["payload"] == {"cause": CAUSE, "impact": IMPACT}
    assert resolved["who"] == "support-lead"


def test_ctrl_c_at_a_question_leaves_the_incident_open() -> None:
    child = spawn("resolve")
    child.expect("What caused it")
    child.sendline(CAUSE)
    child.expect("What did it mean for customers")
    child.sendintr()
    stops_saying(child, "Stopped at “What did it mean for customers”; nothing was recorded.")
    assert events("resolved") == []
    assert json.loads(ok("status", "--json").stdout)["phase"] == "during"


def test_ctrl_d_at_the_reopen_question_leaves_the_incident_resolved() -> None:
    ok("resolve", "--cause", CAUSE, "--impact", IMPACT)
    child = spawn("reopen")
    child.expect("Why is it not over")
    child.sendeof()
    stops_saying(
        child,
        "Stopped at “Why is it not over”; nothing was recorded.",
        "pass --reason to answer it without asking",
    )
    assert events("reopened") == []
    assert json.loads(ok("status", "--json").stdout)["phase"] == "aftermath"


def test_a_resolved_incident_is_not_asked_about_on_a_terminal() -> None:
    ok("resolve", "--cause", CAUSE, "--impact", IMPACT)
    child = spawn("resolve")
    child.expect("already resolved")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2


def test_a_reply_after_the_resolution_is_the_resolved_notice_and_promises_nothing() -> None:
    ok("resolve", "--cause", CAUSE, "--impact", IMPACT)
    result = ok("reply", "--customer", "Dee Late", "--email", "dee@example.com")
    assert "It's fixed" in result.stdout and CAUSE in result.stdout
    late = events("reply")[-1]["payload"]
    assert late["template"] == "resolved" and "next_update_at" not in late
    assert status()["promises_due"] == []


def test_a_status_template_that_guards_the_promise_says_its_own_last_words() -> None:
    template = Path("response_library/status-update.md.j2")
    text = template.read_text(encoding="utf-8")
    promise = "Next update by {{ incident.next_update_at | clock }}"
    assert promise in text
    template.write_text(
        text.replace(
            promise,
            "{% if incident.next_update_at %}" + promise + "{% else %}"
            "This is our last update on this incident{% endif %}",
        ),
        encoding="utf-8",
    )
    ok("resolve", "--cause", CAUSE, "--impact", IMPACT)
    final = events("public_update")[-1]["payload"]["text"]
    assert "This is our last update on this incident" in final
    assert "Next update by" not in final


def test_a_resolved_incident_takes_no_more_public_updates_or_regrading() -> None:
    ok("resolve", "--cause", "A failed database failover", "--impact", "Nobody could sign in")
    for args in (("update", "More news"), ("severity", "critical"), ("escalate", "eng")):
        result = crisis(*args)
        assert result.exit_code == 2, args
        assert "already resolved" in result.stderr and "crisis reopen" in result.stderr
    ok("note", "Aftermath notes are still welcome")
