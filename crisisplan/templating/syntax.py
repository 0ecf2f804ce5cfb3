"""What the reuse of drafts reads from a template's syntax tree, shared by the two levels
of reuse (templating.memo for blocks, templating.whole_drafts for whole drafts).

It imports neither of them, so they need not import each other.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from jinja2 import nodes


def typed(value: Any) -> Any:
    """A value as part of a key: 1, 1.0 and True are equal but print differently."""
    return value if type(value) is str else (type(value), value)


def bindings(root: nodes.Node) -> Counter[str]:
    """How many times each name is set or bound under `root` (set, for, with, macro...)."""
    names: Counter[str] = Counter()
    for node in root.find_all((nodes.Name, nodes.Macro, nodes.NSRef)):
        if isinstance(node, nodes.Name):
            if node.ctx in ("store", "param"):
                names[node.name] += 1
        elif isinstance(node, nodes.Macro | nodes.NSRef):
            names[node.name] += 1
    return names


def field_of(node: nodes.Node | None) -> str | None:
    """The field `node` reads by name (`x.field`, `x['field']`), if it reads one."""
    if isinstance(node, nodes.Getattr):
        return node.attr
    if (
        isinstance(node, nodes.Getitem)
        and isinstance(node.arg, nodes.Const)
        and isinstance(node.arg.value, str)
    ):
        return node.arg.value
    return None
