"""A command that records many things and stops part way says what it kept (issue 22).

`reply --customers` has its own stories in test_reply_hardening.py; here `resolve -o`,
`apologize -o` (a file that cannot be written after every draft is recorded) and `send`
(a server that stops taking mail after the first message).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import crisis, events, ok, start_outage
from tests.mailbox import Mailbox

CAUSE, IMPACT = "A failed failover.", "Nobody could sign in for two hours."


@pytest.fixture(autouse=True)
def outage_with_three_followups(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CRISIS_SMTP_URL", raising=False)
    monkeypatch.delenv("CRISIS_SMTP_PASSWORD", raising=False)
    ok("init", ".")
    start_outage("--yes", "--at", "-1h")
    for name in ("ada", "bo", "cy"):
        ok("followup", "add", "--customer", name.title(), "--email", f"{name}@example.com")


def in_the_way(folder: str, number: int, name: str) -> None:
    """A folder where the file for the NUMBERth customer should go."""
    (Path(folder) / f"{number:05d}-{name}-example-com.md").mkdir(parents=True)


def test_resolve_whose_files_stop_part_way_says_all_notices_are_recorded() -> None:
    in_the_way("notices", 2, "bo")
    result = crisis("resolve", "--cause", CAUSE, "--impact", IMPACT, "-o", "notices")
    assert result.exit_code == 2
    assert "could not write notices/00002-bo-example-com.md" in result.stderr
    assert "3 resolved notices are recorded; 1 of their 3 files were written in notices" in (
        result.stderr
    )
    assert "`crisis send` sends them" in result.stderr
    assert "nothing was written" not in result.stderr
    assert len(events("reply")) == 3 and len(events("resolved")) == 1


def test_apologize_whose_files_stop_part_way_says_all_apologies_are_recorded() -> None:
    ok("resolve", "--cause", CAUSE, "--impact", IMPACT)
    in_the_way("apologies", 3, "cy")
    result = crisis("apologize", "-o", "apologies")
    assert result.exit_code == 2
    assert "3 apologies are recorded; 2 of their 3 files were written" in result.stderr
    assert len(events("apology")) == 3
    assert len([p for p in Path("apologies").iterdir() if p.is_file()]) == 2


def test_send_stopped_part_way_says_how_many_went_which_did_not_and_to_run_again(
    mailbox: Mailbox,
) -> None:
    for name in ("ada", "bo", "cy"):
        ok("reply", "--customer", name.title(), "--email", f"{name}@example.com", "--again")
    ok("send", "--yes", "--incident", "1")  # the first run sends all three
    for name in ("ada", "bo", "cy"):
        ok("reply", "--customer", name.title(), "--email", f"{name}@example.com", "--again")
    mailbox.refuse_sender = "421 4.3.2 Service shutting down"
    result = crisis("send", "--yes")
    assert result.exit_code == 1
    assert "0 sent" in result.stderr and "2 not attempted" in result.stderr
    assert "Stopped: the server refused the sender" in result.stderr
    assert "Run again to send the rest" in result.stderr
    assert len(events("sent")) == 3 and len(events("send_failed")) == 1
