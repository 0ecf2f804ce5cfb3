"""One rule for an email address, everywhere one is entered (issue 22, fault 5).

An address the mail session would refuse is refused when it is typed or imported, so
nobody learns at send time that a customer can never be reached.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import crisis, events, ok, start_outage

REFUSED = [
    "<f10@example.com>",
    "r<f10@example.com>",
    "f10@example.com>",
    "Ada <ada@example.com>",
    "ada@example.com, eve@evil.example",
    "ada@@example.com",
    "ada@example",
    "ada@-example.com",
    "ada..park@example.com",
    ".ada@example.com",
    '"ada park"@example.com',
    "zoë@example.com",  # no server is asked for SMTPUTF8: refused before, never at send
    "ada@exa mple.com",
    "ada@example.com\nbcc@evil.example",
    "a" * 65 + "@example.com",
    "ada@" + "a" * 250 + ".com",
]
ACCEPTED = {
    "ada@example.com": "ada@example.com",
    " Ada.Park+incident@Example.COM ": "Ada.Park+incident@Example.COM",
    "o'brien@example.co.uk": "o'brien@example.co.uk",
    "asa@exämple.com": "asa@xn--exmple-cua.com",
}


@pytest.fixture(autouse=True)
def incident() -> None:
    ok("init", ".")
    start_outage("--yes")


@pytest.mark.parametrize("address", REFUSED)
def test_an_address_send_would_refuse_is_refused_by_every_command_that_takes_one(
    address: str,
) -> None:
    from crisisplan.mail.addresses import BadAddress, smtp_address

    with pytest.raises(BadAddress):
        smtp_address(address)
    reply = crisis("reply", "--customer", "Fay", "--email", address)
    added = crisis("followup", "add", "--customer", "Fay", "--email", address)
    Path("c.csv").write_text(
        f'name,email\nFay,"{address}"\nGus,gus@example.com\n', encoding="utf-8"
    )
    bulk = crisis("reply", "--customers", "c.csv")
    assert reply.exit_code == 2 and "email address" in reply.stderr
    assert added.exit_code == 2 and "email address" in added.stderr
    assert bulk.exit_code == 1 and "c.csv:2:" in bulk.stderr and "row skipped" in bulk.stderr
    assert "Traceback" not in reply.stderr + added.stderr + bulk.stderr
    drafted = [e["payload"]["customer"]["email"] for e in events("reply")]
    assert drafted == ["gus@example.com"]
    assert events("followup_added") == []


@pytest.mark.parametrize(("address", "ascii_form"), ACCEPTED.items())
def test_an_address_taken_at_entry_is_one_send_can_use(address: str, ascii_form: str) -> None:
    from crisisplan.mail.addresses import check_address, smtp_address

    assert check_address(address) == address.strip()
    assert smtp_address(address) == ascii_form
    ok("followup", "add", "--customer", "Fay", "--email", address)
    (added,) = events("followup_added")
    assert added["payload"]["email"] == address.strip()
