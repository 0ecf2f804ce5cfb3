"""Reusing what a block wrote, across the many drafts of one run.

A bulk run renders one template for thousands of customers with everything else in the
context the same. A block that reads only that fixed part, and customer fields by name,
writes the same words for every customer whose fields it reads are the same: the
`acknowledge` block of a first response differs only by `customer.open_case`. A
`BlockMemo` keeps those words and hands them back, so such a block is rendered once per
distinct set of fields instead of once per customer.

Templates are deterministic (the sandbox has no `random` and no `lipsum`) and a block
sees only the context and pure globals, so this changes no draft. Whatever the analysis
cannot prove about a block (it calls `self` or `super`, reads a variable set outside
it, or uses a whole customer) makes the block render every time, as before.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from jinja2 import meta, nodes

# Names a block may read besides the context: Jinja's pure globals (see crisisplan.sandbox).
_GLOBALS = frozenset({"range", "dict", "namespace", "cycler", "joiner"})
# Names that reach other blocks or the template's own variables.
_OPAQUE = frozenset({"self", "super", "caller", "varargs", "kwargs"})
_MAX_KEPT = 4096  # outputs kept per run: a block keyed on a unique field stops filling it

Read = tuple[str, str | None]  # a varying variable and the field read (None: all of it)


class BlockMemo:
    """The blocks of one template rendered with a context fixed but for `varying`."""

    def __init__(self, varying: frozenset[str]) -> None:
        self.varying = varying
        self._template: object | None = None
        self._reads: dict[str, tuple[Read, ...] | None] = {}
        self._kept: dict[tuple[Any, ...], str] = {}

    def prepare(self, template: object, tree: nodes.Template, fixed: Mapping[str, Any]) -> None:
        """Analyse `template` (its syntax tree) once; another template starts afresh."""
        if template is self._template:
            return
        self._template = template
        self._kept.clear()
        known = (set(fixed) - self.varying) | _GLOBALS
        self._reads = {
            block.name: _reads(block, self.varying, known) for block in tree.find_all(nodes.Block)
        }

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

    def get(self, key: tuple[Any, ...]) -> str | None:
        return self._kept.get(key)

    def keep(self, key: tuple[Any, ...], words: str) -> None:
        if len(self._kept) < _MAX_KEPT:
            self._kept[key] = words


def _reads(block: nodes.Block, varying: frozenset[str], known: set[str]) -> tuple[Read, ...] | None:
    """The varying fields a block reads, if all else it reads is fixed; None otherwise."""
    if next(block.find_all(nodes.Block), None) is not None:
        return None  # reusing its words would leave the blocks inside it unrecorded
    if block.environment is None:
        return None
    body = nodes.Template(block.body, lineno=block.lineno)
    body.set_environment(block.environment)
    undeclared = meta.find_undeclared_variables(body)
    reads: set[Read] = set()
    for name, parent in _names(block):
        if name in _OPAQUE:
            return None
        if name in varying:
            reads.add((name, _field(parent)))  # a whole mapping is no key: never reused
        elif name in undeclared and name not in known:
            return None  # set outside the block, or not there at all
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
