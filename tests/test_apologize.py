"""`crisis apologize`: a real apology for everyone on the follow-up list, checked before sending."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import crisis, events, ok, start_outage

CAUSE = "A failed database failover left the sign-in service without its database."
IMPACT = "For two hours nobody could sign in, so teams could not see or swap their shifts."
REPEAT = "Three months of Larkspur free"  # the example plan's offers, first words
CRITICAL = "One month of Larkspur free"
DEFAULT = "A credit on your next invoice for every day you were affected"
APOLOGY = Path("response_library/apology.md.j2")


@pytest.fixture(autouse=True)
def example_plan() -> None:
    ok("init", ".")


def add(name: str, email: str, *extra: str) -> None:
    ok("followup", "add", "--customer", name, "--email", email, *extra)


def resolve(*extra: str) -> None:
    ok("resolve", "--cause", CAUSE, "--impact", IMPACT, *extra)


def resolved_outage(*customers: tuple[str, str]) -> None:
    start_outage("--yes", "--at", "-1h")
    for name, email in customers:
        add(name, email)
    resolve()


def apologies() -> list[dict[str, Any]]:
    return [e["payload"] for e in events("apology")]


def edit_block(name: str, body: str) -> None:
    """Replace what a block of the plan's apology template says."""
    text = APOLOGY.read_text(encoding="utf-8")
    pattern = re.compile(r"(\{% block " + name + r" -%\}).*?(\{%- endblock %\})", re.DOTALL)
    assert pattern.search(text), name
    APOLOGY.write_text(pattern.sub(lambda m: m[1] + body + m[2], text), encoding="utf-8")


def days_ago(days: int) -> str:
    return (dt.datetime.now(dt.UTC) - dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%MZ")


def past_incident(days: int, *emails: str) -> None:
    """An earlier incident, backfilled, with these customers on its follow-up list."""
    ok(
        *("start", "--type", "outage", "--severity", "minor", "--title", f"{days} days ago"),
        *("--summary", "s", "--yes", "--at", days_ago(days)),
    )
    number = json.loads(ok("list", "--json").stdout)[0]["id"]
    for email in emails:
        add(email.split("@")[0], email, "--at", days_ago(days), "--incident", number)
    ok("resolve", "--cause", "c", "--impact", "i", "--incident", number, "--at", days_ago(days))


def test_each_followup_gets_a_checked_ready_apology_with_its_compensation() -> None:
    resolved_outage(("Ada Park", "ada@example.com"), ("Bo Lund", "bo@example.com"))
    result = crisis("apologize")
    assert result.exit_code == 0, result.stderr
    assert "Apology to Ada Park <ada@example.com>: ready" in result.stdout
    assert "Apology to Bo Lund <bo@example.com>: ready" in result.stdout
    assert "Drafted 2 apologies; 2 ready." in result.stderr
    first, second = apologies()
    assert first["customer"]["email"] == "ada@example.com"
    assert first["purpose"] == "apology" and first["template"] == "apology"
    assert first["checks"] == {
        "cause": True,
        "impact": True,
        "remedy": True,
        "invite_reply": True,
        "language": True,
    }
    assert first["problems"] == [] and first["ready"] is True and first["forced"] is False
    assert first["compensation"] == DEFAULT and first["previous_incidents"] == 0
    assert all(words in first["text"] for words in (CAUSE, IMPACT, DEFAULT))
    assert set(first["blocks"]) >= {"cause", "impact", "remedy", "invite_reply"}
    assert all(e["channel"] == "email" for e in events("apology"))
    assert second["customer"]["name"] == "Bo Lund"


def test_repeat_incidents_in_the_last_180_days_earn_the_stronger_compensation() -> None:
    past_incident(200, "old@example.com")  # too long ago to count
    past_incident(60, "ada@example.com", "once@example.com")
    past_incident(30, "ada@example.com")
    start_outage("--yes", "--at", "-1h")
    for name, email in (("Ada", "ada@example.com"), ("Old", "old@example.com")):
        add(name, email, "--incident", "INC-4")
    add("Once", "once@example.com", "--incident", "INC-4")
    resolve("--incident", "INC-4")
    document = json.loads(ok("apologize", "--incident", "INC-4", "--json").stdout)
    offers = {
        a["customer"]["email"]: (a["previous_incidents"], a["compensation"])
        for a in document["apologies"]
    }
    assert offers["ada@example.com"][0] == 2
    assert offers["ada@example.com"][1].startswith(REPEAT)
    assert offers["old@example.com"] == (0, DEFAULT)
    assert offers["once@example.com"] == (1, DEFAULT)
    ada = next(a for a in document["apologies"] if a["customer"]["email"] == "ada@example.com")
    assert REPEAT in ada["text"] and "2 earlier incidents" in ada["text"]
    assert document["counts"] == {"drafted": 3, "ready": 3, "not_ready": 0, "already": 0}


def test_the_highest_severity_reached_decides_the_severity_rule() -> None:
    start_outage("--yes", "--at", "-1h")
    add("Ada", "ada@example.com")
    ok("severity", "critical")
    ok("severity", "major")  # it was critical for a while: that is what they lived through
    resolve()
    ok("apologize")
    assert apologies()[0]["compensation"] == CRITICAL


def test_an_apology_whose_cause_block_renders_empty_is_not_ready() -> None:
    resolved_outage(("Ada Park", "ada@example.com"))
    edit_block("cause", "")
    result = crisis("apologize")
    assert result.exit_code == 1
    assert "Apology to Ada Park <ada@example.com>: NOT READY" in result.stdout
    assert "the cause block renders empty" in result.stderr
    (apology,) = apologies()
    assert apology["ready"] is False and apology["forced"] is False
    assert apology["checks"]["cause"] is False
    assert apology["checks"]["impact"] is True
    assert any("cause" in p for p in apology["problems"])
    assert "1 not ready" in result.stderr
    forced = crisis("apologize", "--again", "--force")
    assert forced.exit_code == 0
    assert "ready (forced)" in forced.stdout
    latest = apologies()[-1]
    assert latest["ready"] is True and latest["forced"] is True
    assert latest["checks"]["cause"] is False


@pytest.mark.parametrize(
    ("block", "body", "check", "why"),
    [
        ("cause", "What went wrong: we are still looking into it.", "cause", "specific words"),
        ("impact", "Some things did not work for a while.", "impact", "specific words"),
        ("remedy", "We would like to give you a small gift.", "remedy", "compensation"),
        ("invite_reply", "{% if false %}Reply to us.{% endif %}", "invite_reply", "empty"),
        ("invite_reply", "We are sorry for any inconvenience.", "language", "inconvenience"),
    ],
)
def test_each_part_of_a_real_apology_is_checked(
    block: str, body: str, check: str, why: str
) -> None:
    resolved_outage(("Ada Park", "ada@example.com"))
    edit_block(block, body)
    result = crisis("apologize", "--json")
    assert result.exit_code == 1
    (draft,) = json.loads(result.stdout)["apologies"]
    assert draft["checks"][check] is False
    assert [name for name, passed in draft["checks"].items() if not passed] == [check]
    assert any(why in problem for problem in draft["problems"]), draft["problems"]
    assert draft["ready"] is False


def test_apologize_before_resolve_says_to_resolve_first_and_records_nothing() -> None:
    start_outage("--yes")
    add("Ada", "ada@example.com")
    before = len(events())
    result = crisis("apologize")
    assert result.exit_code == 2
    assert "not resolved yet" in result.stderr and "crisis resolve" in result.stderr
    assert len(events()) == before


def test_apologising_again_is_a_choice() -> None:
    resolved_outage(("Ada", "ada@example.com"), ("Bo", "bo@example.com"))
    ok("apologize")
    rerun = ok("apologize")
    assert "2 already apologised to (use --again" in rerun.stderr
    assert len(apologies()) == 2
    one = crisis("apologize", "--email", "ADA@example.com")
    assert one.exit_code == 2 and "--again" in one.stderr
    ok("apologize", "--email", "ada@example.com", "--again")
    assert [a["customer"]["email"] for a in apologies()] == [
        "ada@example.com",
        "bo@example.com",
        "ada@example.com",
    ]
    stranger = crisis("apologize", "--email", "zed@example.com")
    assert stranger.exit_code == 2 and "not on the follow-up list" in stranger.stderr


def test_drafts_go_one_file_per_customer() -> None:
    resolved_outage(("Ada", "ada@example.com"), ("Bo", "bo@example.com"))
    result = ok("apologize", "-o", "apologies")
    assert "Subject:" not in result.stdout  # the words are in the files
    files = sorted(Path("apologies").iterdir())
    assert [f.name for f in files] == ["00001-ada-example-com.md", "00002-bo-example-com.md"]
    assert files[0].read_text(encoding="utf-8") == apologies()[0]["text"]
    not_a_folder = Path("taken.md")
    not_a_folder.write_text("x", encoding="utf-8")
    refused = crisis("apologize", "--again", "-o", str(not_a_folder))
    assert refused.exit_code == 2 and "folder" in refused.stderr
    assert len(apologies()) == 2


def test_at_and_as_are_recorded_and_an_empty_list_is_said_plainly() -> None:
    resolved_outage()
    empty = ok("apologize")
    assert "Nobody is on the follow-up list" in empty.stderr and events("apology") == []
    add("Ada", "ada@example.com")
    ok("apologize", "--at", "-5m", "--as", "support-lead")
    (event,) = events("apology")
    assert event["who"] == "support-lead"
    assert "Priya Raman" in event["payload"]["text"]  # the role's name signs it
