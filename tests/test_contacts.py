"""Customers who write in (issue 20, item 1), as a support lead at 03:00 lives it.

A message is recorded with `crisis contact add` or a help desk's export; each starts that
customer's first-response clock, drafts their acknowledgement and opens their case.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import crisis, events, integrity_ok, log_rows, ok, start_outage
from tests.mailbox import Mailbox

FIXTURES = Path(__file__).parent / "fixtures" / "helpdesk"


@pytest.fixture(autouse=True)
def outage(db_target: str) -> None:
    ok("init", ".")
    start_outage("--yes", "--at", "2026-11-23T02:40Z")


def contacts_table() -> list[dict[str, Any]]:
    return log_rows("SELECT * FROM contacts ORDER BY received_at")


def followup(email: str) -> dict[str, Any]:
    rows = log_rows("SELECT * FROM followups WHERE email = ?", email)
    assert rows, f"{email} is not on the follow-up list"
    return rows[0]


def waiting() -> dict[str, Any]:
    return dict(json.loads(ok("contact", "list", "--waiting", "--json").stdout))


def add_ada(*extra: str) -> Any:
    return ok(
        "contact", "add", "--customer", "Ada Park", "--email", "ada@example.com",
        "--said", "Rota page is blank\nsince 02:40", "--at", "-20m", *extra,
    )  # fmt: skip


def test_a_message_added_by_hand_starts_its_clock_acknowledges_and_opens_a_case() -> None:
    result = add_ada("--case", "40211")

    assert "Hi Ada Park," in result.stdout  # the acknowledgement, to read and send
    assert "a person on our support team will reply to you within 30 minutes" in result.stdout
    assert "Recorded Ada Park <ada@example.com> on email" in result.stderr
    assert "first response promised by" in result.stderr
    (contact,) = events("contact")
    assert contact["channel"] == "email"
    assert contact["payload"]["said"] == "Rota page is blank since 02:40"  # one line
    assert contact["payload"]["customer"] == {"name": "Ada Park", "email": "ada@example.com"}
    assert contact["payload"]["key"] == "case:40211"
    ack = [e for e in events("reply") if e["payload"]["purpose"] == "acknowledgement"]
    assert len(ack) == 1 and ack[0]["payload"]["template"] == "auto-ack"
    assert followup("ada@example.com")["open_case"] == 1
    (row,) = contacts_table()
    assert row["answered_at"] is None
    # 30 minutes: the email channel's first_response_minutes, from when it was received
    assert row["respond_by"] > row["received_at"]
    assert contact["payload"]["respond_by"][:16] == row["respond_by"][:16]


def test_the_same_case_added_twice_is_refused_and_recorded_once() -> None:
    add_ada("--case", "40211")
    again = crisis("contact", "add", "--customer", "Ada Park", "--email", "ada@example.com",
                   "--said", "again", "--case", "40211")  # fmt: skip
    assert again.exit_code == 2
    assert "already recorded on INC-1 (case 40211)" in again.stderr
    assert len(events("contact")) == 1


def test_status_names_who_has_waited_longest_and_how_many_are_past_the_promise() -> None:
    add_ada()  # 20 minutes ago, promised within 30: not late yet
    ok("contact", "add", "--customer", "Bo Lee", "--email", "bo@example.com", "--said", "x",
       "--channel", "chat", "--at", "-45m")  # fmt: skip  # chat: the severity's 30 minutes

    text = ok("status").stdout
    assert "Customers waiting for a first answer: 2 of 2, 1 past the time promised" in text
    assert "Waiting longest: Bo Lee <bo@example.com> on chat, 45 min" in text
    status = json.loads(ok("status", "--json").stdout)
    assert status["contacts"]["waiting"] == 2 and status["contacts"]["overdue"] == 1
    assert status["contacts"]["longest_waiting"]["email"] == "bo@example.com"
    assert status["needs_attention"] is True
    assert crisis("status", "--check").exit_code == 1


def test_status_says_nothing_of_contacts_when_nobody_wrote_in() -> None:
    assert "Customers waiting" not in ok("status").stdout
    assert json.loads(ok("status", "--json").stdout)["contacts"] is None


def test_a_personal_reply_stops_the_clock_and_the_acknowledgement_draft_does_not() -> None:
    add_ada()
    assert waiting()["waiting"] == 1  # the acknowledgement is drafted, not yet sent

    ok("reply", "--customer", "Ada Park", "--email", "ada@example.com")

    assert waiting()["waiting"] == 0
    (row,) = contacts_table()
    reply = next(e for e in events("reply") if e["payload"]["purpose"] == "first_response")
    assert row["answered_at"][:19] == reply["at"][:19]
    assert "No customer is waiting" in ok("contact", "list", "--waiting").stdout
    assert len(json.loads(ok("contact", "list", "--all", "--json").stdout)["contacts"]) == 1


def test_the_acknowledgement_sent_stops_the_clock(mailbox: Mailbox) -> None:
    add_ada()
    result = crisis("send", "--yes")
    assert result.exit_code == 0, result.stderr
    assert len(mailbox.to("ada@example.com")) == 1
    assert waiting()["waiting"] == 0
    (sent,) = events("sent")
    (row,) = contacts_table()
    assert row["answered_at"][:19] == sent["at"][:19]


def test_a_zendesk_export_with_a_bom_and_crlf_imports_every_ticket_on_its_channel() -> None:
    assert (FIXTURES / "zendesk.csv").read_bytes().startswith(b"\xef\xbb\xbfId,")
    assert b"\r\n" in (FIXTURES / "zendesk.csv").read_bytes()

    result = ok("contact", "import", str(FIXTURES / "zendesk.csv"))

    assert "Imported 4 contact(s) from the zendesk export into INC-1" in result.stdout
    found = {e["payload"]["ticket"]: e for e in events("contact")}
    assert set(found) == {"40211", "40212", "40215", "40218"}
    assert found["40212"]["channel"] == "chat"  # Via: Chat
    assert found["40218"]["channel"] == "email"  # Twitter is broadcast here: to one-to-one
    assert found["40215"]["payload"]["said"] == '"Urgent": clock-in fails, staff can\'t start shift'
    assert found["40215"]["payload"]["customer"]["name"] == "Célia Moreau"
    assert found["40211"]["at"].startswith("2026-11-23T02:44:12")
    assert found["40211"]["payload"]["key"] == "zendesk:40211"
    assert followup("celia.moreau@example.org")["open_case"] == 1
    # drafted by the help desk's own auto-reply, not again by us
    assert not [e for e in events("reply") if e["payload"]["purpose"] == "acknowledgement"]


def test_a_help_scout_export_merges_with_the_follow_up_list_by_email() -> None:
    ok("contact", "import", str(FIXTURES / "zendesk.csv"))
    result = ok("contact", "import", str(FIXTURES / "helpscout.csv"), "--json")

    assert json.loads(result.stdout) == {
        "incident": "INC-1", "format": "helpscout", "recorded": 3, "already": 0,
    }  # fmt: skip
    ada = [
        e
        for e in events("contact")
        if e["payload"]["customer"]["email"].lower() == "ada@example.com"
    ]
    assert [e["payload"]["source"] for e in ada] == ["zendesk", "helpscout"]
    assert followup("ada@example.com")["open_case"] == 1  # one entry, ADA@ matched ada@
    assert len(log_rows("SELECT email FROM followups")) == 6
    assert {e["payload"]["key"] for e in events("contact")} >= {"helpscout:2718281828"}
    finn = next(e for e in events("contact") if e["payload"]["ticket"] == "2718282044")
    assert finn["channel"] == "chat"


def test_list_waiting_orders_the_customers_oldest_first() -> None:
    ok("contact", "import", str(FIXTURES / "helpscout.csv"))
    ok("contact", "import", str(FIXTURES / "zendesk.csv"))

    listed = waiting()
    received = [c["received_at"] for c in listed["contacts"]]
    assert received == sorted(received) and len(received) == 7
    assert listed["contacts"][0]["email"] == "ada@example.com"  # 02:44, Zendesk
    assert listed["overdue"] == 7  # all were promised a first answer within the night
    text = ok("contact", "list", "--waiting").stdout.splitlines()
    assert text[0] == "7 waiting of 7 received, 7 past the time promised:"
    assert text[1].startswith("[LATE] Ada Park <ada@example.com> on email: waiting")


def test_importing_the_same_export_again_records_nothing_twice() -> None:
    ok("contact", "import", str(FIXTURES / "zendesk.csv"))
    again = ok("contact", "import", str(FIXTURES / "zendesk.csv"))
    assert "Imported 0 contact(s)" in again.stdout
    assert "4 were already recorded" in again.stdout
    assert len(events("contact")) == 4


def write(name: str, text: str) -> Path:
    path = Path(name)
    path.write_text(text, encoding="utf-8", newline="")
    return path


HELPSCOUT_HEADER = "Conversation ID,Number,Customer Name,Customer Email,Subject,Type,Created At\n"


def test_an_export_without_a_needed_column_is_refused_at_its_first_line() -> None:
    path = write(
        "tickets.csv", "Id,Requester,Requester email,Subject,Via\n1,Ada,ada@example.com,x,Mail\n"
    )
    result = crisis("contact", "import", str(path))
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "error: tickets.csv:1: the zendesk export tickets.csv has no 'Created at' column."
    )
    assert "Traceback" not in result.stderr
    assert events("contact") == []


def test_an_export_of_another_help_desk_names_the_columns_it_looks_for() -> None:
    path = write("tickets.csv", "name,email\nAda,ada@example.com\n")
    result = crisis("contact", "import", str(path))
    assert result.exit_code == 2
    assert "no 'Requester email' or 'Customer Email' column" in result.stderr
    assert "--format zendesk|helpscout" in result.stderr


def test_a_date_in_another_format_names_its_place_and_keeps_nothing_of_its_batch() -> None:
    path = write(
        "hs.csv",
        HELPSCOUT_HEADER
        + "11,1,Ada Park,ada@example.com,Down,email,2026-11-23 03:02:10\n"
        + "12,2,Bo Lee,bo@example.com,Down,email,11/23/2026 03:05\n",
    )
    result = crisis("contact", "import", str(path))
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "error: hs.csv:3:39: Created At '11/23/2026 03:05' is not a date and time in the form "
        "2024-03-05 14:22:10 +0000."
    )
    assert "No contact was recorded; the rows were not reached." in result.stderr
    assert events("contact") == []  # Ada's row shared the batch: nothing half-imported


def test_a_ticket_twice_in_one_export_is_refused_with_both_lines() -> None:
    path = write(
        "hs.csv",
        HELPSCOUT_HEADER
        + "11,1,Ada Park,ada@example.com,Down,email,2026-11-23 03:02:10\n"
        + "12,2,Bo Lee,bo@example.com,Down,email,2026-11-23 03:03:10\n"
        + "11,1,Ada Park,ada@example.com,Down,email,2026-11-23 03:04:10\n",
    )
    result = crisis("contact", "import", str(path))
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "error: hs.csv:4: ticket 11 appears twice in this export (first on line 2)."
    )
    assert events("contact") == []


def big_export(path: Path, rows: int, *, bad: int | None = None) -> Path:
    """A Help Scout export of ROWS tickets; row BAD (1-based) with a US-style date."""
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(HELPSCOUT_HEADER)
        for n in range(1, rows + 1):
            when = (
                "11/23/2026 03:00" if n == bad else f"2026-11-23 03:{n // 60 % 60:02d}:{n % 60:02d}"
            )
            f.write(f"{900000 + n},{n},Customer {n},c{n}@example.com,Down,email,{when}\n")
    return path


def test_a_bad_row_after_a_whole_batch_keeps_the_batch_and_a_rerun_finishes_once() -> None:
    path = big_export(Path("big.csv"), 2500, bad=2300)
    result = crisis("contact", "import", str(path))
    assert result.exit_code == 2
    assert result.stderr.startswith("error: big.csv:2301:")  # the header is line 1
    assert (
        "2,000 contacts are recorded; the rows after line 2001 were not reached." in result.stderr
    )
    assert "run the same command again: it records the rest" in result.stderr
    assert len(events("contact")) == 2000

    big_export(path, 2500)  # fixed
    again = ok("contact", "import", str(path))
    assert (
        "Imported 500 contact(s)" in again.stdout and "2,000 were already recorded" in again.stdout
    )
    keys = [e["payload"]["key"] for e in events("contact")]
    assert len(keys) == len(set(keys)) == 2500
    assert len(contacts_table()) == 2500


def test_check_warns_when_a_channel_promises_a_first_response_and_nothing_acknowledges() -> None:
    plan = Path("playbooks/example.yaml")
    plan.write_text(plan.read_text().replace("  acknowledgement: auto-ack\n", ""))
    result = crisis("check", "--json")
    findings = json.loads(result.stdout)["findings"]
    found = [f for f in findings if f["code"] == "readiness.first-response-no-acknowledgement"]
    assert len(found) == 1
    assert "channel 'email' promises a first response within 30 minutes" in found[0]["message"]
    assert found[0]["line"] == 57  # its first_response_minutes line


@pytest.mark.slow
def test_an_import_killed_at_random_moments_and_run_again_records_every_ticket_once() -> None:
    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    rows = 20_000
    path = big_export(Path("big.csv"), rows)
    command = [sys.executable, "-m", "crisisplan", "contact", "import", str(path)]
    env = {**os.environ, "CRISIS_AGENT": "support-lead"}

    def recorded() -> int:
        return len(log_rows("SELECT key FROM contacts"))

    kills = 0
    for _ in range(3):
        importer = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 60
        before = recorded()
        while recorded() == before and importer.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)  # it is writing now
        time.sleep(rng.uniform(0.0, 0.2))
        if importer.poll() is None:
            importer.send_signal(signal.SIGKILL)
            kills += 1
        importer.communicate(timeout=60)
        assert integrity_ok(), seed
        # Whatever the moment, the log and the clocks hold whole batches, the same ones.
        assert len(events("contact")) == recorded(), seed
    assert kills, f"seed {seed}: the import finished before any kill"

    ok("contact", "import", str(path))
    keys = [e["payload"]["key"] for e in events("contact")]
    assert len(keys) == len(set(keys)) == rows, seed
    assert recorded() == rows
    assert len(log_rows("SELECT email FROM followups")) == rows


def test_an_import_drafts_acknowledgements_only_when_asked_and_once() -> None:
    ok("contact", "import", str(FIXTURES / "helpscout.csv"))
    assert not [e for e in events("reply") if e["payload"]["purpose"] == "acknowledgement"]

    result = ok("contact", "import", str(FIXTURES / "helpscout.csv"), "--acknowledge")
    assert "Drafted 3 acknowledgement(s); `crisis send` sends them." in result.stdout
    again = json.loads(
        ok("contact", "import", str(FIXTURES / "helpscout.csv"), "--acknowledge", "--json").stdout
    )
    assert again["acknowledgements"] == {"drafted": 0, "already": 3, "with_errors": 0}
    acks = [e for e in events("reply") if e["payload"]["purpose"] == "acknowledgement"]
    assert sorted(e["payload"]["customer"]["email"] for e in acks) == [
        "ADA@example.com", "eve@example.com", "finn@example.co.uk",
    ]  # fmt: skip
    assert waiting()["waiting"] == 3  # drafted, not sent: the clocks run on


def test_a_message_recorded_after_its_answer_starts_with_its_clock_stopped() -> None:
    ok("reply", "--customer", "Ada Park", "--email", "ada@example.com", "--at", "-10m")
    add_ada()  # received 20 minutes ago, recorded now: the reply 10 minutes ago answered it
    ok("contact", "import", str(FIXTURES / "helpscout.csv"))  # Ada again, at 03:02 in 2026-11

    listed = json.loads(ok("contact", "list", "--all", "--json").stdout)
    by_key = {c["key"].split(":")[0]: c for c in listed["contacts"]}
    assert by_key["added"]["answered_at"] is not None
    assert listed["waiting"] == 2  # Eve and Finn; Ada's Help Scout ticket was answered too
    assert by_key["added"]["waited_minutes"] == 10
