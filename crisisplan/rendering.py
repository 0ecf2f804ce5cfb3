"""Templates rendered in a hardened Jinja2 sandbox, fed plain data only.

Every render is bounded: a budget of steps (loop turns, calls, `range` items), a deadline,
a cap on the size of any value a template builds and on the whole output. Every failure is
a `RenderError` (a TemplateError) that points at the line of the template file.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sized
from contextvars import ContextVar
from dataclasses import dataclass
from string import Formatter
from typing import TYPE_CHECKING, Any

from jinja2 import StrictUndefined, nodes, pass_context
from jinja2 import Template as JinjaTemplate
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError, TemplateSyntaxError, UndefinedError
from jinja2.filters import FILTERS, make_attrgetter
from jinja2.runtime import Context, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import missing as _MISSING

from crisisplan.errors import Location, TemplateError, UsageError

if TYPE_CHECKING:
    from crisisplan.models.playbook import Playbook
    from crisisplan.models.template import Template

MAX_STEPS = 100_000  # per render: loop turns and range() items, calls, value sizes
MAX_SECONDS = 2.0  # wall-clock backstop for work the step count cannot see
MAX_VALUE = 1_000_000  # characters or items in any value a template builds
MAX_OUTPUT = 1_000_000  # characters of output
MAX_WIDTH = 10_000  # padding width or precision in a format string
MAX_INT_BITS = 10_000  # about 3,000 digits

_LIMIT_HINT = "A reply never needs this much; simplify the loops or the values in the template."


class RenderError(TemplateError):
    """A template failed to compile or render; `code` names the kind for `crisis check`."""

    def __init__(
        self, message: str, *, code: str, hint: str | None = None, location: Location | None = None
    ) -> None:
        super().__init__(message, hint=hint, location=location)
        self.code = code


@dataclass(frozen=True)
class Rendered:
    """A rendered template: the tidied text, and what each block contributed (stripped)."""

    text: str
    blocks: dict[str, str]


class _Stop(Exception):
    """Raised by our own checks inside a render; it carries the user's message."""

    def __init__(self, code: str, message: str, hint: str, lineno: int | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.hint, self.lineno = code, message, hint, lineno


# --- bounded work -------------------------------------------------------------------------


class _Budget:
    __slots__ = ("deadline", "left", "strict")

    def __init__(self, *, strict: bool) -> None:
        self.left = MAX_STEPS
        self.deadline = time.monotonic() + MAX_SECONDS
        self.strict = strict

    def spend(self, steps: int) -> None:
        self.left -= steps
        if self.left < 0:
            raise _Stop(
                "template.limit",
                "the template does too much work for one draft (loop turns, calls and "
                "the size of the values it builds).",
                _LIMIT_HINT,
            )
        if time.monotonic() > self.deadline:
            raise _Stop(
                "template.limit",
                f"the template took longer than {MAX_SECONDS:g} seconds to render.",
                _LIMIT_HINT,
            )


# One budget per render; a context variable keeps concurrent renders (threads) apart.
_BUDGET: ContextVar[_Budget | None] = ContextVar("crisisplan_render_budget", default=None)


def _spend(steps: int) -> None:
    budget = _BUDGET.get()
    if budget is not None:
        budget.spend(steps)


def _check_size(size: int) -> None:
    if size > MAX_VALUE:
        raise _Stop(
            "template.limit",
            f"the template tried to build a value of {size:,} characters or items; "
            f"the limit is {MAX_VALUE:,}.",
            _LIMIT_HINT,
        )


def _check_bits(bits: int) -> None:
    if bits > MAX_INT_BITS:
        raise _Stop("template.limit", "the template tried to build a huge number.", _LIMIT_HINT)


_CHARS_PER_STEP = 100  # building values costs steps too, so no loop can amass gigabytes
_CALL_STEPS = 10  # a call (a macro, a method) is slow; a reply makes a few dozen


def _checked(value: Any) -> Any:
    """The value, if it is within the size limits; its size is charged to the budget."""
    if isinstance(value, str | list | tuple | dict):
        size = len(value)
        _check_size(size)
        if size >= _CHARS_PER_STEP:
            _spend(size // _CHARS_PER_STEP)
    elif type(value) is int:
        _check_bits(value.bit_length())
    return value


def _check_widths(widths: list[int]) -> None:
    if widths and max(widths) > MAX_WIDTH:
        raise _Stop(
            "template.limit",
            f"the template asks for a padding or precision of {max(widths):,}; "
            f"the limit is {MAX_WIDTH:,}.",
            _LIMIT_HINT,
        )


def _longest(values: Iterable[Any]) -> int:
    return max((len(v if isinstance(v, str) else str(v)) for v in values), default=0)


_PRINTF = re.compile(r"%(?:\([^)]*\))?[#0 +\-]*(\*|\d+)?(?:\.(\*|\d+))?")
_DIGITS = re.compile(r"\d+")


def _int(digits: str) -> int:
    return int(digits) if len(digits) < 19 else 10**18  # int() refuses 4,300+ digits


def _check_printf(fmt: str, values: Any) -> None:
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
    _check_size(len(fmt) + len(specs) * (_longest(args) + max(widths, default=0)))


def _check_format(fmt: str, values: list[Any]) -> None:
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
    _check_size(len(fmt) + fields * (_longest(values) + max(widths, default=0)))


def _check_replace(s: Any, old: Any, new: Any, count: Any = None) -> None:
    if isinstance(s, str) and isinstance(old, str) and isinstance(new, str):
        hits = s.count(old) if old else len(s) + 1
        if type(count) is int and count >= 0:
            hits = min(hits, count)
        _check_size(len(s) + hits * max(len(new) - len(old), 0))


def _bounded_join(parts: Iterable[Any]) -> str:
    """`"".join` for template buffers and `~`, refusing results past the value limit."""
    pieces = [p if isinstance(p, str) else str(p) for p in parts]
    size = sum(map(len, pieces))
    _check_size(size)
    _spend(size // _CHARS_PER_STEP)
    return "".join(pieces)


def _range(*args: int) -> range:
    """`range()` whose items count against the render's budget."""
    items = range(*args)
    try:
        _spend(len(items))
    except OverflowError:
        _spend(MAX_STEPS + 1)
    return items


@pass_context
def _loop_items(_context: Context, iterable: Any) -> Iterator[Any]:
    """Wraps the iterable of every `{% for %}` so each turn counts against the budget."""
    budget = _BUDGET.get()
    for item in iterable:
        if budget is not None:
            budget.spend(1)
        yield item


_LOOP_FILTER = "crisis loop"  # a space: no template can name it


def _finalize(value: Any) -> Any:
    """Under `strict`, printing a none value is an error ("Hi None," helps nobody)."""
    if value is None:
        budget = _BUDGET.get()
        if budget is not None and budget.strict:
            raise _Stop("template.none", "", "")
    return value


# --- filters (docs/templates.md copies these docstrings) -----------------------------------

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _kind(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true/false"
    names = {str: "text", int: "a number", float: "a number", list: "a list", dict: "a mapping"}
    return names.get(type(value), f"a {type(value).__name__}")


def _defined(value: Any) -> None:
    if isinstance(value, Undefined):  # the undefined variable is the real mistake
        value._fail_with_undefined_error()


def _utc(value: Any, name: str) -> dt.datetime:
    _defined(value)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    if value is None:
        raise _Stop(
            "template.failed",
            f"`{name}` was given an empty value (none).",
            f"Guard it: {{% if value %}}{{{{ value | {name} }}}}{{% endif %}}.",
        )
    raise _Stop(
        "template.failed",
        f"`{name}` needs a date-time, not {_kind(value)}.",
        "Use it on incident.started_at, incident.eta, incident.next_update_at or now.",
    )


def _now(context: Context) -> dt.datetime:
    now = context.get("now")
    return _utc(now, "now") if isinstance(now, dt.datetime) else dt.datetime.now(dt.UTC)


def _day(moment: dt.date) -> str:
    return f"{_DAYS[moment.weekday()]} {moment.day} {_MONTHS[moment.month - 1]}"


@pass_context
def clock(context: Context, value: Any) -> str:
    """The time of day in UTC, for promises: `{{ incident.next_update_at | clock }}` → `14:30 UTC`.

    When the time is on another UTC day than `now`, the day follows: `14:30 UTC on Tue 24 Nov`
    (and the year, when that differs too: `09:00 UTC on Fri 1 Jan 2027`).
    """
    moment, now = _utc(value, "clock"), _now(context)
    text = f"{moment:%H:%M} UTC"
    if moment.date() != now.date():
        text += f" on {_day(moment)}"
        if moment.year != now.year:
            text += f" {moment.year}"
    return text


@pass_context
def ago(context: Context, value: Any) -> str:
    """How long ago, in words, from `now`: `{{ incident.started_at | ago }}` → `12 minutes ago`.

    A time still to come reads `in 20 minutes`. Under a minute is `just now` (or `in under a
    minute`); up to 90 minutes counts minutes, up to 48 hours hours, and beyond that days.
    """
    seconds = (_utc(value, "ago") - _now(context)).total_seconds()
    span = abs(seconds)
    if span < 60:
        return "in under a minute" if seconds > 0 else "just now"
    if span < 90 * 60:
        amount = plural(round(span / 60), "minute")
    elif span < 48 * 3600:
        amount = plural(round(span / 3600), "hour")
    else:
        amount = plural(round(span / 86400), "day")
    return f"in {amount}" if seconds > 0 else f"{amount} ago"


def plural(count: Any, singular: str, many: str | None = None) -> str:
    """A count with its word: `{{ n | plural('customer') }}` → `1 customer`, `1,200 customers`.

    Give the plural form when adding `s` is wrong: `{{ n | plural('person', 'people') }}`.
    Otherwise words ending in s, x, z, ch or sh get `es`, and a consonant before a final `y`
    becomes `ies` (`1 reply`, `2 replies`).
    """
    _defined(count)
    if isinstance(count, bool) or not isinstance(count, int | float):
        raise _Stop(
            "template.failed",
            f"`plural` counts numbers, not {_kind(count)}.",
            "Use it on a number, such as customer.previous_incidents.",
        )
    if count == 1:
        return f"1 {singular}"
    if many is None:
        word = str(singular)
        if word.endswith(("s", "x", "z", "ch", "sh")):
            many = word + "es"
        elif len(word) > 1 and word.endswith("y") and word[-2] not in "aeiouAEIOU":
            many = word[:-1] + "ies"
        else:
            many = word + "s"
    return f"{count:,} {many}" if isinstance(count, int) else f"{count:,g} {many}"


def date(value: Any) -> str:
    """The UTC date in words: `{{ incident.started_at | date }}` → `Tue 24 Nov 2026`."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return f"{_day(value)} {value.year}"
    moment = _utc(value, "date")
    return f"{_day(moment)} {moment.year}"


# --- the sandbox --------------------------------------------------------------------------


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
    bounded_join = staticmethod(_bounded_join)
    concat = staticmethod(_bounded_join)  # the buffers of macros, {% set %} and {% filter %}

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if not super().is_safe_attribute(obj, attr, value):
            return False
        allowed = _allowed_methods(obj) if callable(value) else None
        return allowed is None or attr in allowed

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            if type(left) is int and type(right) is int:
                _check_bits(left.bit_length() + right.bit_length())
            elif isinstance(left, str | list | tuple) and isinstance(right, int):
                _check_size(len(left) * right)
            elif isinstance(right, str | list | tuple) and isinstance(left, int):
                _check_size(len(right) * left)
        elif operator == "**":
            if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
                _check_bits(right * left.bit_length())
        elif operator == "%" and isinstance(left, str):
            _check_printf(left, right)
        elif operator == "+" and isinstance(left, Sized) and isinstance(right, Sized):
            _check_size(len(left) + len(right))
        return _checked(super().call_binop(context, operator, left, right))

    def call(self, context: Context, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        _spend(_CALL_STEPS)
        owner = getattr(obj, "__self__", None)
        if isinstance(owner, str) and args:
            name = getattr(obj, "__name__", "")
            if name == "join":
                items = list(args[0])
                _check_size(
                    sum(len(i) for i in items if isinstance(i, str))
                    + len(owner) * max(len(items) - 1, 0)
                )
                args = (items, *args[1:])
            elif name == "replace" and len(args) >= 2:
                _check_replace(owner, *args[:3])
        return _checked(super().call(context, obj, *args, **kwargs))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapper = super().wrap_str_format(value)
        if wrapper is None:
            return None
        fmt: str = value.__self__
        is_map = value.__name__ == "format_map"
        unchecked = wrapper

        def checked(*args: Any, **kwargs: Any) -> str:
            mapping = args[0] if is_map and args and isinstance(args[0], Mapping) else None
            _check_format(fmt, list(mapping.values()) if mapping else [*args, *kwargs.values()])
            result: str = _checked(unchecked(*args, **kwargs))
            return result

        return checked


def _guarded(func: Callable[..., Any], check: Callable[..., None] | None = None) -> Any:
    """A Jinja filter whose result is size-checked, and whose arguments are pre-checked."""

    # Jinja passes some filters its context first (marked on the function); checks skip it.
    skip = 1 if getattr(func, "jinja_pass_arg", None) is not None else 0

    @functools.wraps(func)  # keeps Jinja's pass_context/pass_environment marks
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if check is not None:
            check(*args[skip:], **kwargs)
        return _checked(func(*args, **kwargs))

    return guarded


def _arg(args: tuple[Any, ...], kwargs: dict[str, Any], index: int, name: str, default: Any) -> Any:
    """A filter argument given by position (after the value) or by name."""
    return args[index] if len(args) > index else kwargs.get(name, default)


# Each pre-check gets the filter's own arguments (value first) and refuses before the work.
def _pre_center(*a: Any, **k: Any) -> None:
    width = _arg(a, k, 1, "width", 80)
    if type(width) is int:
        _check_size(width)


def _pre_indent(*a: Any, **k: Any) -> None:
    text, width = str(a[0]), _arg(a, k, 1, "width", 4)
    per_line = width if type(width) is int else len(str(width))
    _check_size(len(text) + (text.count("\n") + 1) * per_line)


def _pre_format(value: Any, *args: Any, **kwargs: Any) -> None:
    _check_printf(str(value), kwargs or args)


def _pre_replace(*a: Any, **k: Any) -> None:
    count = _arg(a, k, 3, "count", None)
    _check_replace(a[0], _arg(a, k, 1, "old", ""), _arg(a, k, 2, "new", ""), count)


def _pre_batch(*a: Any, **k: Any) -> None:
    linecount = _arg(a, k, 1, "linecount", 0)
    if _arg(a, k, 2, "fill_with", None) is not None and type(linecount) is int:
        _check_size(linecount)


def _pre_slice(*a: Any, **k: Any) -> None:
    slices = _arg(a, k, 1, "slices", 0)
    if type(slices) is int:
        _spend(max(slices, 0))


def _pre_wordwrap(*a: Any, **k: Any) -> None:
    text, wrapstring = str(a[0]), _arg(a, k, 3, "wrapstring", None)
    _check_size(len(text) + (len(text) + 1) * len(str(wrapstring or "\n")))


def _pre_sum(*a: Any, **k: Any) -> None:
    if not isinstance(_arg(a, k, 2, "start", 0), int | float):
        raise _Stop("template.failed", "`sum` adds numbers only.", "Give it numbers.")


def _join(eval_ctx: Any, value: Iterable[Any], d: Any = "", attribute: Any = None) -> str:
    """Jinja's `join`, with the size of the result checked before it is built."""
    if attribute is not None:
        value = map(make_attrgetter(eval_ctx.environment, attribute), value)
    pieces = [v if isinstance(v, str) else str(v) for v in value]
    sep = str(d)
    _check_size(sum(map(len, pieces)) + len(sep) * max(len(pieces) - 1, 0))
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
def _environment() -> _Sandbox:
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
    env.globals["range"] = _range
    filters: dict[str, Callable[..., Any]] = {
        name: _guarded(func, _PRE_CHECKS.get(name))
        for name, func in FILTERS.items()
        if name not in _DROPPED
    }
    filters["join"] = _guarded(_join)
    filters.update({"clock": clock, "ago": ago, "plural": plural, "date": date})
    filters[_LOOP_FILTER] = _loop_items
    env.filters.clear()
    env.filters.update(filters)
    return env


# --- compiling ----------------------------------------------------------------------------


class _Compiled:
    """A compiled template; its syntax tree is parsed again only to explain an error."""

    def __init__(self, jinja: JinjaTemplate, name: str, body: str, blocks: dict[str, int]) -> None:
        self.jinja, self.name, self.body = jinja, name, body
        self.blocks = blocks  # block name -> body line, in source order

    @functools.cached_property
    def tree(self) -> nodes.Template:
        return _environment().parse(self.body, name=self.name, filename=self.name)


_OTHER_FILES = (nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)


@functools.lru_cache(maxsize=256)
def _compile(name: str, body: str) -> _Compiled:
    from crisisplan import compilecache

    env = _environment()
    cached = compilecache.load(name, body)
    if cached is not None:
        code, blocks = cached
        jinja = env.template_class.from_code(env, code, env.make_globals(None), None)
        return _Compiled(jinja, name, body, blocks)
    tree = env.parse(body, name=name, filename=name)
    other = next(tree.find_all(_OTHER_FILES), None)
    if other is not None:
        raise _Stop(
            "template.include",
            "templates cannot include, import or extend other files.",
            "Copy the words you need into this template; each template stands alone.",
            other.lineno,
        )
    for loop in list(tree.find_all(nodes.For)):
        loop.iter = nodes.Filter(
            loop.iter, _LOOP_FILTER, [], [], None, None, lineno=loop.lineno, environment=env
        )
    # Jinja folds constant expressions while compiling; a budget bounds that work too.
    token = _BUDGET.set(_Budget(strict=False))
    try:
        code = env.compile(tree, name=name, filename=name)
    finally:
        _BUDGET.reset(token)
    jinja = env.template_class.from_code(env, code, env.make_globals(None), None)
    blocks = {b.name: b.lineno for b in tree.find_all(nodes.Block)}
    compilecache.store(name, body, code, blocks)
    return _Compiled(jinja, name, body, blocks)


_BY_ID: dict[int, tuple[Template, _Compiled]] = {}


def _compiled(template: Template) -> _Compiled:
    hit = _BY_ID.get(id(template))  # the fast path for 100,000 drafts of one template
    if hit is not None and hit[0] is template:
        return hit[1]
    try:
        compiled = _compile(str(template.path), template.body)
    except TemplateSyntaxError as exc:
        raise _syntax_error(template, exc) from None
    except _Stop as exc:
        where = _where(template, exc.lineno)
        raise RenderError(exc.message, code=exc.code, hint=exc.hint, location=where) from None
    except (RecursionError, MemoryError):  # Jinja's parser recurses once per nesting level
        raise RenderError(
            "the template nests too deeply to read.",
            code="template.limit",
            hint="Nest fewer brackets, ifs and loops inside each other.",
            location=_where(template, None),
        ) from None
    if len(_BY_ID) > 512:
        _BY_ID.clear()
    _BY_ID[id(template)] = (template, compiled)
    return compiled


def block_lines(template: Template) -> dict[str, int]:
    """The template's blocks, in source order, with the file line each starts on."""
    blocks = _compiled(template).blocks
    return {name: template.body_line + line - 1 for name, line in blocks.items()}


# --- rendering ----------------------------------------------------------------------------

_BLANK_RUNS = re.compile(r"\n(?:[^\S\n]*\n){2,}")


def _tidy(text: str) -> str:
    return _BLANK_RUNS.sub("\n\n", text).strip()


def _capturing(
    name: str, block: Callable[[Context], Iterator[str]], captured: dict[str, str]
) -> Callable[[Context], Iterator[str]]:
    """The block's render function, keeping what it yields the first time it runs."""

    def run(context: Context) -> Iterator[str]:
        parts: list[str] = []
        for chunk in block(context):
            parts.append(chunk)
            yield chunk
        captured.setdefault(name, "".join(parts))

    return run


def render(template: Template, context: Mapping[str, Any], *, strict: bool = False) -> Rendered:
    """Render a template with a context from `build_context`; any failure is a RenderError.

    `strict` also refuses to print a value that is none (`crisis check` renders this way).
    """
    compiled = _compiled(template)
    jinja = compiled.jinja
    ctx = jinja.new_context(context if isinstance(context, dict) else dict(context))
    captured: dict[str, str] = {}
    for name, stack in ctx.blocks.items():
        stack[0] = _capturing(name, stack[0], captured)
    parts: list[str] = []
    size = 0
    token = _BUDGET.set(_Budget(strict=strict))
    try:
        for chunk in jinja.root_render_func(ctx):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise _Stop(
                    "template.limit",
                    f"the template wrote more than {MAX_OUTPUT:,} characters.",
                    _LIMIT_HINT,
                )
            parts.append(chunk)
    except Exception as exc:  # every failure becomes a located RenderError
        raise _render_error(template, compiled, context, exc) from None
    finally:
        _BUDGET.reset(token)
    text = _tidy("".join(parts))
    blocks = {name: _tidy(captured.get(name, "")) for name in compiled.blocks}
    return Rendered(text=text + "\n" if text else "", blocks=blocks)


# --- errors -------------------------------------------------------------------------------


def _where(template: Template, line: int | None, needle: str | None = None) -> Location:
    if line is None:
        return Location(template.path, template.body_line)
    column = None
    if needle:
        lines = template.body.split("\n")
        found = lines[line - 1].find(needle) if 0 < line <= len(lines) else -1
        column = found + 1 if found >= 0 else None
    return Location(template.path, template.body_line + line - 1, column)


def _syntax_error(template: Template, exc: TemplateSyntaxError) -> RenderError:
    text = (exc.message or "unexpected text").rstrip(".")
    hint = "See docs/templates.md for what a template can contain."
    needle = None
    unknown = re.match(r"No (filter|test) named '([^']*)'", text)
    if unknown:
        kind, needle = unknown.groups()
        env = _environment()
        known = sorted(n for n in (env.filters if kind == "filter" else env.tests) if " " not in n)
        close = difflib.get_close_matches(needle, known, n=1)
        hint = (f"Did you mean `{close[0]}`? " if close else "") + f"The {kind}s are: "
        hint += ", ".join(known) + "."
        message = f"the template uses a {kind} `{needle}`, which does not exist."
    else:
        message = f"the template has a syntax error: {text}."
    where = _where(template, exc.lineno, needle)
    return RenderError(message, code="template.syntax", hint=hint, location=where)


def _template_line(exc: BaseException, jinja: JinjaTemplate) -> int | None:
    """The template line of the innermost template frame in the traceback."""
    line, tb = None, exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_globals.get("__jinja_template__") is jinja:
            line = jinja.get_corresponding_lineno(tb.tb_lineno)
        tb = tb.tb_next
    return line


def _render_error(
    template: Template, compiled: _Compiled, context: Mapping[str, Any], exc: Exception
) -> RenderError:
    line = _template_line(exc, compiled.jinja)
    needle: str | None = None
    if isinstance(exc, _Stop) and exc.code == "template.none":
        code, (message, hint, needle) = exc.code, _none_message(compiled.tree, line, context)
    elif isinstance(exc, _Stop):
        code, message, hint = exc.code, exc.message, exc.hint
    elif isinstance(exc, SecurityError) or _refused_name(exc) is not None:
        found = re.search(r"attribute '([^']*)'", str(exc))
        needle = _refused_name(exc) or (found.group(1) if found else None)
        code = "template.sandbox"
        message = (
            f"the template tried to reach `{needle}`, which templates may not use."
            if needle
            else "the template tried to call something templates may not use."
        )
        hint = "Templates read the variables in docs/templates.md and use filters; nothing else."
    elif isinstance(exc, UndefinedError):
        code, (message, hint, needle) = (
            "template.undefined",
            _undefined(compiled, line, context, exc),
        )
    elif isinstance(exc, RecursionError):
        code, message = "template.limit", "the template calls itself too deeply."
        hint = "A macro or recursive loop never stops; give it an end."
    elif isinstance(exc, MemoryError):
        code, message, hint = "template.limit", "the template ran out of memory.", _LIMIT_HINT
    else:
        code, message = "template.failed", f"the template failed while rendering: {exc}."
        hint = "Check the expression on this line against the values it is given."
    return RenderError(message, code=code, hint=hint, location=_where(template, line, needle))


def _path_of(node: nodes.Node) -> str | None:
    """`customer.name` for the expression `customer.name` (or `customer['name']`)."""
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr | nodes.Getitem):
        base = _path_of(node.node)
        key = node.attr if isinstance(node, nodes.Getattr) else getattr(node.arg, "value", None)
        if base is None or not isinstance(key, str | int):
            return None
        return (
            f"{base}.{key}" if isinstance(key, str) and key.isidentifier() else f"{base}[{key!r}]"
        )
    return None


def _find(tree: nodes.Template, line: int | None, name: Any) -> nodes.Node | None:
    """The expression on `line` (else anywhere) that looked `name` up."""
    found = None
    for node in tree.find_all((nodes.Name, nodes.Getattr, nodes.Getitem)):
        key = getattr(node, "name" if isinstance(node, nodes.Name) else "attr", None)
        if isinstance(node, nodes.Getitem):
            key = getattr(node.arg, "value", None)
        if key == name and _path_of(node) is not None:
            if node.lineno == line:
                return node
            found = found or node
    return found


def _undefined_in(exc: BaseException) -> Undefined | None:
    """The Undefined that raised (its method is the innermost frame), unwrapped to the first."""
    found, tb = None, exc.__traceback__
    while tb is not None:
        candidate = tb.tb_frame.f_locals.get("self")
        found = candidate if isinstance(candidate, Undefined) else found
        tb = tb.tb_next
    while found is not None and isinstance(found._undefined_obj, Undefined):
        found = found._undefined_obj  # `x|attr('__class__')|attr('__mro__')`: the first refusal
    return found


def _refused_name(exc: BaseException) -> str | None:
    """The attribute name, when the failure goes back to something the sandbox refused."""
    undefined = _undefined_in(exc) if isinstance(exc, UndefinedError) else None
    if undefined is not None and undefined._undefined_exception is SecurityError:
        return str(undefined._undefined_name)
    return None


def _undefined(
    compiled: _Compiled, line: int | None, context: Mapping[str, Any], exc: UndefinedError
) -> tuple[str, str, str | None]:
    undefined = _undefined_in(exc)
    if undefined is None:
        return f"{exc.message}.", "Check the names against docs/templates.md.", None
    name, obj = undefined._undefined_name, undefined._undefined_obj
    node = _find(compiled.tree, line, name)
    path = (_path_of(node) if node is not None else None) or str(name)
    parent_node = getattr(node, "node", None)
    parent = (_path_of(parent_node) if parent_node is not None else None) or "the value"
    fallback = "Fix the name, or guard optional values with {% if ... %}."
    if obj is _MISSING:
        names = list(context)
        close = difflib.get_close_matches(str(name), names, n=1)
        message = f"`{name}` is undefined; the template can use: {', '.join(names)}."
        return message, f"Did you mean `{close[0]}`?" if close else fallback, path
    if obj is None:
        message = f"`{path}` is undefined because `{parent}` is none here."
        return message, f"Guard it: {{% if {parent} %}}...{{% endif %}}.", path
    if isinstance(obj, dict):
        keys = [str(k) for k in obj]
        close = difflib.get_close_matches(str(name), keys, n=1)
        uses = ", ".join(f"{parent}.{k}" for k in keys) or "nothing"
        message = f"`{path}` is undefined; the template can use: {uses}."
        return message, f"Did you mean `{parent}.{close[0]}`?" if close else fallback, path
    message = f"`{path}` is undefined: `{parent}` is {_kind(obj)}, which has no `{name}`."
    return message, fallback, path


def _resolve(path: str, context: Mapping[str, Any]) -> Any:
    value: Any = context
    for part in path.split("."):
        value = value.get(part, _MISSING) if isinstance(value, Mapping) else _MISSING
    return value


def _none_message(
    tree: nodes.Template, line: int | None, context: Mapping[str, Any]
) -> tuple[str, str, str | None]:
    for output in tree.find_all(nodes.Output):
        for node in output.nodes:
            path = _path_of(node) if node.lineno == line else None
            if path and _resolve(path, context) is None:
                message = f"`{path}` is none here, so the draft would say “None”."
                hint = f"Guard it with {{% if {path} %}}, and say something true without it."
                return message, hint, path
    return (
        "a value printed on this line is none, so the draft would say “None”.",
        ("Guard optional values with {% if ... %}."),
        None,
    )


# --- the context: plain data only ---------------------------------------------------------

_INCIDENT = _words(  # as docs/templates.md lists them
    "id title type type_description severity severity_description status "
    "started_at summary cause impact eta next_update_at status_url"
)
_CUSTOMER = ("name", "email", "tier", "note", "open_case", "previous_incidents")


def _plain(value: Any) -> Any:
    """A copy made of plain types only: templates never see models, paths or modules."""
    if value is None or type(value) in (str, int, float, bool):
        return value
    if isinstance(value, dt.datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return value
    for kind in (str, bool, int, float):
        if isinstance(value, kind):
            return kind(value)  # a subclass (an enum, say) brings its own methods along
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    raise TypeError(f"template values must be plain data, not {type(value).__name__}")


def _channel(playbook: Playbook, channel_id: str) -> dict[str, Any]:
    channel = playbook.channels.get(channel_id)
    if channel is None:
        raise UsageError(
            f"channel '{channel_id}' is not in the playbook; channels are: "
            f"{', '.join(playbook.channels) or '(none)'}.",
            hint="Pass one of the playbook's channel ids.",
        )
    target = playbook.channels.get(channel.funnel_to) if channel.funnel_to else None
    funnel = None
    if target is not None:
        funnel = {"id": channel.funnel_to, "kind": target.kind, "address": target.address}
        funnel["url"] = target.url
    return {
        "id": channel_id,
        "kind": channel.kind,
        "purpose": channel.purpose,
        "address": channel.address,
        "url": channel.url,
        "funnel_to": funnel,
    }


def build_context(
    *,
    playbook: Playbook,
    incident: Mapping[str, Any],
    customer: Mapping[str, Any] | None = None,
    agent: Mapping[str, Any],
    channel_id: str | None = None,
    compensation: str | None = None,
    now: dt.datetime,
) -> dict[str, Any]:
    """The variables a template sees (docs/templates.md), as plain data."""
    inc = {key: _plain(incident.get(key)) for key in _INCIDENT}
    kind = playbook.incident_types.get(inc["type"]) if isinstance(inc["type"], str) else None
    if inc["type_description"] is None and kind is not None:
        inc["type_description"] = kind.description
    severity = (
        playbook.severities.get(inc["severity"]) if isinstance(inc["severity"], str) else None
    )
    if inc["severity_description"] is None and severity is not None:
        inc["severity_description"] = severity.description
    if inc["status_url"] is None and (page := playbook.status_page()) is not None:
        inc["status_url"] = page[1].url
    person = None
    if customer is not None:
        person = {key: _plain(customer.get(key)) for key in _CUSTOMER}
        person["open_case"] = bool(person["open_case"])
        person["previous_incidents"] = person["previous_incidents"] or 0
    company = playbook.company
    return {
        "incident": inc,
        "customer": person,
        "company": {
            "name": company.name,
            "stance": company.stance,
            "support_hours": company.support_hours,
        },
        "agent": {"name": _plain(agent.get("name")), "role": _plain(agent.get("role"))},
        "channel": _channel(playbook, channel_id) if channel_id is not None else None,
        "compensation": None if compensation is None else str(compensation),
        "playbook": {"name": playbook.name},
        "now": _plain(now),
    }


_PERSONAL = ("acknowledgement", "first_response", "resolved", "apology")


def sample_context(
    playbook: Playbook,
    *,
    purpose: str,
    channel_id: str | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Realistic sample variables for a template of `purpose`, as `crisis check` renders it."""
    now = _utc(now, "now") if now is not None else dt.datetime.now(dt.UTC).replace(microsecond=0)
    type_id, kind = next(iter(playbook.incident_types.items()))
    severity_id = kind.default_severity
    if severity_id not in playbook.severities:
        severity_id = next(iter(playbook.severities))
    cadence = playbook.severities[severity_id].update_every_minutes or 60
    minutes = dt.timedelta(minutes=1)
    incident = {
        "id": "INC-7",
        "title": "Pages not loading",
        "type": type_id,
        "severity": severity_id,
        "status": "resolved" if purpose in ("resolved", "apology") else "investigating",
        "started_at": now - 40 * minutes,
        "summary": "Pages fail to load for many customers. Our engineers have found the faulty "
        "server and are moving traffic away from it.",
        "cause": "A configuration change to our database servers went wrong, and our checks "
        "did not catch it.",
        "impact": "For 40 minutes, customers could not sign in or save their work. Changes "
        "made in that time may need to be made again.",
        "eta": now + 120 * minutes,
        "next_update_at": now + cadence * minutes,
    }
    customer = None
    if purpose in _PERSONAL:
        customer = {
            "name": "Jordan Rivera",
            "email": "jordan.rivera@example.com",
            "tier": playbook.tiers[0] if playbook.tiers else "business",
            "note": "I have checked your account: the invoices you sent this morning are safe.",
            "open_case": True,
            "previous_incidents": 2,
        }
    owner = playbook.owner or next(iter(playbook.roles), None)
    agent = {"name": playbook.roles[owner].name, "role": owner} if owner in playbook.roles else {}
    return build_context(
        playbook=playbook,
        incident=incident,
        customer=customer,
        agent={"name": "Alex Morgan", "role": ""} | agent,
        channel_id=channel_id,
        compensation=_sample_offer(playbook, severity_id) if purpose == "apology" else None,
        now=now,
    )


def _sample_offer(playbook: Playbook, severity: str) -> str | None:
    for rule in playbook.compensation:
        repeat, wanted = rule.when.repeat_incidents, rule.when.severity
        if (repeat is None or repeat <= 2) and (wanted is None or wanted == severity):
            return rule.offer
    return None
