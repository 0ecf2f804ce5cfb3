"""Safe YAML: plain data only, every value's place kept, hostile files refused quickly.

Scalars resolve as in YAML 1.2's core schema, not PyYAML's YAML 1.1 default: only
true/false are booleans and there are no base-60 numbers, so `on:`, `no` or `9:00`
stay the text a support lead wrote. Mapping keys are always the text written.
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

# A playbook is a few kilobytes; these bounds sit far above any real plan.
MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 50_000
MAX_ALIASES = 1_000

Loc = tuple[str | int, ...]

_YAML = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (f"{_YAML}{t}" for t in ("str", "int", "float", "bool", "null"))
_TIMESTAMP, _MERGE, _SEQ, _MAP = (f"{_YAML}{t}" for t in ("timestamp", "merge", "seq", "map"))

# What PyYAML's reader accepts; anything else is reported with its line and column.
_NOT_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
_SYNTAX_HINT = (
    "Check the indentation (spaces, not tabs) and put text that contains ': ' or ' #' in quotes."
)


class _Refused(Exception):
    """A limit or rule broken inside the parser; load_yaml adds the file name."""

    def __init__(self, message: str, mark: Mark | None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message, self.mark, self.hint = message, mark, hint


def _too_deep(mark: Mark | None) -> _Refused:
    return _Refused(
        f"the YAML is nested more than {MAX_DEPTH} levels deep",
        mark,
        "A playbook needs a handful of levels; check for unclosed [ or { brackets.",
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
            raise _too_deep(self.get_mark())
        super().fetch_flow_collection_start(TokenClass)

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        # The composer recurses once per level: stop long before Python's recursion limit.
        mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise _Refused(
                f"the file holds more than {MAX_NODES:,} values",
                mark,
                "A playbook is far smaller; check that this is the right file.",
            )
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise _Refused(
                    f"the file uses more than {MAX_ALIASES:,} aliases (*name)",
                    mark,
                    "Write the values out instead of repeating aliases.",
                )
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _too_deep(mark)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


for _tag, _pattern, _first in (
    (_BOOL, r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    (_INT, r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        _FLOAT,
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
    (_NULL, r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    (_TIMESTAMP, SafeConstructor.timestamp_regexp.pattern, "0123456789"),
    (_MERGE, r"^(?:<<)$", "<"),
):
    _Loader.add_implicit_resolver(_tag, re.compile(_pattern, re.X), list(_first))

_TIMESTAMPS = SafeConstructor()


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
        if key_node.tag == _MERGE:
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
        if root is None or (root.tag == _NULL and not root.value):
            raise _Refused(
                f"the {what} is empty",
                None,
                "Write its settings as `key: value` lines; `crisis init` writes an example.",
            )
        if not isinstance(root, MappingNode):
            kind = "a list" if isinstance(root, SequenceNode) else "a single value"
            raise _Refused(
                f"the top level of the {what} must be a mapping of `key: value` lines, not {kind}",
                root.start_mark,
                "Start each top-level setting at the beginning of a line, like `name: ...`.",
            )
        built = _Builder().build(root, 0)
    except _Refused as refused:
        raise _invalid(source, _at(refused.mark), refused.message, refused.hint) from None
    except MarkedYAMLError as error:
        raise _syntax_error(error, source, what) from None
    except YAMLError as error:  # unmarked: reader problems, already mostly pre-checked
        raise _invalid(source, (1, 1), f"invalid YAML: {error}", _SYNTAX_HINT) from None
    except RecursionError:  # a safety net: the depth bounds above stop far earlier
        deep = _too_deep(None)
        raise _invalid(source, (1, 1), deep.message, deep.hint) from None
    return YamlDoc(data=built, source=source, root=root)


def _compose(text: str) -> Node | None:
    try:
        return yaml.compose(text, Loader=_Loader)
    except (ValueError, OverflowError):  # PyYAML's scanner, on a "\U" escape past Unicode
        raise _escape_refused(text) from None


def _escape_refused(text: str) -> _Refused:
    """The first `\\UXXXXXXXX` past the last Unicode character, refused at its place."""
    bad = (m for m in re.finditer(r"\\U([0-9A-Fa-f]{8})", text) if int(m.group(1), 16) > 0x10FFFF)
    found = next(bad, None)
    index, escape = (found.start(), found.group()) if found else (0, "\\U")
    line, column = _line_col(text, index)
    return _Refused(
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


class _Builder:
    """Turns nodes into plain data, expanding aliases under a budget (no billion laughs)."""

    def __init__(self) -> None:
        self.nodes = 0
        self.open: set[int] = set()

    def build(self, node: Node, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _Refused(
                f"aliases (*name) expand this file to more than {MAX_NODES:,} values",
                node.start_mark,
                "Write the values out instead of nesting aliases inside aliases.",
            )
        if depth > MAX_DEPTH:
            raise _too_deep(node.start_mark)
        if isinstance(node, ScalarNode):
            return _scalar(node)
        if id(node) in self.open:
            raise _Refused(
                "an alias (*name) points at the list or mapping it sits inside",
                node.start_mark,
                "Data cannot contain itself; write the values out.",
            )
        self.open.add(id(node))
        try:
            if isinstance(node, SequenceNode) and node.tag == _SEQ:
                return [self.build(item, depth + 1) for item in node.value]
            if isinstance(node, MappingNode) and node.tag == _MAP:
                return self._mapping(node, depth)
            raise _tag_refused(node)
        finally:
            self.open.discard(id(node))

    def _mapping(self, node: MappingNode, depth: int) -> dict[str, Any]:
        explicit: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                continue
            key = _key_text(key_node)
            if key in explicit:
                raise _Refused(
                    f"duplicate key `{key}` (first written at line {first_line[key]})",
                    key_node.start_mark,
                    "Each key may appear once in a mapping; remove or rename one of them.",
                )
            first_line[key] = key_node.start_mark.line + 1
            explicit[key] = self.build(value_node, depth + 1)
        result: dict[str, Any] = {}
        # Document order, explicit keys win over merged ones, earlier merges over later.
        for key_node, value_node in node.value:
            if key_node.tag != _MERGE:
                key = key_node.value
                result[key] = explicit[key]
                continue
            sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
            if not all(isinstance(source, MappingNode) for source in sources):
                raise _Refused(
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
        raise _Refused(
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
    if tag in (_STR, _MERGE):  # `<<` only merges as a key; as a value it is text
        return text
    if tag == _NULL:
        return None
    if tag == _BOOL and text.lower() in ("true", "false"):
        return text.lower() == "true"
    try:
        if tag == _INT:  # base 0 reads 0x/0o but refuses "010", which YAML 1.2 reads as 10
            return int(text, 0) if text.lstrip("+-")[1:2].isalpha() else int(text, 10)
        if tag == _FLOAT:
            return float(text.lower().replace(".inf", "inf").replace(".nan", "nan"))
    except ValueError:
        pass
    if tag == _TIMESTAMP and _TIMESTAMPS.timestamp_regexp.match(text):
        try:
            return _TIMESTAMPS.construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            raise _Refused(
                f"{_brief(text)} is not a real date or time",
                node.start_mark,
                "Write dates as YYYY-MM-DD, like 2026-11-01.",
            ) from None
    if tag in (_BOOL, _INT, _FLOAT, _TIMESTAMP):
        kind = {_BOOL: "true or false", _INT: "a whole number", _FLOAT: "a number"}
        raise _Refused(
            f"{_brief(text)} cannot be read as {kind.get(tag, 'a date')} ({_short(tag)})",
            node.start_mark,
            "Fix the value, or put it in quotes if it is text.",
        )
    raise _tag_refused(node)


def _tag_refused(node: Node) -> _Refused:
    return _Refused(
        f"the YAML tag {_short(node.tag)} is not allowed",
        node.start_mark,
        "Playbooks hold plain text, numbers, dates, lists and mappings; remove the tag.",
    )


def _brief(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _short(tag: str) -> str:
    return "!!" + tag.removeprefix(_YAML) if tag.startswith(_YAML) else tag


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
