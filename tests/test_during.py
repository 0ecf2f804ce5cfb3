"""The during phase as a support lead and agents live it, driven through the CLI."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
from pathlib import Path

import pytest

from tests.helpers import DB, crisis, events, ok, start_outage


@pytest.fixture(autouse=True)
def example_plan(db_target: str) -> None:
    """The example plan, and the log on each backend in turn (see tests/postgres.py)."""
    ok("init", ".")


def status_json(*extra: str) -> dict[str, object]:
    return json.loads(ok("status", "--json", *extra).stdout)


def test_start_with_flags_shows_the_plan_for_this_incident_and_records_it() -> None:
    result = start_outage("--yes")
    out = result.stdout
    assert "Checklist" in out and "Who to bring in" in out and "Channels and owners" in out
    assert "First status update" in out and "First customer reply" in out
    assert "Recorded INC-1." in out
    kinds = [e["kind"] for e in events()]
    assert kinds == ["incident_started", "base_reply", "public_update"]
    started = events("incident_started")[0]
    assert started["payload"]["title"] == "Logins failing"
    assert started["incident_id"] == "INC-1"
    if DB.exists():  # a local log is for its owner's eyes only
        assert stat.S_IMODE(DB.stat().st_mode) == 0o600


def test_start_without_a_terminal_names_the_missing_flag_and_records_nothing() -> None:
    result = crisis("start", "--type", "outage", "--severity", "major", "--title", "x")
    assert result.exit_code == 2
    assert "--summary" in result.stderr
    assert "Traceback" not in result.stderr
    if DB.exists() or "CRISIS_DB" in os.environ:
        assert events() == []


def test_start_with_an_unknown_type_lists_the_choices() -> None:
    result = crisis(
        "start", "--type", "flood", "--severity", "major", "--title", "x", "--summary", "y", "--yes"
    )
    assert result.exit_code == 2
    assert "'flood' is not an incident type" in result.stderr
    assert "outage" in result.stderr


def test_start_without_posting_leaves_status_asking_for_a_public_update() -> None:
    start_outage("--no")
    status = status_json()
    assert status["last_public_update"] is None
    assert status["needs_attention"] is True
    assert any("No public update yet" in w for w in status["warnings"])  # type: ignore[union-attr]
    assert status["next_steps"][0].startswith("crisis update")  # type: ignore[index]
    assert crisis("status", "--check").exit_code == 1


def test_an_update_restarts_the_clock_and_promises_the_next_one() -> None:
    start_outage("--no", "--at", "-20m")
    result = ok("update", "We found the cause: a failed database failover.", "--at", "-5m")
    assert "failed database failover" in result.stdout
    status = status_json()
    assert status["overdue"] is False
    update = events("public_update")[-1]
    assert update["payload"]["message"] == "We found the cause: a failed database failover."
    # major: an update every 60 minutes in the example plan
    posted = dt.datetime.fromisoformat(update["at"].replace("Z", "+00:00"))
    due = dt.datetime.fromisoformat(str(status["next_update_due"]).replace("Z", "+00:00"))
    assert abs((due - posted).total_seconds() - 3600) < 1
    assert len(status["promises_due"]) == 1  # type: ignore[arg-type]
    assert crisis("status", "--check").exit_code == 0


def test_a_silence_longer_than_promised_is_overdue_and_a_broken_promise() -> None:
    start_outage("--yes", "--at", "-3h")
    status = status_json()
    assert status["overdue"] is True
    assert len(status["promises_broken"]) == 1  # type: ignore[arg-type]
    assert crisis("status", "--check").exit_code == 1
    text = ok("status").stdout
    assert "OVERDUE" in text and "Promises broken" in text
    # a late update keeps the clock honest: the old promise stays broken
    ok("update", "Still restoring; next step is replaying the queue.")
    status = status_json()
    assert status["overdue"] is False
    assert len(status["promises_broken"]) == 1  # type: ignore[arg-type]


def test_raising_the_severity_re_times_the_clock() -> None:
    start_outage("--yes", "--at", "-40m")
    assert status_json()["overdue"] is False  # major: 60 minutes
    ok("severity", "critical", "--reason", "Data loss confirmed")
    status = status_json()
    assert status["severity"] == "critical"
    assert status["overdue"] is True  # critical: 30 minutes, 40 have passed
    change = events("severity_changed")[0]["payload"]
    assert change == {"from": "major", "to": "critical", "reason": "Data loss confirmed"}


def test_the_highest_severity_is_remembered_in_the_plan_s_order() -> None:
    start_outage("--yes")
    ok("severity", "minor")
    assert status_json()["max_severity"] == "major"
    ok("severity", "critical")
    ok("severity", "minor")
    status = status_json()
    assert (status["severity"], status["max_severity"]) == ("minor", "critical")


def test_escalation_shows_the_ladder_and_records_who_was_called() -> None:
    start_outage("--yes")
    ladder = ok("escalate").stdout
    assert "DUE" in ladder
    step_id = next(
        line.split("]")[1].split(":")[0].strip()
        for line in ladder.splitlines()
        if line.startswith("[DUE]")
    )
    result = ok("escalate", step_id, "--how", "Paged the on-call")
    assert "contacted" in result.stdout
    assert events("escalated")[0]["payload"]["how"] == "Paged the on-call"
    assert "[contacted]" in ok("escalate").stdout
    bad = crisis("escalate", "nobody-at-all")
    assert bad.exit_code == 2 and "not on the escalation ladder" in bad.stderr


def test_notes_land_on_the_timeline_in_time_order_even_when_backfilled() -> None:
    start_outage("--yes", "--at", "-30m")
    ok("note", "Second thing we learned", "--at", "-5m")
    ok("note", "First thing we learned", "--at", "-25m", "--as", "eng-oncall")
    text = ok("timeline").stdout
    assert text.index("First thing") < text.index("Second thing")
    assert "eng-oncall" in text
    md = ok("timeline", "--format", "md").stdout
    assert md.startswith("## Timeline of INC-1") and "| note |" in md
    document = json.loads(ok("timeline", "--format", "json").stdout)
    assert [e["kind"] for e in document["events"]].count("note") == 2


def test_a_failed_command_records_nothing() -> None:
    start_outage("--yes")
    before = len(events())
    for args in (
        ("note", "   "),
        ("note", "x", "--at", "tomorrow-ish"),
        ("severity", "apocalyptic"),
        ("update", "x", "--channel", "pigeon"),
        ("note", "x", "--incident", "INC-99"),
        ("note", "x", "--at", "+10m"),
    ):
        result = crisis(*args)
        assert result.exit_code == 2, args
        assert result.stderr.startswith("error: "), args
        assert "Traceback" not in result.stderr
    assert len(events()) == before


def test_follow_ups_are_ordered_open_case_then_tier_then_time() -> None:
    start_outage("--yes", "--at", "-30m")
    ok(
        "followup",
        "add",
        "--customer",
        "Sam Starter",
        "--email",
        "sam@example.com",
        "--tier",
        "starter",
        "--at",
        "-20m",
    )
    ok(
        "followup",
        "add",
        "--customer",
        "Erin Enterprise",
        "--email",
        "erin@example.com",
        "--tier",
        "enterprise",
        "--at",
        "-10m",
    )
    ok(
        "followup",
        "add",
        "--customer",
        "Ola Open",
        "--email",
        "ola@example.com",
        "--tier",
        "starter",
        "--open-case",
        "--note",
        "Lost a week of shifts",
    )
    listed = ok("followup", "list").stdout
    assert listed.index("Ola Open") < listed.index("Erin Enterprise") < listed.index("Sam")
    assert "OPEN CASE" in listed and "Lost a week of shifts" in listed
    ok("followup", "done", "--email", "OLA@example.com")
    assert "Ola Open" not in ok("followup", "list").stdout
    assert "Ola Open" in ok("followup", "list", "--all").stdout
    assert status_json()["followups_open"] == 2
    bad = crisis("followup", "done", "--email", "nobody@example.com")
    assert bad.exit_code == 2 and "not on the follow-up list" in bad.stderr


def test_follow_ups_show_how_often_a_customer_was_hit_in_the_last_180_days() -> None:
    ok(
        "start",
        "--type",
        "outage",
        "--severity",
        "minor",
        "--title",
        "Old one",
        "--summary",
        "s",
        "--yes",
        "--at",
        (_days_ago(200)),
    )
    ok(
        "followup",
        "add",
        "--customer",
        "Ada",
        "--email",
        "ada@example.com",
        "--at",
        _days_ago(200),
        "--incident",
        "INC-1",
    )
    ok(
        "start",
        "--type",
        "outage",
        "--severity",
        "minor",
        "--title",
        "Recent",
        "--summary",
        "s",
        "--yes",
        "--at",
        _days_ago(30),
    )
    ok(
        "followup",
        "add",
        "--customer",
        "Ada",
        "--email",
        "ada@example.com",
        "--at",
        _days_ago(30),
        "--incident",
        "INC-2",
    )
    start_outage("--yes")
    ok("followup", "add", "--customer", "Ada", "--email", "ada@example.com", "--incident", "INC-3")
    entries = json.loads(ok("followup", "list", "--json", "--incident", "INC-3").stdout)
    assert entries[0]["previous_incidents"] == 1


def test_two_open_incidents_need_an_explicit_incident() -> None:
    start_outage("--yes")
    second = start_outage("--yes")
    assert "still open" in second.stdout
    result = crisis("note", "which one?")
    assert result.exit_code == 2
    assert "INC-1" in result.stderr and "--incident" in result.stderr
    ok("note", "this one", "--incident", "2")
    listed = ok("list").stdout
    assert "INC-1" in listed and "INC-2" in listed
    assert json.loads(ok("list", "--json").stdout)[0]["open"] is True


def test_customer_text_is_shown_inert() -> None:
    start_outage("--yes")
    ok(
        "followup",
        "add",
        "--customer",
        "[bold red]x[/] \x1b[2J\u202e",
        "--email",
        "evil@example.com",
        "--note",
        "{{ 7*7 }}",
    )
    listed = ok("followup", "list").stdout
    assert "[bold red]x[/]" in listed
    assert "\x1b" not in listed and "\u202e" not in listed
    assert "\\x1b[2J" in listed and "{{ 7*7 }}" in listed


def _days_ago(days: int) -> str:
    return (dt.datetime.now(dt.UTC) - dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%MZ")


def test_a_backfilled_update_does_not_move_the_clock_backwards() -> None:
    start_outage("--no", "--at", "-60m")
    ok("update", "Latest news", "--at", "-5m")
    ok("update", "Older news, recorded late", "--at", "-25m")
    status = status_json()
    posted_text = str(status["last_public_update"]["text"])  # type: ignore[index]
    assert "Latest news" in posted_text and "Older news" not in posted_text
    posted = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    due = dt.datetime.fromisoformat(str(status["next_update_due"]).replace("Z", "+00:00"))
    assert abs((due - posted).total_seconds() - 3600) < 90
    # the late-recorded update's own promise was answered by the later update
    assert status["promises_broken"] == [] and len(status["promises_due"]) == 1  # type: ignore[arg-type]
    ok("severity", "critical", "--at", "-2m")
    ok("severity", "minor", "--at", "-50m")
    assert status_json()["severity"] == "critical"


def test_a_mistyped_db_is_an_error_not_a_new_empty_log() -> None:
    start_outage("--yes")
    result = crisis("list", "--db", "crisis-typo.db")
    assert result.exit_code == 2
    assert "no incident log at crisis-typo.db" in result.stderr
    assert not Path("crisis-typo.db").exists()
