"""Reusing words across the many drafts of one run: whole drafts, else blocks.

A bulk run renders one template for thousands of customers with everything else in the
context the same. A `Memo` reuses what earlier drafts wrote at two levels: whole drafts
filled in with each customer's printed fields (templating.whole_drafts), and, where a draft
has no skeleton, the blocks that read nothing that differs (`BlockMemo`).

Every block's render function is wrapped once per compiled template (`capturing`): it
keeps what the block wrote in the render under way (`Under`), so a draft can say what
each block contributed.

A block that reads only the fixed part of the context, and customer fields by name,
writes the same words for every customer whose fields it reads are the same: the
`acknowledge` block of a first response differs only by `customer.open_case`. A
`BlockMemo` keeps those words, and the steps of work they cost, and hands them back, so
such a block is rendered once per distinct set of fields instead of once per customer.

Templates are deterministic (the sandbox has no `random` and no `lipsum`) and a block
sees only the context, pure globals and the names the template itself sets, so a block
that reads none of those names writes what it wrote before. Whatever the analysis cannot
prove about a block (it calls `self` or `super`, is scoped, reads a name the template
sets or binds anywhere, uses a whole customer, holds another block) makes it render
every time, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from jinja2 import meta, nodes
from jinja2.runtime import Context

from crisisplan.templating.limits import BUDGET, collected
from crisisplan.templating.syntax import bindings, field_of, typed

if TYPE_CHECKING:
    from crisisplan.templating.whole_drafts import Skeletons

# Names a block may read besides the context: Jinja's pure globals (see templating.sandbox).
_GLOBALS = frozenset({"range", "dict", "namespace", "cycler", "joiner"})
# Names that reach other blocks or the template's own variables.
_OPAQUE = frozenset({"self", "super", "caller", "varargs", "kwargs"})
_MAX_KEPT = 4096  # outputs kept per run: a block keyed on a unique field stops filling it

Read = tuple[str, str | None]  # a varying variable and the field read (None: all of it)


class Memo:
    """What the drafts of one template, rendered with a context fixed but for `varying`,
    reuse from each other: whole drafts, else blocks."""

    def __init__(self, varying: frozenset[str]) -> None:
        from crisisplan.templating.whole_drafts import Skeletons  # only bulk runs make a memo

        self.drafts: Skeletons = Skeletons(varying)
        self.blocks = BlockMemo(varying)
        self._template: object | None = None

    def prepare(self, template: object, tree: nodes.Template, fixed: Mapping[str, Any]) -> None:
        """Analyse `template` (its syntax tree) once; another template starts afresh."""
        if template is not self._template:
            self._template = template
            self.drafts.prepare(tree)
            self.blocks.prepare(tree, fixed)


class BlockMemo:
    """The blocks of one template rendered with a context fixed but for `varying`."""

    def __init__(self, varying: frozenset[str]) -> None:
        self.varying = varying
        self._reads: dict[str, tuple[Read, ...] | None] = {}
        self._kept: dict[tuple[Any, ...], tuple[str, int]] = {}

    def prepare(self, tree: nodes.Template, fixed: Mapping[str, Any]) -> None:
        """Start afresh for the template with this syntax tree."""
        self._kept.clear()
        known = (set(fixed) - self.varying) | _GLOBALS
        everywhere = bindings(tree)
        self._reads = {}
        for block in tree.find_all(nodes.Block):
            outside = frozenset(everywhere - bindings(block))  # bound beyond the block
            self._reads[block.name] = _reads(block, self.varying, known, outside)

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
            key.append(typed(value))
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

    def __init__(self, context: dict[str, Any], memo: BlockMemo | None) -> None:
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
            reads.add((name, field_of(parent)))  # a whole mapping is no key: never reused
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
