"""Milestones: acknowledged, identified, mitigated, once each; the review's time to each;
and the trend across incidents, read from each incident's derived state."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from crisisplan.store.sqlite import SqliteStore
from tests.helpers import crisis, events, log_rows, ok, start_outage

OTHER_TEAM = Path(__file__).parent / "fixtures" / "other-team"
CAUSE = "A failed database failover left the sign-in service without its database."
IMPACT = "For an hour nobody could sign in, so teams could not see or swap their shifts."
ANSWERS = "- yes\n- yes\n- yes\n- the first reply\n"


def milestones() -> dict[str, str]:
    saved = log_rows("SELECT state FROM incidents ORDER BY number DESC")[0]["state"]
    found: dict[str, str] = json.loads(saved).get("milestones", {})
    return found


@pytest.fixture
def example(db_target: str) -> None:  # on the local file, and on a PostgreSQL server
    ok("init", ".")
    start_outage("--yes", "--at", "-60m")


@pytest.mark.usefixtures("example")
def test_each_milestone_once_and_the_review_gives_the_time_to_each() -> None:
    acknowledged = ok("milestone", "acknowledged", "--at", "-50m")
    assert "INC-1 acknowledged at" in acknowledged.stdout
    assert "(10 min after it was declared)" in acknowledged.stdout
    ok("milestone", "identified", "--at", "-30m")
    ok("milestone", "mitigated", "--at", "-20m")

    assert [e["payload"]["name"] for e in events("milestone")] == [
        "acknowledged",
        "identified",
        "mitigated",
    ]
    assert set(milestones()) == {"acknowledged", "identified", "mitigated"}
    assert "Milestones: acknowledged" in ok("status").stdout
    assert set(json.loads(ok("status", "--json").stdout)["milestones"]) == set(milestones())

    ok("resolve", "--cause", CAUSE, "--impact", IMPACT, "--at", "-10m")
    figures = json.loads(ok("review", "--json").stdout)["figures"]

    assert figures["time_to"] == {
        "acknowledge": 10.0,
        "identify": 30.0,
        "mitigate": 40.0,
        "resolve": 50.0,
    }
    review = ok("review").stdout
    assert "Time to acknowledge" in review and "Time to mitigate" in review


@pytest.mark.usefixtures("example")
def test_a_second_time_is_refused_and_again_moves_it_keeping_both_in_the_log() -> None:
    ok("milestone", "identified", "--at", "-30m")
    first = milestones()["identified"]

    refused = crisis("milestone", "identified")

    assert refused.exit_code == 2
    assert "INC-1 was already identified at" in refused.stderr
    assert "each milestone is recorded once" in refused.stderr
    assert "crisis milestone identified --at TIME --again" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert len(events("milestone")) == 1 and milestones()["identified"] == first

    moved = ok("milestone", "identified", "--at", "-40m", "--again", "--json")

    document = json.loads(moved.stdout)
    assert document["moved_from"] is not None and document["minutes_since_declared"] == 20.0
    first_event, moving = sorted(events("milestone"), key=lambda e: e["id"])
    assert moving["payload"] == {"name": "identified", "moved_from": first}
    assert first_event["payload"] == {"name": "identified"}
    assert milestones()["identified"] < first


@pytest.mark.usefixtures("example")
@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("acknowledged", "--at", "+10m"), "is in the future"),
        (("acknowledged", "--at", "-2h"), "is before INC-1 was declared"),
        (("fixed",), "'fixed' is not a milestone you can record."),
        (("resolved",), "recorded by `crisis start` and `crisis resolve`"),
    ],
)
def test_bad_milestones_are_refused_in_a_sentence(args: tuple[str, ...], said: str) -> None:
    result = crisis("milestone", *args)

    assert result.exit_code == 2
    assert said in result.stderr
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    assert events("milestone") == []


def one_incident(title: str, *, ack: str, resolve_at: str, customers: list[str]) -> None:
    """An outage from declaration (an hour ago) to review, acknowledged at `ack`."""
    start_outage("--yes", "--at", "-60m", title=title)
    ok("milestone", "acknowledged", "--at", ack)
    for email in customers:
        ok("followup", "add", "--customer", email.split("@")[0], "--email", email)
    ok("resolve", "--cause", CAUSE, "--impact", IMPACT, "--at", resolve_at)
    ok("review", "--answers", "answers.yaml")


def test_the_trend_gives_median_and_worst_per_type_with_bars_and_repeat_customers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ok("init", ".")
    Path("answers.yaml").write_text(ANSWERS, encoding="utf-8")
    one_incident("Logins failing", ack="-55m", resolve_at="-30m", customers=["ada@example.com"])
    one_incident("Saves failing", ack="-50m", resolve_at="-20m", customers=["ADA@example.com"])
    one_incident("Slow pages", ack="-30m", resolve_at="-10m", customers=["bo@example.com"])

    def no_events(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the trend must read the incidents' state, not their events")

    monkeypatch.setattr(SqliteStore, "events", no_events)
    monkeypatch.setattr(SqliteStore, "payloads", no_events)
    result = ok("review", "--trend", "--json")

    document = json.loads(result.stdout)
    (outage,) = document["types"]
    assert outage["type"] == "outage" and outage["incidents"] == ["INC-3", "INC-2", "INC-1"]
    ack = outage["figures"]["acknowledge"]
    assert ack["median_minutes"] == 10.0 and ack["worst_minutes"] == 30.0
    assert ack["worst_incident"] == "INC-3"
    assert outage["figures"]["resolve"]["median_minutes"] == 40.0
    assert outage["figures"]["identify"]["measured"] == 0
    assert document["repeat_affected_customers"] == [
        {"email": "ada@example.com", "incidents": ["INC-2", "INC-1"]}  # newest first
    ]

    shown = ok("review", "--trend", "--last", "2", "-o", "trend.md").stdout
    assert "outage: the last 2 incidents (INC-3, INC-2)" in shown
    assert "to acknowledge" in shown and "█" in shown and "░" in shown
    assert "to identify     not recorded" in shown
    assert "Repeat-affected customers: none" in shown  # INC-1 is outside the last 2
    report = Path("trend.md").read_text(encoding="utf-8")
    assert "| acknowledge | 20 min | 30 min | INC-3 |" in report
    assert "```text" in report and "█" in report


def test_the_trend_on_quillpay_filters_by_type_and_names_an_unknown_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shutil.copytree(OTHER_TEAM, "other-team")
    monkeypatch.setenv("CRISIS_AGENT", "merchant-success")
    monkeypatch.setenv("CRISIS_PLAYBOOK", "other-team/playbooks/payments.yaml")
    ok(
        *("start", "--type", "payments-down", "--severity", "sev2", "--yes", "--at", "-45m"),
        *("--title", "Card payments failing", "--summary", "Card payments fail at checkout"),
    )
    ok("milestone", "mitigated", "--at", "-15m")

    trend = json.loads(ok("review", "--trend", "--type", "payments-down", "--json").stdout)
    (payments,) = trend["types"]
    assert payments["figures"]["mitigate"]["median_minutes"] == 30.0
    assert payments["figures"]["resolve"]["measured"] == 0  # still open

    unknown = crisis("review", "--trend", "--type", "outage")
    assert unknown.exit_code == 2
    assert "no incident of type 'outage' is in the log" in unknown.stderr
    assert "Types in the log: payments-down." in unknown.stderr


@pytest.mark.usefixtures("example")
def test_a_move_backfilled_earlier_still_wins_when_the_log_is_folded_by_time() -> None:
    from crisisplan.phases import state as st

    ok("milestone", "identified", "--at", "-30m")
    ok("milestone", "identified", "--at", "-45m", "--again")
    started, *rest = events()  # by time: the move comes before what it moved
    at = dt.datetime.fromisoformat
    folded = st.initial(started["payload"], at(started["at"]), started["who"])
    for e in rest:
        folded = st.apply(
            folded, e["kind"], at(e["at"]), e["who"], e["channel"], e["payload"], e["id"]
        )

    assert folded.milestones == milestones()
    earliest = min(at(e["at"]) for e in events("milestone"))
    assert at(milestones()["identified"]) == earliest
