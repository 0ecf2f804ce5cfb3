"""What we know, kept current: `crisis update` records the facts, and every later draft reads them.

The story from issue 17, with a second team's plan (Quillpay): the drafts said "Here is what
we know so far: We found the cause and are restoring service" followed by "We don't know the
cause yet, and we won't guess", because the cause could only be given at `resolve`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import crisis, events, ok, start_outage

OTHER_TEAM = Path(__file__).parent / "fixtures" / "other-team"
PLAN = "other-team/playbooks/payments.yaml"
FOUND = "We found the cause and are restoring service"
CAUSE = "A certificate on our card gateway expired, so the bank refused our payment requests."


@pytest.fixture
def quillpay(monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(OTHER_TEAM, "other-team")
    monkeypatch.setenv("CRISIS_AGENT", "merchant-success")  # Lena Fischer signs Quillpay's
    ok(
        *("start", "--playbook", PLAN, "--type", "payments-down", "--severity", "sev2"),
        *("--title", "Card payments failing", "--summary", "Card payments fail at checkout"),
        *("--yes", "--at", "-30m"),
    )


def reply(name: str, email: str, *extra: str) -> str:
    result = crisis("reply", "--playbook", PLAN, "--customer", name, "--email", email, *extra)
    assert result.exit_code in (0, 1), result.stderr  # 1: drafted, with language findings
    (latest,) = [e for e in events("reply") if e["payload"]["customer"]["email"] == email][-1:]
    return str(latest["payload"]["text"])


@pytest.mark.usefixtures("quillpay")
def test_the_cause_given_with_an_update_reaches_every_later_draft() -> None:
    result = ok("update", "--playbook", PLAN, FOUND, "--cause", CAUSE, "--workaround", "Take cash")

    assert CAUSE in result.stdout  # the public update itself
    assert "Warning" not in result.stderr
    (facts,) = events("facts_changed")
    assert facts["payload"] == {"cause": CAUSE, "workaround": "Take cash"}
    (update,) = [e for e in events("public_update") if e["payload"]["message"] == FOUND]
    assert facts["at"] == update["at"]  # recorded together
    text = reply("Ada Park", "ada@example.com")
    assert FOUND in text and CAUSE in text
    assert "not known yet" not in text
    status = ok("status", "--json").stdout
    assert '"phase": "during"' in status


@pytest.mark.usefixtures("quillpay")
def test_saying_the_cause_is_found_without_giving_it_warns_once() -> None:
    result = ok("update", "--playbook", PLAN, FOUND)

    warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning")]
    assert len(warnings) == 1 and "--cause" in warnings[0]
    assert events("facts_changed") == []
    assert [e["payload"]["message"] for e in events("public_update")][-1] == FOUND


@pytest.mark.usefixtures("quillpay")
def test_suspected_needs_a_cause_and_records_nothing_without_one() -> None:
    before = len(events())
    result = crisis("update", "--playbook", PLAN, "Still looking", "--suspected")

    assert result.exit_code != 0
    assert "--cause TEXT --suspected" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(events()) == before


def test_a_suspected_cause_is_said_as_one_in_the_example_drafts() -> None:
    ok("init", ".")
    start_outage("--yes", "--at", "-30m")
    ok("update", "Moving traffic away from the database", "--cause", "A failover", "--suspected")

    text = reply_example("Bo Chen", "bo@example.com")
    assert "We believe we have found the cause, and we are confirming it: A failover" in text
    assert "don't know the cause" not in text
    ok("update", "Restoring service", "--cause", "A failed database failover.")
    text = reply_example("Cy Wu", "cy@example.com")
    assert "What caused it: A failed database failover." in text
    assert "believe" not in text
    brief = ok("brief").stdout
    assert "Cause: A failed database failover." in brief


def reply_example(name: str, email: str) -> str:
    result = crisis("reply", "--customer", name, "--email", email)
    assert result.exit_code in (0, 1), result.stderr
    return str(events("reply")[-1]["payload"]["text"])


def test_check_catches_a_template_that_states_a_cause_and_says_it_is_unknown() -> None:
    ok("init", ".")
    path = Path("response_library/update.md.j2")
    text = path.read_text(encoding="utf-8")
    bad = text.replace(
        "Where things stand: {{ incident.summary }}",
        "Where things stand: {{ incident.summary }} We don't know the cause yet.",
    )
    assert bad != text
    path.write_text(bad, encoding="utf-8")

    result = crisis("check")

    assert result.exit_code == 2  # not ready
    output = result.stdout + result.stderr
    line = 1 + next(i for i, s in enumerate(bad.splitlines()) if "We don't know the cause" in s)
    column = 1 + bad.splitlines()[line - 1].index("don't know the cause")
    assert f"response_library/update.md.j2:{line}:{column}: error: with a confirmed cause" in output
    assert "“don't know the cause”" in output
    assert "Traceback" not in output
