"""`crisis send` keeps the password secret and writes mail every server accepts.

Issue 22, faults 1 and 4: a login went out in clear over `smtp://`, and a long name made a
To: header no server would take. A real aiosmtpd server on 127.0.0.1 shows what arrived.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from collections.abc import Iterator
from email.header import decode_header, make_header
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session

from crisisplan.mail.smtp import SmtpSession, SmtpSettings
from tests.helpers import crisis, events, ok, start_outage
from tests.mailbox import Mailbox, free_port

PASSWORD = "ENVPASS6"


@pytest.fixture(autouse=True)
def incident(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CRISIS_SMTP_URL", raising=False)
    monkeypatch.delenv("CRISIS_SMTP_PASSWORD", raising=False)
    ok("init", ".")
    start_outage("--yes")


class Spy:
    """An authenticator that notes every login the server was offered."""

    def __init__(self) -> None:
        self.offered: list[tuple[str, Any]] = []

    def __call__(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        self.offered.append((mechanism, data))
        return AuthResult(success=True)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_a_login_is_never_sent_over_a_plain_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    ok("reply", "--customer", "Ada Park", "--email", "ada@example.com")
    spy, box = Spy(), Mailbox(port=free_port())
    # A server that would take AUTH PLAIN and LOGIN in clear, as the probe's did.
    controller = Controller(
        box, hostname="127.0.0.1", port=box.port, authenticator=spy, auth_require_tls=False
    )
    controller.start()
    try:
        monkeypatch.setenv(
            "CRISIS_SMTP_URL", f"smtp://help%40larkspur.example@127.0.0.1:{box.port}"
        )
        monkeypatch.setenv("CRISIS_SMTP_PASSWORD", PASSWORD)
        result = crisis("send", "--yes")
    finally:
        controller.stop()
    assert result.exit_code == 2
    assert "smtp+starttls://" in result.stderr and "smtps://" in result.stderr
    assert PASSWORD not in result.stderr + result.stdout
    assert spy.offered == [] and box.received == []
    assert events("send_started") == []


def test_starttls_that_the_server_does_not_offer_stops_before_any_login(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ok("reply", "--customer", "Ada Park", "--email", "ada@example.com")
    spy, box = Spy(), Mailbox(port=free_port())
    controller = Controller(
        box, hostname="127.0.0.1", port=box.port, authenticator=spy, auth_require_tls=False
    )
    controller.start()
    try:
        url = f"smtp+starttls://help%40larkspur.example@127.0.0.1:{box.port}"
        monkeypatch.setenv("CRISIS_SMTP_URL", url)
        monkeypatch.setenv("CRISIS_SMTP_PASSWORD", PASSWORD)
        result = crisis("send", "--yes")
    finally:
        controller.stop()
    assert result.exit_code == 1
    assert "STARTTLS" in result.stderr or "starttls" in result.stderr
    assert spy.offered == [] and box.received == []
    assert events("send_started") == []


# --- names in headers -------------------------------------------------------------------------


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


NAMES = {
    "long-1200": "A" * 1200,
    "long-100000": "Ada Park " * 11_111 + "X",
    "right-to-left": "\u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd "
    "\u0645\u0631\u062d\u0628\u0627 \u200f(Dana)",
    "combining": "Zoe\u0308 Ame\u0301lie\u0327 " + "a\u0300\u0301\u0302\u0303" * 20,
}


@pytest.mark.parametrize("name", NAMES.values(), ids=NAMES.keys())
def test_any_name_makes_a_message_the_server_accepts_with_short_lines(
    mailbox: Mailbox, name: str
) -> None:
    from crisisplan.mail.addresses import NAME_LIMIT
    from crisisplan.mail.headers import build_message

    settings = SmtpSettings("127.0.0.1", mailbox.port, "none")
    msg = build_message(
        sender=("Larkspur", "help@larkspur.example"),
        recipient=(name, "ada@example.com"),
        subject=f"Update for {name}",
        body="Hello\n",
        message_id="<t1@larkspur.example>",
        date=dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC),
    )
    with SmtpSession(settings) as session:
        attempt = session.send(msg, sender="help@larkspur.example", recipient="ada@example.com")
    assert attempt.status == "delivered", attempt
    (got,) = mailbox.received
    assert max(len(line) for line in got.data.split(b"\r\n")) < 998
    parsed = email.message_from_bytes(got.data, policy=email.policy.compat32)
    # Decoded as RFC 2047 says, adjacent encoded words joined without a space (the
    # standard library's newer parser puts one between them).
    to = str(make_header(decode_header(parsed["To"])))
    shown, _, addr = to.rpartition(" ")
    assert addr == "<ada@example.com>" and got.rcpt_tos == ["ada@example.com"]
    if len(name) <= NAME_LIMIT:
        assert shown == name
    else:  # a name no entry point accepts any more, from an older log: cut, still sendable
        assert name.startswith(shown.rstrip("…")) and len(shown) <= NAME_LIMIT


@pytest.mark.parametrize("size", [1200, 100_000])
def test_a_name_too_long_for_a_header_is_refused_where_it_is_entered(size: int) -> None:
    from crisisplan.mail.addresses import NAME_LIMIT

    name = "A" * size
    result = crisis("reply", "--customer", name, "--email", "ada@example.com")
    assert result.exit_code == 2
    assert f"{NAME_LIMIT} characters" in result.stderr and "Traceback" not in result.stderr
    assert events("reply") == []
    added = crisis("followup", "add", "--customer", name, "--email", "ada@example.com")
    assert added.exit_code == 2 and f"{NAME_LIMIT} characters" in added.stderr
    assert events("followup_added") == []
