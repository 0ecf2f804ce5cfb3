"""Pydantic validation errors in a support lead's words, each at its place in the YAML.

`explain` turns one pydantic error into (file:line:column, one plain sentence): which key
or value is wrong, what it must be, what was written, and a "did you mean" when a valid
choice is close.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from crisisplan.errors import Location
from crisisplan.playbook.model import Loc
from crisisplan.playbook.safe_yaml import YamlDoc

_MAPPING, _DATE = "must be a mapping of `key: value` lines", "must be a date like 2026-11-01"
_PLAIN = {
    "string_type": "must be text",
    "list_type": "must be a list (`- item` lines or [a, b])",
    **dict.fromkeys(("dict_type", "model_type", "model_attributes_type"), _MAPPING),
    **dict.fromkeys(("bool_type", "bool_parsing"), "must be true or false"),
    **dict.fromkeys(("date_type", "date_parsing", "date_from_datetime_parsing"), _DATE),
    "date_from_datetime_inexact": f"{_DATE}, without a time",
}
_BOUNDS = {
    "greater_than": ("gt", "more than"),
    "greater_than_equal": ("ge", "at least"),
    "less_than": ("lt", "less than"),
    "less_than_equal": ("le", "at most"),
}


def explain(model: type[BaseModel], detail: ErrorDetails, doc: YamlDoc) -> tuple[Location, str]:
    """Where one pydantic error stands in the YAML, and what is wrong there in plain words."""
    loc, kind, value = tuple(detail["loc"]), detail["type"], detail.get("input")
    ctx: dict[str, Any] = dict(detail.get("ctx") or {})
    if loc and loc[-1] == "[key]":
        loc = loc[:-1]
        clause = _clause(kind, ctx, loc) or _lower_first(detail["msg"])
        message = f"key {shown(loc[-1])} in {_where(loc[:-1])} {clause}"
        return doc.locate(loc, key=True), message + _did_you_mean(kind, ctx, value)
    parent, where = loc[:-1], _where(loc[:-1])
    if kind == "missing":
        return doc.locate(loc), f"missing required field `{loc[-1]}`" + (
            f" in {where}" if where else ""
        )
    if kind == "extra_forbidden":
        near = difflib.get_close_matches(str(loc[-1]), _fields_at(model, parent), n=1)
        message = f"unknown key `{loc[-1]}`" + (f" in {where}" if where else "")
        return doc.locate(loc, key=True), message + (f"; did you mean '{near[0]}'?" if near else "")
    clause = _clause(kind, ctx, loc) or _lower_first(
        re.sub(r"^Input should be", "must be", detail["msg"])
    )
    got = (
        ""
        if kind in ("missing", "string_too_short", "too_short", "promise_kind", "promise_days")
        else f", got {shown(value)}"
    )
    if value is None and kind.endswith("_type"):
        clause, got = "has no value", ""
    return doc.locate(loc), f"{_subject(loc)} {clause}{got}{_did_you_mean(kind, ctx, value)}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _did_you_mean(kind: str, ctx: dict[str, Any], value: object) -> str:
    if kind != "literal_error":
        return ""
    near = difflib.get_close_matches(str(value), _choices(ctx), n=1)
    return f"; did you mean '{near[0]}'?" if near else ""


def _choices(ctx: dict[str, Any]) -> list[str]:
    expected = str(ctx.get("expected", ""))
    return re.findall(r"'([^']*)'", expected) or re.findall(r"\w+", expected)


def _clause(kind: str, ctx: dict[str, Any], loc: Loc) -> str | None:
    name = str(next((part for part in reversed(loc) if isinstance(part, str)), ""))
    unit = next((u for u in ("minutes", "days") if name.endswith(f"_{u}")), "")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"must be a whole number{f' of {unit}' if unit else ''}"
    if kind in ("float_parsing", "float_type"):
        return "must be a number"
    if kind in _BOUNDS:
        bound_key, words = _BOUNDS[kind]
        return f"must be {words} {ctx.get(bound_key)}{f' {unit}' if unit else ''}"
    if kind == "string_too_short":
        return "is empty"
    if kind == "string_too_long":
        return f"is longer than {ctx.get('max_length')} characters"
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length')} entry"
    if kind == "string_pattern_mismatch":
        if "(-[a-z0-9]+)*" in str(ctx.get("pattern", "")):
            return "must be a role id: lower-case words joined by dashes, like 'support-lead'"
        return "must be an id: lower-case letters, digits, '-' and '_', like 'first-response'"
    if kind == "literal_error":
        return f"must be one of {', '.join(_choices(ctx))}"
    return _PLAIN.get(kind)


def _subject(loc: Loc) -> str:
    if not loc:
        return "the playbook"
    if isinstance(loc[-1], int):
        return f"item {loc[-1] + 1} of `{_where(loc[:-1]) or 'the list'}`"
    return f"`{loc[-1]}`"


def _where(loc: Loc) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f" item {part + 1}"
        else:
            text += f"{', ' if ' item ' in text[-8:] else '.' if text else ''}{part}"
    return text.strip()


def shown(value: object, *, quote: bool = True) -> str:
    """A value as a message quotes it: short, YAML-spelled, strings in quotes."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value) if len(str(value)) <= 60 else str(value)[:57] + "..."
    return repr(text) if quote and isinstance(value, str) else text


def _fields_at(model: type[BaseModel], path: Loc) -> list[str]:
    """The field names a model accepts at `path`, for "did you mean"."""
    current: Any = model
    for part in path:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            info = current.model_fields.get(part) if isinstance(part, str) else None
            if info is None:
                return []
            current = info.annotation
        elif get_origin(current) in (dict, list):
            current = get_args(current)[-1]
        else:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _unwrap(tp: Any) -> Any:
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
        elif origin in (Union, types.UnionType):
            options = [arg for arg in get_args(tp) if arg is not type(None)]
            if len(options) != 1:
                return tp
            tp = options[0]
        else:
            return tp
