"""`crisis brief`: someone joins the response and reads one page to be ready to help."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from crisisplan.language.rules import BUILTIN_RULES
from tests.helpers import crisis, events, ok, start_outage

AVOID = [
    "inconvenience",
    "rest assured",
    "going forward",
    "as soon as possible",
    "we take security seriously",
    "glitch",
]
OWNERS = [
    ("email", "Priya Raman"),
    ("chat", "Tomás Ferreira"),
    ("phone", "Tomás Ferreira"),
    ("twitter", "Jo Okafor"),
    ("forum", "Jo Okafor"),
    ("status", "Priya Raman"),
]


@pytest.fixture(autouse=True)
def example_plan() -> None:
    ok("init", ".")


def next_update_clock() -> str:
    due = json.loads(ok("status", "--json").stdout)["next_update_due"]
    return f"{dt.datetime.fromisoformat(due.replace('Z', '+00:00')):%H:%M} UTC"


def test_the_brief_after_start_has_what_the_team_needs_and_records_nothing() -> None:
    start_outage("--yes")
    recorded = len(events())

    out = ok("brief").stdout

    assert out.startswith("INTERNAL: for the Larkspur team only.")  # the plan's template
    assert "Logins failing" in out
    assert "Since 02:40 UTC sign-ins time out for many customers" in out
    base = events("base_reply")[0]["payload"]["text"]
    assert base.strip() in out  # the base reply, word for word
    words = out[out.index("## Words to use and avoid") :]
    for phrase in AVOID:
        assert f"Avoid “{phrase}”" in words, phrase
    assert "Say “outage”, not “service degradation”" in words
    checked = next(line for line in words.splitlines() if "checked by `crisis lint`" in line)
    for rule in BUILTIN_RULES.values():  # every built-in rule, read from the catalogue
        assert rule.short in checked, rule.id
    assert "never reassure before the facts" in checked
    assert "say who did it, not what “was done”" in checked
    owners = out[out.index("## Who owns which channel") :]
    for channel, name in OWNERS:
        assert any(
            line.startswith(f"- {channel} (") and name in line for line in owners.splitlines()
        ), channel
    due = out[out.rindex("## Next update due") :]
    assert f"By {next_update_clock()} (" in due
    assert len(events()) == recorded


def test_the_brief_says_when_the_update_is_overdue() -> None:
    start_outage("--yes", "--at", "-3h")

    out = ok("brief").stdout

    due = out[out.rindex("## Next update due") :]
    assert f"OVERDUE: it was due by {next_update_clock()}" in due


def test_output_writes_the_brief_to_a_file_and_json_is_one_document() -> None:
    start_outage("--yes")

    written = ok("brief", "-o", "brief.md")

    assert written.stdout == ""
    assert "wrote brief.md" in written.stderr
    text = Path("brief.md").read_text(encoding="utf-8")
    assert "Logins failing" in text and "## Who owns which channel" in text
    document = json.loads(ok("brief", "--json").stdout)
    assert document["incident"] == "INC-1"
    assert document["template"] == "internal-brief"
    assert [s["title"] for s in document["sections"]] == [
        "What to tell customers: the base reply",
        "Words to use and avoid",
        "Who owns which channel",
        "Next update due",
    ]
    assert document["next_update_at"].endswith("Z")
    assert document["overdue"] is False


def test_a_hostile_title_is_shown_as_written_never_as_markup_or_controls() -> None:
    start_outage("--yes", title="[bold red]Logins[/] \x1b[2J failing", summary="Sign-ins time out")

    out = ok("brief").stdout

    assert "[bold red]Logins[/] \\x1b[2J failing" in out
    assert "\x1b" not in out


def test_without_an_open_incident_it_says_how_to_start_one() -> None:
    result = crisis("brief")

    assert result.exit_code == 2
    assert "no incident log" in result.stderr  # nothing was ever started here
    assert "crisis start" in result.stderr
