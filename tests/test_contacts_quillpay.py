"""Contacts on the second team's plan (Quillpay): their channels, their acknowledgement."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.helpers import events, ok

OTHER_TEAM = Path(__file__).parent / "fixtures" / "other-team"
HELPSCOUT = Path(__file__).parent / "fixtures" / "helpdesk" / "helpscout.csv"


@pytest.fixture(autouse=True)
def quillpay(monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(OTHER_TEAM, "other-team")
    monkeypatch.setenv("CRISIS_PLAYBOOK", "other-team/playbooks/payments.yaml")
    monkeypatch.setenv("CRISIS_AGENT", "merchant-success")
    ok("start", "--type", "payments-down", "--severity", "sev2", "--title", "Card payments failing",
       "--summary", "Card payments time out for many merchants", "--no")  # fmt: skip


def test_the_hotline_promises_five_minutes_and_the_acknowledgement_is_in_quillpay_words() -> None:
    said = "Terminal declines every card"
    result = ok("contact", "add", "--customer", "Mo Rahman", "--email", "mo@shop.example",
                "--said", said, "--channel", "hotline", "--at", "-7m")  # fmt: skip

    assert "Hello Mo Rahman, this is Quillpay." in result.stdout
    (contact,) = events("contact")
    assert contact["channel"] == "hotline"
    listed = json.loads(ok("contact", "list", "--json").stdout)
    assert listed["overdue"] == 1  # the hotline promises 5 minutes; 7 have passed
    assert listed["contacts"][0]["respond_by"] is not None
    ack = [e for e in events("reply") if e["payload"]["purpose"] == "acknowledgement"]
    assert [e["payload"]["template"] for e in ack] == ["ack-merchant"]


def test_a_help_scout_chat_lands_on_the_live_chat_and_email_on_the_first_channel_for_one() -> None:
    ok("contact", "import", str(HELPSCOUT))
    channels = {e["payload"]["ticket"]: e["channel"] for e in events("contact")}
    # Quillpay has no email channel: email goes to its first one-to-one channel
    assert channels == {
        "2718281828": "live-chat",
        "2718281901": "live-chat",
        "2718282044": "live-chat",
    }
    assert "Customers waiting for a first answer: 3 of 3" in ok("status").stdout
