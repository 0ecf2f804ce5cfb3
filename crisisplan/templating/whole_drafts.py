"""Whole drafts, made once for each group of customers a template cannot tell apart.

A bulk run renders one template for thousands of customers with everything else in the
context the same, and templates are deterministic (the sandbox has no `random` and no
`lipsum`). So where a template reads each customer field only

- to print it as it is (`{{ customer.name }}`),
- to test it (`{% if customer.note %}`), or
- as a value that repeats between customers (`customer.tier == "enterprise"`),

the draft is the same text for every customer whose tests and values agree, with the
printed fields filled in. `Skeletons` renders the template once for each such group, with
a stand-in for each printed field, cuts the text at the stand-ins, and fills in each
customer's own values: a bulk draft costs a lookup and a join instead of a render.

A field printed through anything that can change the words first (a filter or set block,
a macro or call block, autoescape, a recursive loop) counts as a value, so it is part of
what identifies the draft and never filled in; a template that sets or binds a varying
name, or calls `self` or `super`, gets no skeletons at all. As a last check, a stand-in
that does not come back exactly as it went in means that draft is rendered in full.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

from jinja2 import nodes

from crisisplan.templating.syntax import bindings, field_of, typed

_TRIAL = 64  # skeletons tried before asking whether they are used again
_MAX_KEPT = 4096  # skeletons tried per run
_MAX_CHARS = 4_000_000  # characters kept across them: memory stays flat
# Nodes whose output a template can change before it is printed, or keep as a value.
_TRANSFORMING = (
    nodes.Macro,
    nodes.CallBlock,
    nodes.FilterBlock,
    nodes.AssignBlock,
    nodes.EvalContextModifier,
)
_ABSENT = object()  # a variable or field the context does not have
_FILLED = object()  # in a key: a printed field, filled in for each draft

# A render of a context: its raw text and what each block wrote; None if it failed.
Render = Callable[[dict[str, Any]], "tuple[str, dict[str, str]] | None"]


class _Use(NamedTuple):
    """How a template reads one varying field (`field` None: the whole variable)."""

    variable: str
    field: str | None
    value: bool  # some part of the template uses its value
    prints: bool  # printed as it is
    tests: bool  # the whole test of an `if`


class Skeleton(NamedTuple):
    """A draft's raw text and blocks, cut where each printed field goes (its slot)."""

    text: tuple[str | int, ...]
    blocks: dict[str, tuple[str | int, ...]]

    def size(self, values: list[str]) -> int:
        """How long the filled text will be, without filling it."""
        return sum(len(p) if isinstance(p, str) else len(values[p]) for p in self.text)

    def fill(self, values: list[str]) -> tuple[str, dict[str, str]]:
        """The raw text and blocks with each slot filled with its field's value."""
        return _joined(self.text, values), {
            name: _joined(pieces, values) for name, pieces in self.blocks.items()
        }


class Skeletons:
    """The skeletons of one template's drafts, for contexts fixed but for `varying`."""

    def __init__(self, varying: frozenset[str]) -> None:
        self.varying = varying
        self._uses: tuple[_Use, ...] | None = None
        self._kept: dict[tuple[Any, ...], Skeleton] = {}
        self._refused: set[tuple[Any, ...]] = set()  # keys whose stand-in render failed
        self._chars = 0
        self._reused = 0  # drafts filled into a skeleton made for an earlier one
        # Stand-ins for printed fields: no template or value holds this run's random mark.
        self._token = os.urandom(8).hex()
        self._slot = re.compile(f"\x00{self._token}:(\\d+)\x00")

    def prepare(self, tree: nodes.Template) -> None:
        """Start afresh for the template with this syntax tree."""
        self._uses = _uses(tree, self.varying)
        self._kept.clear()
        self._refused.clear()
        self._chars = self._reused = 0

    @property
    def made(self) -> int:
        """How many skeletons are kept."""
        return len(self._kept)

    def key(self, context: Mapping[str, Any]) -> tuple[tuple[Any, ...], list[str]] | None:
        """What identifies the draft for this context, and the values of its printed
        fields (in slot order); None if the template's drafts have no skeleton."""
        if self._uses is None:
            return None
        key: list[Any] = []
        values: list[str] = []
        for use in self._uses:
            value = _value(context, use.variable, use.field)
            if value is _ABSENT:
                return None
            if use.prints and not use.value and _fillable(value, use):
                key.append(_FILLED)
                values.append(value)
                continue
            if use.prints:
                values.append("")  # printed as it is in this draft's skeleton
            if use.value or use.prints:
                key.append(typed(value))
            else:
                key.append(bool(value))
        try:
            hash(tuple(key))
        except TypeError:  # a list or a mapping: render the draft instead
            return None
        return tuple(key), values

    def draft(
        self, context: Mapping[str, Any], render: Render, *, limit: int
    ) -> tuple[str, dict[str, str]] | None:
        """The raw text and blocks of this context's draft, filled into the skeleton for
        drafts like it (made with `render` the first time); None where the draft must be
        rendered in full: no skeleton, or a filled text over `limit` characters."""
        found = self.key(context)
        if found is None:
            return None
        key, values = found
        skeleton = self._kept.get(key)
        if skeleton is not None:
            self._reused += 1
        elif key in self._refused or not self._has_room():
            return None
        else:
            skeleton = self._make(key, context, render)
            if skeleton is None:
                return None
        if skeleton.size(values) > limit:
            return None  # rendered in full, the draft is refused for its size as it goes
        return skeleton.fill(values)

    def _has_room(self) -> bool:
        """Whether to try another skeleton: not once they are seldom used again, as when
        a template uses a value unique to each customer (`customer.name | upper`)."""
        tried = len(self._kept) + len(self._refused)
        return (
            tried < _MAX_KEPT
            and self._chars < _MAX_CHARS
            and (tried < _TRIAL or self._reused >= tried)
        )

    def _make(
        self, key: tuple[Any, ...], context: Mapping[str, Any], render: Render
    ) -> Skeleton | None:
        rendered = render(self._sketch(context))
        text = None if rendered is None else self._cut(rendered[0])
        blocks = {} if rendered is None else {n: self._cut(w) for n, w in rendered[1].items()}
        if text is None or any(b is None for b in blocks.values()):
            # The stand-in render failed (the full render says why, with the real values),
            # or a stand-in came back changed: a way of changing printed words the analysis
            # did not see. Either way, drafts with this key are rendered in full.
            self._refused.add(key)
            return None
        skeleton = Skeleton(text, {n: b for n, b in blocks.items() if b is not None})
        self._kept[key] = skeleton
        self._chars += sum(len(p) for p in text if isinstance(p, str))
        return skeleton

    def _sketch(self, context: Mapping[str, Any]) -> dict[str, Any]:
        """The context with a stand-in for each field the draft's skeleton fills in."""
        sketch = dict(context)
        for slot, use in enumerate(u for u in self._uses or () if u.prints):
            value = _value(context, use.variable, use.field)
            if use.value or not _fillable(value, use):
                continue
            stand_in = f"\x00{self._token}:{slot}\x00"
            if use.field is None:
                sketch[use.variable] = stand_in
            else:
                if sketch[use.variable] is context[use.variable]:
                    sketch[use.variable] = dict(context[use.variable])  # copied once
                sketch[use.variable][use.field] = stand_in
        return sketch

    def _cut(self, text: str) -> tuple[str | int, ...] | None:
        """The text cut at its stand-ins; None if any piece of one is left over."""
        pieces = self._slot.split(text)  # text, slot, text, slot, ..., text
        cut = tuple(p if i % 2 == 0 else int(p) for i, p in enumerate(pieces) if p)
        # A stand-in cut short or changed (`truncate`, `upper`) leaves its NUL or its token.
        # A NUL in the template or a value refuses just the drafts it is in.
        if any(isinstance(p, str) and ("\x00" in p or self._token in p.lower()) for p in cut):
            return None
        return cut


def _joined(pieces: tuple[str | int, ...], values: list[str]) -> str:
    return "".join([p if isinstance(p, str) else values[p] for p in pieces])


def _value(context: Mapping[str, Any], variable: str, field: str | None) -> Any:
    value = context.get(variable, _ABSENT)
    if field is None or value is _ABSENT:
        return value
    if not isinstance(value, dict):
        return _ABSENT
    return value.get(field, _ABSENT)


def _fillable(value: Any, use: _Use) -> bool:
    """A printed string can be filled in, unless an empty one changes what a test sees."""
    return type(value) is str and (bool(value) or not use.tests)


def _uses(tree: nodes.Template, varying: frozenset[str]) -> tuple[_Use, ...] | None:
    """How the template reads each varying field; None if a skeleton cannot take them."""
    if not varying.isdisjoint(bindings(tree)):
        return None  # the template sets or binds a varying name: reads may mean another
    found: dict[tuple[str, str | None], _Use] = {}
    for name, expr, around, plain in _reads(tree):
        if name in ("self", "super"):
            return None  # a block's words can be taken as a value and changed
        if name not in varying:
            continue
        field = field_of(expr) if expr is not None else None
        use = found.get((name, field)) or _Use(name, field, False, False, False)
        if plain and isinstance(around, nodes.Output):
            use = use._replace(prints=True)
        elif isinstance(around, nodes.If) and around.test is expr:
            use = use._replace(tests=True)
        else:
            use = use._replace(value=True)
        found[(name, field)] = use
    return tuple(found[read] for read in sorted(found, key=lambda r: (r[0], r[1] or "")))


def _reads(
    tree: nodes.Template,
) -> Iterator[tuple[str, nodes.Node | None, nodes.Node | None, bool]]:
    """Every name the template reads: with the expression that reads it (the name, or
    the field of it that is read), the node around that, and whether what the node
    prints reaches the draft as it is."""
    stack: list[tuple[nodes.Node, nodes.Node | None, nodes.Node | None, bool]] = [
        (tree, None, None, True)
    ]
    while stack:
        node, parent, grandparent, plain = stack.pop()
        if isinstance(node, nodes.Name) and node.ctx == "load":
            if field_of(parent) is not None:
                yield node.name, parent, grandparent, plain  # customer.name, customer['name']
            else:
                yield node.name, node, parent, plain
        inner = plain and not (
            isinstance(node, _TRANSFORMING) or (isinstance(node, nodes.For) and node.recursive)
        )
        stack.extend((child, node, parent, inner) for child in node.iter_child_nodes())
