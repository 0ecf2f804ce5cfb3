"""Customer text made harmless where it is kept for people: files, one-line listings, drafts.

The terminal already shows control and bidi characters as escapes (terminal/console.py);
files a person opens with `cat` or an editor get the same treatment here, so an ESC,
an OSC-52 or a BEL from a customer's name never runs, and a right-to-left override never
disguises a line. Words that go to the customer keep their real name, only without
control characters.
"""

from __future__ import annotations

import re

# C0 and C1 controls but tab and newline, DEL, bidi and zero-width formatting characters,
# and lone surrogates: shown as escapes in what people read (as on the terminal).
_UNSAFE = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]"
)
# The same, and the line breaks, for a field that is one line (a name, an address).
_UNSAFE_IN_LINE = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]"
)
_ASCII_CONTROLS = bytes([*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F])  # all but \t, \n
_BREAKS = re.compile(r"[\t\n\v\f\r\x1c-\x1e\x85\u2028\u2029]+")
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _escape(match: re.Match[str]) -> str:
    return match.group().encode("unicode_escape").decode("ascii")


def for_people(text: str) -> str:
    """Text for a file a person reads: lines kept, other controls and bidi made visible."""
    if text.isascii():
        # Every bulk draft passes here: deleting bytes is five times quicker than a search.
        data = text.encode("ascii")
        if len(data.translate(None, _ASCII_CONTROLS)) == len(data):
            return text
    elif _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(_escape, text)


def one_line(text: str) -> str:
    """A single-line field as a person should see it: a newline inside shows as `\\n`."""
    return text if _UNSAFE_IN_LINE.search(text) is None else _UNSAFE_IN_LINE.sub(_escape, text)


def for_customer(text: str) -> str:
    """A one-line value for words that go to the customer: line breaks become a space,
    other control characters go; letters of every script, and their marks, stay."""
    if text.isprintable():
        return text
    return _CONTROLS.sub("", _BREAKS.sub(" ", text))
