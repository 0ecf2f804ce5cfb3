"""The shared-language checker: built-in and playbook rules, and findings with their places.

Matching is whole-word and case-insensitive; words may be split by any whitespace (line
breaks included, but not a blank line: a phrase stays within its paragraph), apostrophes and
quotes may be straight or curly, and "wasn't" matches "was not". The rules live in rules.py,
the search in matcher.py; this module puts the two together for a draft and its incident.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from crisisplan.language import matcher
from crisisplan.language.rules import BUILTIN_RULE_IDS, BUILTIN_RULES, Level

if TYPE_CHECKING:
    from crisisplan.playbook.model import Language

__all__ = ["BUILTIN_RULE_IDS", "LintFinding", "Severity", "findings_as_json", "lint"]


@dataclass(frozen=True)
class Severity:
    """The incident a draft is for, as far as the rules care: how severe, and its impact.

    `rank` counts from 0, the plan's least severe level, up to `levels - 1`, its most severe.
    """

    name: str
    rank: int
    levels: int
    impact: str | None = None

    @classmethod
    def of(cls, name: str, severities: Sequence[str], impact: str | None = None) -> Severity:
        """The severity called `name` among the plan's levels, least severe first."""
        names = list(severities)
        return cls(name, names.index(name) if name in names else 1, len(names), impact)

    @property
    def minor(self) -> bool:
        return self.rank == 0

    @property
    def critical(self) -> bool:
        return self.levels > 1 and self.rank >= self.levels - 1


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


_CACHE: dict[tuple[int, bool], tuple[Language | None, matcher.RuleSet]] = {}


def _rule_set(language: Language | None, minor: bool) -> matcher.RuleSet:
    # Keyed by identity (the models are frozen); the entry keeps the model alive so its id
    # cannot be reused by another one.
    key = (id(language), minor)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is language:
        return hit[1]
    built = matcher.build(language, minor=minor)
    if len(_CACHE) >= 64:
        _CACHE.clear()
    _CACHE[key] = (language, built)
    return built


def _words(rule: matcher.Compiled, severity: Severity | None) -> tuple[Level, str, str]:
    """The rule's level, why and suggestion for this incident, in the plan's own terms."""
    builtin = BUILTIN_RULES.get(rule.rule) if rule.rule not in ("term", "avoid") else None
    if builtin is None:
        return rule.level, rule.why, rule.suggestion
    stricter = builtin.error_when_critical and severity is not None and severity.critical
    level: Level = "error" if stricter else rule.level
    named = severity.name if severity else "serious"
    why = builtin.why.replace("{severity}", named)
    impact = severity.impact.strip().rstrip(".") if severity and severity.impact else ""
    suggestion = builtin.suggestion.replace("{impact}", impact) if impact else builtin.plain
    suggestion = suggestion or builtin.suggestion
    return level, why, suggestion


def _findings(
    text: str, spans: list[matcher.Span], rule_set: matcher.RuleSet, severity: Severity | None
) -> list[LintFinding]:
    # A hostile text gives a finding every few dozen characters, so the loop does only what
    # each finding needs: its line counted on from the last one, the rule's words looked up
    # once, and the finding filled in one step. LintFinding is frozen, so its own __init__
    # sets each of its eleven fields through object.__setattr__, which was most of the cost
    # of a finding; setting the instance's __dict__ at once gives an equal, frozen object.
    findings = []
    words: dict[int, tuple[str, Level, str, str]] = {}
    count, rfind = text.count, text.rfind
    new, fill = object.__new__, object.__setattr__
    line, line_start, at = 1, 0, 0  # spans come in text order: count line breaks once
    for start, end, index in spans:
        if (breaks := count("\n", at, start)) > 0:
            line, line_start = line + breaks, rfind("\n", at, start) + 1
        at = start
        if (inside := count("\n", start, end)) > 0:
            end_line, end_start = line + inside, rfind("\n", start, end) + 1
        else:
            end_line, end_start = line, line_start
        said = words.get(index)
        if said is None:
            rule = rule_set.rules[index]
            said = words[index] = (rule.rule, *_words(rule, severity))
        finding = new(LintFinding)
        fill(
            finding,
            "__dict__",
            {
                "rule": said[0],
                "level": said[1],
                "phrase": text[start:end],
                "line": line,
                "column": start - line_start + 1,
                "end_line": end_line,
                "end_column": end - end_start + 1,
                "why": said[2],
                "suggestion": said[3],
                "start": start,
                "end": end,
            },
        )
        findings.append(finding)
    return findings


def lint_counted(
    text: str,
    *,
    language: Language | None = None,
    above_minor: bool = True,
    severity: Severity | None = None,
) -> tuple[list[LintFinding], int, int]:
    """`lint`, with the steps it took and the most it was allowed (see matcher.py)."""
    minor = severity.minor if severity is not None else not above_minor
    rule_set = _rule_set(language, minor)
    steps = [0]
    spans = matcher.spans_in(text, rule_set, steps)
    return _findings(text, spans, rule_set, severity), steps[0], matcher.step_budget(text, rule_set)


def lint(
    text: str,
    *,
    language: Language | None = None,
    above_minor: bool = True,
    severity: Severity | None = None,
) -> list[LintFinding]:
    """Every phrase in `text` that a built-in or playbook rule catches, in text order.

    `severity` is the incident's, when the text is a draft for one: calling it minor is fair
    at the least severe level, hedging and supplier-blame are errors at the most severe, and
    suggestions quote the incident's impact. Without it, `above_minor` is False when the
    incident is at the least severe level.
    """
    return lint_counted(text, language=language, above_minor=above_minor, severity=severity)[0]


def findings_as_json(findings: list[LintFinding]) -> list[dict[str, object]]:
    """Findings as plain dicts, for `--json` output."""
    return [asdict(finding) for finding in findings]
