"""The promise ledger: what each draft promises is recorded with it, and each promise is
kept (naming the event that kept it) or broken, on the bundled plan and on Quillpay's."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from crisisplan import clock
from tests.helpers import crisis, events, log_rows, ok, start_outage

OTHER_TEAM = Path(__file__).parent / "fixtures" / "other-team"
QUILLPAY = "other-team/playbooks/payments.yaml"
CAUSE = "A failed database failover left the sign-in service without its database."
IMPACT = "For an hour nobody could sign in, so teams could not see or swap their shifts."


def state() -> dict[str, Any]:
    saved = log_rows("SELECT state FROM incidents ORDER BY number DESC")[0]["state"]
    found: dict[str, Any] = json.loads(saved)
    return found


def ledger(kind: str) -> list[dict[str, Any]]:
    return [p for p in state()["promises"] if p.get("kind", "next_update") == kind]


def resolve() -> Any:
    return ok("resolve", "--cause", CAUSE, "--impact", IMPACT)


@pytest.fixture
def example(db_target: str) -> None:  # on the local file, and on a PostgreSQL server
    ok("init", ".")
    start_outage("--yes", "--at", "-40m")


@pytest.mark.usefixtures("example")
def test_a_reply_records_its_promises_and_the_resolution_keeps_them() -> None:
    ok("reply", "--customer", "Ada Park", "--email", "ada@example.com")

    (reply,) = events("reply")
    due = reply["payload"]["next_update_at"]
    assert reply["payload"]["promises"] == [
        {"kind": "next_update", "to": "ada@example.com", "due": due},
        {"kind": "contact_when_fixed", "to": "ada@example.com", "due": None},  # at the fix
    ]
    (contact,) = ledger("contact_when_fixed")
    assert contact["to"] == "customers" and contact["made_by"] == reply["id"]
    assert contact["due"] is None

    status = ok("status").stdout
    assert "Promised when fixed: personal contact when fixed to 1 customer" in status
    document = json.loads(ok("status", "--json").stdout)
    assert document["promise_ledger"]["when_fixed"] == [
        {
            "kind": "contact_when_fixed",
            "to": "customers",
            "count": 1,
            "due": None,
            "made_by": reply["id"],
        }
    ]

    resolved = resolve()

    notice = next(e for e in events("reply") if e["payload"]["purpose"] == "resolved")
    (contact,) = ledger("contact_when_fixed")
    assert contact["kept_by"] == notice["id"]  # her resolved notice kept it
    (writeup,) = notice["payload"]["promises"]
    assert writeup["kind"] == "writeup_within_days" and writeup["days"] == 5
    assert writeup["to"] == "ada@example.com" and writeup["due"]
    # The write-up is still owed to her, and resolve says so.
    assert "Promises to individuals still open (1):" in resolved.stderr
    assert "the write-up within 5 working days" in resolved.stderr
    assert "to ada@example.com" in resolved.stderr


@pytest.mark.usefixtures("example")
def test_resolve_names_a_customer_promised_a_call_who_got_no_notice() -> None:
    ok("reply", "--customer", "Cy Done", "--email", "cy@example.com")
    ok("followup", "done", "--email", "cy@example.com")  # off the open list: no notice

    result = crisis("resolve", "--cause", CAUSE, "--impact", IMPACT, "--json")

    assert result.exit_code == 0, result.stderr
    (owed,) = json.loads(result.stdout)["open_promises"]
    (reply,) = events("reply")
    assert owed["kind"] == "contact_when_fixed" and owed["to"] == "cy@example.com"
    assert owed["made_by"] == reply["id"] and owed["kept_by"] is None


@pytest.mark.usefixtures("example")
def test_a_fix_promised_by_an_eta_is_kept_by_a_resolution_in_time() -> None:
    result = crisis("update", "We found the cause and are rolling back.", "--eta", "+2h")
    assert result.exit_code == 0, result.stderr

    update = events("public_update")[-1]
    (fix,) = [p for p in update["payload"]["promises"] if p["kind"] == "fix_by"]
    assert fix["to"] == "status" and fix["due"] == update["payload"]["eta"]
    assert "Promises due: fixed by" in ok("status").stdout

    resolve()

    (kept,) = ledger("fix_by")
    assert kept["kept_by"] == events("resolved")[0]["id"] and kept["broken_at"] is None


def test_a_fix_promised_for_a_time_gone_by_is_broken_in_status_and_review(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ok("init", ".")
    start_outage("--yes", "--at", "-40m")
    ok("update", "Rolling back.", "--eta", "+30m")
    two_hours_on = clock.now() + dt.timedelta(hours=2)
    monkeypatch.setattr(clock, "now", lambda: two_hours_on)  # the ETA came and went

    status = ok("status").stdout
    assert "Promises broken: fixed by" in status
    (broken,) = json.loads(ok("status", "--json").stdout)["promise_ledger"]["broken"]
    assert broken["kind"] == "fix_by" and broken["to"] == "status"

    resolve()
    figures = json.loads(ok("review", "--json").stdout)["figures"]

    assert figures["promises_by_kind"]["fix_by"] == {"made": 1, "kept": 0, "broken": 1, "open": 0}
    (late,) = ledger("fix_by")
    assert late["broken_at"] == state()["resolved_at"] and late["kept_at"] is None
    review = ok("review").stdout
    assert "Promises: fixed by" in review and "1 made: 0 kept, 1 broken" in review


@pytest.mark.usefixtures("example")
def test_the_recorded_review_keeps_the_write_up_and_the_report_names_the_event() -> None:
    ok("followup", "add", "--customer", "Ada Park", "--email", "ada@example.com")
    resolve()
    Path("answers.yaml").write_text("- yes\n- yes\n- yes\n- the first reply\n", encoding="utf-8")

    ok("review", "--answers", "answers.yaml", "-o", "review.md")

    (review,) = events("review")
    (writeup,) = ledger("writeup_within_days")
    assert writeup["kept_by"] == review["id"] and writeup["to"] == "customers"
    report = Path("review.md").read_text(encoding="utf-8")
    assert "### Promises by kind" in report
    assert "| writeup_within_days | 1 |" in report
    figures = json.loads(ok("review", "--json").stdout)["figures"]
    assert figures["promises_by_kind"]["writeup_within_days"] == {
        "made": 1,
        "kept": 1,
        "broken": 0,
        "open": 0,
    }
    assert figures["promises_kept_by"]["writeup_within_days"] == [review["id"]]


def test_an_unknown_promise_kind_is_an_error_at_its_place() -> None:
    ok("init", ".")
    template = Path("response_library/update.md.j2")
    text = template.read_text(encoding="utf-8")
    template.write_text(
        text.replace("promises: [next_update, fix_by]", "promises: [next_update, fix_bye]"),
        encoding="utf-8",
    )
    line = text.split("\n").index("promises: [next_update, fix_by]") + 1

    result = crisis("check")
    said = result.stdout + result.stderr

    assert result.exit_code == 2
    assert (
        f"response_library/update.md.j2:{line}:25: error: item 2 of `promises` is not a "
        "promise the ledger knows ('fix_bye')"
    ) in said
    assert "did you mean 'fix_by'?" in said
    assert "Traceback" not in said
    # A command that loads the plan refuses the same way, and records nothing.
    start = crisis("start", "--type", "outage", "--severity", "major", "--title", "X", "--yes")
    assert start.exit_code == 2 and f"update.md.j2:{line}:25" in start.stderr
    assert not Path(".crisis/crisis.db").exists() or events() == []


def test_a_write_up_needs_its_working_days() -> None:
    ok("init", ".")
    template = Path("response_library/resolved.md.j2")
    text = template.read_text(encoding="utf-8")
    template.write_text(text.replace("writeup_within_days: 5", "writeup_within_days: 0"), "utf-8")

    result = crisis("check")

    assert result.exit_code == 2
    assert "`writeup_within_days` must be a whole number of working days from 1 to 60, got 0" in (
        result.stdout + result.stderr
    )


@pytest.fixture
def quillpay(db_target: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Quillpay's plan, its progress note and apology declaring what they say they will do."""
    shutil.copytree(OTHER_TEAM, "other-team")
    library = Path("other-team/response_library")
    for name, promises in (
        ("progress", "[next_update, fix_by]"),
        ("sorry", "[writeup_within_days: 10]"),
    ):
        path = library / f"{name}.md.j2"
        lines = path.read_text(encoding="utf-8").split("\n")
        lines.insert(lines.index("---", 1), f"promises: {promises}")
        path.write_text("\n".join(lines), encoding="utf-8")
    monkeypatch.setenv("CRISIS_AGENT", "merchant-success")
    monkeypatch.setenv("CRISIS_PLAYBOOK", QUILLPAY)
    ok(
        *("start", "--type", "payments-down", "--severity", "sev2"),
        *("--title", "Card payments failing", "--summary", "Card payments fail at checkout"),
        *("--yes", "--at", "-30m"),
    )


@pytest.mark.usefixtures("quillpay")
def test_quillpay_progress_notes_and_apologies_record_their_promises() -> None:
    # The status post declares nothing: Quillpay's update times are tracked as before.
    (post,) = events("public_update")
    assert "promises" not in post["payload"]
    result = crisis(
        "reply", "--customer", "Mo Shah", "--email", "mo@shop.example", "--template", "progress"
    )
    assert result.exit_code in (0, 1), result.stderr  # 1: drafted, with language findings
    (reply,) = events("reply")
    assert [p["kind"] for p in reply["payload"]["promises"]] == ["next_update"]  # no ETA given

    ok("resolve", "--cause", "An expired gateway certificate.", "--impact", "Payments failed.")
    apologized = crisis("apologize", "--force")
    assert apologized.exit_code in (0, 1), apologized.stderr

    (apology,) = events("apology")
    (writeup,) = apology["payload"]["promises"]
    assert writeup["to"] == "mo@shop.example" and writeup["days"] == 10
    status = ok("status").stdout
    assert "Promises due: the write-up within 10 working days" in status
    assert "to 1 customer" in status
