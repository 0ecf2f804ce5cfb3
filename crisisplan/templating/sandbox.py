"""The hardened Jinja2 environment every template renders in.

Jinja's immutable sandbox, narrowed further: plain data offers only a short list of
methods, the operators that can build huge values (`*`, `**`, `%`, `+`, `~`) and every
filter check the size of what they would build against crisisplan.templating.limits, and the filters
that have no place in a plain-text reply are gone.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Mapping, Sized
from typing import Any

from jinja2 import StrictUndefined, nodes, pass_context
from jinja2.compiler import CodeGenerator, Frame
from jinja2.filters import FILTERS, make_attrgetter
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from crisisplan.templating.limits import (
    BUDGET,
    CALL_STEPS,
    LOOP_FILTER,
    Stop,
    bounded_join,
    bounded_range,
    check_bits,
    check_format,
    check_printf,
    check_replace,
    check_size,
    checked,
    loop_items,
    spend,
)
from crisisplan.templating.plain_output import printable
from crisisplan.templating.variables import ago, clock, date, plural

# Top-level mappings a draft may lack: no customer for a public update, no channel for the
# brief. Absent, each is `Absent`, not none. (`compensation` is text or none, as documented.)
OPTIONAL_TOP = ("customer", "channel")


class Absent(StrictUndefined):
    """An optional top-level value this draft lacks: false in `{% if customer %}` and not
    `defined`, yet printing it or reading a field of it is the error it always was."""

    __slots__ = ()

    def __bool__(self) -> bool:  # type: ignore[override]
        return False

    # StrictUndefined makes equality an error; `customer == none` is a fair question.
    def __eq__(self, other: object) -> bool:  # type: ignore[override]
        return isinstance(other, Absent) or other is None

    def __ne__(self, other: object) -> bool:  # type: ignore[override]
        return not self.__eq__(other)

    __hash__ = StrictUndefined.__hash__  # type: ignore[assignment]


def absent(name: str) -> Absent:
    """The stand-in for the optional top-level value `name` when a draft has none."""
    return Absent(name=name)


@pass_context
def _finalize(context: Context, value: Any) -> Any:
    """What `{{ value }}` prints. Date-times read as the reader's time, as `clock` writes
    them ("14:30 UTC", a day too when it is not today), dates as `date` does. Under
    `strict`, printing a none value is an error ("Hi None," helps nobody); a value with no
    words of its own (a list, a mapping, `self`) always is."""
    if value is None:
        budget = BUDGET.get()
        if budget is not None and budget.strict:
            raise Stop("template.none", "", "")
        return value
    if isinstance(value, dt.date):
        return clock(context, value) if isinstance(value, dt.datetime) else date(value)
    return printable(value)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_STR_METHODS = frozenset(
    _words(
        "capitalize casefold count endswith find index isalnum isalpha isdecimal isdigit "
        "islower isnumeric isspace istitle isupper join lower lstrip partition removeprefix "
        "removesuffix replace rfind rindex rpartition rsplit rstrip split splitlines "
        "startswith strip swapcase title upper"
    )
)
_DICT_METHODS = frozenset({"get", "items", "keys", "values"})
_SEQUENCE_METHODS = frozenset({"count", "index"})
_TIME_METHODS = frozenset(
    _words(
        "astimezone date isocalendar isoformat isoweekday replace strftime time timestamp "
        "total_seconds tzname utcoffset weekday"
    )
)
_NO_METHODS: frozenset[str] = frozenset()


def _allowed_methods(obj: Any) -> frozenset[str] | None:
    """The methods a template may call on plain data; None for Jinja's own objects."""
    if isinstance(obj, str):
        return _STR_METHODS
    if isinstance(obj, dict):
        return _DICT_METHODS
    if isinstance(obj, list | tuple):
        return _SEQUENCE_METHODS
    if isinstance(obj, dt.date | dt.time | dt.timedelta | dt.tzinfo):
        return _TIME_METHODS
    if isinstance(obj, int | float | complex | bytes | bytearray | set | frozenset | range | type):
        return _NO_METHODS
    return None


class _CodeGenerator(CodeGenerator):
    """Jinja's code generator, with `~` joined through the value limit."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.bounded_join((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class _Sandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, with method allow-lists and bounded operators."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})
    code_generator_class = _CodeGenerator
    bounded_join = staticmethod(bounded_join)
    concat = staticmethod(bounded_join)  # the buffers of macros, {% set %} and {% filter %}

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if not super().is_safe_attribute(obj, attr, value):
            return False
        allowed = _allowed_methods(obj) if callable(value) else None
        return allowed is None or attr in allowed

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            if type(left) is int and type(right) is int:
                check_bits(left.bit_length() + right.bit_length())
            elif isinstance(left, str | list | tuple) and isinstance(right, int):
                check_size(len(left) * right)
            elif isinstance(right, str | list | tuple) and isinstance(left, int):
                check_size(len(right) * left)
        elif operator == "**":
            if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
                check_bits(right * left.bit_length())
        elif operator == "%" and isinstance(left, str):
            check_printf(left, right)
        elif operator == "+" and isinstance(left, Sized) and isinstance(right, Sized):
            check_size(len(left) + len(right))
        return checked(super().call_binop(context, operator, left, right))

    def call(self, context: Context, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        spend(CALL_STEPS)
        owner = getattr(obj, "__self__", None)
        if isinstance(owner, str) and args:
            name = getattr(obj, "__name__", "")
            if name == "join":
                items = list(args[0])
                check_size(
                    sum(len(i) for i in items if isinstance(i, str))
                    + len(owner) * max(len(items) - 1, 0)
                )
                args = (items, *args[1:])
            elif name == "replace" and len(args) >= 2:
                check_replace(owner, *args[:3])
        return checked(super().call(context, obj, *args, **kwargs))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapper = super().wrap_str_format(value)
        if wrapper is None:
            return None
        fmt: str = value.__self__
        is_map = value.__name__ == "format_map"
        unchecked = wrapper

        def checked_format(*args: Any, **kwargs: Any) -> str:
            mapping = args[0] if is_map and args and isinstance(args[0], Mapping) else None
            check_format(fmt, list(mapping.values()) if mapping else [*args, *kwargs.values()])
            result: str = checked(unchecked(*args, **kwargs))
            return result

        return checked_format


# --- Jinja's filters, guarded -------------------------------------------------------------


def _guarded(func: Callable[..., Any], check: Callable[..., None] | None = None) -> Any:
    """A Jinja filter whose result is size-checked, and whose arguments are pre-checked."""

    # Jinja passes some filters its context first (marked on the function); checks skip it.
    skip = 1 if getattr(func, "jinja_pass_arg", None) is not None else 0

    @functools.wraps(func)  # keeps Jinja's pass_context/pass_environment marks
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if check is not None:
            check(*args[skip:], **kwargs)
        return checked(func(*args, **kwargs))

    return guarded


def _arg(args: tuple[Any, ...], kwargs: dict[str, Any], index: int, name: str, default: Any) -> Any:
    """A filter argument given by position (after the value) or by name."""
    return args[index] if len(args) > index else kwargs.get(name, default)


# Each pre-check gets the filter's own arguments (value first) and refuses before the work.
def _pre_center(*a: Any, **k: Any) -> None:
    width = _arg(a, k, 1, "width", 80)
    if type(width) is int:
        check_size(width)


def _pre_indent(*a: Any, **k: Any) -> None:
    text, width = str(a[0]), _arg(a, k, 1, "width", 4)
    per_line = width if type(width) is int else len(str(width))
    check_size(len(text) + (text.count("\n") + 1) * per_line)


def _pre_format(value: Any, *args: Any, **kwargs: Any) -> None:
    check_printf(str(value), kwargs or args)


def _pre_replace(*a: Any, **k: Any) -> None:
    count = _arg(a, k, 3, "count", None)
    check_replace(a[0], _arg(a, k, 1, "old", ""), _arg(a, k, 2, "new", ""), count)


def _pre_batch(*a: Any, **k: Any) -> None:
    linecount = _arg(a, k, 1, "linecount", 0)
    if _arg(a, k, 2, "fill_with", None) is not None and type(linecount) is int:
        check_size(linecount)


def _pre_slice(*a: Any, **k: Any) -> None:
    slices = _arg(a, k, 1, "slices", 0)
    if type(slices) is int:
        spend(max(slices, 0))


def _pre_wordwrap(*a: Any, **k: Any) -> None:
    text, wrapstring = str(a[0]), _arg(a, k, 3, "wrapstring", None)
    check_size(len(text) + (len(text) + 1) * len(str(wrapstring or "\n")))


def _pre_sum(*a: Any, **k: Any) -> None:
    if not isinstance(_arg(a, k, 2, "start", 0), int | float):
        raise Stop("template.failed", "`sum` adds numbers only.", "Give it numbers.")


def _join(eval_ctx: Any, value: Iterable[Any], d: Any = "", attribute: Any = None) -> str:
    """Jinja's `join`, with the size of the result checked before it is built."""
    if attribute is not None:
        value = map(make_attrgetter(eval_ctx.environment, attribute), value)
    pieces = [v if isinstance(v, str) else str(v) for v in value]
    sep = str(d)
    check_size(sum(map(len, pieces)) + len(sep) * max(len(pieces) - 1, 0))
    return sep.join(pieces)


_join.jinja_pass_arg = FILTERS["join"].jinja_pass_arg  # type: ignore[attr-defined]

# HTML helpers, randomness and reprs have no place in a plain-text reply.
_DROPPED = {"e", "escape", "forceescape", "safe", "pprint", "random", "xmlattr", "urlize"}
_DROPPED |= {"tojson"}
_PRE_CHECKS: dict[str, Callable[..., None]] = {
    "center": _pre_center,
    "indent": _pre_indent,
    "format": _pre_format,
    "replace": _pre_replace,
    "batch": _pre_batch,
    "slice": _pre_slice,
    "wordwrap": _pre_wordwrap,
    "sum": _pre_sum,
}


@functools.cache
def environment() -> _Sandbox:
    """The one sandbox every template compiles and renders in."""
    env = _Sandbox(
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        # The library and docs/templates.md use Jinja's default whitespace with `-` marks.
        trim_blocks=False,
        lstrip_blocks=False,
        finalize=_finalize,
        cache_size=0,
    )
    env.globals.pop("lipsum", None)  # lipsum(n=10**9) is an unbounded loop
    env.globals["range"] = bounded_range
    filters: dict[str, Callable[..., Any]] = {
        name: _guarded(func, _PRE_CHECKS.get(name))
        for name, func in FILTERS.items()
        if name not in _DROPPED
    }
    filters["join"] = _guarded(_join)
    filters.update({"clock": clock, "ago": ago, "plural": plural, "date": date})
    filters[LOOP_FILTER] = loop_items
    env.filters.clear()
    env.filters.update(filters)
    return env
