"""Composed YAML nodes turned into plain data, as YAML 1.2's core schema reads them.

Only true/false are booleans, there are no base-60 numbers, and mapping keys are always
the text written. Aliases are expanded under a budget (no billion laughs), a mapping may
not hold itself, and keys may appear once. Anything refused is a `Refused` with the mark
of the node at fault; playbook.safe_yaml adds the file name.
"""

from __future__ import annotations

from typing import Any

from yaml.constructor import SafeConstructor
from yaml.error import Mark
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

# A playbook is a few kilobytes; these bounds sit far above any real plan.
MAX_DEPTH = 64
MAX_NODES = 50_000
MAX_ALIASES = 1_000

YAML = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL = (f"{YAML}{t}" for t in ("str", "int", "float", "bool", "null"))
TIMESTAMP, MERGE, SEQ, MAP = (f"{YAML}{t}" for t in ("timestamp", "merge", "seq", "map"))

_TIMESTAMPS = SafeConstructor()


class Refused(Exception):
    """A limit or rule broken inside the parser; safe_yaml.load_yaml adds the file name."""

    def __init__(self, message: str, mark: Mark | None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message, self.mark, self.hint = message, mark, hint


def too_deep(mark: Mark | None) -> Refused:
    """The refusal of a file nested past MAX_DEPTH, at `mark`."""
    return Refused(
        f"the YAML is nested more than {MAX_DEPTH} levels deep",
        mark,
        "A playbook needs a handful of levels; check for unclosed [ or { brackets.",
    )


class Builder:
    """Turns nodes into plain data, expanding aliases under a budget (no billion laughs)."""

    def __init__(self) -> None:
        self.nodes = 0
        self.open: set[int] = set()

    def build(self, node: Node, depth: int) -> Any:
        """The plain data under `node`, which sits `depth` levels down."""
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise Refused(
                f"aliases (*name) expand this file to more than {MAX_NODES:,} values",
                node.start_mark,
                "Write the values out instead of nesting aliases inside aliases.",
            )
        if depth > MAX_DEPTH:
            raise too_deep(node.start_mark)
        if isinstance(node, ScalarNode):
            return _scalar(node)
        if id(node) in self.open:
            raise Refused(
                "an alias (*name) points at the list or mapping it sits inside",
                node.start_mark,
                "Data cannot contain itself; write the values out.",
            )
        self.open.add(id(node))
        try:
            if isinstance(node, SequenceNode) and node.tag == SEQ:
                return [self.build(item, depth + 1) for item in node.value]
            if isinstance(node, MappingNode) and node.tag == MAP:
                return self._mapping(node, depth)
            raise _tag_refused(node)
        finally:
            self.open.discard(id(node))

    def _mapping(self, node: MappingNode, depth: int) -> dict[str, Any]:
        explicit: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == MERGE:
                continue
            key = _key_text(key_node)
            if key in explicit:
                raise Refused(
                    f"duplicate key `{key}` (first written at line {first_line[key]})",
                    key_node.start_mark,
                    "Each key may appear once in a mapping; remove or rename one of them.",
                )
            first_line[key] = key_node.start_mark.line + 1
            explicit[key] = self.build(value_node, depth + 1)
        result: dict[str, Any] = {}
        # Document order, explicit keys win over merged ones, earlier merges over later.
        for key_node, value_node in node.value:
            if key_node.tag != MERGE:
                key = key_node.value
                result[key] = explicit[key]
                continue
            sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
            if not all(isinstance(source, MappingNode) for source in sources):
                raise Refused(
                    "`<<` must be followed by a mapping or a list of mappings",
                    value_node.start_mark,
                    "Use `<<: *name` where `&name` marks a mapping.",
                )
            for source in sources:
                for key, value in self.build(source, depth + 1).items():
                    result.setdefault(key, explicit.get(key, value))
        return result


def _key_text(node: Node) -> str:
    if not isinstance(node, ScalarNode):
        raise Refused(
            "a mapping key must be plain text, not a list or mapping",
            node.start_mark,
            "Write keys as `name:`; put a `?` key's content under a plain name instead.",
        )
    _scalar(node)  # refuses forbidden tags on keys too
    # The text as written, so `on:`, `yes:` or `1:` are keys, never booleans or numbers.
    text: str = node.value
    return text


def _scalar(node: ScalarNode) -> Any:
    tag, text = node.tag, node.value
    if tag in (STR, MERGE):  # `<<` only merges as a key; as a value it is text
        return text
    if tag == NULL:
        return None
    if tag == BOOL and text.lower() in ("true", "false"):
        return text.lower() == "true"
    try:
        if tag == INT:  # base 0 reads 0x/0o but refuses "010", which YAML 1.2 reads as 10
            return int(text, 0) if text.lstrip("+-")[1:2].isalpha() else int(text, 10)
        if tag == FLOAT:
            return float(text.lower().replace(".inf", "inf").replace(".nan", "nan"))
    except ValueError:
        pass
    if tag == TIMESTAMP and _TIMESTAMPS.timestamp_regexp.match(text):
        try:
            return _TIMESTAMPS.construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            raise Refused(
                f"{_brief(text)} is not a real date or time",
                node.start_mark,
                "Write dates as YYYY-MM-DD, like 2026-11-01.",
            ) from None
    if tag in (BOOL, INT, FLOAT, TIMESTAMP):
        kind = {BOOL: "true or false", INT: "a whole number", FLOAT: "a number"}
        raise Refused(
            f"{_brief(text)} cannot be read as {kind.get(tag, 'a date')} ({_short(tag)})",
            node.start_mark,
            "Fix the value, or put it in quotes if it is text.",
        )
    raise _tag_refused(node)


def _tag_refused(node: Node) -> Refused:
    return Refused(
        f"the YAML tag {_short(node.tag)} is not allowed",
        node.start_mark,
        "Playbooks hold plain text, numbers, dates, lists and mappings; remove the tag.",
    )


def _brief(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _short(tag: str) -> str:
    return "!!" + tag.removeprefix(YAML) if tag.startswith(YAML) else tag
