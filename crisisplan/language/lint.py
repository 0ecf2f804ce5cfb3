"""The shared-language checker: built-in and playbook rules, and findings with their places.

Matching is whole-word and case-insensitive; words may be split by any whitespace (line
breaks included, but not a blank line: a phrase stays within its paragraph), apostrophes and
quotes may be straight or curly, and "wasn't" matches "was not". Each rule set is compiled
once and remembers the paragraphs it has seen: bulk drafts share most of theirs.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from crisisplan.playbook.model import Language

Level = Literal["error", "warning"]

_APOS = "['\u2019\u2018`]"  # straight, curly right, curly left, backtick
_WHO = (
    r"(?:customers|users|people|accounts|clients|subscribers|businesses|merchants|members"
    r"|teams|sites|organi[sz]ations)"
)
_NOT = rf"(?:n{_APOS}t|\s+not)"  # wasn't / was not
_ACTION = (  # "we are moving", "we've switched", "we will ..."; says what *we* do about it
    rf"\bwe(?:\s+are|{_APOS}re)\s+(?:now\s+|already\s+)?\w+ing\b"
    rf"|\bwe(?:\s+have|{_APOS}ve)\s+(?:now\s+|already\s+)?\w+ed\b"
    rf"|\bwe(?:\s+will|{_APOS}ll)\s+\w+"
)


@dataclass(frozen=True)
class Pattern:
    """A lower-case regular expression, and literal words one of which every match contains.

    `before` is how far (in characters) a match may start ahead of its anchor word; 0 means
    every match starts with one, so a single anchored match attempt is enough.
    """

    anchors: tuple[str, ...]
    regex: str
    before: int = 0


def _p(anchors: str, regex: str, before: int = 0) -> Pattern:
    return Pattern(tuple(anchors.split()), regex, before)


@dataclass(frozen=True)
class Rule:
    """A built-in rule: the phrases it catches, how bad, why, and what to write instead."""

    id: str
    level: Level
    why: str
    suggestion: str
    patterns: tuple[Pattern, ...]
    above_minor_only: bool = False
    unless_in_sentence: str | None = None  # no finding when this is in the same sentence


@dataclass(frozen=True)
class LintFinding:
    """A phrase a rule caught: where (1-based; the end is just past the phrase), why, instead.

    `start` and `end` are the phrase's offsets in the text (end exclusive).
    """

    rule: str
    level: Level
    phrase: str
    line: int
    column: int
    end_line: int
    end_column: int
    why: str
    suggestion: str
    start: int
    end: int


BUILTIN_RULES: dict[str, Rule] = {
    rule.id: rule
    for rule in (
        Rule(
            "minimising",
            "error",
            "It is big if you are one of them: counting how few are hit tells each of them "
            "their problem is small.",
            "Say who is affected and how, without counting them down: "
            "“customers using the EU servers cannot send email”.",
            (
                _p(
                    "small",
                    r"a\s+(?:very\s+)?small\s+(?:number|percentage|fraction"
                    rf"|subset|group|minority)\s+of\s+(?:our\s+)?{_WHO}",
                    before=30,
                ),
                _p(
                    "only",
                    r"only\s+(?:a\s+)?(?:(?:very\s+)?few|couple\s+of|handful\s+of|small\s+number"
                    rf"\s+of)\s+(?:of\s+)?(?:our\s+)?{_WHO}",
                ),
                _p("handful", r"a\s+handful\s+of", before=20),
            ),
        ),
        Rule(
            "minor-issue",
            "error",
            "Calling it minor, when the incident is more than minor, tells the customer "
            "their trouble does not count.",
            "Name what is broken and what it means for them.",
            (
                _p("minor", r"minor\s+(?:issue|glitch|hiccup|problem|blip|hitch|disruption)"),
                _p(
                    "slight small little", r"(?:slight|small|little)\s+(?:hiccup|glitch|blip|hitch)"
                ),
            ),
            above_minor_only=True,
        ),
        Rule(
            "blame",
            "error",
            "Customers chose us, not our suppliers: whose fault it was is not their problem, "
            "and saying so sounds like an excuse.",
            "Own it: “this is our responsibility”, then say what we are doing.",
            (
                _p(
                    "fault",
                    rf"(?:(?:it|this|that)\s+(?:was|is){_NOT}\s+|not\s+)our\s+fault",
                    before=60,
                ),
                _p("fault", rf"(?:was|is|were|are)n{_APOS}t\s+our\s+fault", before=40),
                _p("fault", r"no\s+fault\s+of\s+our\s+own", before=20),
            ),
        ),
        Rule(
            "third-party-blame",
            "warning",
            "Pointing at a supplier sounds like an excuse unless we also say what we are "
            "doing about it.",
            "Say what we are doing: “our hosting provider is down; we are moving your mail "
            "to a second provider”.",
            (
                _p(
                    "due caused",
                    r"(?:due\s+to|caused\s+by)\s+(?:a|an|our)\s+(?:(?:third[\s\u2010\u2011-]*party|upstream"
                    r"|external|hosting)\s+)?(?:provider|supplier|vendor|partner)",
                ),
                _p("due", r"due\s+to\s+(?:a\s+)?third[\s\u2010\u2011-]*party"),
                _p("third", r"third[\s\u2010\u2011-]*party\s+(?:provider|supplier|vendor)"),
            ),
            unless_in_sentence=_ACTION,
        ),
        Rule(
            "fake-apology",
            "error",
            "An apology with an “if” or an “any inconvenience” is not an apology: it doubts "
            "the harm, or makes it sound small.",
            "Say sorry for what happened, by name: “I'm sorry your invoices did not go out "
            "this morning.”",
            (
                _p(
                    "sorry apologi",
                    r"(?:sorry|apologi[sz]e|apologies)\s+for\s+(?:any|the)\s+inconvenience",
                ),
                _p(
                    "inconvenience",
                    r"for\s+any\s+inconvenience\s+(?:(?:this|that)\s+(?:(?:may|might)\s+have\s+"
                    r"|has\s+)?)?caused",
                    before=40,
                ),
                _p("regret", r"regret\s+any\s+inconvenience"),
                _p("apologi", r"apologi[sz]e\s+if"),
                _p("sorry", r"sorry\s+if"),
            ),
        ),
        Rule(
            "downplaying",
            "error",
            "Whether it was bad is the customer's to say: telling them it was not so bad "
            "tells them their trouble does not count.",
            "Name what happened and what it meant for them, and leave the judging to them.",
            (
                _p(
                    "bad",
                    rf"(?:it|this|that)\s+(?:was|is){_NOT}\s+(?:so|that|too|all\s+that)\s+bad",
                    before=60,
                ),
            ),
        ),
    )
}
BUILTIN_RULE_IDS: tuple[str, ...] = tuple(BUILTIN_RULES)

_NEGATABLE = frozenset(
    {"is", "was", "are", "were", "do", "does", "did", "has", "have", "had", "could", "would"}
    | {"should", "must", "need", "might", "can", "will", "shall"}
)
_STEMS = {"ca": "can", "wo": "will", "sha": "shall"}  # can't, won't, shan't


def _negation(stem: str) -> str:
    contracted = {"can": "ca", "will": "wo", "shall": "sha"}.get(stem, stem)
    spaced = r"can\s*not" if stem == "can" else rf"{re.escape(stem)}\s+not"
    return rf"(?:{re.escape(contracted)}n{_APOS}t|{spaced})"


def _word(word: str) -> str:
    out = []
    for char in word:
        if char in "'\u2019\u2018`":
            out.append(_APOS)
        elif char in '"“”„':
            out.append('["“”„]')
        elif char in "-\u2010\u2011":  # hyphen-minus, hyphen, non-breaking hyphen
            out.append(r"(?:[\-\u2010\u2011]\s*|\s+)")  # third-party, third party
        else:
            out.append(re.escape(char))
    return "".join(out)


def phrase_pattern(phrase: str) -> Pattern:
    """The pattern for a playbook phrase, with the tolerances this module promises."""
    words = _lower(phrase).split()
    parts: list[str] = []
    plain: list[tuple[str, int]] = []  # words matched literally, with their word position
    i = 0
    while i < len(words):
        word = re.sub(_APOS, "'", words[i])
        following = words[i + 1] if i + 1 < len(words) else ""
        if word.endswith("n't") and len(word) > 3:
            parts.append(_negation(_STEMS.get(word[:-3], word[:-3])))
        elif word in _NEGATABLE and following == "not":
            parts.append(_negation(word))
            i += 1
        elif word == "cannot":
            parts.append(_negation("can"))
        else:
            parts.append(_word(word))
            if re.fullmatch(r"\w+", word):
                plain.append((word, i))
        i += 1
    regex = r"\s+".join(parts)
    if not plain:
        return Pattern((), regex)
    anchor, position = max(plain, key=lambda item: len(item[0]))
    ahead = len(" ".join(words[:position]))
    # Room for wider spacing (and "was not" for "wasn't") than the phrase's own.
    return Pattern((anchor,), regex, 0 if position == 0 else 2 * ahead + 20)


@dataclass(frozen=True)
class _Compiled:
    rule: str
    level: Level
    why: str
    suggestion: str
    patterns: tuple[tuple[tuple[str, ...], re.Pattern[str], int], ...]
    unless: re.Pattern[str] | None


def _compile_rule(
    rule: str, level: Level, why: str, suggestion: str, patterns: list[Pattern], unless: str | None
) -> _Compiled:
    # Lower-case text, case-sensitive patterns: re.IGNORECASE is many times slower. Word
    # boundaries are checked on each hit, since a leading look-behind would slow every search.
    compiled = tuple((p.anchors, re.compile(p.regex), p.before) for p in patterns)
    guard = re.compile(unless) if unless else None
    return _Compiled(rule, level, why, suggestion, compiled, guard)


Span = tuple[int, int, int]  # start, end (exclusive), index of the rule


@dataclass(frozen=True)
class _RuleSet:
    rules: tuple[_Compiled, ...]
    by_anchor: dict[str, tuple[tuple[int, int], ...]]  # anchor -> (rule, pattern) indexes
    unanchored: tuple[tuple[int, int], ...]  # patterns to try on every paragraph
    # Spans found in each paragraph already linted: bulk drafts share most paragraphs.
    seen: dict[str, list[Span]]
    # Any anchor at all: one scan that rules out the usual paragraph, which has none.
    any_anchor: re.Pattern[str] | None


def _build(language: Language | None, above_minor: bool) -> _RuleSet:
    disabled = {d.rule for d in language.disable} if language else set()
    rules: list[_Compiled] = []
    for rule in BUILTIN_RULES.values():
        if rule.id in disabled or (rule.above_minor_only and not above_minor):
            continue
        rules.append(
            _compile_rule(
                rule.id,
                rule.level,
                rule.why,
                rule.suggestion,
                list(rule.patterns),
                rule.unless_in_sentence,
            )
        )
    for term in language.terms if language else ():
        patterns = [phrase_pattern(p) for p in term.instead_of]
        why = f"The plan's shared word is “{term.use}”: the whole team says the same thing."
        rules.append(_compile_rule("term", "warning", why, f"Write “{term.use}”.", patterns, None))
    for avoid in language.avoid if language else ():
        instead = avoid.instead or "Say it another way."
        patterns = [phrase_pattern(avoid.phrase)]
        rules.append(_compile_rule("avoid", avoid.level, avoid.why, instead, patterns, None))
    by_anchor: dict[str, list[tuple[int, int]]] = {}
    unanchored: list[tuple[int, int]] = []
    for r, compiled in enumerate(rules):
        for k, (anchors, _, _) in enumerate(compiled.patterns):
            for anchor in anchors:
                by_anchor.setdefault(anchor, []).append((r, k))
            if not anchors:
                unanchored.append((r, k))
    index = {anchor: tuple(uses) for anchor, uses in by_anchor.items()}
    any_anchor = re.compile("|".join(map(re.escape, sorted(index)))) if index else None
    return _RuleSet(tuple(rules), index, tuple(unanchored), {}, any_anchor)


_CACHE: dict[tuple[int, bool], tuple[Language | None, _RuleSet]] = {}


def _rule_set(language: Language | None, above_minor: bool) -> _RuleSet:
    # Keyed by identity (the models are frozen); the entry keeps the model alive so its id
    # cannot be reused by another one.
    key = (id(language), above_minor)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is language:
        return hit[1]
    built = _build(language, above_minor)
    if len(_CACHE) >= 64:
        _CACHE.clear()
    _CACHE[key] = (language, built)
    return built


def _lower(text: str) -> str:
    """Lower case with every offset kept (str.lower turns 'İ' into two characters)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


_AFTER = 200  # how far a phrase may run on after its anchor word
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")
_BLANK_LINE = re.compile(r"\n[^\S\n]*\n")


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _whole_word(low: str, start: int, end: int) -> bool:
    return not (start and _is_word(low[start - 1])) and not (end < len(low) and _is_word(low[end]))


def _hits(
    regex: re.Pattern[str], before: int, low: str, places: list[tuple[str, int]]
) -> set[tuple[int, int]]:
    """Whole-word matches near each place an anchor occurs (or anywhere, without anchors)."""
    spans: set[tuple[int, int]] = set()
    if before == 0 and places:
        for _, at in places:  # the match must start at the anchor: one attempt each
            hit = regex.match(low, at)
            if hit is not None and _whole_word(low, at, hit.end()):
                spans.add(hit.span())
        return spans
    windows = [(max(0, at - before), at + len(a) + _AFTER, at) for a, at in places]
    for position, stop, last_start in windows or [(0, len(low), len(low))]:
        while (hit := regex.search(low, position, stop)) is not None and hit.start() <= last_start:
            if _whole_word(low, *hit.span()):
                spans.add(hit.span())
            position = hit.start() + 1
    return spans


def _in_sentence(guard: re.Pattern[str], low: str, start: int, end: int) -> bool:
    left = 0
    for stop in _SENTENCE_END.finditer(low, 0, start):
        left = stop.end()
    after = _SENTENCE_END.search(low, end)
    return guard.search(low, left, after.start() if after else len(low)) is not None


def _lint_paragraph(paragraph: str, rule_set: _RuleSet) -> list[Span]:
    low = _lower(paragraph)
    if not rule_set.unanchored and (
        rule_set.any_anchor is None or rule_set.any_anchor.search(low) is None
    ):
        return []  # the usual case: nothing in this paragraph could match
    occurs: dict[str, list[int]] = {}
    for anchor in rule_set.by_anchor:  # str.find is far faster than any regex over the text
        at = low.find(anchor)
        while at != -1:
            occurs.setdefault(anchor, []).append(at)
            at = low.find(anchor, at + 1)
    tried = {use for anchor in occurs for use in rule_set.by_anchor[anchor]}
    found: dict[int, set[tuple[int, int]]] = {}
    for r, k in sorted(tried.union(rule_set.unanchored)):
        anchors, regex, before = rule_set.rules[r].patterns[k]
        places = [(a, at) for a in anchors if a in occurs for at in occurs[a]]
        found.setdefault(r, set()).update(_hits(regex, before, low, places))
    spans: list[Span] = []
    for r, hits in sorted(found.items()):
        unless, last_end = rule_set.rules[r].unless, -1
        for start, end in sorted(hits, key=lambda s: (s[0], -s[1])):  # the longest first
            if start < last_end:
                continue  # overlapping phrases of one rule are one finding
            if unless is None or not _in_sentence(unless, low, start, end):
                spans.append((start, end, r))
                last_end = end
    return spans


def _paragraphs(text: str) -> list[tuple[int, str]]:
    """The text's paragraphs with their offsets; phrases never run across a blank line."""
    pieces, start = [], 0
    for blank in _BLANK_LINE.finditer(text):
        pieces.append((start, text[start : blank.start()]))
        start = blank.end()
    pieces.append((start, text[start:]))
    return pieces


def _line_column(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)


def lint(
    text: str, *, language: Language | None = None, above_minor: bool = True
) -> list[LintFinding]:
    """Every phrase in `text` that a built-in or playbook rule catches, in text order.

    `above_minor` is False when the incident is at the least severe level, where calling it
    minor is fair.
    """
    rule_set = _rule_set(language, above_minor)
    spans: list[Span] = []
    for offset, paragraph in _paragraphs(text):
        found = rule_set.seen.get(paragraph)
        if found is None:
            found = _lint_paragraph(paragraph, rule_set)
            # Full, it keeps what it has: the paragraphs every draft shares came first.
            if len(rule_set.seen) < 4096:
                rule_set.seen[paragraph] = found
        spans += [(offset + start, offset + end, index) for start, end, index in found]
    spans.sort(key=lambda span: (span[0], span[2]))
    findings = []
    for start, end, index in spans:
        rule = rule_set.rules[index]
        line, column = _line_column(text, start)
        end_line, end_column = _line_column(text, end)
        findings.append(
            LintFinding(
                rule=rule.rule,
                level=rule.level,
                phrase=text[start:end],
                line=line,
                column=column,
                end_line=end_line,
                end_column=end_column,
                why=rule.why,
                suggestion=rule.suggestion,
                start=start,
                end=end,
            )
        )
    return findings


def findings_as_json(findings: list[LintFinding]) -> list[dict[str, object]]:
    """Findings as plain dicts, for `--json` output."""
    return [asdict(finding) for finding in findings]
