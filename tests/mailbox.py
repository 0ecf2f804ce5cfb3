"""A real SMTP server on 127.0.0.1 for the send tests: it keeps what it receives, and can be
told to refuse, drop or hold a message the way real servers do."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


@dataclass
class Received:
    rcpt_tos: list[str]
    data: bytes
    at: float

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Mailbox:
    """What an SMTP server on 127.0.0.1 received; and how it should misbehave."""

    port: int = 0
    received: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)  # address -> reply to its RCPT
    refuse_once: dict[str, str] = field(default_factory=dict)
    drop_at_rcpt: set[str] = field(default_factory=set)  # hang up on RCPT, once
    drop_after_data: set[str] = field(default_factory=set)  # keep it, hang up before "250"
    refuse_sender: str | None = None  # the reply to MAIL FROM, e.g. "550 not allowed"
    hold_after: int | None = None  # hold the answer to the message after this many
    holding: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.rcpt_tos]

    def count(self) -> int:
        with self.lock:
            return len(self.received)

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.refuse_sender:
            return self.refuse_sender
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.drop_at_rcpt:
            self.drop_at_rcpt.discard(address)
            server.transport.close()
            return "421 closing"
        if address in self.refuse_once:
            return self.refuse_once.pop(address)
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        with self.lock:
            self.received.append(Received(list(envelope.rcpt_tos), envelope.content, time.time()))
            hold = self.hold_after is not None and len(self.received) > self.hold_after
        dropped = set(envelope.rcpt_tos) & self.drop_after_data
        if dropped:
            self.drop_after_data -= dropped
            server.transport.close()
            return "421 closing"
        if hold:
            self.holding.set()
            while True:  # until the client is killed; the answer never comes
                await asyncio.sleep(0.05)
                if server.transport is None or server.transport.is_closing():
                    return "421 gone"
        return "250 2.0.0 Accepted"


def free_port() -> int:
    """A port nobody listens on now: aiosmtpd's Controller cannot take port 0."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def mailbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailbox]:
    """A server on a free port, and CRISIS_SMTP_URL pointing at it (no login)."""
    box = Mailbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    monkeypatch.setenv("CRISIS_SMTP_URL", box.url)
    monkeypatch.delenv("CRISIS_SMTP_PASSWORD", raising=False)
    yield box
    controller.stop()
