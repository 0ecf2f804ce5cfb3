"""A recorded reply's words as template source: literal text, variables, and blocks.

Nothing a customer wrote can ever be read as Jinja: `{{`, `{%` and `{#` are escaped, and
only the swaps `phases.library_save` chose become variables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crisisplan.playbook.templates import REQUIRED_BLOCKS

_PARAGRAPH = re.compile(r"\n[^\S\n]*\n\s*")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Swap:
    """Words that belonged to one reply, and the variable that says them next time."""

    pattern: str
    expression: str


_JINJA_OPEN = re.compile(r"\{(?=[{%#]|$)")


def _literal(text: str) -> str:
    """Text for a template body that renders as itself: no Jinja can start inside it.

    A `{` at the end is escaped too, since a variable may follow it.
    """
    return _JINJA_OPEN.sub("{{ '{' }}", text)


def templated(text: str, swaps: list[Swap]) -> str:
    """The text as template source: swapped words become variables, the rest stays literal."""
    if not swaps:
        return _literal(text)
    pattern = re.compile("|".join(f"(?P<s{i}>{s.pattern})" for i, s in enumerate(swaps)))
    parts: list[str] = []
    position = 0
    for match in pattern.finditer(text):
        parts.append(_literal(text[position : match.start()]))
        parts.append(swaps[int(str(match.lastgroup)[1:])].expression)
        position = match.end()
    parts.append(_literal(text[position:]))
    return "".join(parts)


# --- the body -----------------------------------------------------------------------------


def _block(name: str, content: str) -> str:
    return f"{{% block {name} -%}}\n{content}\n{{%- endblock %}}"


def block_body(
    text: str, blocks: list[tuple[str, str]], swaps: list[Swap]
) -> tuple[str, list[str], bool]:
    """The blocks in order, with the words around them (greeting, signature) kept too."""
    pieces: list[str] = []
    position = 0
    for name, content in blocks:
        found = text.find(content, position) if content else position
        if found < 0:
            body = "\n\n".join(_block(n, templated(c, swaps)) for n, c in blocks)
            return body + "\n", [n for n, _ in blocks], False
        pieces.append(templated(text[position:found], swaps))
        pieces.append(_block(name, templated(content, swaps)))
        position = found + len(content)
    pieces.append(templated(text[position:], swaps))
    body = "".join(pieces)
    return (body if body.endswith("\n") else body + "\n"), [n for n, _ in blocks], True


def split_body(text: str, purpose: str, swaps: list[Swap]) -> tuple[str, list[str]]:
    """Paragraphs shared out in order over the purpose's required blocks (or one `body`);
    a greeting and a sign-off stay outside the blocks, as in the library's own templates."""
    names = list(REQUIRED_BLOCKS.get(purpose, ("body",)))
    units = [p.strip() for p in _PARAGRAPH.split(text.strip()) if p.strip()]
    before, after = [], []
    if names != ["body"] and len(units) > 1 and _short(units[0]) and units[0].endswith(","):
        before = [units.pop(0)]
    if names != ["body"] and len(units) > 1 and _short(units[-1]):
        after = [units.pop()]
    joiner = "\n\n"
    if len(units) < len(names):
        sentences = [s for p in units for s in _SENTENCE.split(p) if s.strip()]
        if len(sentences) > len(units):
            units, joiner = sentences, " "
    share, extra = divmod(len(units), len(names))
    start = 0
    pieces = [templated(p, swaps) for p in before]
    for index, name in enumerate(names):
        size = share + (1 if index < extra else 0)
        pieces.append(_block(name, templated(joiner.join(units[start : start + size]), swaps)))
        start += size
    pieces += [templated(p, swaps) for p in after]
    return "\n\n".join(pieces) + "\n", names


def _short(paragraph: str) -> bool:
    """A greeting or a sign-off: a few words that do not end a sentence."""
    return len(paragraph.split()) <= 8 and not paragraph.endswith((".", "!", "?", ":"))
