"""Templates rendered in a hardened Jinja2 sandbox, fed plain data only.

Every render is bounded: a budget of steps (loop turns, calls, `range` items), a deadline,
a cap on the size of any value a template builds and on the whole output. Every failure is
a `RenderError` (a TemplateError) that points at the line of the template file.

This module compiles and renders, and explains failures; the sandbox is in
templating.sandbox, the limits in templating.limits, and the variables and our own filters
in crisisplan.templating.variables. What other modules import from here is re-exported below.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from jinja2 import Template as JinjaTemplate
from jinja2 import nodes
from jinja2.exceptions import SecurityError, TemplateSyntaxError, UndefinedError
from jinja2.runtime import Undefined
from jinja2.utils import missing as _MISSING

from crisisplan.errors import Location, TemplateError
from crisisplan.templating.limits import (
    BUDGET,
    LIMIT_HINT,
    LOOP_FILTER,
    MAX_INT_BITS,
    MAX_OUTPUT,
    MAX_SECONDS,
    MAX_STEPS,
    MAX_VALUE,
    MAX_WIDTH,
    Budget,
    Stop,
    collected,
)
from crisisplan.templating.memo import UNDER, BlockMemo, Memo, Under, capturing
from crisisplan.templating.sandbox import environment
from crisisplan.templating.variables import (
    ago,
    build_context,
    clock,
    date,
    kind_of,
    plural,
    sample_context,
)

if TYPE_CHECKING:
    from crisisplan.playbook.templates import Template

__all__ = [
    "MAX_INT_BITS",
    "MAX_OUTPUT",
    "MAX_SECONDS",
    "MAX_STEPS",
    "MAX_VALUE",
    "MAX_WIDTH",
    "RenderError",
    "Rendered",
    "ago",
    "block_lines",
    "build_context",
    "clock",
    "date",
    "plural",
    "render",
    "sample_context",
]


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


# --- compiling ----------------------------------------------------------------------------


class _Compiled:
    """A compiled template; its syntax tree is parsed again only to explain an error or
    for a memo to see what each block reads."""

    def __init__(self, jinja: JinjaTemplate, name: str, body: str, blocks: dict[str, int]) -> None:
        # Each block keeps what it writes, so a render can say what each one contributed.
        jinja.blocks = {name: capturing(name, block) for name, block in jinja.blocks.items()}
        self.jinja, self.name, self.body = jinja, name, body
        self.blocks = blocks  # block name -> body line, in source order

    @functools.cached_property
    def tree(self) -> nodes.Template:
        return environment().parse(self.body, name=self.name, filename=self.name)


_OTHER_FILES = (nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)


@functools.lru_cache(maxsize=256)
def _compile(name: str, body: str) -> _Compiled:
    from crisisplan.templating import compiled_cache

    env = environment()
    cached = compiled_cache.load(name, body)
    if cached is not None:
        code, blocks = cached
        jinja = env.template_class.from_code(env, code, env.make_globals(None), None)
        return _Compiled(jinja, name, body, blocks)
    tree = env.parse(body, name=name, filename=name)
    other = next(tree.find_all(_OTHER_FILES), None)
    if other is not None:
        raise Stop(
            "template.include",
            "templates cannot include, import or extend other files.",
            "Copy the words you need into this template; each template stands alone.",
            other.lineno,
        )
    for loop in list(tree.find_all(nodes.For)):
        loop.iter = nodes.Filter(
            loop.iter, LOOP_FILTER, [], [], None, None, lineno=loop.lineno, environment=env
        )
    # Jinja folds constant expressions while compiling; a budget bounds that work too.
    token = BUDGET.set(Budget(strict=False))
    try:
        code = env.compile(tree, name=name, filename=name)
    finally:
        BUDGET.reset(token)
    jinja = env.template_class.from_code(env, code, env.make_globals(None), None)
    blocks = {b.name: b.lineno for b in tree.find_all(nodes.Block)}
    compiled_cache.store(name, body, code, blocks)
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
    except Stop as exc:
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
    if text.count("\n") < 3:  # a run of blank lines takes three line breaks
        return text.strip()
    return _BLANK_RUNS.sub("\n\n", text).strip()


def render(
    template: Template,
    context: Mapping[str, Any],
    *,
    strict: bool = False,
    memo: Memo | None = None,
) -> Rendered:
    """Render a template with a context from `build_context`; any failure is a RenderError.

    `strict` also refuses to print a value that is none (`crisis check` renders this way).
    With a `memo`, a draft reuses the words of earlier drafts whose context differed only
    in the memo's varying variables, wherever the template cannot tell them apart (see
    crisisplan.templating.memo).
    """
    compiled = _compiled(template)
    variables = context if isinstance(context, dict) else dict(context)
    blocks = None
    if memo is not None and not strict:
        memo.prepare(compiled, compiled.tree, variables)

        def sketch(stand_ins: dict[str, Any]) -> tuple[str, dict[str, str]] | None:
            try:
                return _run(template, compiled, stand_ins, strict=False, blocks=None)
            except RenderError:
                return None  # rendered in full, the error names the real values

        reused = memo.drafts.draft(variables, sketch, limit=MAX_OUTPUT)
        if reused is not None:
            return _tidied(compiled, *reused)
        blocks = memo.blocks
    return _tidied(compiled, *_run(template, compiled, variables, strict=strict, blocks=blocks))


def _run(
    template: Template,
    compiled: _Compiled,
    variables: dict[str, Any],
    *,
    strict: bool,
    blocks: BlockMemo | None,
) -> tuple[str, dict[str, str]]:
    """The raw text of one render, and what each block wrote."""
    ctx = compiled.jinja.new_context(variables)
    under = Under(variables, blocks)
    token = BUDGET.set(Budget(strict=strict))
    rendering = UNDER.set(under)
    try:
        text = collected(compiled.jinja.root_render_func(ctx))
    except Exception as exc:  # every failure becomes a located RenderError
        raise _render_error(template, compiled, variables, exc) from None
    finally:
        UNDER.reset(rendering)
        BUDGET.reset(token)
    return text, under.captured


def _tidied(compiled: _Compiled, text: str, blocks: Mapping[str, str]) -> Rendered:
    text = _tidy(text)
    tidied = {name: _tidy(blocks.get(name, "")) for name in compiled.blocks}
    return Rendered(text=text + "\n" if text else "", blocks=tidied)


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
        env = environment()
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
    if isinstance(exc, Stop) and exc.code == "template.none":
        code, (message, hint, needle) = exc.code, _none_message(compiled.tree, line, context)
    elif isinstance(exc, Stop):
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
        code, message, hint = "template.limit", "the template ran out of memory.", LIMIT_HINT
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
    message = f"`{path}` is undefined: `{parent}` is {kind_of(obj)}, which has no `{name}`."
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
