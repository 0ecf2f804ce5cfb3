"""`crisis review`: the team looks back, with figures the log proves and answers kept."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import pexpect
import pytest

from tests.helpers import crisis, events, ok
from tests.test_start_pty import spawn, stops_saying

# Yesterday at 10:00 UTC: every --at below is in the past, and the minutes are exact.
T = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).replace(
    hour=10, minute=0, second=0, microsecond=0
)
ANSWERS = {
    "Was the plan used?": "Yes, from the first minute.",
    "3": "Mostly; the second update came late.",
    "Did we keep every update time we promised? If not, what got in the way?": (
        "No: the 11:57 promise slipped while we waited on the database team.\n"
    ),
}


@pytest.fixture(autouse=True)
def example_plan() -> None:
    ok("init", ".")


def at(minutes: int) -> str:
    """T + minutes, as --at takes it."""
    return (T + dt.timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%MZ")


def declare(severity: str = "major") -> None:
    ok(
        "start",
        *("--type", "outage", "--severity", severity, "--title", "Logins failing"),
        *("--summary", "Sign-ins time out for many customers", "--no", "--at", at(0)),
    )


def reply(name: str, *extra: str) -> None:
    email = f"{name.split()[0].lower()}@example.com"
    ok("reply", "--customer", name, "--email", email, *extra)


def resolve(minutes: int) -> None:
    cause = "A failed database failover left sign-ins waiting on a dead primary"
    impact = "Nobody could sign in for two and a half hours, so staff could not see shifts"
    ok("resolve", "--cause", cause, "--impact", impact, "--at", at(minutes))


def review_json(*extra: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(ok("review", "--json", *extra).stdout)
    return document


def an_editor_that_replaces(tmp_path: Path, old: str, new: str) -> str:
    script = tmp_path / "editor.py"
    script.write_text(
        "import sys, pathlib\n"
        "p = pathlib.Path(sys.argv[1])\n"
        f"p.write_text(p.read_text().replace({old!r}, {new!r}))\n",
        encoding="utf-8",
    )
    return f"{sys.executable} {script}"


def the_incident_of_the_issue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Major (an update every 60 minutes): first word 7 minutes in, then 50, then 95."""
    monkeypatch.setenv("CRISIS_AGENT", "support-lead")
    declare()
    ok("escalate", "eng", "--how", "Paged core-api", "--at", at(5))
    ok("update", "We are looking into failed sign-ins", "--at", at(7))
    reply("Ada Park", "--open-case", "--note", "Her Monday rota is missing", "--at", at(10))
    reply("Bo Lee", "--as", "support-deputy", "--at", at(12))
    reply("Cy Ng", "--as", "support-deputy", "--at", at(13))
    monkeypatch.setenv("EDITOR", an_editor_that_replaces(tmp_path, "glitch", "outage"))
    reply(
        "Dee Roy", "--note", "The glitch hid her shifts", "--edit", "--no-followup", "--at", at(20)
    )
    reply(
        "Eve Sun",
        "--as",
        "support-deputy",
        "-c",
        "chat",
        "--note",
        "A glitch ate her swaps",
        "--no-followup",
        "--at",
        at(25),
    )
    ok("followup", "add", "--customer", "Fay Wu", "--email", "fay@example.com", "--at", at(30))
    ok("update", "Engineering is failing over to the standby database", "--at", at(57))
    ok("update", "Sign-ins work again; we are checking every region", "--at", at(57 + 95))
    resolve(57 + 95)
    ok("apologize", "--at", at(160))
    ok("followup", "done", "--email", "fay@example.com", "--at", at(170))


def test_a_whole_incident_from_flags_gives_the_figures_of_its_timeline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    the_incident_of_the_issue(tmp_path, monkeypatch)
    Path("answers.yaml").write_text(
        "".join(f"{json.dumps(q)}: {json.dumps(a)}\n" for q, a in ANSWERS.items()),
        encoding="utf-8",
    )
    document = review_json("--answers", "answers.yaml", "-o", "review.md", "--as", "priya")
    f = document["figures"]
    assert f["first_public_update_minutes"] == 7
    assert f["first_reply_minutes"] == 10
    assert f["first_response_promised_minutes"] == 30
    assert (f["cadence_kept"], f["cadence_intervals"]) == (2, 3)
    assert f["longest_silence_minutes"] == 95
    assert [i["minutes"] for i in f["cadence"]["timeline"]] == [7, 50, 95]
    assert [i["kept"] for i in f["cadence"]["timeline"]] == [True, True, False]
    assert f["cadence"]["longest_silence"]["from"] == at(57).replace("Z", ":00Z")
    # 11:07 kept by the 10:57 update, 11:57 broken by the 12:32 one, 13:32 kept by the end
    assert f["promises"] == {"made": 3, "kept": 2, "broken": 1, "open": 0}
    assert f["followups"] == {"added": 4, "contacted": 1, "open": 3}
    apologies = {
        e["payload"]["customer"]["email"]: e["payload"]["ready"] for e in events("apology")
    }
    assert len(apologies) == 4
    assert f["apologies"] == {"drafted": 4, "ready": sum(apologies.values())}
    # five first responses, and a resolved notice for each of the four on the list
    assert f["replies"]["drafted"] == 9
    assert f["replies"]["by_channel"] == {"email": 8, "chat": 1}
    assert f["replies"]["by_agent"] == {"support-lead": 6, "support-deputy": 3}
    assert f["replies"]["by_purpose"] == {"first_response": 5, "resolved": 4}
    assert f["replies"]["findings_fixed"] == {"replies": 1, "findings": 1}  # Dee's, edited
    assert f["replies"]["findings_left_in"]["replies"] == 1  # Eve's glitch went as drafted
    (escalation,) = f["escalations"]
    assert (escalation["step"], escalation["who"], escalation["how"]) == (
        "eng",
        "eng-oncall",
        "Paged core-api",
    )
    assert escalation["after_minutes"] == 5
    keep = {k["why"]: k for k in f["keep"]}
    assert keep["the same words went to 3 customers"]["template"] == "resolved"
    assert keep["the same words went to 2 customers"]["agent"] == "support-deputy"
    (edited,) = [k for k in f["keep"] if k["changed"]]
    assert edited["event_id"] == events("reply")[3]["id"]  # Dee's
    assert (
        edited["command"]
        == f"crisis library save {edited['event_id']} --id first-response-inc-1-edited"
    )
    # The command the review prints keeps the answer.
    ok(*edited["command"].split()[1:])
    assert Path("response_library/first-response-inc-1-edited.md.j2").exists()

    answers = {a["question"]: a["answer"] for a in document["answers"]}
    assert answers["Was the plan used?"] == "Yes, from the first minute."
    assert answers["Was information shared quickly and accurately?"].startswith("Mostly")
    assert answers["Did the team have the tools they needed to help customers?"] is None
    (recorded,) = events("review")
    assert recorded["id"] == document["event_id"] and recorded["who"] == "priya"
    assert recorded["payload"]["report"] == "review.md"
    assert recorded["payload"]["answers"] == document["answers"]
    assert recorded["payload"]["figures"]["cadence_kept"] == 2
    report = Path("review.md").read_text(encoding="utf-8")
    assert report.startswith("# Review of INC-1: Logins failing")
    assert "| Update cadence kept | 2 of 3 intervals |" in report
    assert "Yes, from the first minute." in report and "*Not answered.*" in report
    assert "| major | 60 min | **no**: 35 min late |" in report
    assert f"`crisis library save {edited['event_id']} --id first-response-inc-1-edited`" in report
    appendix = report[report.index("## Appendix: timeline") :]
    assert "| +2:32 | resolved |" in appendix
    assert (
        "| +0:10 | reply | support-lead | email | "
        "to Ada Park \\<ada@example.com\\> (first-response) |" in (appendix)
    )
    assert report.endswith("|\n")  # the timeline is the last thing in the report


def test_on_a_terminal_it_shows_the_figures_then_asks_and_an_empty_answer_is_fine() -> None:
    declare()
    ok("update", "Looking into it", "--at", at(7))
    resolve(30)
    child = spawn("review")
    child.expect("Update cadence kept")
    child.expect("2 of 2 intervals")
    child.expect("Public updates against the promised cadence")
    child.expect(r"1/7 Was the plan used\?")
    child.sendline("Yes, the checklist was followed")
    child.expect(r"2/7 Did the team have the tools")
    child.sendline("")
    for _ in range(5):
        child.expect(r"\d/7 ")
        child.sendline("")
    child.expect(r"Wrote reviews/INC-1.md and recorded the review of INC-1 \(event \d+\)")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    (recorded,) = events("review")
    answers = [a["answer"] for a in recorded["payload"]["answers"]]
    assert answers == ["Yes, the checklist was followed", "", "", "", "", "", ""]
    report = Path("reviews/INC-1.md").read_text(encoding="utf-8")
    assert "Yes, the checklist was followed" in report and "*No answer given.*" in report


def test_ctrl_d_part_way_through_the_questions_records_no_review() -> None:
    declare()
    resolve(30)
    child = spawn("review")
    child.expect(r"1/7 Was the plan used\?")
    child.sendline("Yes")
    child.expect(r"2/7 ")
    child.sendline("")
    child.expect(r"3/7 ")
    child.sendeof()
    stops_saying(
        child,
        "Stopped at “review question 3 of 7”; nothing was recorded.",
        "pass --answers FILE to answer it without asking",
    )
    assert events("review") == [] and not Path("reviews/INC-1.md").exists()
    # Still resolved, not closed: the review can be taken again.
    Path("answers.yaml").write_text("- Yes\n", encoding="utf-8")
    review_json("--answers", "answers.yaml")
    assert len(events("review")) == 1


def test_without_a_terminal_or_answers_the_figures_are_a_read_that_records_nothing() -> None:
    declare()
    resolve(20)
    result = ok("review")
    assert "Time to the first public update" in result.stdout
    assert "Nothing recorded. To record the review of INC-1" in result.stdout
    assert "--answers FILE" in result.stdout
    assert events("review") == [] and not Path("reviews").exists()
    # Asked for, the report is written with the questions open; still nothing recorded.
    result = ok("review", "-o", "draft.md")
    assert "Wrote draft.md (the questions left open); nothing recorded." in result.stdout
    report = Path("draft.md").read_text(encoding="utf-8")
    assert "> Nobody answered these questions" in report
    assert report.count("*Not answered.*") == 7
    assert events("review") == []
    assert json.loads(ok("list", "--json").stdout)[0]["open"] is True


def test_the_chart_marks_where_each_update_fell_due_and_how_late_it_was() -> None:
    the_chart_incident()
    out = ok("review").stdout
    rows = [line for line in out.splitlines() if "┆" in line and "-" in line[:15]]
    assert len(rows) == 4
    assert rows[0].strip().startswith("10:00-11:40") and rows[0].endswith("kept")
    assert "▒" in rows[2] and rows[2].endswith("10 min late")
    assert rows[2].index("┆") < rows[2].index("▒")  # the overrun comes after the promise


def the_chart_incident() -> None:
    """Minor (120 minutes) until 11:50, then major (60): the severity a silence began under
    is the one it is judged against."""
    declare("minor")
    ok("update", "Reminders are late", "--at", at(100))
    ok("severity", "major", "--reason", "Swaps fail too", "--at", at(110))
    ok("update", "Swaps fail too", "--at", at(200))
    ok("update", "Fix deployed, checking", "--at", at(270))
    resolve(280)  # a stretch that ends in the resolution is judged too


def test_each_silence_is_judged_by_the_severity_in_force_when_it_began() -> None:
    the_chart_incident()
    timeline = review_json()["figures"]["cadence"]["timeline"]
    assert [(i["minutes"], i["severity"], i["promised_minutes"], i["kept"]) for i in timeline] == [
        (100, "minor", 120, True),
        (100, "minor", 120, True),
        (70, "major", 60, False),
        (10, "major", 60, True),
    ]
    assert timeline[-1]["ends"] == "resolved"


def test_json_writes_no_report_unless_asked_and_recording_closes_the_incident() -> None:
    declare()
    resolve(20)
    document = review_json()
    assert document["report"] is None and not Path("reviews").exists()
    assert document["answered_from"] == "none"
    assert document["recorded"] is False and document["event_id"] is None
    assert json.loads(ok("list", "--json").stdout)[0]["open"] is True
    Path("answers.yaml").write_text("- Yes\n", encoding="utf-8")
    document = review_json("--answers", "answers.yaml")
    assert document["recorded"] is True and document["report"] is None
    assert json.loads(ok("list", "--json").stdout)[0]["open"] is False
    # Re-run on the closed incident: found without --incident, and a read again.
    ok("review", "-o", "again.md")
    assert Path("again.md").exists() and len(events("review")) == 1


def test_an_incident_still_under_way_is_not_reviewed() -> None:
    declare()
    result = crisis("review")
    assert result.exit_code == 2
    assert "not resolved yet" in result.stderr and "crisis resolve" in result.stderr
    assert events("review") == [] and not Path("reviews").exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- Yes\n- \n- Mostly\n", ["Yes", "", "Mostly", None]),
        ("# our answers\n---\n  - Yes\n  - No\n", ["Yes", "No", None, None]),
        ('["Yes", "No"]\n', ["Yes", "No", None, None]),
        ("1: Yes\n7: Priya will, by Friday\n", ["Yes", None, None, None]),
        ("was the plan used: true\n", ["yes", None, None, None]),
        ("Was the plan used?: |\n  Yes.\n  Mostly.\n", ["Yes.\nMostly.", None, None, None]),
    ],
)
def test_answers_come_as_a_mapping_or_a_list_in_order(text: str, expected: list[Any]) -> None:
    declare()
    resolve(20)
    Path("answers.yaml").write_text(text, encoding="utf-8")
    given = [a["answer"] for a in review_json("--answers", "answers.yaml")["answers"]]
    assert given[: len(expected)] == expected
    if text.startswith("1:"):
        assert given[6] == "Priya will, by Friday"


@pytest.mark.parametrize(
    ("text", "place", "words"),
    [
        ("Was the plan used?: Yes\nWho broke it?: Nobody\n", "answers.yaml:2:1", "Who broke it?"),
        ("# seven at most\n" + "- x\n" * 8, "answers.yaml:9:3", "8 answers for 7 questions"),
        ("- fine\n- [unclosed\n", "answers.yaml:3:1", "flow sequence at line 2)"),
        ('["a", "b"\n', "answers.yaml:2:1", "invalid YAML"),
        ("1: Yes\n2:\n  - a list\n", "answers.yaml:2:1", "must be text"),
        ("just words\n", "answers.yaml:1:1", "mapping"),
    ],
)
def test_a_bad_answers_file_is_refused_at_its_place_and_nothing_is_recorded(
    text: str, place: str, words: str
) -> None:
    declare()
    resolve(20)
    before = len(events())
    Path("answers.yaml").write_text(text, encoding="utf-8")
    result = crisis("review", "--answers", "answers.yaml")
    assert result.exit_code == 2, result.stderr
    assert result.stderr.startswith(f"error: {place}"), result.stderr
    assert words in result.stderr
    assert "Traceback" not in result.stderr
    assert len(events()) == before and not Path("reviews").exists()


def test_a_report_that_cannot_be_written_records_nothing() -> None:
    declare()
    resolve(20)
    before = len(events())
    Path("taken").write_text("a file, not a folder", encoding="utf-8")
    for args in (("-o", "taken/review.md"), ("--answers", "missing.yaml"), ("--at", "+2h")):
        result = crisis("review", *args)
        assert result.exit_code == 2, (args, result.stderr)
        assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    assert len(events()) == before


def test_customer_words_in_the_report_and_summary_stay_inert() -> None:
    declare()
    ok("update", "Looking into it", "--at", at(7))
    hostile = "[bold red]x[/] \x1b[2J\u202e|"
    ok("followup", "add", "--customer", hostile, "--email", "evil@example.com", "--at", at(9))
    ok(
        "reply",
        *("--customer", hostile, "--email", "evil@example.com", "--note", "| `x` <b>"),
        *("--again", "--at", at(10)),
    )
    resolve(20)
    result = ok("review", "-o", "reviews/INC-1.md")
    report = Path("reviews/INC-1.md").read_text(encoding="utf-8")
    for text in (report, result.stdout):
        assert "\x1b" not in text and "\u202e" not in text
    assert "\\[bold red\\]x\\[/\\] \\\\x1b\\[2J\\\\u202e\\|" in report
    table_rows = [line for line in report.splitlines() if "evil@example.com" in line]
    assert table_rows and all(row.count(" | ") == 5 for row in table_rows)
