"""Issue 17C: every word a customer or the public reads is an email's, a person's, the plan's.

Stories from the issue's opening list, each on a fresh copy of a plan: the Quillpay team's
(tests/fixtures/other-team), or the bundled example where the story is about the example.
Each asserts what the lead sees and what the log holds.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.helpers import DB, crisis, events, ok, start_outage

OTHER_TEAM = Path(__file__).parent / "fixtures" / "other-team"
QUILLPAY = Path("other-team/playbooks/payments.yaml")
QUILLPAY_LIBRARY = Path("other-team/response_library")
LIBRARY = Path("response_library")
PLAYBOOK = Path("playbooks/example.yaml")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} should occur once in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    text = path.read_text(encoding="utf-8")
    return text.count("\n", 0, text.index(needle)) + 1


@pytest.fixture
def quillpay(monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(OTHER_TEAM, "other-team")
    plan = QUILLPAY
    plan.write_text(
        re.sub(r"(?m)^reviewed: .*$", "reviewed: 2099-01-01", plan.read_text(encoding="utf-8")),
        encoding="utf-8",
    )
    monkeypatch.setenv("CRISIS_PLAYBOOK", str(plan))
    monkeypatch.setenv("CRISIS_AGENT", "merchant-success")  # Lena Fischer signs for Quillpay
    return plan


def start_payments(*extra: str) -> None:
    ok(
        *("start", "--type", "payments-down", "--severity", "sev2", "--title", "Card payments"),
        *("--summary", "Card payments fail for many merchants", "--yes", *extra),
    )


# --- "Next update by None" ... `check` had said "Ready" -------------------------------------


def test_a_status_post_that_prints_the_next_update_after_resolve_is_a_check_error(
    quillpay: Path,
) -> None:
    post = QUILLPAY_LIBRARY / "status-post.md.j2"
    edit(
        post,
        "Next update by {{ incident.next_update_at | clock }}.",
        "Our engineers are working on it. Next update by {{ incident.next_update_at }}",
    )

    result = crisis("check")

    assert result.exit_code == 2
    line = line_of(post, "Next update by {{ incident.next_update_at }}")
    assert f"{post}:{line}:" in result.stdout
    assert "`incident.next_update_at` is none here, so the draft would say “None”." in (
        result.stdout
    )
    assert "at resolve" in result.stdout
    assert not DB.exists()  # check records nothing


def test_a_typo_in_the_security_branch_fails_check_before_a_breach_is_declared(
    quillpay: Path,
) -> None:
    post = QUILLPAY_LIBRARY / "status-post.md.j2"
    edit(
        post,
        "We are investigating a possible breach.",
        "We are investigating a possible breach: {{ incident.sumary }}",
    )

    result = crisis("check")

    assert result.exit_code == 2
    line = line_of(post, "{{ incident.sumary }}")
    assert f"{post}:{line}:" in result.stdout
    assert "`incident.sumary` is undefined" in result.stdout
    assert "Did you mean `incident.summary`?" in result.stdout
    assert "a breach incident" in result.stdout


# --- times came out as 2026-05-18 11:30:00+00:00 -------------------------------------------


def test_a_time_printed_without_a_filter_reads_as_the_readers_time(quillpay: Path) -> None:
    edit(
        QUILLPAY_LIBRARY / "first-reply.md.j2",
        "by {{ incident.next_update_at | clock }}",
        "by {{ incident.next_update_at }}",
    )
    start_payments()

    ok("reply", "--customer", "Ada Park", "--email", "ada@example.com", "--channel", "live-chat")

    (reply,) = events("reply")
    text = reply["payload"]["text"]
    assert re.search(r"\*\*Next update:\*\* by \d\d:\d\d UTC", text), text
    assert "+00:00" not in text
    assert "None" not in text


# --- the apology: a "Subject:" line, a missing full stop, a hard-coded "Larkspur" -----------


def test_the_apology_subject_is_the_templates_and_sentences_get_their_full_stop() -> None:
    ok("init", ".")
    edit(PLAYBOOK, "  name: Larkspur\n", "  name: Brightwell\n")
    start_outage("--yes", "--at", "-1h")
    ok("followup", "add", "--customer", "Ada Park", "--email", "ada@example.com")
    ok(
        *("resolve", "--cause", "The nightly backup job had silently failed"),
        *("--impact", "Shift changes made between 02:00 and 03:00 UTC were lost."),
    )

    ok("apologize")

    (apology,) = [e["payload"] for e in events("apology")]
    text = apology["text"]
    assert apology["subject"] == "We're sorry: Logins failing"
    assert "Subject:" not in text
    assert text.startswith("Hi Ada Park,")
    assert "had silently failed. That was our responsibility." in text
    assert "were lost. That is real work" in text  # one full stop, not two
    assert "Larkspur" not in text
    assert "We chose how Brightwell is built" in text


def test_send_uses_the_subject_the_draft_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    ok("init", ".")
    start_outage("--yes")
    ok("reply", "--customer", "Ada Park", "--email", "ada@example.com")
    (reply,) = events("reply")
    assert reply["payload"]["subject"] == "Logins failing"
    edit(LIBRARY / "first-response.md.j2", 'subject: "{{ incident.title }}"', 'subject: "Hi"')
    monkeypatch.setenv("CRISIS_SMTP_URL", "smtp://127.0.0.1:9")

    result = crisis("send", "--json")

    document = json.loads(result.stdout)
    (would,) = document["would_send"]
    assert would["subject"] == "Logins failing [INC-1]"  # as drafted, not as edited since


def test_check_warns_about_the_example_company_left_in_a_renamed_plan() -> None:
    ok("init", ".")
    edit(PLAYBOOK, "  name: Larkspur\n", "  name: Brightwell\n")
    assert "Ready" in ok("check").stdout  # the example templates name no company

    resolved = LIBRARY / "resolved.md.j2"
    edit(resolved, "It's fixed: {{ company.name }} is", "It's fixed: Larkspur is")
    result = ok("check")

    line = line_of(resolved, "It's fixed: Larkspur is")
    column = 1 + len("It's fixed: ")
    assert (
        f"{resolved}:{line}:{column}: warning: the template names Larkspur, but this plan is "
        "for Brightwell; write {{ company.name }} instead."
    ) in result.stdout


# --- the status page: the internal description, titled "Service status" ---------------------


def test_the_status_page_shows_the_public_severity_words_under_the_companys_name() -> None:
    ok("init", ".")
    edit(PLAYBOOK, "      Larkspur is down for everyone", "      The whole service is down")
    ok(
        *("start", "--type", "outage", "--severity", "critical", "--title", "Checkout failing"),
        *("--summary", "The checkout page shows an error", "--yes"),
    )

    ok("statuspage", "build", "site")

    files = {name: (Path("site") / name).read_text(encoding="utf-8") for name in _SITE}
    for text in files.values():
        assert "personal information may have been seen" not in text
    page = files["index.html"]
    assert "<title>Larkspur status</title>" in page
    assert "Service status" not in page
    assert "A serious problem affecting many or all customers." in page
    document = json.loads(files["status.json"])
    assert document["page"]["title"] == "Larkspur status"
    (incident,) = document["incidents"]
    assert incident["severity"]["description"] == (
        "A serious problem affecting many or all customers."
    )


_SITE = ("index.html", "status.json", "feed.atom")


# --- bad input: a clear error with its place, and nothing recorded --------------------------


def test_a_subject_that_cannot_render_is_an_error_at_its_line_and_nothing_is_drafted() -> None:
    ok("init", ".")
    first = LIBRARY / "first-response.md.j2"
    edit(first, 'subject: "{{ incident.title }}"', 'subject: "{{ incident.titel }}"')
    start_outage("--yes")

    checked = crisis("check")
    result = crisis("reply", "--customer", "Ada Park", "--email", "ada@example.com")

    line = line_of(first, "subject:")
    assert checked.exit_code == 2
    assert f"{first}:{line}:" in checked.stdout and "`incident.titel` is undefined" in (
        checked.stdout
    )
    assert result.exit_code == 2
    assert f"{first}:{line}:" in result.stderr
    assert "Traceback" not in result.stderr
    assert events("reply") == []


def test_a_public_description_too_long_for_the_page_is_an_error_at_its_place() -> None:
    ok("init", ".")
    long = "Part of Larkspur is slow. " * 10
    edit(
        PLAYBOOK,
        "public: Part of Larkspur is slow or not working for some customers.",
        f"public: {long.strip()}",
    )

    checked = crisis("check")
    started = crisis(
        *("start", "--type", "outage", "--severity", "minor", "--title", "Slow pages"),
        *("--summary", "Pages are slow", "--yes"),
    )

    line = line_of(PLAYBOOK, "public: Part of Larkspur is slow. ")
    for result in (checked, started):
        assert result.exit_code == 2
        output = result.stdout + result.stderr
        assert f"{PLAYBOOK}:{line}:" in output
        assert "200" in output
        assert "Traceback" not in output
    assert not DB.exists() or events() == []


# --- what templates can say ------------------------------------------------------------------


def test_the_auto_ack_promises_the_channels_own_first_response_time() -> None:
    ok("init", ".")
    edit(
        PLAYBOOK,
        "    first_response_minutes: 30\n  chat:",
        "    first_response_minutes: 20\n  chat:",
    )
    assert "30 minutes" not in (LIBRARY / "auto-ack.md.j2").read_text(encoding="utf-8")
    start_outage("--yes")

    ok("reply", "--customer", "Ada Park", "--email", "ada@example.com", "--template", "auto-ack")

    (reply,) = events("reply")
    assert "will reply to you within 20 minutes." in reply["payload"]["text"]
    assert reply["payload"]["subject"] == "We have your message: Logins failing"


def test_a_template_may_ask_whether_a_customer_is_defined() -> None:
    ok("init", ".")
    update = LIBRARY / "status-update.md.j2"
    edit(
        update,
        "{% block acknowledge -%}\n",
        "{% block acknowledge -%}\n{% if customer is defined %}Hi {{ customer.name }}. {% endif %}",
    )
    assert "Ready" in ok("check").stdout

    edit(
        update,
        "{% if customer is defined %}Hi {{ customer.name }}. {% endif %}",
        "{{ customer.name }}",
    )
    result = crisis("check")

    assert result.exit_code == 2
    assert "`customer.name` is undefined because `customer` is none here." in result.stdout


def test_an_agents_note_joined_into_the_reply_gets_its_full_stop() -> None:
    ok("init", ".")
    start_outage("--yes")

    ok(
        "reply",
        "--customer",
        "Ada Park",
        "--email",
        "ada@example.com",
        "--note",
        "Her rota is safe",
    )
    ok("reply", "--customer", "Bo Chen", "--email", "bo@example.com", "--note", "All saved.")

    ada, bo = (e["payload"]["text"] for e in events("reply"))
    assert "\nHer rota is safe.\n" in ada
    assert "\nAll saved.\n" in bo and "All saved.." not in bo
