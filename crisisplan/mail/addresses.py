"""Who a message can go to: the one rule for an email address, and for a name in a header.

Every command that takes an address (flags, CSV rows, follow-ups, contacts) checks it here,
and `crisis send` uses the same rule, so an address is refused when it is entered, never
found unusable at send time. The rule is what our SMTP session can deliver: a dot-atom
local part in ASCII (no server is asked for SMTPUTF8), a domain of letter-digit-hyphen
labels, international domains in their ASCII (IDNA) form, and RFC 5321's lengths.

Plain regular expressions, not the `email-validator` library: the check runs on every row
of a bulk CSV in the process that records it, and costs about 1 µs here against 25 µs.
"""

from __future__ import annotations

import re

NAME_LIMIT = 200  # characters: a whole name in any header, folded, far below 998 bytes a line
_LOCAL_LIMIT, _DOMAIN_LIMIT, _ADDRESS_LIMIT = 64, 253, 254  # RFC 5321 4.5.3.1, errata 1690

# RFC 5322 dot-atom: atext runs joined by single dots.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*")
_LABEL = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"
_DOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})*\.(?:[A-Za-z]{{2,63}}|xn--[A-Za-z0-9-]{{1,59}})")
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class BadAddress(ValueError):
    """An address no message can be sent to; says why in a few words."""


def check_address(text: str) -> str:
    """The address as entered, trimmed, if mail can go to it; else BadAddress."""
    address = text.strip()
    smtp_address(address)
    return address


def smtp_address(text: str) -> str:
    """The address for the envelope and headers: checked, its domain in ASCII."""
    address = text.strip()
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise _bad(address, "it needs a name, an @ and a domain: name@example.com")
    if not local.isascii():
        raise _bad(address, "non-ASCII characters before the @ are not accepted by all servers")
    if len(local) > _LOCAL_LIMIT:
        raise _bad(address, f"more than {_LOCAL_LIMIT} characters before the @")
    if not _LOCAL.fullmatch(local):
        raise _bad(address, f"{local!r} before the @ is not letters, digits and .+-_'")
    ascii_domain = _ascii_domain(address, domain)
    if len(ascii_domain) > _DOMAIN_LIMIT or len(local) + 1 + len(ascii_domain) > _ADDRESS_LIMIT:
        raise _bad(address, f"longer than the {_ADDRESS_LIMIT} characters an address can have")
    if not _DOMAIN.fullmatch(ascii_domain):
        raise _bad(address, f"{domain!r} is not a domain")
    return f"{local}@{ascii_domain}"


def _ascii_domain(address: str, domain: str) -> str:
    if domain.isascii():
        return domain
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise _bad(address, f"{domain!r} is not a domain") from None


def _bad(address: str, why: str) -> BadAddress:
    return BadAddress(f"{address!r} is not an email address mail can be sent to: {why}")


def check_name(text: str) -> str:
    """A person's name as entered, trimmed; empty or too long for a header is refused."""
    name = text.strip()
    if not name:
        raise ValueError("the customer's name is empty")
    if len(name) > NAME_LIMIT:
        raise ValueError(
            f"the customer's name has {len(name):,} characters; a name can have at most "
            f"{NAME_LIMIT} characters"
        )
    return name


def header_name(name: str) -> str:
    """A name for a header: on one line, and cut to NAME_LIMIT if an older log holds more."""
    one = " ".join(_CONTROLS.sub(" ", name).split())
    return one if len(one) <= NAME_LIMIT else one[: NAME_LIMIT - 1].rstrip() + "…"
