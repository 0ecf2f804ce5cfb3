"""Safe YAML: plain data only, every value's place kept, hostile files refused quickly.

Scalars resolve as in YAML 1.2's core schema, not PyYAML's YAML 1.1 default: only
true/false are booleans and there are no base-60 numbers, so `on:`, `no` or `9:00`
stay the text a support lead wrote. Mapping keys are always the text written.

This module reads the text and says where things went wrong; how composed nodes become
plain data (scalars, merges, aliases) is in playbook.yaml_values.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.error import Mark, MarkedYAMLError, YAMLError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from crisisplan.errors import Location, PlaybookInvalid
from crisisplan.playbook.yaml_values import (
    BOOL,
    FLOAT,
    INT,
    MAX_ALIASES,
    MAX_DEPTH,
    MAX_NODES,
    MERGE,
    NULL,
    TIMESTAMP,
    Builder,
    Refused,
    too_deep,
)

# A playbook is a few kilobytes; this bound, like those in playbook.yaml_values, sits
# far above any real plan.
MAX_BYTES = 2 * 1024 * 1024

Loc = tuple[str | int, ...]


# What PyYAML's reader accepts; anything else is reported with its line and column.
_NOT_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
_SYNTAX_HINT = (
    "Check the indentation (spaces, not tabs) and put text that contains ': ' or ' #' in quotes."
)


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core scalars and bounds on depth, size and aliases."""

    # Our own resolver table (filled below), so PyYAML's global one is never touched.
    yaml_implicit_resolvers = {}  # noqa: RUF012

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0
        self._aliases = 0

    def fetch_flow_collection_start(self, TokenClass: Any) -> None:
        # The scanner revisits every open `[`/`{` for each token, so `[[[[...` on one
        # line costs quadratic time before the composer ever sees the depth.
        if self.flow_level >= MAX_DEPTH:
            raise too_deep(self.get_mark())
        super().fetch_flow_collection_start(TokenClass)

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        # The composer recurses once per level: stop long before Python's recursion limit.
        mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise Refused(
                f"the file holds more than {MAX_NODES:,} values",
                mark,
                "A playbook is far smaller; check that this is the right file.",
            )
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise Refused(
                    f"the file uses more than {MAX_ALIASES:,} aliases (*name)",
                    mark,
                    "Write the values out instead of repeating aliases.",
                )
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise too_deep(mark)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


for _tag, _pattern, _first in (
    (BOOL, r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    (INT, r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        FLOAT,
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
    (NULL, r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    (TIMESTAMP, SafeConstructor.timestamp_regexp.pattern, "0123456789"),
    (MERGE, r"^(?:<<)$", "<"),
):
    _Loader.add_implicit_resolver(_tag, re.compile(_pattern, re.X), list(_first))


@dataclass(frozen=True)
class YamlDoc:
    """A parsed YAML mapping as plain data, able to say where each value was written."""

    data: dict[str, Any]
    source: Path | str
    root: MappingNode = field(repr=False, compare=False)

    def locate(self, loc: Loc, *, key: bool = False) -> Location:
        """File, line and column of the value at `loc` (its key with `key=True`).

        Scalars point at the value; mappings, lists and empty values reached by a key at
        that key; a path that does not exist points at its nearest existing parent.
        """
        node: Node = self.root
        via_key: Node | None = None
        for i, part in enumerate(loc):
            if isinstance(node, MappingNode) and isinstance(part, str):
                pair = _find_pair(node, part)
                if pair is None:
                    break
                if key and i == len(loc) - 1:
                    return self._at(pair[0])
                via_key, node = pair
            elif (
                isinstance(node, SequenceNode)
                and isinstance(part, int)
                and 0 <= part < len(node.value)
            ):
                via_key, node = None, node.value[part]
            else:
                break
        else:
            # A key written with no value (`name:`) is best shown at the key itself.
            if via_key is None or (isinstance(node, ScalarNode) and node.value != ""):
                return self._at(node)
        return self._at(via_key or node)

    def _at(self, node: Node) -> Location:
        return Location(self.source, *_at(node.start_mark))


def _find_pair(node: MappingNode, key: str) -> tuple[Node, Node] | None:
    """The (key, value) nodes for `key`, looking into `<<` merges after explicit keys."""
    merges: list[Node] = []
    for key_node, value_node in node.value:
        if key_node.tag == MERGE:
            merges.append(value_node)
        elif isinstance(key_node, ScalarNode) and key_node.value == key:
            return key_node, value_node
    for merged in merges:
        for source in merged.value if isinstance(merged, SequenceNode) else [merged]:
            if isinstance(source, MappingNode) and (pair := _find_pair(source, key)):
                return pair
    return None


def load_yaml(data: bytes | str, source: Path | str, *, what: str = "file") -> YamlDoc:
    """Parse one YAML mapping into plain data, refusing anything hostile with its place."""
    if isinstance(data, bytes):
        text = decode_text(data, source)
    else:
        _check_size(data, source)
        text = data.removeprefix("\ufeff")
    bad = _NOT_PRINTABLE.search(text)
    if bad:
        message = (
            f"the {what} looks binary (it holds a NUL character), not YAML text"
            if bad.group() == "\x00"
            else f"the {what} holds a control character (U+{ord(bad.group()):04X}) that "
            "YAML does not allow"
        )
        raise _invalid(source, _line_col(text, bad.start()), message, "Remove it.")
    try:
        root = _compose(text)
        if root is None or (root.tag == NULL and not root.value):
            raise Refused(
                f"the {what} is empty",
                None,
                "Write its settings as `key: value` lines; `crisis init` writes an example.",
            )
        if not isinstance(root, MappingNode):
            kind = "a list" if isinstance(root, SequenceNode) else "a single value"
            raise Refused(
                f"the top level of the {what} must be a mapping of `key: value` lines, not {kind}",
                root.start_mark,
                "Start each top-level setting at the beginning of a line, like `name: ...`.",
            )
        built = Builder().build(root, 0)
    except Refused as refused:
        raise _invalid(source, _at(refused.mark), refused.message, refused.hint) from None
    except MarkedYAMLError as error:
        raise _syntax_error(error, source, what) from None
    except YAMLError as error:  # unmarked: reader problems, already mostly pre-checked
        raise _invalid(source, (1, 1), f"invalid YAML: {error}", _SYNTAX_HINT) from None
    except RecursionError:  # a safety net: the depth bounds above stop far earlier
        deep = too_deep(None)
        raise _invalid(source, (1, 1), deep.message, deep.hint) from None
    return YamlDoc(data=built, source=source, root=root)


def _compose(text: str) -> Node | None:
    try:
        return yaml.compose(text, Loader=_Loader)
    except (ValueError, OverflowError):  # PyYAML's scanner, on a "\U" escape past Unicode
        raise _escape_refused(text) from None


def _escape_refused(text: str) -> Refused:
    """The first `\\UXXXXXXXX` past the last Unicode character, refused at its place."""
    bad = (m for m in re.finditer(r"\\U([0-9A-Fa-f]{8})", text) if int(m.group(1), 16) > 0x10FFFF)
    found = next(bad, None)
    index, escape = (found.start(), found.group()) if found else (0, "\\U")
    line, column = _line_col(text, index)
    return Refused(
        f"the escape {escape} in a quoted value names no Unicode character",
        Mark("", index, line - 1, column - 1, None, 0),
        "Unicode stops at \\U0010FFFF; write the character itself, or fix the code.",
    )


def decode_text(data: bytes, source: Path | str) -> str:
    """The text of a user's file, refusing huge, binary and non-UTF-8 files with a place."""
    _check_size(data, source)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _invalid(source, (1, 1), "the file is saved as UTF-16", "Save it as UTF-8.")
    if (nul := data.find(b"\x00")) >= 0:
        message = "the file looks binary (it holds a NUL byte), not text"
        hint = "Check that this is the right file; playbooks and templates are UTF-8 text."
        raise _invalid(source, _byte_line_col(data, nul), message, hint)
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        message = f"the file is not UTF-8 text: byte 0x{data[error.start]:02x} cannot be read"
        hint = "Save the file as UTF-8 (most editors offer it under 'Save with encoding')."
        raise _invalid(source, _byte_line_col(data, error.start), message, hint) from None


def _syntax_error(error: MarkedYAMLError, source: Path | str, what: str) -> PlaybookInvalid:
    at = _at(error.problem_mark or error.context_mark)
    problem = error.problem or "this is not valid YAML"
    if problem == "but found another document":
        message = f"the {what} holds more than one YAML document (a second one starts here)"
        hint = "Keep one document: remove this `---` line or move what follows to its own file."
        return _invalid(source, at, message, hint)
    if "'\\t'" in problem:
        return _invalid(source, at, "a tab is used for indentation", "Indent with spaces.")
    message = f"invalid YAML: {problem}"
    context = _at(error.context_mark)
    if error.context and error.context_mark and context[0] != at[0]:
        message += f" ({error.context} at line {context[0]})"
    return _invalid(source, at, message, _SYNTAX_HINT)


def _check_size(data: bytes | str, source: Path | str) -> None:
    if len(data) > MAX_BYTES:
        message = (
            f"the file is {len(data) / 2**20:.1f} MB, more than the {MAX_BYTES // 2**20} MB "
            "a playbook or template may be"
        )
        raise _invalid(source, (1, 1), message, "Check that this is the right file.")


def _line_col(text: str, index: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1


def _byte_line_col(data: bytes, offset: int) -> tuple[int, int]:
    line_start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode("utf-8", errors="replace")) + 1
    return data.count(b"\n", 0, offset) + 1, column


def _at(mark: Mark | None) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1) if mark else (1, 1)


def _invalid(
    source: Path | str, at: tuple[int, int], message: str, hint: str | None
) -> PlaybookInvalid:
    return PlaybookInvalid([(Location(source, *at), message)], hint=hint)
