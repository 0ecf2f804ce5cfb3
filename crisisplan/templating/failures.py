"""Why a template failed, told in words a template author can act on.

Every failure to compile or render becomes a `RenderError` that points at the line (and,
where it can, the column) of the template file, with a hint: an unknown filter gets the
closest name, an undefined variable the names the template can use, a none value the
guard that avoids printing "None". templating.render compiles and renders; this module
only explains.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from jinja2 import Template as JinjaTemplate
from jinja2 import nodes
from jinja2.exceptions import SecurityError, TemplateSyntaxError, UndefinedError
from jinja2.runtime import Undefined
from jinja2.utils import missing as _MISSING

from crisisplan.errors import Location, TemplateError
from crisisplan.templating.limits import LIMIT_HINT, Stop
from crisisplan.templating.sandbox import Absent, environment
from crisisplan.templating.variables import kind_of

if TYPE_CHECKING:
    from crisisplan.playbook.templates import Template


class RenderError(TemplateError):
    """A template failed to compile or render; `code` names the kind for `crisis check`."""

    def __init__(
        self, message: str, *, code: str, hint: str | None = None, location: Location | None = None
    ) -> None:
        super().__init__(message, hint=hint, location=location)
        self.code = code


class Parsed(Protocol):
    """A compiled template, as an explanation reads it: its Jinja code and syntax tree."""

    @property
    def jinja(self) -> JinjaTemplate: ...

    @property
    def tree(self) -> nodes.Template: ...


def where(template: Template, line: int | None, needle: str | None = None) -> Location:
    """The file place of a template line (its column: where `needle` is on it)."""
    if line is None:
        return Location(template.path, template.body_line)
    column = None
    if needle:
        lines = template.body.split("\n")
        found = lines[line - 1].find(needle) if 0 < line <= len(lines) else -1
        column = found + 1 if found >= 0 else None
    return Location(template.path, template.body_line + line - 1, column)


def syntax_error(template: Template, exc: TemplateSyntaxError) -> RenderError:
    """A template that does not compile, at its place, with the name it probably meant."""
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
        needle = _syntax_needle(template, exc.lineno, text)
    at = where(template, exc.lineno, needle)
    return RenderError(message, code="template.syntax", hint=hint, location=at)


def _syntax_needle(template: Template, line: int | None, text: str) -> str | None:
    """What on the line the syntax error is about, for its column: Jinja gives a line only.

    The token the parser got (`got '|'`) or the word the message quotes (`endfro`) where
    the line has it; the last word when the template ended too soon (where it ended);
    else the last tag opened on the line, which the parser was reading when it stopped.
    """
    lines = template.body.split("\n")
    if line is None or not 0 < line <= len(lines):
        return None
    source = lines[line - 1]
    if "end of template" in text.lower():
        return source.split()[-1] if source.split() else None
    got = re.search(r"got '([^']+)'", text)  # "expected token 'name', got '|'"
    for quoted in ([got.group(1)] if got else []) + re.findall(r"'([^']+)'", text):
        if quoted in source:
            return quoted
    opened = max(source.rfind("{%"), source.rfind("{{"))
    return source[opened:] if opened >= 0 else None


def _template_line(exc: BaseException, jinja: JinjaTemplate) -> int | None:
    """The template line of the innermost template frame in the traceback."""
    line, tb = None, exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_globals.get("__jinja_template__") is jinja:
            line = jinja.get_corresponding_lineno(tb.tb_lineno)
        tb = tb.tb_next
    return line


def render_error(
    template: Template, compiled: Parsed, context: Mapping[str, Any], exc: Exception
) -> RenderError:
    """Any failure while rendering, at the template line it happened on, with a hint."""
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
    return RenderError(message, code=code, hint=hint, location=where(template, line, needle))


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
    compiled: Parsed, line: int | None, context: Mapping[str, Any], exc: UndefinedError
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
    if isinstance(undefined, Absent):  # an optional top-level value this draft lacks
        return _absent(compiled, line, str(name))
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


def _absent(compiled: Parsed, line: int | None, name: str) -> tuple[str, str, str | None]:
    hint = f"Guard it: {{% if {name} %}}...{{% endif %}}."
    for node in compiled.tree.find_all((nodes.Getattr, nodes.Getitem)):
        assert isinstance(node, nodes.Getattr | nodes.Getitem)
        inner = node.node
        if node.lineno == line and isinstance(inner, nodes.Name) and inner.name == name:
            path = _path_of(node) or name
            return f"`{path}` is undefined because `{name}` is none here.", hint, path
    return f"`{name}` is none here, so there is nothing to print.", hint, name


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
