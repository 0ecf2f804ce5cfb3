"""`crisis send`: the ready drafts reach their customers by email, each exactly once.

A real SMTP server (aiosmtpd) runs on 127.0.0.1 and keeps what it receives; it can refuse
a recipient, drop the connection, or hold an answer, as a real server sometimes does.
"""

from __future__ import annotations

import json
import sqlite3
import ssl
import subprocess
import time
from collections import Counter
from contextlib import closing
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.helpers import DB, crisis, events, ok, start_outage
from tests.mailbox import Mailbox, free_port


@pytest.fixture(autouse=True)
def incident(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CRISIS_SMTP_URL", raising=False)
    monkeypatch.delenv("CRISIS_SMTP_PASSWORD", raising=False)
    ok("init", ".")
    start_outage("--yes")


def draft(name: str, email_: str, *extra: str) -> None:
    result = crisis("reply", "--customer", name, "--email", email_, *extra)
    assert result.exit_code in (0, 1), result.stderr  # 1: drafted, with language errors


def send(*args: str) -> tuple[int, dict[str, Any]]:
    result = crisis("send", "--json", *args)
    assert result.stderr == "", result.stderr
    return result.exit_code, json.loads(result.stdout)


def emails(document: dict[str, Any], group: str) -> list[str]:
    return sorted(item["email"] for item in document[group])


def contacted() -> dict[str, str | None]:
    with closing(sqlite3.connect(DB)) as conn:
        return dict(conn.execute("SELECT email, contacted_at FROM followups").fetchall())


def test_the_dry_run_shows_who_would_get_what_and_sends_nothing(mailbox: Mailbox) -> None:
    draft("Ada Park", "ada@example.com", "--tier", "enterprise", "--open-case")
    draft("Bo Chen", "bo@example.com")
    result = ok("send")
    lines = result.stdout.splitlines()
    assert lines[0] == f"Would send 2 message(s) on INC-1 via {mailbox.url}:"
    assert "Ada Park <ada@example.com>  from Larkspur <help@larkspur.example>" in lines[1]
    assert "Bo Chen <bo@example.com>" in lines[2]  # open case first, then the others
    assert "Nothing was sent; run with --yes to send." in result.stderr
    assert mailbox.received == []
    assert events("send_started") == events("sent") == []


def test_each_ready_draft_arrives_once_with_its_headers_and_exact_words(
    mailbox: Mailbox,
) -> None:
    draft("Zoë Ødegård", "zoe@example.com", "--note", "Her rota for Åre is gone")
    draft("Ada Park", "ada@example.com")
    before = time.time()
    code, report = send("--yes")
    assert code == 0, report
    assert emails(report, "sent") == ["ada@example.com", "zoe@example.com"]
    assert len(mailbox.received) == 2
    replies = {e["payload"]["customer"]["email"]: e for e in events("reply")}
    sent = {e["payload"]["to"]: e for e in events("sent")}
    assert sorted(replies) == ["ada@example.com", "zoe@example.com"]
    for address, reply in replies.items():
        (got,) = mailbox.to(address)
        msg = got.message
        assert msg["From"] == "Larkspur <help@larkspur.example>"
        assert msg["To"].addresses[0].display_name == reply["payload"]["customer"]["name"]
        assert msg["To"].addresses[0].addr_spec == address
        assert msg["Subject"] == "Logins failing [INC-1]"
        assert msg["Message-ID"] == sent[address]["payload"]["message_id"]
        assert msg["Message-ID"].startswith(f"<crisis-INC-1-E{reply['id']}-")
        assert msg["Message-ID"].endswith("@larkspur.example>")
        assert abs(parsedate_to_datetime(msg["Date"]).timestamp() - before) < 60
        assert msg["MIME-Version"] == "1.0"
        assert msg.get_content_type() == "text/plain"
        assert msg.get_content_charset() == "utf-8"
        body = msg.get_content().replace("\r\n", "\n")
        assert body == reply["payload"]["text"]
        assert all(len(line) <= 78 for line in got.data.split(b"\r\n"))
        assert got.data.isascii()  # quoted-printable: any relay passes it on unchanged
    assert "=?utf-8?" in mailbox.to("zoe@example.com")[0].data.decode()
    assert "Zoë Ødegård" in mailbox.to("zoe@example.com")[0].message["To"]
    assert "Åre" in mailbox.to("zoe@example.com")[0].message.get_content()
    # recorded: one start and one sent per draft, the follow-up contacted
    assert sorted(e["payload"]["draft"] for e in events("send_started")) == sorted(
        e["id"] for e in replies.values()
    )
    followed_up = contacted()
    assert followed_up and all(followed_up.values())
    # and a second run sends nothing again
    code, again = send("--yes")
    assert code == 0
    assert again["sent"] == [] and len(mailbox.received) == 2
    assert [i["reason"].split(" (")[0] for i in again["skipped"]] == ["already sent"] * 2


def test_text_output_streams_each_message_and_sums_up(mailbox: Mailbox) -> None:
    draft("Ada Park", "ada@example.com")
    result = crisis("send", "--yes")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("sent       E")
    assert "Ada Park <ada@example.com>" in result.stdout
    assert result.stderr == "INC-1: 1 sent.\n"


def test_drafts_not_ready_or_not_for_email_are_skipped_with_the_reason(
    mailbox: Mailbox,
) -> None:
    draft("Ada Park", "ada@example.com", "--note", "Only a handful of customers are hit")
    draft("Bo Chen", "bo@example.com", "--channel", "chat")
    draft("Cy Diaz", "cy@example.com")
    code, report = send("--yes")
    assert code == 0
    assert emails(report, "sent") == ["cy@example.com"]
    reasons = {i["email"]: i["reason"] for i in report["skipped"]}
    assert reasons["ada@example.com"].startswith("not ready (1 language error(s)")
    assert reasons["bo@example.com"] == "not email (drafted for chat, a chat channel)"
    assert [r.rcpt_tos for r in mailbox.received] == [["cy@example.com"]]
    text = crisis("send")
    assert "not ready" in text.stdout and "Ada Park" in text.stdout
    assert "1 not ready, 1 not email, 1 already sent." in text.stderr


def test_a_later_draft_replaces_an_unsent_one_and_a_resolved_notice_is_its_own(
    mailbox: Mailbox,
) -> None:
    draft("Ada Park", "ada@example.com")
    draft("Ada Park", "ada@example.com", "--again", "--note", "Her Monday rota")
    draft("Ada Park", "ada@example.com", "--template", "resolved")
    code, report = send("--yes")
    assert code == 0
    subjects = sorted(r.message["Subject"] for r in mailbox.received)
    assert subjects == ["Logins failing [INC-1]", "Resolved: Logins failing [INC-1]"]
    assert "Her Monday rota" in mailbox.received[0].message.get_content()
    (replaced,) = report["skipped"]
    assert replaced["reason"].startswith("replaced by a later draft (E")


def test_ready_apologies_are_sent_and_the_others_are_not(mailbox: Mailbox) -> None:
    from crisisplan.clock import now
    from crisisplan.phases.record import event, record
    from crisisplan.phases.session import open_log

    def apology(name: str, address: str, *, ready: bool) -> Any:
        customer = {"name": name, "email": address, "tier": None, "note": None}
        problems = [] if ready else ["no remedy"]
        text = f"Dear {name},\n\nWe are sorry.\n"
        return event(
            "apology", now(), "lead", "email", customer=customer, template="apology",
            purpose="apology", text=text, ready=ready, problems=problems,
        )  # fmt: skip

    with open_log(str(DB)) as store:
        record(store, "INC-1", [apology("Ada", "ada@example.com", ready=True)])
        record(store, "INC-1", [apology("Bo", "bo@example.com", ready=False)])
    code, report = send("--yes")
    assert code == 0
    (got,) = mailbox.received
    assert got.message["Subject"] == "Our apology: Logins failing [INC-1]"
    assert got.message.get_content().replace("\r\n", "\n") == "Dear Ada,\n\nWe are sorry.\n"
    (skipped,) = report["skipped"]
    assert skipped["reason"] == "not ready (no remedy)"


def test_a_hostile_name_cannot_add_headers_or_recipients(mailbox: Mailbox, tmp_path: Path) -> None:
    rows = 'name,email\n"Eve\r\nBcc: mallory@evil.example",eve@example.com\n'
    Path("c.csv").write_text(rows, encoding="utf-8")
    ok("reply", "--customers", "c.csv")
    code, _ = send("--yes")
    assert code == 0
    (got,) = mailbox.received
    assert got.rcpt_tos == ["eve@example.com"]
    assert got.message["Bcc"] is None
    assert got.message["To"].addresses[0].display_name == "Eve Bcc: mallory@evil.example"


def test_an_address_no_server_can_take_is_refused_when_drafted_and_an_idn_domain_goes(
    mailbox: Mailbox,
) -> None:
    refused = crisis("reply", "--customer", "Zoë", "--email", "zoë@example.com")
    assert refused.exit_code == 2 and "non-ASCII characters before the @" in refused.stderr
    draft("Åsa", "asa@exämple.com")
    code, report = send("--yes")
    assert code == 0 and report["failed"] == []
    assert [r.rcpt_tos for r in mailbox.received] == [["asa@xn--exmple-cua.com"]]


def test_refusals_and_dropped_connections_midway_then_runs_again(mailbox: Mailbox) -> None:
    people = ["ok1", "bad", "busy", "ok2", "drop", "lost", "ok3"]
    for who in people:
        draft(who.title(), f"{who}@example.com")
    mailbox.refuse["bad@example.com"] = "550 5.1.1 No such user"
    mailbox.refuse_once["busy@example.com"] = "451 4.2.1 Mailbox busy, try later"
    mailbox.drop_at_rcpt.add("drop@example.com")
    mailbox.drop_after_data.add("lost@example.com")

    code, first = send("--yes")
    assert code == 1
    assert emails(first, "sent") == ["ok1@example.com", "ok2@example.com", "ok3@example.com"]
    failed = {i["email"]: i["reason"] for i in first["failed"]}
    assert set(failed) == {"bad@example.com", "busy@example.com", "drop@example.com"}
    assert failed["bad@example.com"].startswith("550 5.1.1 No such user; not retried")
    assert failed["busy@example.com"].startswith("451 4.2.1 Mailbox busy")
    assert failed["busy@example.com"].endswith("retried next run")
    assert "connection lost" in failed["drop@example.com"]
    assert emails(first, "uncertain") == ["lost@example.com"]
    assert not mailbox.to("drop@example.com") and not mailbox.to("bad@example.com")
    assert len(mailbox.to("lost@example.com")) == 1  # it arrived; the client cannot know

    code, second = send("--yes")
    assert code == 1  # the 550 and the uncertain one are still open
    assert emails(second, "sent") == ["busy@example.com", "drop@example.com"]
    assert emails(second, "failed") == ["bad@example.com"]
    assert second["failed"][0]["earlier"] is True
    assert emails(second, "uncertain") == ["lost@example.com"]
    assert "--resend-uncertain" in second["uncertain"][0]["reason"]

    code, third = send("--yes", "--resend-uncertain")
    assert emails(third, "sent") == ["lost@example.com"]
    first_copy, second_copy = mailbox.to("lost@example.com")
    assert first_copy.message["Message-ID"] == second_copy.message["Message-ID"]

    del mailbox.refuse["bad@example.com"]  # the address was fixed at their end
    code, fourth = send("--yes", "--retry-failed")
    assert code == 0
    assert emails(fourth, "sent") == ["bad@example.com"]
    got = Counter(a for r in mailbox.received for a in r.rcpt_tos)
    assert got == {f"{w}@example.com": 2 if w == "lost" else 1 for w in people}
    code, last = send("--yes")
    assert code == 0 and last["sent"] == [] and len(last["skipped"]) == len(people)


def test_a_refused_sender_stops_the_run_and_the_next_run_sends_everything(
    mailbox: Mailbox,
) -> None:
    for n in range(3):
        draft(f"C{n}", f"c{n}@example.com")
    mailbox.refuse_sender = "550 5.7.1 Sender not allowed to relay"
    result = crisis("send", "--yes")
    assert result.exit_code == 1
    assert "failed     E" in result.stdout  # the first one: recorded, retried next run
    assert "Stopped: the server refused the sender: 550 5.7.1 Sender not allowed" in result.stderr
    assert "2 not attempted" in result.stderr
    (failed,) = events("send_failed")
    assert failed["payload"]["permanent"] is False  # not the recipient's fault
    mailbox.refuse_sender = None
    code, report = send("--yes")
    assert code == 0 and len(report["sent"]) == 3 and len(mailbox.received) == 3


def test_a_connection_that_keeps_breaking_stops_the_run(mailbox: Mailbox) -> None:
    for n in range(5):
        draft(f"C{n}", f"c{n}@example.com")
    mailbox.drop_at_rcpt |= {f"c{n}@example.com" for n in range(3)}
    code, report = send("--yes")
    assert code == 1
    assert report["stopped"].startswith("the connection to the mail server keeps breaking")
    assert len(report["failed"]) == 3 and len(report["not_attempted"]) == 2
    assert mailbox.received == []
    code, report = send("--yes")  # the three dropped once each; all five go now
    assert code == 0 and len(report["sent"]) == 5
    assert sorted(a for r in mailbox.received for a in r.rcpt_tos) == sorted(
        f"c{n}@example.com" for n in range(5)
    )


def test_incident_and_as_name_what_is_sent_and_who_sent_it(mailbox: Mailbox) -> None:
    draft("Ada Park", "ada@example.com")
    code, report = send("--yes", "--incident", "1", "--as", "support-lead")
    assert code == 0 and report["incident"] == "INC-1"
    assert {e["who"] for e in events("send_started") + events("sent")} == {"support-lead"}
    missing = crisis("send", "--incident", "INC-9")
    assert missing.exit_code == 2 and "there is no incident INC-9" in missing.stderr


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("address: help@larkspur.example", "address: help at larkspur", "not usable"),
        ("    address: help@larkspur.example\n", "", "no email channel with purpose"),
    ],
)
def test_the_from_address_comes_from_the_playbook(
    mailbox: Mailbox, old: str, new: str, says: str
) -> None:
    draft("Ada Park", "ada@example.com")
    (plan,) = Path("playbooks").glob("*.yaml")
    plan.write_text(plan.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    result = crisis("send", "--yes")
    assert result.exit_code == 2, result.stderr
    assert says in result.stderr and "address" in result.stderr
    assert events("send_started") == [] and mailbox.received == []


def test_an_unreachable_server_is_an_error_and_records_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    draft("Ada Park", "ada@example.com")
    monkeypatch.setenv("CRISIS_SMTP_URL", f"smtp://127.0.0.1:{free_port()}")
    result = crisis("send", "--yes")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: could not reach the mail server smtp://127.0.0.1:")
    assert "Traceback" not in result.stderr
    assert events("send_started") == []


@pytest.mark.parametrize(
    ("url", "password", "says"),
    [
        (None, None, "CRISIS_SMTP_URL is not set"),
        ("smtp://u:secret@mail.example", None, "holds a password"),
        ("smtp+starttls://u@mail.example", None, "CRISIS_SMTP_PASSWORD is not set"),
        ("smtp://mail.example", "pw", "names no user"),
        ("smtp://u@mail.example", "pw", "unencrypted"),
        ("http://mail.example", None, "must start with smtp://"),
        ("smtp://mail.example:99999", None, "not a valid URL"),
        ("smtp://mail.example?starttls=1", None, "only a user, host and port"),
    ],
    ids=[
        "unset",
        "password-in-url",
        "no-password",
        "no-user",
        "plain-login",
        "scheme",
        "port",
        "options",
    ],
)
def test_bad_smtp_settings_say_what_to_set(
    monkeypatch: pytest.MonkeyPatch, url: str | None, password: str | None, says: str
) -> None:
    draft("Ada Park", "ada@example.com")
    if url:
        monkeypatch.setenv("CRISIS_SMTP_URL", url)
    if password:
        monkeypatch.setenv("CRISIS_SMTP_PASSWORD", password)
    result = crisis("send", "--yes")
    assert result.exit_code == 2
    assert says in result.stderr and "Traceback" not in result.stderr
    assert "secret" not in result.stderr
    assert events("send_started") == []


def test_per_minute_paces_the_messages(mailbox: Mailbox) -> None:
    for n in range(3):
        draft(f"C{n}", f"c{n}@example.com")
    code, _ = send("--yes", "--per-minute", "200")
    assert code == 0
    arrivals = [r.at for r in mailbox.received]
    assert arrivals[2] - arrivals[0] >= 0.45  # two gaps of 0.3 s, less the first's delivery


# TLS, with a certificate made for the test and trusted through SSL_CERT_FILE.


@pytest.fixture
def certificate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ssl.SSLContext:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def authenticator(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
) -> AuthResult:
    good = isinstance(data, LoginPassword) and data == (b"help@larkspur.example", b"s3cret")
    return AuthResult(success=good, handled=False)  # False: the server answers 535


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
@pytest.mark.parametrize("scheme", ["smtp+starttls", "smtps"])
def test_tls_with_a_login(
    certificate: ssl.SSLContext, monkeypatch: pytest.MonkeyPatch, scheme: str
) -> None:
    draft("Ada Park", "ada@example.com")
    box = Mailbox(port=free_port())
    tls: dict[str, Any] = (
        {"tls_context": certificate, "require_starttls": True}
        if scheme == "smtp+starttls"
        # aiosmtpd cannot tell a TLS socket from a plain one; it is TLS here all the same.
        else {"ssl_context": certificate, "auth_require_tls": False}
    )
    controller = Controller(
        box, hostname="127.0.0.1", port=box.port, authenticator=authenticator,
        auth_required=True, **tls,
    )  # fmt: skip
    controller.start()
    try:
        monkeypatch.setenv(
            "CRISIS_SMTP_URL", f"{scheme}://help%40larkspur.example@127.0.0.1:{box.port}"
        )
        monkeypatch.setenv("CRISIS_SMTP_PASSWORD", "wrong")
        refused = crisis("send", "--yes")
        assert refused.exit_code == 2, refused.stderr
        assert "refused the login" in refused.stderr and "CRISIS_SMTP_PASSWORD" in refused.stderr
        assert events("send_started") == []
        monkeypatch.setenv("CRISIS_SMTP_PASSWORD", "s3cret")
        code, report = send("--yes")
        assert code == 0, report
        assert report["smtp"] == f"{scheme}://help@larkspur.example@127.0.0.1:{box.port}"
        assert [r.rcpt_tos for r in box.received] == [["ada@example.com"]]
    finally:
        controller.stop()
