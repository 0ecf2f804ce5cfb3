"""One message as every mail server accepts it: headers through the standard library's
`email.headerregistry` under the SMTP policy, so names are encoded and folded, and no
line reaches 998 bytes.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from crisisplan.mail.addresses import header_name, smtp_address

if TYPE_CHECKING:
    import datetime as dt
    from email.message import EmailMessage

_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def one_line(text: str) -> str:
    """Header text: control characters and line breaks become single spaces."""
    return _CONTROLS.sub(" ", text).strip()


def build_message(
    *,
    sender: tuple[str, str],
    recipient: tuple[str, str],
    subject: str,
    body: str,
    message_id: str,
    date: dt.datetime,
) -> EmailMessage:
    """A plain-text UTF-8 message; names are (display name, address) pairs."""
    import email.policy
    import email.utils
    from email.headerregistry import Address
    from email.message import EmailMessage

    msg = EmailMessage(policy=email.policy.SMTP)
    for header, (name, addr) in (("From", sender), ("To", recipient)):
        msg[header] = Address(display_name=header_name(name), addr_spec=smtp_address(addr))
    msg["Subject"] = one_line(subject)
    msg["Date"] = email.utils.format_datetime(date)
    msg["Message-ID"] = message_id
    # Quoted-printable keeps every line short and 7-bit: any server relays it unchanged.
    msg.set_content(body, charset="utf-8", cte="quoted-printable")
    return msg
