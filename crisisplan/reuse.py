"""Reusing words across the many drafts of one run: whole drafts, else blocks.

Every block's render function is wrapped once per compiled template (`capturing`): it
keeps what the block wrote in the render under way (`Under`), so a draft can say what
each block contributed.

A bulk run renders one template for thousands of customers with everything else in the
context the same. Templates are deterministic (the sandbox has no `random` and no
`lipsum`), so what a draft says depends only on how the template reads the customer. A
`Memo` reuses words at two levels:

- **Whole drafts.** Where the template reads each customer field only to print it as it
  is (`{{ customer.name }}`), to test it (`{% if customer.note %}`), or as a value that
  repeats between customers (`customer.tier == "enterprise"`), the draft is the same text
  for every customer whose tests and values agree, with the printed fields filled in. The
  template is rendered once for each such group with a stand-in for each printed field,
  and each draft fills in its own (`Skeleton`). Whatever the analysis cannot prove (the
  template sets or binds a customer name, calls `self` or `super`, or prints a field
  through a filter block, a macro, `{% set %}...{% endset %}` or a recursive loop) gets no
  skeleton.
- **Blocks.** Otherwise, a block that reads only the fixed part of the context and
  customer fields by name writes the same words for every customer whose fields it reads
  are the same: such a block is rendered once per distinct set of fields, and the render
  is charged the steps of work the words cost. Whatever the analysis cannot prove about a
  block (it calls `self` or `super`, is scoped, reads a name the template sets or binds
  anywhere, uses a whole customer, holds another block) makes it render every time.
"""

from __future__ import annotations

import re
import secrets
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from typing import Any, NamedTuple

from jinja2 import meta, nodes
from jinja2.runtime import Context

from crisisplan.budget import BUDGET, collected

# Names a block may read besides the context: Jinja's pure globals (see crisisplan.sandbox).
_GLOBALS = frozenset({"range", "dict", "namespace", "cycler", "joiner"})
# Names that reach other blocks or the template's own variables.
_OPAQUE = frozenset({"self", "super", "caller", "varargs", "kwargs"})
_MAX_KEPT = 4096  # outputs kept per run: a block keyed on a unique field stops filling it
_TRIAL = 64  # skeletons made before asking whether they are used again
# Nodes whose output a template can change before it is printed, or keep as a value.
_TRANSFORMING = (
    nodes.Macro,
    nodes.CallBlock,
    nodes.FilterBlock,
    nodes.AssignBlock,
    nodes.EvalContextModifier,
)

Read = tuple[str, str | None]  # a varying variable and the field read (None: all of it)


class _Use(NamedTuple):
    """How a whole draft reads one varying field: `value` if any part of the template
    uses its value; else whether it prints it as it is, and whether it tests it."""

    variable: str
    field: str | None
    value: bool
    prints: bool
    tests: bool


_FILLED = object()  # in a draft's key: a printed field, filled in for each draft


class Skeleton(NamedTuple):
    """A draft's raw text and blocks, cut where each printed field goes (its slot)."""

    text: tuple[str | int, ...]
    blocks: dict[str, tuple[str | int, ...]]

    def fill(self, values: list[str]) -> tuple[str, dict[str, str]]:
        """The raw text and blocks with each slot filled with its field's value."""
        return _joined(self.text, values), {
            name: _joined(pieces, values) for name, pieces in self.blocks.items()
        }


def _joined(pieces: tuple[str | int, ...], values: list[str]) -> str:
    return "".join([p if isinstance(p, str) else values[p] for p in pieces])


class Memo:
    """The drafts of one template rendered with a context fixed but for `varying`."""

    def __init__(self, varying: frozenset[str]) -> None:
        self.varying = varying
        self._template: object | None = None
        self._reads: dict[str, tuple[Read, ...] | None] = {}
        self._kept: dict[tuple[Any, ...], tuple[str, int]] = {}
        self._uses: tuple[_Use, ...] | None = None
        self._skeletons: dict[tuple[Any, ...], Skeleton] = {}
        self._reused = 0  # drafts filled into a skeleton made for an earlier one
        # Stand-ins for printed fields: no template or value holds this run's random mark.
        self._mark = f"\x00{secrets.token_hex(8)}:"
        self._slot = re.compile(re.escape(self._mark) + r"(\d+)\x00")

    def prepare(self, template: object, tree: nodes.Template, fixed: Mapping[str, Any]) -> None:
        """Analyse `template` (its syntax tree) once; another template starts afresh."""
        if template is self._template:
            return
        self._template = template
        self._kept.clear()
        self._skeletons.clear()
        self._reused = 0
        known = (set(fixed) - self.varying) | _GLOBALS
        everywhere = _bindings(tree)
        self._reads = {}
        for block in tree.find_all(nodes.Block):
            outside = frozenset(everywhere - _bindings(block))  # bound beyond the block
            self._reads[block.name] = _reads(block, self.varying, known, outside)
        self._uses = _uses(tree, self.varying, everywhere)

    # --- whole drafts ---------------------------------------------------------------------

    def draft_key(self, context: Mapping[str, Any]) -> tuple[tuple[Any, ...], list[str]] | None:
        """What identifies this draft's skeleton, and the values of its printed fields;
        None if the template's drafts have no skeleton."""
        if self._uses is None:
            return None
        key: list[Any] = []
        values: list[str] = []
        for use in self._uses:
            value = _value(context, use.variable, use.field)
            if value is _MISSING:
                return None
            if use.prints and not use.value and _fillable(value, use):
                key.append(_FILLED)
                values.append(value)
            else:
                key.append(bool(value) if not use.value and not use.prints else value)
                if use.prints:
                    values.append("")  # printed as it is in this draft's skeleton
        try:
            hash(tuple(key))
        except TypeError:  # a list or a mapping: render the draft instead
            return None
        return tuple(key), values

    def skeleton(self, key: tuple[Any, ...]) -> Skeleton | None:
        """The skeleton kept for drafts with this key."""
        skeleton = self._skeletons.get(key)
        if skeleton is not None:
            self._reused += 1
        return skeleton

    def has_room(self) -> bool:
        """Whether to make another skeleton: not once they are seldom used again, as when
        a template uses a value unique to each customer (`customer.name | upper`)."""
        made = len(self._skeletons)
        return (
            self._uses is not None and made < _MAX_KEPT and (made < _TRIAL or self._reused >= made)
        )

    def sketch(self, context: Mapping[str, Any]) -> dict[str, Any]:
        """The context with a stand-in for each field this draft's skeleton fills in."""
        sketch = dict(context)
        slot = 0
        for use in self._uses or ():
            if not use.prints:
                continue
            value = _value(context, use.variable, use.field)
            if not use.value and _fillable(value, use):
                stand_in = f"{self._mark}{slot}\x00"
                if use.field is None:
                    sketch[use.variable] = stand_in
                else:
                    if sketch[use.variable] is context[use.variable]:
                        sketch[use.variable] = dict(context[use.variable])
                    sketch[use.variable][use.field] = stand_in
            slot += 1
        return sketch

    def keep_skeleton(
        self, key: tuple[Any, ...], text: str, blocks: Mapping[str, str]
    ) -> Skeleton | None:
        """Cut a sketch's raw text and blocks at their stand-ins, and keep it for `key`.

        If a stand-in did not come out as it went in, the analysis missed a way the
        template changes what it prints: this template's drafts get no skeleton.
        """
        cut = self._cut(text)
        parts = {name: self._cut(words) for name, words in blocks.items()}
        if cut is None or any(p is None for p in parts.values()):
            self._uses = None
            self._skeletons.clear()
            return None
        skeleton = Skeleton(cut, {name: p for name, p in parts.items() if p is not None})
        self._skeletons[key] = skeleton
        return skeleton

    def _cut(self, text: str) -> tuple[str | int, ...] | None:
        pieces = self._slot.split(text)  # text, slot, text, slot, ..., text
        cut: list[str | int] = [
            piece if i % 2 == 0 else int(piece) for i, piece in enumerate(pieces) if piece
        ]
        token = self._mark[1:-1]
        if any(isinstance(p, str) and ("\x00" in p or token in p.lower()) for p in cut):
            return None
        return tuple(cut)

    # --- blocks ---------------------------------------------------------------------------

    def key(self, block: str, context: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """What identifies this block's words for this draft; None if they cannot be reused."""
        reads = self._reads.get(block)
        if reads is None:
            return None
        key: list[Any] = [block]
        for variable, field in reads:
            value = context.get(variable)
            if field is not None:
                if not isinstance(value, dict) or field not in value:
                    return None
                value = value[field]
            key.append(value)
        try:
            hash(tuple(key))
        except TypeError:  # a list or a mapping in a field: render it instead
            return None
        return tuple(key)

    def get(self, key: tuple[Any, ...]) -> tuple[str, int] | None:
        """The words kept for `key`, and the steps of work they cost to write."""
        return self._kept.get(key)

    def keep(self, key: tuple[Any, ...], words: str, steps: int) -> None:
        """Keep a block's words for the next draft with the same key, while there is room."""
        if len(self._kept) < _MAX_KEPT:
            self._kept[key] = (words, steps)


class Under:
    """The render under way: what each block wrote, and the memo it may reuse words from."""

    __slots__ = ("captured", "context", "memo")

    def __init__(self, context: dict[str, Any], memo: Memo | None) -> None:
        self.captured: dict[str, str] = {}
        self.context = context
        self.memo = memo


UNDER: ContextVar[Under | None] = ContextVar("crisisplan_render", default=None)

BlockFunction = Callable[[Context], Iterator[str]]


def capturing(name: str, block: BlockFunction) -> BlockFunction:
    """The block's render function: it keeps what the block writes the first time it
    runs, and takes the words from the memo when the block wrote them for an earlier
    draft with the same fields, charging the render the work they cost then."""

    def run(context: Context) -> Iterator[str]:
        under = UNDER.get()
        memo = None if under is None else under.memo
        key = None if memo is None or under is None else memo.key(name, under.context)
        kept = None if key is None or memo is None else memo.get(key)
        budget = BUDGET.get()
        if kept is not None:
            text, steps = kept
            if budget is not None:
                budget.spend(steps)
        else:
            left = budget.left if budget is not None else 0
            text = collected(block(context))
            if key is not None and memo is not None:
                memo.keep(key, text, left - budget.left if budget is not None else 0)
        if under is not None:
            under.captured.setdefault(name, text)
        yield text

    return run


_MISSING = object()


def _value(context: Mapping[str, Any], variable: str, field: str | None) -> Any:
    value = context.get(variable, _MISSING)
    if field is None or value is _MISSING:
        return value
    if not isinstance(value, dict):
        return _MISSING
    return value.get(field, _MISSING)


def _fillable(value: Any, use: _Use) -> bool:
    """A printed string can be filled in, unless an empty one changes what a test sees."""
    return type(value) is str and (bool(value) or not use.tests)


def _uses(
    tree: nodes.Template, varying: frozenset[str], bound: Counter[str]
) -> tuple[_Use, ...] | None:
    """How the template reads each varying field, if each read is one a skeleton can take."""
    if any(name in bound for name in varying):
        return None  # the template sets or binds a varying name: reads may mean another
    found: dict[Read, tuple[bool, bool, bool]] = {}
    # Each node with its parent, grandparent, and whether what it prints is printed as is.
    stack: list[tuple[nodes.Node, nodes.Node | None, nodes.Node | None, bool]] = [
        (tree, None, None, True)
    ]
    while stack:
        node, parent, grandparent, plain = stack.pop()
        if isinstance(node, nodes.Name) and node.ctx == "load":
            if node.name in ("self", "super"):
                return None  # a block's words can be taken as a value and changed
            if node.name in varying:
                field = _field(parent) if _holds(parent, node) else None
                read, around = (
                    ((node.name, field), grandparent) if field else ((node.name, None), parent)
                )
                expr = parent if field else node
                value, prints, tests = found.get(read, (False, False, False))
                if plain and isinstance(around, nodes.Output):
                    prints = True
                elif isinstance(around, nodes.If) and around.test is expr:
                    tests = True
                else:
                    value = True
                found[read] = (value, prints, tests)
        inner = plain and not (
            isinstance(node, _TRANSFORMING) or (isinstance(node, nodes.For) and node.recursive)
        )
        stack.extend((child, node, parent, inner) for child in node.iter_child_nodes())
    return tuple(
        _Use(variable, field, *how)
        for (variable, field), how in sorted(found.items(), key=lambda r: (r[0][0], r[0][1] or ""))
    )


def _holds(parent: nodes.Node | None, node: nodes.Node) -> bool:
    """Whether `parent` reads a field of `node` (and not, say, uses it as a key)."""
    return isinstance(parent, nodes.Getattr | nodes.Getitem) and parent.node is node


def _bindings(root: nodes.Node) -> Counter[str]:
    """How many times each name is set or bound under `root` (set, for, with, macro...)."""
    names: Counter[str] = Counter()
    for node in root.find_all((nodes.Name, nodes.Macro, nodes.NSRef)):
        if isinstance(node, nodes.Name):
            if node.ctx in ("store", "param"):
                names[node.name] += 1
        elif isinstance(node, nodes.Macro | nodes.NSRef):
            names[node.name] += 1
    return names


def _reads(
    block: nodes.Block, varying: frozenset[str], known: set[str], outside: frozenset[str]
) -> tuple[Read, ...] | None:
    """The varying fields a block reads, if all else it reads is fixed; None otherwise."""
    if block.scoped or next(block.find_all(nodes.Block), None) is not None:
        return None  # it sees a loop's variables, or holds blocks its words would hide
    if block.environment is None:
        return None
    body = nodes.Template(block.body, lineno=block.lineno)
    body.set_environment(block.environment)
    undeclared = meta.find_undeclared_variables(body)
    reads: set[Read] = set()
    for name, parent in _names(block):
        if name in _OPAQUE or name in outside:
            return None  # another block's words, or a name the template sets elsewhere
        if name in varying:
            reads.add((name, _field(parent)))  # a whole mapping is no key: never reused
        elif name in undeclared and name not in known:
            return None  # not in the context at all
    return tuple(sorted(reads, key=lambda r: (r[0], r[1] or "")))


def _names(root: nodes.Node) -> Iterator[tuple[str, nodes.Node | None]]:
    """Every name read under `root`, with the node around it."""
    stack: list[tuple[nodes.Node, nodes.Node | None]] = [(root, None)]
    while stack:
        node, parent = stack.pop()
        if isinstance(node, nodes.Name) and node.ctx == "load":
            yield node.name, parent
        stack.extend((child, node) for child in node.iter_child_nodes())


def _field(parent: nodes.Node | None) -> str | None:
    if isinstance(parent, nodes.Getattr):
        return parent.attr
    if (
        isinstance(parent, nodes.Getitem)
        and isinstance(parent.arg, nodes.Const)
        and isinstance(parent.arg.value, str)
    ):
        return parent.arg.value
    return None
