"""`crisis send --yes` killed with SIGKILL in the middle, and run again: every customer gets
their message exactly once; only the one in flight at the kill can be in doubt, and it is
reported as uncertain, never silently sent twice or skipped."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.helpers import DB, ok, start_outage
from tests.mailbox import Mailbox, free_port


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


def drafts(count: int) -> list[str]:
    """Reply drafts for `count` customers from a CSV, as a team would draft them."""
    ok("init", ".")
    start_outage("--yes")
    addresses = [f"customer{n}@example.com" for n in range(count)]
    rows = ["name,email,tier,open_case"]
    rows += [
        f"Customer {n},{a},business,{'yes' if n % 7 == 0 else 'no'}"
        for n, a in enumerate(addresses)
    ]
    Path("customers.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    ok("reply", "--customers", "customers.csv")
    return addresses


def sender(box: Mailbox, *args: str) -> subprocess.Popen[str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "TZ": "UTC",
        "NO_COLOR": "1",
        "CRISIS_SMTP_URL": box.url,
        "CRISIS_AGENT": "lead",
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "crisisplan", "send", "--yes", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=Path.cwd(),
    )


def run(box: Mailbox, *args: str) -> tuple[int, dict[str, Any]]:
    proc = sender(box, "--json", *args)
    out, err = proc.communicate(timeout=300)
    assert err == "", err
    return proc.returncode, json.loads(out)


def kill_after(box: Mailbox, arrived: int) -> None:
    proc = sender(box)
    deadline = time.monotonic() + 120
    while box.count() < arrived:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the sender is too slow"
        time.sleep(0.002)
    proc.kill()
    proc.communicate(timeout=30)
    assert proc.returncode == -9


def received(box: Mailbox) -> Counter[str]:
    return Counter(a for r in box.received for a in r.rcpt_tos)


def log_is_whole() -> None:
    with closing(sqlite3.connect(DB)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        sent = conn.execute(
            "SELECT json_extract(payload, '$.draft'), COUNT(*) FROM events "
            "WHERE kind = 'sent' GROUP BY 1"
        ).fetchall()
        drafts = conn.execute("SELECT COUNT(*) FROM events WHERE kind = 'reply'").fetchone()[0]
        open_followups = conn.execute(
            "SELECT COUNT(*) FROM followups WHERE contacted_at IS NULL"
        ).fetchone()[0]
    assert len(sent) == drafts and {n for _, n in sent} == {1}  # one `sent` per draft
    assert open_followups == 0


@pytest.mark.slow
def test_500_messages_killed_midway_and_run_again_arrive_exactly_once(
    mailbox: Mailbox,
) -> None:
    addresses = drafts(500)
    kill_after(mailbox, random.Random(6).randrange(100, 400))
    at_kill = received(mailbox)
    assert 0 < len(at_kill) < 500

    code, rerun = run(mailbox)
    uncertain = [i["email"] for i in rerun["uncertain"]]
    assert len(uncertain) <= 1
    assert code == (1 if uncertain else 0)
    assert len(rerun["sent"]) + len(uncertain) + len(at_kill) in (500, 501)
    got = received(mailbox)
    assert set(got) | set(uncertain) == set(addresses)  # none skipped
    assert max(got.values()) == 1  # none twice

    if uncertain:
        code, resent = run(mailbox, "--resend-uncertain")
        assert code == 0
        assert [i["email"] for i in resent["sent"]] == uncertain
    got = received(mailbox)
    assert set(got) == set(addresses)
    assert all(n == 1 for a, n in got.items() if a not in uncertain)
    # the one in doubt went twice only if it had in fact arrived, under the same Message-ID
    for a in uncertain:
        ids = {r.message["Message-ID"] for r in mailbox.received if a in r.rcpt_tos}
        assert len(ids) == 1
    log_is_whole()
    code, last = run(mailbox)
    assert code == 0 and last["sent"] == [] and len(last["skipped"]) == 500


@pytest.mark.slow
def test_the_message_in_flight_at_the_kill_is_reported_and_resent_only_when_asked(
    mailbox: Mailbox,
) -> None:
    addresses = drafts(150)
    mailbox.hold_after = 60  # the server takes the 61st message and never answers
    proc = sender(mailbox)
    assert mailbox.holding.wait(timeout=120)
    proc.kill()
    proc.communicate(timeout=30)
    mailbox.hold_after = None
    (in_flight,) = mailbox.received[60].rcpt_tos

    code, rerun = run(mailbox)
    assert code == 1
    assert [i["email"] for i in rerun["uncertain"]] == [in_flight]
    assert "--resend-uncertain" in rerun["uncertain"][0]["reason"]
    assert len(rerun["sent"]) == 150 - 61
    assert received(mailbox) == Counter(addresses)  # every one once, the held one included

    code, again = run(mailbox)
    assert code == 1 and again["sent"] == []  # still in doubt; still not sent twice
    code, resent = run(mailbox, "--resend-uncertain")
    assert code == 0 and [i["email"] for i in resent["sent"]] == [in_flight]
    copies = [r.message["Message-ID"] for r in mailbox.received if in_flight in r.rcpt_tos]
    assert len(copies) == 2 and len(set(copies)) == 1  # a receiver can drop the duplicate
    log_is_whole()


@pytest.mark.slow
def test_killed_again_and_again_nothing_is_sent_twice_or_skipped(mailbox: Mailbox) -> None:
    addresses = drafts(300)
    rng = random.Random(20261123)
    for _ in range(4):  # each run sends on from where the killed one stopped
        kill_after(mailbox, mailbox.count() + rng.randrange(10, 60))
    code, report = run(mailbox)
    doubtful = {i["email"] for i in report["uncertain"]}
    assert len(doubtful) <= 4  # one at most per kill
    assert code == (1 if doubtful else 0)
    got = received(mailbox)
    assert set(got) | doubtful == set(addresses)
    assert max(got.values()) == 1
    code, final = run(mailbox, "--resend-uncertain")
    assert code == 0, final
    assert {i["email"] for i in final["sent"]} == doubtful
    got = received(mailbox)
    assert set(got) == set(addresses)
    assert all(n == 1 for a, n in got.items() if a not in doubtful)
    log_is_whole()


@pytest.mark.slow
def test_two_agents_sending_at_once_send_each_message_once(mailbox: Mailbox) -> None:
    addresses = drafts(300)
    procs = [sender(mailbox, "--json") for _ in range(2)]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in outputs]
    reports = [json.loads(out) for out, _ in outputs]
    assert sum(len(r["sent"]) for r in reports) == 300
    assert received(mailbox) == Counter(addresses)
    log_is_whole()


def test_ctrl_c_midway_says_what_is_kept_and_the_next_run_sends_the_rest_once(
    mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On a terminal, Ctrl-C lands wherever the run is: between messages, mid-send, or as
    # a `sent` is recorded. Only a message cut off mid-send may be left in doubt.

    from tests.test_start_pty import spawn, stops_saying

    addresses = drafts(150)
    monkeypatch.setenv("CRISIS_SMTP_URL", mailbox.url)
    child = spawn("send", "--yes")
    deadline = time.monotonic() + 120
    while mailbox.count() < 40 and child.isalive() and time.monotonic() < deadline:
        time.sleep(0.002)
    child.sendintr()
    stops_saying(
        child,
        "Stopped sending; each message the server accepted is recorded as sent.",
        "sent again only with --resend-uncertain",
    )
    with closing(sqlite3.connect(DB)) as conn:
        sent = conn.execute("SELECT COUNT(*) FROM events WHERE kind = 'sent'").fetchone()[0]
    assert mailbox.count() >= 40 and sent < 150, "not stopped part way"
    assert sent <= mailbox.count() <= sent + 1  # at most the one in flight unrecorded

    code, report = run(mailbox)
    doubtful = {i["email"] for i in report["uncertain"]}
    assert len(doubtful) <= 1 and code == (1 if doubtful else 0)
    assert len(report["sent"]) + len(doubtful) == 150 - sent
    got = received(mailbox)
    assert set(got) | doubtful == set(addresses) and max(got.values()) == 1
