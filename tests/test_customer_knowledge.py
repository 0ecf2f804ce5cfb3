"""What the log knows of a customer is used, and a note is not repeated as if still true."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import crisis, events, ok, start_outage

OPEN_CASE = "I can see you already have a case open with us."
ENTERPRISE = "our support lead will call you"


def ada_on_the_list() -> None:
    ok("init", ".")
    start_outage("--yes")
    ok("followup", "add", "--customer", "Ada Park", "--email", "ada@example.com",
       "--tier", "enterprise", "--open-case", "--note", "Her Monday rota is missing.")  # fmt: skip


def test_reply_to_ada_park_by_name_uses_the_follow_up_list() -> None:
    # The story: `reply --customer "Ada Park"` ignored that the follow-up list has Ada as
    # enterprise with an open case.
    ada_on_the_list()
    ok("reply", "--customer", "Ada Park")  # the list knows her email
    (reply,) = events("reply")
    text = reply["payload"]["text"]
    assert OPEN_CASE in text and ENTERPRISE in text
    assert "Her Monday rota is missing." in text  # the note of this incident
    assert reply["payload"]["customer"] == {
        "name": "Ada Park",
        "email": "ada@example.com",
        "tier": "enterprise",
        "note": "Her Monday rota is missing.",
        "open_case": True,
    }


def test_the_same_customer_from_a_csv_gets_the_same_reply() -> None:
    ada_on_the_list()
    Path("people.csv").write_text("name,email\nAda Park,ADA@example.com\n", encoding="utf-8")
    ok("reply", "--customers", "people.csv")
    (reply,) = events("reply")
    assert OPEN_CASE in reply["payload"]["text"]
    assert ENTERPRISE in reply["payload"]["text"]


def test_flags_override_what_the_list_says() -> None:
    ada_on_the_list()
    ok("reply", "--customer", "Ada Park", "--email", "ada@example.com", "--tier", "business",
       "--note", "Her rota is back but shifts are doubled.")  # fmt: skip
    text = events("reply")[0]["payload"]["text"]
    assert ENTERPRISE not in text
    assert "Her rota is back but shifts are doubled." in text
    assert "Monday" not in text
    assert OPEN_CASE in text  # an open case stays open


def test_an_earlier_incident_gives_tier_case_and_history_but_not_its_note() -> None:
    ada_on_the_list()
    ok("resolve", "--cause", "A failed failover.", "--impact", "No sign-ins for an hour.")
    start_outage("--yes", title="Exports failing")
    ok("reply", "--email", "ada@example.com", "-i", "2")  # her name: from the earlier list
    (reply, *_) = [e for e in events("reply") if e["incident_id"] == "INC-2"]
    text = reply["payload"]["text"]
    assert text.startswith("Hi Ada Park,")
    assert ENTERPRISE in text and OPEN_CASE in text
    assert "Monday rota" not in text  # that note was about INC-1


def test_a_name_two_customers_share_is_not_guessed() -> None:
    ok("init", ".")
    start_outage("--yes")
    ok("followup", "add", "--customer", "Sam Lee", "--email", "sam@one.example")
    ok("followup", "add", "--customer", "Sam Lee", "--email", "sam@two.example")
    result = crisis("reply", "--customer", "Sam Lee")
    assert result.exit_code == 2
    assert "--email is missing" in result.stderr
    assert events("reply") == []


def test_a_resolved_notice_does_not_repeat_the_customers_problem_as_if_still_true() -> None:
    # The story: a resolved notice repeated the customer's problem ("Your checkout page
    # shows an error.") on its own line after "It's fixed", so it read as still broken.
    ok("init", ".")
    start_outage("--yes", "--at", "10:00")
    ok("reply", "--customer", "Ada Park", "--email", "ada@example.com",
       "--note", "Your checkout page shows an error.", "--at", "10:12")  # fmt: skip
    ok("resolve", "--cause", "A failed failover.", "--impact", "No sign-ins for an hour.")
    notice = next(e for e in events("reply") if e["payload"]["template"] == "resolved")
    text = notice["payload"]["text"]
    assert "\nYour checkout page shows an error." not in text
    assert "When you wrote to us at 10:12 UTC, we noted: Your checkout page shows an error." in (
        text
    )
