"""The work one render may do: a budget of steps, a deadline, and caps on sizes.

Steps are loop turns, calls and `range` items; building values costs steps too. A value a
template builds, and the whole output, are capped in size, and the size of a string is
checked before Python builds it where a format or a `*` would otherwise build it first.
Every refusal is a `Stop`, which the renderer turns into a located `RenderError`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar
from string import Formatter
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context

MAX_STEPS = 100_000  # per render: loop turns and range() items, calls, value sizes
MAX_SECONDS = 2.0  # wall-clock backstop for work the step count cannot see
MAX_VALUE = 1_000_000  # characters or items in any value a template builds
MAX_OUTPUT = 1_000_000  # characters of output
MAX_WIDTH = 10_000  # padding width or precision in a format string
MAX_INT_BITS = 10_000  # about 3,000 digits

LIMIT_HINT = "A reply never needs this much; simplify the loops or the values in the template."


class Stop(Exception):
    """Raised by our own checks inside a render; it carries the user's message."""

    def __init__(self, code: str, message: str, hint: str, lineno: int | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.hint, self.lineno = code, message, hint, lineno


class Budget:
    """The steps and time one render has left; `strict` refuses to print a none value."""

    __slots__ = ("deadline", "left", "strict")

    def __init__(self, *, strict: bool) -> None:
        self.left = MAX_STEPS
        self.deadline = time.monotonic() + MAX_SECONDS
        self.strict = strict

    def spend(self, steps: int) -> None:
        self.left -= steps
        if self.left < 0:
            raise Stop(
                "template.limit",
                "the template does too much work for one draft (loop turns, calls and "
                "the size of the values it builds).",
                LIMIT_HINT,
            )
        if time.monotonic() > self.deadline:
            raise Stop(
                "template.limit",
                f"the template took longer than {MAX_SECONDS:g} seconds to render.",
                LIMIT_HINT,
            )


# One budget per render; a context variable keeps concurrent renders (threads) apart.
BUDGET: ContextVar[Budget | None] = ContextVar("crisisplan_render_budget", default=None)


def spend(steps: int) -> None:
    """Charge the current render's budget, if a render is under way."""
    budget = BUDGET.get()
    if budget is not None:
        budget.spend(steps)


def check_size(size: int) -> None:
    """Refuse a value of more than MAX_VALUE characters or items."""
    if size > MAX_VALUE:
        raise Stop(
            "template.limit",
            f"the template tried to build a value of {size:,} characters or items; "
            f"the limit is {MAX_VALUE:,}.",
            LIMIT_HINT,
        )


def check_bits(bits: int) -> None:
    """Refuse a number of more than MAX_INT_BITS bits."""
    if bits > MAX_INT_BITS:
        raise Stop("template.limit", "the template tried to build a huge number.", LIMIT_HINT)


CHARS_PER_STEP = 100  # building values costs steps too, so no loop can amass gigabytes
CALL_STEPS = 10  # a call (a macro, a method) is slow; a reply makes a few dozen


def checked(value: Any) -> Any:
    """The value, if it is within the size limits; its size is charged to the budget."""
    if isinstance(value, str | list | tuple | dict):
        size = len(value)
        check_size(size)
        if size >= CHARS_PER_STEP:
            spend(size // CHARS_PER_STEP)
    elif type(value) is int:
        check_bits(value.bit_length())
    return value


def _check_widths(widths: list[int]) -> None:
    if widths and max(widths) > MAX_WIDTH:
        raise Stop(
            "template.limit",
            f"the template asks for a padding or precision of {max(widths):,}; "
            f"the limit is {MAX_WIDTH:,}.",
            LIMIT_HINT,
        )


def _longest(values: Iterable[Any]) -> int:
    return max((len(v if isinstance(v, str) else str(v)) for v in values), default=0)


_PRINTF = re.compile(r"%(?:\([^)]*\))?[#0 +\-]*(\*|\d+)?(?:\.(\*|\d+))?")
_DIGITS = re.compile(r"\d+")


def _int(digits: str) -> int:
    return int(digits) if len(digits) < 19 else 10**18  # int() refuses 4,300+ digits


def check_printf(fmt: str, values: Any) -> None:
    """Refuse `'%999999999s' % x` and friends before Python builds the string."""
    specs = _PRINTF.findall(fmt)
    if not specs:
        return
    args = (
        list(values.values() if isinstance(values, Mapping) else values)
        if isinstance(values, Mapping | tuple)
        else [values]
    )
    widths = [_int(n) for spec in specs for n in spec if n.isdigit()]
    if any("*" in spec for spec in specs):
        widths += [a for a in args if type(a) is int]
    _check_widths(widths)
    check_size(len(fmt) + len(specs) * (_longest(args) + max(widths, default=0)))


def check_format(fmt: str, values: list[Any]) -> None:
    """Refuse `'{:>999999999}'.format(x)` and friends before Python builds the string."""
    fields, widths, nested = 0, [], False
    for _text, field, spec, _conversion in Formatter().parse(fmt):
        if field is not None:
            fields += 1
            widths += [_int(n) for n in _DIGITS.findall(spec or "")]
            nested = nested or "{" in (spec or "")
    if nested:
        widths += [v for v in values if type(v) is int]
    _check_widths(widths)
    check_size(len(fmt) + fields * (_longest(values) + max(widths, default=0)))


def check_replace(s: Any, old: Any, new: Any, count: Any = None) -> None:
    """Refuse a `replace` whose result would be past the value limit."""
    if isinstance(s, str) and isinstance(old, str) and isinstance(new, str):
        hits = s.count(old) if old else len(s) + 1
        if type(count) is int and count >= 0:
            hits = min(hits, count)
        check_size(len(s) + hits * max(len(new) - len(old), 0))


def bounded_join(parts: Iterable[Any]) -> str:
    """`"".join` for template buffers and `~`, refusing results past the value limit."""
    pieces = [p if isinstance(p, str) else str(p) for p in parts]
    size = sum(map(len, pieces))
    check_size(size)
    spend(size // CHARS_PER_STEP)
    return "".join(pieces)


def bounded_range(*args: int) -> range:
    """`range()` whose items count against the render's budget."""
    items = range(*args)
    try:
        spend(len(items))
    except OverflowError:
        spend(MAX_STEPS + 1)
    return items


@pass_context
def loop_items(_context: Context, iterable: Any) -> Iterator[Any]:
    """Wraps the iterable of every `{% for %}` so each turn counts against the budget."""
    budget = BUDGET.get()
    for item in iterable:
        if budget is not None:
            budget.spend(1)
        yield item


LOOP_FILTER = "crisis loop"  # a space: no template can name it


def collected(chunks: Iterable[str]) -> str:
    """A render's chunks joined, refused as soon as they pass the output limit."""
    parts: list[str] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > MAX_OUTPUT:
            raise Stop(
                "template.limit",
                f"the template wrote more than {MAX_OUTPUT:,} characters.",
                LIMIT_HINT,
            )
        parts.append(chunk)
    return "".join(parts)
