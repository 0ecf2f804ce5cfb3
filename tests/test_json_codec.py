"""The log's payloads read back as they were written, whichever JSON library a command
ends up using: the stdlib for a few payloads, orjson in bulk."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

from crisisplan.store import json_codec

_TEXT = hs.text(hs.characters(codec=None), max_size=40)  # lone surrogates included
_LEAF = hs.none() | hs.booleans() | hs.integers(-(2**80), 2**80) | _TEXT
_VALUES = hs.recursive(
    _LEAF, lambda inner: hs.lists(inner, max_size=4) | hs.dictionaries(_TEXT, inner, max_size=4)
)
_PAYLOADS = hs.dictionaries(_TEXT, _VALUES, max_size=6)


@pytest.fixture(params=["json", "orjson"])
def codec(request: pytest.FixtureRequest) -> Iterator[str]:
    """Each test runs as a quick command does (json) and as a bulk run does (orjson)."""
    before = json_codec._BULK
    json_codec._BULK = json_codec._Bulk()
    # The count decides: past USE_AFTER calls orjson takes over; far below it never does.
    json_codec._BULK.calls = json_codec._Bulk.USE_AFTER if request.param == "orjson" else -(10**9)
    yield request.param
    json_codec._BULK = before


@settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture]
)  # reset per test, not per example: the codec keeps no state that matters between them
@given(payload=_PAYLOADS)
def test_every_payload_reads_back_as_it_was_written(codec: str, payload: dict[str, Any]) -> None:
    text = json_codec.encode_json(payload)
    text.encode("utf-8")  # storable as UTF-8 text, lone surrogates escaped
    assert json_codec.decode_json(text) == payload
    assert json.loads(text) == payload  # plain JSON, for any tool that reads the log


def test_bulk_switches_to_orjson_and_reads_what_json_wrote(codec: str) -> None:
    written = json.dumps({"text": "caf\u00e9 \ud800", "n": 2**70, "kept": [1, "two"]})
    assert json_codec.decode_json(written) == json.loads(written)
    assert (json_codec._BULK.decoder() is not None) == (codec == "orjson")


def test_values_json_cannot_hold_are_refused_either_way(codec: str) -> None:
    for bad in ({"at": dt.datetime.now(dt.UTC)}, {"x": {1, 2}}, {"x": object()}):
        with pytest.raises(TypeError):
            json_codec.encode_json(bad)


@given(payload=_PAYLOADS)
def test_both_libraries_write_the_very_same_text(payload: dict[str, Any]) -> None:
    # A log's checksum (`crisis db copy`) sums up the encoded payloads: which library a
    # command happened to use must not change a byte.
    slow, fast = json_codec._Bulk(), json_codec._Bulk()
    slow.calls, fast.calls = -(10**9), json_codec._Bulk.USE_AFTER
    before = json_codec._BULK
    try:
        json_codec._BULK = slow
        by_json = json_codec.encode_json(payload)
        json_codec._BULK = fast
        by_orjson = json_codec.encode_json(payload)
    finally:
        json_codec._BULK = before
    assert by_orjson == by_json
