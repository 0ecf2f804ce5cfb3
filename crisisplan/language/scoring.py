"""Precision and recall of the built-in rules on a labelled corpus (tests/corpus/).

Used by the corpus test and by `benchmarks/run.py lint`. A finding is right when its rule's
family matches a labelled phrase it overlaps; recall is counted on the phrases a pattern can
catch (`flag`) and on all of them (`flag` and `hard`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crisisplan.language.lint import lint
from crisisplan.language.rules import BUILTIN_RULES


@dataclass
class Score:
    """Counts per family: findings right and wrong, labels found, of `flag` and `hard`."""

    right: Counter[str] = field(default_factory=Counter)
    wrong: Counter[str] = field(default_factory=Counter)
    listed: Counter[str] = field(default_factory=Counter)
    listed_found: Counter[str] = field(default_factory=Counter)
    labelled: Counter[str] = field(default_factory=Counter)
    labelled_found: Counter[str] = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)

    def precision(self, family: str | None = None) -> float:
        right = self.right[family] if family else sum(self.right.values())
        wrong = self.wrong[family] if family else sum(self.wrong.values())
        return right / (right + wrong) if right + wrong else 1.0

    def recall(self, family: str | None = None, *, listed_only: bool) -> float:
        found, of = (
            (self.listed_found, self.listed)
            if listed_only
            else (self.labelled_found, self.labelled)
        )
        hits = found[family] if family else sum(found.values())
        total = of[family] if family else sum(of.values())
        return hits / total if total else 1.0

    def families(self) -> list[str]:
        return sorted(set(self.labelled) | set(self.right) | set(self.wrong))

    def table(self) -> list[str]:
        """One line per family, then overall: precision, recall on flag, recall on all."""
        rows = [*self.families(), None]
        return [
            f"{family or 'overall':<22} precision {self.precision(family):.2f}  "
            f"recall {self.recall(family, listed_only=True):.2f} (listable)  "
            f"{self.recall(family, listed_only=False):.2f} (all)"
            for family in rows
        ]


def load(path: Path) -> list[dict[str, Any]]:
    """The corpus entries, as the YAML file holds them."""
    import yaml

    entries: list[dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return entries


def score(entries: list[dict[str, Any]]) -> Score:
    """Lint each excerpt with the built-in rules alone and compare with its labels."""
    result = Score()
    for entry in entries:
        text: str = entry["text"]
        labels = []
        for group in ("flag", "hard"):
            for family, phrases in entry.get(group, {}).items():
                for phrase in phrases:
                    start = text.index(phrase)
                    labels.append((group, family, start, start + len(phrase), phrase))
        findings = [(BUILTIN_RULES[f.rule].family, f) for f in lint(text)]
        for family, f in findings:
            if any(fam == family and f.start < e and s < f.end for _, fam, s, e, _ in labels):
                result.right[family] += 1
            else:
                result.wrong[family] += 1
                result.misses.append(f"{entry['id']}: flagged {f.phrase!r} ({f.rule})")
        for group, family, start, end, phrase in labels:
            hit = any(fam == family and f.start < end and start < f.end for fam, f in findings)
            result.labelled[family] += 1
            result.labelled_found[family] += hit
            if group == "flag":
                result.listed[family] += 1
                result.listed_found[family] += hit
            if not hit:
                result.misses.append(f"{entry['id']}: missed {phrase!r} ({family}, {group})")
    return result
