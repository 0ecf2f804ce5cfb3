"""How the log's payloads and states are written as JSON and read back: the stdlib's json
for a command's few, orjson for the thousands of a bulk run or a status page build, the
same text and the same values either way."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any


def encode_json(value: Mapping[str, Any]) -> str:
    """A mapping -> JSON text, readable unicode; key order is kept (it is data).

    Anything but JSON's own types is refused. No payload holds a float; were one NaN or
    infinite, which JSON cannot hold, json refuses it and orjson writes null (see `_Bulk`).
    """
    fast = _BULK.encoder()
    if fast is not None:
        try:
            return fast(value)
        except TypeError:
            pass  # a lone surrogate or a key that is not text: as json does it, below
    text = _READABLE.encode(value)
    if text.isascii():  # the usual case, and a quicker test than encoding it
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # Lone surrogates (undecodable bytes from argv or a file) cannot be stored as
        # UTF-8 text; \u escapes can, and they decode back to the very same string.
        text = _ESCAPED.encode(value)
    return text


# Made once: bulk drafting encodes a payload per customer. Compact, as orjson writes: the
# same payload is the same text whichever library wrote it (`db copy` sums the texts up).
_READABLE = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))
_ESCAPED = json.JSONEncoder(ensure_ascii=True, allow_nan=False, separators=(",", ":"))


def decode_json(text: str) -> dict[str, Any]:
    """JSON text -> dict."""
    fast = _BULK.decoder()
    value = json.loads(text) if fast is None else fast(text)
    if not isinstance(value, dict):
        raise ValueError(f"expected a JSON object, got {type(value).__name__}")
    return value


def decode_all(texts: Sequence[str]) -> list[Any]:
    """Many JSON texts -> their values, each as decode_json reads it but not checked to be
    an object: orjson at once when they are many, in one pass rather than a call each."""
    fast = _BULK.bulk_decoder(len(texts))
    return [json.loads(text) for text in texts] if fast is None else fast(texts)


class _Bulk:
    """orjson for the many payloads of a bulk run or a status page build, where it encodes
    a draft's payload about fifteen times and decodes three times quicker than `json`.

    A command that reads or writes a few payloads never imports it: with the modules it
    loads, that would cost `status` more than it saves. It takes over from the stdlib
    after the first USE_AFTER calls, and gives the same values: where it refuses what
    `json` accepts (a lone surrogate, NaN in the input, a key that is not text), or would
    read it otherwise (an integer past 64 bits), the call falls back to `json`. Both write
    the very same text (a NaN apart, which orjson writes as null).
    """

    USE_AFTER = 64

    def __init__(self) -> None:
        self.calls = 0
        self._encode: Callable[[Mapping[str, Any]], str] | None = None
        self._decode: Callable[[str], Any] | None = None
        self._decode_all: Callable[[Sequence[str]], list[Any]] | None = None

    def _ready(self, calls: int = 1) -> bool:
        if self._encode is not None:
            return True
        self.calls += calls
        if self.calls < self.USE_AFTER:
            return False
        try:
            import orjson
        except ImportError:  # pragma: no cover - a core dependency; json still works
            self.calls = -(10**18)
            return False
        dumps, loads, error = orjson.dumps, orjson.loads, orjson.JSONDecodeError
        # Refused, not converted: datetimes, dataclasses and the like raise as in json.
        passthrough = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS

        def encode(value: Mapping[str, Any]) -> str:
            return dumps(value, option=passthrough).decode("utf-8")

        def decode(text: str) -> Any:
            try:
                value = loads(text)
            except error:
                return json.loads(text)  # the same value, or json's own error
            # orjson reads an integer past 64 bits as a float; payloads hold no floats. What
            # orjson writes back as the very text it read held no such integer (a float is
            # never written as an integer's digits): for the log's own compact JSON that
            # settles it at C speed, five times quicker than walking the value.
            try:
                if dumps(value) == text.encode("utf-8"):
                    return value
            except orjson.JSONEncodeError:  # nested too deep for orjson to write
                pass
            return json.loads(text) if _has_float(value) else value

        def decode_all(texts: Sequence[str]) -> list[Any]:
            try:
                values = list(map(loads, texts))
            except error:
                return [decode(text) for text in texts]
            try:  # decode's check, for all at once
                if all(map(bytes.__eq__, map(dumps, values), map(str.encode, texts))):
                    return values
            except orjson.JSONEncodeError:
                pass
            return [decode(text) for text in texts]

        self._encode, self._decode, self._decode_all = encode, decode, decode_all
        return True

    def encoder(self) -> Callable[[Mapping[str, Any]], str] | None:
        return self._encode if self._ready() else None

    def decoder(self) -> Callable[[str], Any] | None:
        return self._decode if self._ready() else None

    def bulk_decoder(self, calls: int) -> Callable[[Sequence[str]], list[Any]] | None:
        return self._decode_all if self._ready(calls) else None


_BULK = _Bulk()


def _has_float(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_has_float(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_float(v) for v in value)
    return isinstance(value, float)
