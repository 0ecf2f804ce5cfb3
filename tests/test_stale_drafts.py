"""Drafts that go stale are superseded: `send` never mails words the incident has outgrown.

The story from issue 17: after `resolve`, `send` emailed each customer three messages at
once, the first being the reply from the start of the incident ("You'll hear from us
again by 10:48 UTC… we don't know the cause yet"), sent after the fix.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from tests.helpers import crisis, events, ok, start_outage
from tests.mailbox import Mailbox
from tests.test_send import contacted

CAUSE = "A failed database failover left the sign-in service without its database."
IMPACT = "For two hours nobody could sign in, so teams could not see or swap their shifts."
DURING = "You'll hear from us again by"


@pytest.fixture(autouse=True)
def incident(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CRISIS_SMTP_URL", raising=False)
    ok("init", ".")
    start_outage("--yes", "--at", "-40m")
    for name, email in (("Ada Park", "ada@example.com"), ("Bo Chen", "bo@example.com")):
        result = crisis("reply", "--customer", name, "--email", email, "--at", "-30m")
        assert result.exit_code == 0, result.stderr


def dry_run() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(ok("send", "--json").stdout)
    return document


def test_after_resolve_each_customer_gets_the_resolved_notice_then_the_apology(
    mailbox: Mailbox,
) -> None:
    ok("resolve", "--cause", CAUSE, "--impact", IMPACT)
    ok("apologize")

    (superseded,) = events("superseded")
    replies = [e for e in events("reply") if e["payload"]["purpose"] == "first_response"]
    assert superseded["payload"]["drafts"] == [r["id"] for r in replies]
    assert superseded["payload"]["reason"].startswith("superseded by the resolution at ")

    plan = dry_run()
    assert sorted(i["email"] for i in plan["superseded"]) == ["ada@example.com", "bo@example.com"]
    assert all(i["reason"] == superseded["payload"]["reason"] for i in plan["superseded"])
    text = ok("send")
    assert "Superseded, never to be sent (2):" in text.stdout
    assert "superseded by the resolution at" in text.stdout

    result = crisis("send", "--yes")
    assert result.exit_code == 0, result.stdout + result.stderr

    for email in ("ada@example.com", "bo@example.com"):
        got = mailbox.to(email)
        assert [m.message["Subject"].split(":")[0] for m in got] == [
            "Resolved",
            "We're sorry",
        ]  # the example apology's subject
        for m in got:
            body = m.message.get_content()
            assert DURING not in body
            assert "don't know the cause" not in body
    sent = {e["payload"]["draft"] for e in events("sent")}
    assert not sent & set(superseded["payload"]["drafts"])
    # Sending again sends nothing: the superseded drafts stay unsent for good.
    again = json.loads(crisis("send", "--json", "--yes").stdout)
    assert again["sent"] == [] and len(again["superseded"]) == 2
    assert len(mailbox.received) == 4


def test_a_public_update_supersedes_unsent_replies_but_never_a_sent_one(
    mailbox: Mailbox,
) -> None:
    ok("send", "--yes", "--per-minute", "60000")  # Ada and Bo hear from us: history now
    assert len(mailbox.received) == 2
    result = crisis("reply", "--customer", "Cy Wu", "--email", "cy@example.com", "--at", "-5m")
    assert result.exit_code == 0, result.stderr

    update = ok("update", "Traffic is moving to the standby database", "--at", "-1m")

    assert "1 unsent draft(s) superseded" in update.stderr
    (superseded,) = events("superseded")
    (cy,) = [e for e in events("reply") if e["payload"]["customer"]["email"] == "cy@example.com"]
    assert superseded["payload"]["drafts"] == [cy["id"]]
    assert superseded["payload"]["reason"].startswith("superseded by the public update at ")
    plan = dry_run()
    assert plan["would_send"] == [] and [i["email"] for i in plan["superseded"]] == [
        "cy@example.com"
    ]

    # Drafted again, Cy's reply says what we know now, and is the one to send.
    ok("reply", "--customer", "Cy Wu", "--email", "cy@example.com")
    assert [i["email"] for i in dry_run()["would_send"]] == ["cy@example.com"]


def test_a_severity_change_supersedes_replies_that_promised_the_old_cadence() -> None:
    ok("severity", "critical", "--reason", "Every region is down")

    (superseded,) = events("superseded")
    assert len(superseded["payload"]["drafts"]) == 2
    assert "severity change to critical" in superseded["payload"]["reason"]


def test_status_and_the_followup_list_count_a_customer_contacted_once_sent(
    mailbox: Mailbox,
) -> None:
    status = json.loads(ok("status", "--json").stdout)
    assert status["followups_open"] == 2 and status["followups_contacted"] == 0

    ok("send", "--yes")

    assert all(contacted().values())
    status = json.loads(ok("status", "--json").stdout)
    assert status["followups_open"] == 2 and status["followups_contacted"] == 2
    listed = json.loads(ok("followup", "list", "--json").stdout)
    assert all(entry["contacted_at"] for entry in listed)
    assert "contacted" in ok("followup", "list").stdout
    assert "(2 contacted)" in ok("status").stdout


def test_a_resolution_recorded_while_send_runs_stops_the_replies_it_outgrew(
    mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another lead resolves the incident after this `send` has read what to send, and
    # before it sends the first: the replies promising an update must not go out.
    from crisisplan.phases import send as sending

    claim = sending._Sending._claim
    other_lead: list[subprocess.CompletedProcess[str]] = []

    def claim_after_a_resolution(self: Any, out: Any) -> bool:
        if not other_lead:
            resolve = [sys.executable, "-m", "crisisplan", "resolve", "--cause", CAUSE]
            other_lead.append(
                subprocess.run([*resolve, "--impact", IMPACT], text=True, capture_output=True)
            )
        return claim(self, out)

    monkeypatch.setattr(sending._Sending, "_claim", claim_after_a_resolution)
    report = json.loads(crisis("send", "--yes", "--json").stdout)

    assert other_lead[0].returncode == 0, other_lead[0].stderr
    assert report["sent"] == [] and mailbox.received == []
    assert sorted(i["email"] for i in report["superseded"]) == ["ada@example.com", "bo@example.com"]
    assert all(
        i["reason"].startswith("superseded by the resolution at ") for i in report["superseded"]
    )
    assert events("sent") == [] and events("send_started") == []
    # The next run sends what the customers should read now: that it is fixed.
    ok("send", "--yes")
    assert {m.message["Subject"].split(":")[0] for m in mailbox.received} == {"Resolved"}
