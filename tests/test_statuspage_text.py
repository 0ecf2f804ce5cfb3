"""The status page's quick paths write the very bytes of the plain ones, whatever the text:
status.json by orjson as json writes it, and an article whose updates are cleaned only
when it holds a character XML cannot (see views/statuspage_text.py)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as hs

from crisisplan.phases.statuspage import PublicIncident, PublicUpdate
from crisisplan.store.base import encode_time
from crisisplan.views import statuspage
from crisisplan.views.statuspage_text import ascii_json, text_node

# Lone surrogates, controls, DEL, U+FFFE, characters past U+FFFF: all of them.
_TEXT = hs.text(hs.characters(codec=None), max_size=40)
_LEAF = hs.none() | hs.booleans() | hs.integers(-(2**70), 2**70) | _TEXT
_VALUES = hs.recursive(
    _LEAF, lambda inner: hs.lists(inner, max_size=4) | hs.dictionaries(_TEXT, inner, max_size=4)
)
_START = dt.datetime(2026, 11, 23, 14, 2, 5, 120000, tzinfo=dt.UTC)


@given(document=hs.dictionaries(_TEXT, _VALUES, max_size=6))
def test_status_json_is_byte_for_byte_what_json_writes(document: dict[str, Any]) -> None:
    expected = json.dumps(document, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    assert ascii_json(document) == expected.encode("ascii")


@given(texts=hs.lists(_TEXT, min_size=1, max_size=5), title=_TEXT)
def test_an_article_is_what_cleaning_every_text_makes(texts: list[str], title: str) -> None:
    times = [_START + dt.timedelta(minutes=len(texts) - n) for n in range(len(texts))]
    updates = [
        PublicUpdate(f"urn:uuid:x-{n}", n, at, text, n == 0, encode_time(at))
        for n, (at, text) in enumerate(zip(times, texts, strict=True))
    ]
    incident = PublicIncident(
        "INC-1", title, True, "major", "Major", "", 1, _START, updates[0].at, None, None, updates
    )
    plain = statuspage._incident(incident, {}, text_node).encode("utf-8")
    assert statuspage._article(incident, {}) == plain
