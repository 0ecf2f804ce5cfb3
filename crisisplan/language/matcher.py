"""Finding rule phrases in text, in a number of steps that can be counted in advance.

The text is lower-cased and its apostrophes and hyphens made plain, offsets kept. Paragraphs
(split at blank lines) are the unit: a phrase never runs across one, the "what we are doing"
exemption reads one, and each paragraph's spans are remembered, since bulk drafts share most
of theirs. A paragraph is searched only for the rules one of whose anchor words it holds, and
each such rule is one compiled regular expression run once over it; an exemption is one
more search. So the work on a paragraph is at most (1 + 2 x rules) passes over it, whatever
it says: that is the step budget the tests hold the matcher to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from operator import itemgetter
from typing import TYPE_CHECKING

from crisisplan.language.rules import BUILTIN_RULES, Level

if TYPE_CHECKING:
    from crisisplan.playbook.model import Language

SPACE = r"\s{1,64}"  # between words: any whitespace, bounded so no attempt can run on
_APOS = "'\u2019\u2018`"
_PLAIN = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u2010": "-", "\u2011": "-"})
_BLANK_LINE = re.compile(r"(\n[^\S\n]*\n)")  # kept by split: offsets stay right
_CACHED_PARAGRAPH = 20_000  # longer paragraphs are not remembered


def _compiled(pattern: str) -> re.Pattern[str]:
    """A rule's pattern as a whole-word expression: it starts where a word does and does not
    stop inside one. Saying so up front turns every position inside a word into a
    one-character test instead of a full attempt; the iterator can then keep every match."""
    return re.compile(rf"(?<!\w)(?:{pattern})(?!(?<=\w)\w)")


def plain(text: str) -> str:
    """Lower case, plain apostrophes and hyphens, every offset kept ('İ' lowers to two)."""
    low = text.lower()
    if len(low) != len(text):
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    return low.translate(_PLAIN)


@dataclass(frozen=True)
class Compiled:
    """One rule, ready to run: where its findings come from and what it says."""

    rule: str  # a built-in rule's id, or "term" / "avoid" for the playbook's
    level: Level
    why: str
    suggestion: str
    anchors: tuple[str, ...]
    regex: re.Pattern[str]
    unless: re.Pattern[str] | None = None


Span = tuple[int, int, int]  # start, end (exclusive), index of the rule


@dataclass
class RuleSet:
    """The rules for one playbook and severity, and the paragraphs they have already seen."""

    rules: tuple[Compiled, ...]
    seen: dict[str, list[Span]] = field(default_factory=dict)
    # Any rule's anchor, or None when some rule has none: one pass rules out the usual
    # paragraph, which holds no anchor at all, without looking at each rule.
    any_anchor: re.Pattern[str] | None = None


def _spaced(regex: str) -> str:
    """A rule's pattern with each space made "any whitespace" (and " ?" optional whitespace)."""
    return regex.replace(" ?", r"\s{0,64}").replace(" ", SPACE)


def _negation(stem: str) -> str:
    contracted = {"can": "ca", "will": "wo", "shall": "sha"}.get(stem, stem)
    spaced = rf"can{SPACE}?not" if stem == "can" else rf"{re.escape(stem)}{SPACE}not"
    return rf"(?:{re.escape(contracted)}n't|{spaced})"


def _word(word: str) -> str:
    out = []
    for char in word:
        if char in '"“”„':
            out.append('["“”„]')
        elif char == "-":
            out.append(rf"(?:-\s{{0,64}}|{SPACE})")  # third-party, third party
        else:
            out.append(re.escape(char))
    return "".join(out)


_NEGATABLE = frozenset(
    {"is", "was", "are", "were", "do", "does", "did", "has", "have", "had", "could", "would"}
    | {"should", "must", "need", "might", "can", "will", "shall"}
)
_STEMS = {"ca": "can", "wo": "will", "sha": "shall"}  # can't, won't, shan't


def phrase_regex(phrase: str) -> tuple[str, tuple[str, ...]]:
    """A playbook phrase as (regex, anchor words): any spacing, contractions, hyphens."""
    words = plain(phrase).split()
    parts: list[str] = []
    literal: list[str] = []
    i = 0
    while i < len(words):
        word, following = words[i], words[i + 1] if i + 1 < len(words) else ""
        if word.endswith("n't") and len(word) > 3:
            parts.append(_negation(_STEMS.get(word[:-3], word[:-3])))
        elif word in _NEGATABLE and following == "not":
            parts.append(_negation(word))
            i += 1
        elif word == "cannot":
            parts.append(_negation("can"))
        else:
            parts.append(_word(word))
            literal += re.findall(r"\w+", word)
        i += 1
    anchors = (max(literal, key=len),) if literal else ()
    return SPACE.join(parts), anchors


def build(language: Language | None, *, minor: bool) -> RuleSet:
    """The built-in rules (less those the plan turns off) and the plan's own words."""
    disabled = {d.rule for d in language.disable} if language else set()
    rules: list[Compiled] = []
    for rule in BUILTIN_RULES.values():
        if rule.id in disabled or (rule.quiet_when_minor and minor):
            continue
        unless = re.compile(_spaced(rule.unless_in_paragraph)) if rule.unless_in_paragraph else None
        either = "|".join(f"(?:{_spaced(p)})" for p in rule.patterns)
        regex = _compiled(either)
        rules.append(
            Compiled(rule.id, rule.level, rule.why, rule.suggestion, rule.anchors, regex, unless)
        )
    for term in language.terms if language else ():
        why = f"The plan's shared word is “{term.use}”: the whole team says the same thing."
        for phrase in term.instead_of:
            pattern, anchors = phrase_regex(phrase)
            regex = _compiled(pattern)
            rules.append(Compiled("term", "warning", why, f"Write “{term.use}”.", anchors, regex))
    for avoid in language.avoid if language else ():
        pattern, anchors = phrase_regex(avoid.phrase)
        instead = avoid.instead or "Say it another way."
        compiled = _compiled(pattern)
        rules.append(Compiled("avoid", avoid.level, avoid.why, instead, anchors, compiled))
    words = {anchor for rule in rules for anchor in rule.anchors}
    unanchored = any(not rule.anchors for rule in rules)
    pattern = "|".join(map(re.escape, sorted(words, key=len, reverse=True)))
    any_anchor = None if unanchored or not words else re.compile(pattern)
    return RuleSet(tuple(rules), any_anchor=any_anchor)


def _hits(regex: re.Pattern[str], low: str) -> list[tuple[int, int]]:
    """Whole-word matches, in order, none overlapping. One pass over `low`.

    Every rule expression starts and ends on a word's edge (see `_compiled`), so each match
    the iterator yields is kept as it is; it resumes where the last match ended. A match of
    the group named `skip` is read past and not kept: a rule can claim text that looks
    like its phrase but says the opposite ("no accounts have been deleted").
    """
    if "skip" in regex.groupindex:
        return [hit.span() for hit in regex.finditer(low) if hit.group("skip") is None]
    return [hit.span() for hit in regex.finditer(low)]


def scan(paragraph: str, rule_set: RuleSet, steps: list[int]) -> list[Span]:
    """The spans every rule finds in one paragraph; `steps[0]` grows by the characters read.

    Each pass over the paragraph (the anchor check, a rule's expression, an exemption) adds
    the paragraph's length, so `steps` never exceeds (1 + 2 x rules) x its length.
    """
    low = plain(paragraph)
    size = len(low)
    steps[0] += size  # lowering, and the anchor checks below, which stop at the first hit
    spans: list[Span] = []
    if rule_set.any_anchor is not None and rule_set.any_anchor.search(low) is None:
        return spans
    held: dict[str, bool] = {}  # rules share anchors ("small", "limited"): look once each
    for index, rule in enumerate(rule_set.rules):
        if rule.anchors and not any(
            held[anchor] if anchor in held else held.setdefault(anchor, anchor in low)
            for anchor in rule.anchors
        ):
            continue
        steps[0] += size
        found = _hits(rule.regex, low)
        if not found:
            continue
        if rule.unless is not None:
            steps[0] += size
            if rule.unless.search(low) is not None:
                continue
        spans += [(start, end, index) for start, end in found]
    return spans


def paragraphs(text: str) -> list[tuple[int, str]]:
    """The text's paragraphs with their offsets; phrases never run across a blank line."""
    pieces, offset, out = _BLANK_LINE.split(text), 0, []
    for i, piece in enumerate(pieces):
        if i % 2 == 0:
            out.append((offset, piece))
        offset += len(piece)
    return out


def spans_in(text: str, rule_set: RuleSet, steps: list[int]) -> list[Span]:
    """Every span in `text`, in text order, each paragraph scanned once per rule set."""
    spans: list[Span] = []
    seen, read = rule_set.seen, 0
    for offset, paragraph in paragraphs(text):
        found = seen.get(paragraph)
        if found is None:
            found = scan(paragraph, rule_set, steps)
            # Full, it keeps what it has: the paragraphs every draft shares came first.
            if len(seen) < 4096 and len(paragraph) <= _CACHED_PARAGRAPH:
                seen[paragraph] = found
        else:
            read += len(paragraph)  # the lookup hashes it
        if found and offset:
            spans += [(offset + start, offset + end, index) for start, end, index in found]
        elif found:
            spans += found
    steps[0] += read
    spans.sort(key=itemgetter(0, 2))  # text order; at one place, in the rules' order
    return spans


def step_budget(text: str, rule_set: RuleSet) -> int:
    """The most steps `spans_in` may take on `text`: (1 + 2 x rules) passes over each part."""
    return (1 + 2 * len(rule_set.rules)) * len(text)
