"""The linter against how companies really write during an incident: a labelled corpus of
published status updates, outage emails, apologies and breach notices (tests/corpus/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crisisplan.language.scoring import load, score

CORPUS = Path(__file__).parent / "corpus" / "incidents.yaml"
FAMILIES = {"minimising", "hedging", "fake_apology", "blame", "security_reassurance", "passive"}


def test_the_corpus_is_real_sourced_and_labelled_with_phrases_it_holds() -> None:
    entries = load(CORPUS)

    assert len(entries) >= 60
    assert len({e["id"] for e in entries}) == len(entries)
    for entry in entries:
        assert entry["company"] and entry["source"].startswith(("http://", "https://"))
        sentences = entry["text"].count(". ") + 1
        assert sentences <= 6, entry["id"]
        for group in ("flag", "hard"):
            for family, phrases in entry.get(group, {}).items():
                assert family in FAMILIES, entry["id"]
                assert all(entry["text"].count(p) == 1 for p in phrases), entry["id"]
        assert all(entry["text"].count(p) == 1 for p in entry.get("clean", [])), entry["id"]
    # Good, accountable texts and traps are there as well as bad ones.
    assert sum(not e.get("flag") and not e.get("hard") for e in entries) >= 25
    assert sum(len(e.get("clean", [])) for e in entries) >= 30


def test_precision_and_recall_per_family_and_overall_are_above_the_floors(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = score(load(CORPUS))
    with capsys.disabled():
        print("\n" + "\n".join(result.table()))

    assert result.precision() >= 0.9, result.misses
    assert result.recall(listed_only=True) >= 0.85, result.misses
    assert result.recall(listed_only=False) >= 0.65, result.misses
    for family in result.families():
        assert result.precision(family) >= 0.9, (family, result.misses)
        assert result.recall(family, listed_only=True) >= 0.85, (family, result.misses)


def test_no_trap_is_flagged() -> None:
    """A word list falls for these; the rules must not."""
    from crisisplan.language.lint import lint

    for entry in load(CORPUS):
        text = entry["text"]
        for trap in entry.get("clean", []):
            start = text.index(trap)
            caught = [f for f in lint(text) if f.start < start + len(trap) and start < f.end]
            assert caught == [], (entry["id"], trap, [f.phrase for f in caught])
