"""Email out: SMTP settings from the environment, one message per draft, one SMTP session.

Settings come from `$CRISIS_SMTP_URL` and the password from `$CRISIS_SMTP_PASSWORD`,
never from a file in git:

- `smtp://[user@]host[:port]`: plain SMTP (port 25), for a relay on this machine or network;
- `smtp+starttls://[user@]host[:port]`: upgraded to TLS with STARTTLS (port 587);
- `smtps://[user@]host[:port]`: TLS from the first byte (port 465).

A user that is an email address is written with `%40` for its `@`. The session tells apart
what the server refused, what it never got (the connection broke before the message was
whole) and what it may have got (the connection broke while waiting for its answer).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from crisisplan.errors import EXIT_PROBLEM, CrisisError, UsageError
from crisisplan.mail.headers import one_line

if TYPE_CHECKING:
    import smtplib
    from email.message import EmailMessage

URL_VAR = "CRISIS_SMTP_URL"
PASSWORD_VAR = "CRISIS_SMTP_PASSWORD"
TIMEOUT_SECONDS = 30.0

Security = Literal["none", "starttls", "tls"]
_SCHEMES: dict[str, tuple[Security, int]] = {
    "smtp": ("none", 25),
    "smtp+starttls": ("starttls", 587),
    "smtps": ("tls", 465),
}
_URL_HINT = (
    "Set CRISIS_SMTP_URL to smtp+starttls://USER@HOST:587, smtps://USER@HOST:465 or "
    "smtp://HOST:25, and the password in CRISIS_SMTP_PASSWORD."
)


class MailError(CrisisError):
    """The mail server cannot be reached or used; what was not sent is still to send."""

    exit_code = EXIT_PROBLEM


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send; `shown` never includes the password."""

    host: str
    port: int
    security: Security
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = TIMEOUT_SECONDS

    @property
    def shown(self) -> str:
        scheme = next(s for s, (sec, _) in _SCHEMES.items() if sec == self.security)
        user = f"{self.user}@" if self.user else ""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{user}{host}:{self.port}"


def settings_from_env(environ: Mapping[str, str] | None = None) -> SmtpSettings | None:
    """The settings in $CRISIS_SMTP_URL and $CRISIS_SMTP_PASSWORD; None when no URL is set."""
    env = os.environ if environ is None else environ
    url = env.get(URL_VAR, "").strip()
    if not url:
        return None
    return parse_url(url, password=env.get(PASSWORD_VAR) or None)


def parse_url(url: str, *, password: str | None) -> SmtpSettings:
    """`smtp[s|+starttls]://[user@]host[:port]` and a password -> settings, or a UsageError."""
    from urllib.parse import unquote, urlsplit

    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UsageError(f"{URL_VAR} is not a valid URL ({exc}).", hint=_URL_HINT) from None
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        raise UsageError(
            f"{URL_VAR} must start with smtp://, smtp+starttls:// or smtps://, "
            f"not {scheme or url!r}.",
            hint=_URL_HINT,
        )
    if not parts.hostname:
        raise UsageError(f"{URL_VAR} names no mail server host.", hint=_URL_HINT)
    if parts.password is not None:
        raise UsageError(
            f"{URL_VAR} holds a password; it is kept out of URLs, which get shown and logged.",
            hint=f"Remove it from the URL and set {PASSWORD_VAR} instead.",
        )
    if (parts.path not in ("", "/")) or parts.query or parts.fragment:
        raise UsageError(
            f"{URL_VAR} has a path or options ({url!r}); only a user, host and port are read.",
            hint=_URL_HINT,
        )
    security, default_port = _SCHEMES[scheme]
    user = unquote(parts.username) if parts.username else None
    host = parts.hostname
    if user and not password:
        raise UsageError(
            f"{URL_VAR} names the user {user!r} but {PASSWORD_VAR} is not set.",
            hint=f"Set {PASSWORD_VAR}, or leave the user out for a server without login.",
        )
    if password and not user:
        raise UsageError(
            f"{PASSWORD_VAR} is set but {URL_VAR} names no user to log in as.",
            hint="Write the user before the host: smtp+starttls://USER@HOST:587.",
        )
    if user and security == "none":
        # Even to this machine: a login in clear is read by anything that can listen.
        raise UsageError(
            f"{URL_VAR} would send the password for {user!r} unencrypted to {host}; "
            "smtp:// is for a server without login.",
            hint="Use smtp+starttls:// or smtps:// for a server that needs a login.",
        )
    return SmtpSettings(host, port or default_port, security, user, password)


Status = Literal["delivered", "refused", "not_sent", "unknown"]
Stage = Literal["connect", "mail", "rcpt", "data"]


@dataclass(frozen=True)
class Attempt:
    """What became of one message: delivered, refused (with the server's code), not sent
    (the server never had it whole) or unknown (it may have been accepted)."""

    status: Status
    stage: Stage | None = None
    code: int | None = None
    error: str | None = None

    @property
    def permanent(self) -> bool:
        """A 5xx answer: trying again will not help."""
        return self.code is not None and 500 <= self.code < 600


class SmtpSession:
    """One connection, opened on demand and reused; reopened after a drop."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpSession:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def open(self) -> None:
        """Connect, secure and log in; a MailError says why not."""
        import smtplib
        import ssl

        if self._smtp is not None:
            return
        s = self.settings
        where = s.shown
        try:
            context = ssl.create_default_context()
            smtp: smtplib.SMTP
            if s.security == "tls":
                smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            try:
                smtp.ehlo()
                if s.security == "starttls":
                    # smtplib returns a refusal instead of raising it: never go on in clear.
                    code, reply = smtp.starttls(context=context)
                    if code != 220:
                        raise smtplib.SMTPNotSupportedError(
                            f"STARTTLS refused: {_reply(code, reply)}"
                        )
                    smtp.ehlo()
                if s.user and s.password:
                    _login(smtp, s)
            except BaseException:
                _quietly_close(smtp)
                raise
        except smtplib.SMTPAuthenticationError as exc:
            raise MailError(
                f"the mail server {where} refused the login: "
                f"{_reply(exc.smtp_code, exc.smtp_error)}.",
                hint=f"Check the user in {URL_VAR} and the password in {PASSWORD_VAR}.",
                exit_code=2,
            ) from None
        except smtplib.SMTPNotSupportedError as exc:
            raise MailError(
                f"the mail server {where} does not offer what is needed: {_describe(exc)}.",
                hint="Use smtps:// or smtp:// if it has no STARTTLS; leave out the user if it "
                "has no login.",
            ) from None
        except ssl.SSLError as exc:
            raise MailError(
                f"no secure connection to {where}: {exc.reason or exc}.",
                hint="Check the host name matches its certificate, and the scheme and port "
                "(smtps:// is usually 465, smtp+starttls:// 587).",
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise MailError(
                f"could not reach the mail server {where}: {_describe(exc)}.",
                hint=f"Check {URL_VAR} and that the server is up, then run again; "
                "what was not sent will be.",
            ) from None
        self._smtp = smtp

    def send(self, msg: EmailMessage, *, sender: str, recipient: str) -> Attempt:
        """Send one message to one recipient, by the steps, so a failure says how far it got."""
        import smtplib

        try:
            self.open()
        except MailError as exc:
            return Attempt("not_sent", "connect", error=exc.message)
        smtp = self._smtp
        assert smtp is not None
        stage: Stage = "mail"
        try:
            code, text = smtp.mail(sender)
            if code != 250:
                return self._refused(stage, code, text)
            stage = "rcpt"
            code, text = smtp.rcpt(recipient)
            if code not in (250, 251):
                return self._refused(stage, code, text)
            stage = "data"
            smtp.putcmd("data")
            code, text = smtp.getreply()
            if code != 354:
                return self._refused(stage, code, text)
            smtp.send(_dot_stuffed(msg))  # cut short, it lacks the final dot: never delivered
        except (smtplib.SMTPException, OSError) as exc:
            self.drop()
            return Attempt("not_sent", stage, error=f"connection lost: {_describe(exc)}")
        try:
            code, text = smtp.getreply()
        except (smtplib.SMTPException, OSError) as exc:
            # The whole message went out; whether the server kept it, nobody can tell now.
            self.drop()
            return Attempt("unknown", "data", error=f"connection lost: {_describe(exc)}")
        if code != 250:
            return self._refused("data", code, text)
        return Attempt("delivered", code=code)

    def _refused(self, stage: Stage, code: int, text: bytes) -> Attempt:
        import smtplib

        if code == 421 or code == -1:  # the server is closing the connection
            self.drop()
        else:
            try:
                assert self._smtp is not None
                self._smtp.rset()
            except (smtplib.SMTPException, OSError):
                self.drop()
        return Attempt("refused", stage, code, _reply(code, text))

    def drop(self) -> None:
        """Forget a broken connection; the next send opens a new one."""
        if self._smtp is not None:
            _quietly_close(self._smtp)
            self._smtp = None

    def close(self) -> None:
        """Say goodbye to the server, if it is still listening."""
        import smtplib

        if self._smtp is None:
            return
        with contextlib.suppress(smtplib.SMTPException, OSError):
            self._smtp.quit()
        self.drop()


def _login(smtp: smtplib.SMTP, settings: SmtpSettings) -> None:
    """Log in only over a connection that is encrypted by now; never in clear."""
    import smtplib
    import ssl

    if not isinstance(smtp.sock, ssl.SSLSocket):
        raise smtplib.SMTPNotSupportedError(
            "a login needs an encrypted connection (smtp+starttls:// or smtps://)"
        )
    smtp.login(settings.user or "", settings.password or "")


def _dot_stuffed(msg: EmailMessage) -> bytes:
    """The message as SMTP DATA: CRLF lines, leading dots doubled, the final dot."""
    from email.generator import BytesGenerator
    from io import BytesIO

    buffer = BytesIO()
    BytesGenerator(buffer, policy=msg.policy.clone(linesep="\r\n")).flatten(msg)
    data = re.sub(rb"(?m)^\.", b"..", buffer.getvalue())
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


def _quietly_close(smtp: smtplib.SMTP) -> None:
    with contextlib.suppress(OSError):
        smtp.close()


def _reply(code: int, text: bytes | str) -> str:
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {one_line(message)}".strip()


def _describe(exc: BaseException) -> str:
    return one_line(str(exc)).rstrip(".") or type(exc).__name__
