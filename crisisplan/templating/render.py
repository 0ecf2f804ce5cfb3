"""Templates rendered in a hardened Jinja2 sandbox, fed plain data only.

Every render is bounded: a budget of steps (loop turns, calls, `range` items), a deadline,
a cap on the size of any value a template builds and on the whole output. Every failure is
a `RenderError` (a TemplateError) that points at the line of the template file.

This module compiles and renders; the sandbox is in templating.sandbox, the limits in
templating.limits, the variables and our own filters in templating.variables, and the
explanation of each failure in templating.failures. What other modules import from here
is re-exported below.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from jinja2 import Template as JinjaTemplate
from jinja2 import nodes
from jinja2.exceptions import TemplateSyntaxError

from crisisplan.errors import Location
from crisisplan.templating.failures import RenderError, render_error, syntax_error, where
from crisisplan.templating.limits import (
    BUDGET,
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
from crisisplan.templating.sandbox import OPTIONAL_TOP, absent, environment
from crisisplan.templating.variables import (
    ago,
    build_context,
    clock,
    date,
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
    "render_subject",
    "sample_context",
    "subject_reads",
    "syntax_tree",
]


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
        raise syntax_error(template, exc) from None
    except Stop as exc:
        at = where(template, exc.lineno)
        raise RenderError(exc.message, code=exc.code, hint=exc.hint, location=at) from None
    except (RecursionError, MemoryError):  # Jinja's parser recurses once per nesting level
        raise RenderError(
            "the template nests too deeply to read.",
            code="template.limit",
            hint="Nest fewer brackets, ifs and loops inside each other.",
            location=where(template, None),
        ) from None
    if len(_BY_ID) > 512:
        _BY_ID.clear()
    _BY_ID[id(template)] = (template, compiled)
    return compiled


def syntax_tree(template: Template) -> nodes.Template:
    """The template body's syntax tree (for what it reads)."""
    return _compiled(template).tree


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


_SUBJECTS: dict[int, tuple[Template, Template]] = {}


def _subject_template(template: Template) -> Template:
    """The subject as a template of its own, on its line of the front matter."""
    hit = _SUBJECTS.get(id(template))
    if hit is not None and hit[0] is template:
        return hit[1]
    line = template.subject_at[0] if template.subject_at else 1
    part = template.model_copy(update={"body": template.front.subject or "", "body_line": line})
    if len(_SUBJECTS) > 512:
        _SUBJECTS.clear()
    _SUBJECTS[id(template)] = (template, part)
    return part


def subject_reads(template: Template) -> frozenset[str]:
    """The variables a template's `subject:` reads (none without one)."""
    if template.front.subject is None:
        return frozenset()
    from jinja2 import meta

    return frozenset(meta.find_undeclared_variables(_compiled(_subject_template(template)).tree))


def render_subject(
    template: Template, context: Mapping[str, Any], *, strict: bool = False
) -> str | None:
    """The template's `subject:` rendered with the draft's context, as one line; None when
    it has none, or (outside `strict`) when it renders empty."""
    if template.front.subject is None:
        return None
    part = _subject_template(template)
    offset = template.subject_at[1] - 1 if template.subject_at else 0
    try:
        compiled = _compiled(part)
        text, _ = _run(part, compiled, dict(context), strict=strict, blocks=None)
    except RenderError as exc:
        at = exc.location
        if at is not None and at.column is not None:  # a column in the subject, not the file
            exc.location = type(at)(at.file, at.line, at.column + offset)
        exc.message = f"the subject: {exc.message}"
        raise
    line = " ".join(text.split())
    if not line and strict:
        raise RenderError(
            "the subject renders empty.",
            code="template.empty",
            hint="Make `subject:` say what the email is about whatever the values are.",
            location=Location(template.path, part.body_line),
        )
    return line or None


def _run(
    template: Template,
    compiled: _Compiled,
    variables: dict[str, Any],
    *,
    strict: bool,
    blocks: BlockMemo | None,
) -> tuple[str, dict[str, str]]:
    """The raw text of one render, and what each block wrote."""
    if any(variables.get(name, 0) is None for name in OPTIONAL_TOP):
        variables = dict(variables)
        for name in OPTIONAL_TOP:
            if name in variables and variables[name] is None:
                variables[name] = absent(name)
    ctx = compiled.jinja.new_context(variables)
    under = Under(variables, blocks)
    token = BUDGET.set(Budget(strict=strict))
    rendering = UNDER.set(under)
    try:
        text = collected(compiled.jinja.root_render_func(ctx))
    except Exception as exc:  # every failure becomes a located RenderError
        raise render_error(template, compiled, variables, exc) from None
    finally:
        UNDER.reset(rendering)
        BUDGET.reset(token)
    return text, under.captured


def _tidied(compiled: _Compiled, text: str, blocks: Mapping[str, str]) -> Rendered:
    text = _tidy(text)
    tidied = {name: _tidy(blocks.get(name, "")) for name in compiled.blocks}
    return Rendered(text=text + "\n" if text else "", blocks=tidied)
