"""A team with history: commands find the incident by phase, and reads never write.

The issue's story: one incident resolved but not yet reviewed, another one running.
Every command used to demand --incident; `review --json` recorded a review and closed
the incident; four runs of the same review left four review events.
"""

from __future__ import annotations

import json
from pathlib import Path

import pexpect
import pytest

from tests.helpers import crisis, events, ok, start_outage
from tests.test_start_pty import spawn

CAUSE = "A failed database failover left sign-ins waiting on a dead primary"
IMPACT = "Nobody could sign in for two hours, so staff could not see their shifts"


@pytest.fixture(autouse=True)
def example_plan(db_target: str) -> None:
    """The example plan, and the log on each backend in turn."""
    ok("init", ".")


def resolve(*extra: str) -> None:
    ok("resolve", "--cause", CAUSE, "--impact", IMPACT, *extra)


def answers(*given: str) -> str:
    Path("answers.yaml").write_text("".join(f"- {a}\n" for a in given), encoding="utf-8")
    return "answers.yaml"


def on(kind: str) -> list[str]:
    """The incident of each event of this kind, oldest first."""
    return [e["incident_id"] for e in events(kind)]


def a_resolved_incident_and_a_running_one() -> None:
    start_outage("--no", title="Yesterday's outage")
    ok("followup", "add", "--customer", "Ada Park", "--email", "ada@example.com")
    resolve()
    start_outage("--no", title="Exports failing")


def test_during_commands_take_the_running_incident_and_aftermath_ones_the_resolved() -> None:
    a_resolved_incident_and_a_running_one()

    ok("note", "Engineering is on it")
    ok("update", "We are restoring exports")
    ok("severity", "critical", "--reason", "Data at risk")
    ok("escalate", "eng", "--how", "Paged")
    added = ok("followup", "add", "--customer", "Bo Chen", "--email", "bo@example.com")
    assert "follow-up list of INC-2" in added.stdout
    ok("reply", "--customer", "Bo Chen", "--email", "bo@example.com", "--note", "Export stuck")
    assert on("note") == ["INC-2"]
    assert on("public_update")[-1] == "INC-2"
    assert on("severity_changed") == on("escalated") == ["INC-2"]
    assert on("reply")[-1] == "INC-2"  # INC-1's are its resolved notices

    apologized = crisis("apologize")
    assert apologized.exit_code in (0, 1), apologized.stderr
    assert set(on("apology")) == {"INC-1"}
    assert ok("review").stdout.count("Time to the first public update") == 1

    resolve()  # the running one: INC-2
    assert on("resolved") == ["INC-1", "INC-2"]


def test_list_shows_each_incident_phase_not_open() -> None:
    a_resolved_incident_and_a_running_one()
    lines = ok("list").stdout.splitlines()
    assert lines[0].split()[:2] == ["INC-1", "resolved"] or lines[1].split()[:2] == [
        "INC-1",
        "resolved",
    ]
    assert any(line.split()[:2] == ["INC-2", "during"] for line in lines)
    assert not any(" open " in line for line in lines)
    ok("review", "--answers", answers("Yes"))
    assert any(line.split()[:2] == ["INC-1", "reviewed"] for line in ok("list").stdout.splitlines())


def test_without_a_terminal_an_ambiguous_command_lists_the_choices() -> None:
    start_outage("--no", title="Logins failing")
    start_outage("--no", title="Exports failing")
    result = crisis("note", "Which one?")
    assert result.exit_code == 2
    assert "2 incidents are in the during phase" in result.stderr
    assert "INC-1 Logins failing (during); INC-2 Exports failing (during)" in result.stderr
    assert "--incident ID" in result.stderr
    assert events("note") == []


def test_on_a_terminal_an_ambiguous_command_asks_which() -> None:
    start_outage("--no", title="Logins failing")
    start_outage("--no", title="Exports failing")
    child = spawn("note", "Export queue drained")
    child.expect_exact("Which incident:")
    child.expect_exact("2. INC-2: Exports failing (during)")
    child.expect("Choose 1-2")
    child.sendline("2")
    child.expect_exact("Noted on INC-2")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert on("note") == ["INC-2"]


def test_review_reads_until_asked_to_record_and_records_again_only_with_replace() -> None:
    start_outage("--no")
    ok("followup", "add", "--customer", "Ada Park", "--email", "ada@example.com")
    resolve()

    # Reads: figures on screen and as JSON, nothing recorded, the incident still open.
    for _ in range(3):
        ok("review")
    document = json.loads(ok("review", "--json").stdout)
    assert document["recorded"] is False
    assert events("review") == [] and not Path("reviews").exists()

    recorded = ok("review", "--answers", answers("Yes"))
    assert "Wrote reviews/INC-1.md and recorded the review of INC-1" in recorded.stdout
    assert len(events("review")) == 1

    # Re-run on the closed incident: it is found without --incident, and still a read.
    assert "nothing recorded" in ok("review", "-o", "report.md").stdout
    assert Path("report.md").exists()

    again = crisis("review", "--answers", answers("No", "Partly"))
    assert again.exit_code == 2
    assert "INC-1 already has a review" in again.stderr
    assert "this one changes answer 1, answer 2" in again.stderr
    assert "--replace" in again.stderr
    assert len(events("review")) == 1

    ok("review", "--answers", "answers.yaml", "--replace")
    first, second = events("review")
    assert second["payload"]["replaces"] == first["id"]
    assert [a["answer"] for a in second["payload"]["answers"]][:2] == ["No", "Partly"]


def test_status_followup_list_and_review_agree_on_the_follow_up_counts() -> None:
    start_outage("--no")
    ok("followup", "add", "--customer", "Ada Park", "--email", "ada@example.com")
    ok("followup", "add", "--customer", "Bo Chen", "--email", "bo@example.com")
    ok("followup", "done", "--email", "bo@example.com")
    resolve()
    status = json.loads(ok("status", "--json").stdout)
    listed = json.loads(ok("followup", "list", "--json").stdout)
    figures = json.loads(ok("review", "--json").stdout)["figures"]["followups"]
    assert status["followups_open"] == len(listed) == figures["open"] == 1
    assert figures == {"added": 2, "contacted": 1, "open": 1}
