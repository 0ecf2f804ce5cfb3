"""The linter runs on every draft: its work is bounded by construction, whatever the text,
and the incident's severity decides what is fair to say."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from crisisplan.language.lint import Severity, lint, lint_counted
from crisisplan.playbook.model import Language
from tests.helpers import crisis

LANGUAGE = Language.model_validate(
    {
        "terms": [{"use": "outage", "instead_of": ["service degradation"]}],
        "avoid": [{"phrase": "going forward", "why": "Filler."}],
    }
)
PIECES = st.sampled_from(
    [
        "a small number of customers",
        "may have been impacted",
        "sorry for any",
        "due to our hosting provider",
        "we are moving",
        "out of an abundance of caution",
        "mistakes were made",
        "a ",
        "((((",
        "))))",
        "small ",
        "\n",
        "\n\n",
        "  ",
        "İ",
        "\u2019",
        "going forward",
    ]
)


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(PIECES | st.text(max_size=20), max_size=60))
def test_lint_always_stays_within_its_step_budget(parts: list[str]) -> None:
    text = "".join(parts)

    findings, steps, budget = lint_counted(text, language=LANGUAGE)

    assert steps <= budget
    for f in findings:
        assert text[f.start : f.end] == f.phrase


def test_hostile_texts_stay_within_the_budget_and_give_sane_findings() -> None:
    """5 MB of prose, 200,000 short lines, and strings built to make expressions backtrack."""
    prose = "We are sorry for any delay. A small number of customers cannot sign in.\n\n"
    cases = {
        "5 MB": prose * (5_000_000 // len(prose)),
        "200,000 lines": "ok, may have\n" * 200_000,
        "a a a": "a " * 100_000,
        "small small": "a small " * 50_000 + "number of",
        "parentheses": "(" * 50_000 + "due to our provider" + ")" * 50_000,
        "one long word": "x" * 1_000_000 + " sorry for any",
        "spaces": "sorry" + " " * 500_000 + "for any",
    }
    for name, text in cases.items():
        findings, steps, budget = lint_counted(text)
        assert steps <= budget, name
        assert all(text[f.start : f.end] == f.phrase for f in findings[:100]), name
    assert len(lint_counted(cases["5 MB"])[0]) == 2 * (5_000_000 // len(prose))


def test_bulk_drafts_share_paragraphs_so_a_draft_costs_about_one_read() -> None:
    shared = "Thank you for writing to us. Our engineers are moving traffic away.\n\n"
    lint(shared + "Hi Al,")

    _, steps, _ = lint_counted(shared + "Hi Bo,")

    assert steps <= 2 * len(shared + "Hi Bo,")


SEVERITIES = ["minor", "major", "critical"]


def test_minor_words_are_fair_for_a_minor_incident_and_wrong_for_a_critical_one() -> None:
    text = "This is a minor issue: some customers may have experienced errors."

    minor = lint(text, severity=Severity.of("minor", SEVERITIES))
    major = lint(text, severity=Severity.of("major", SEVERITIES))
    critical = lint(text, severity=Severity.of("critical", SEVERITIES))

    assert [(f.rule, f.level) for f in minor] == [("hedging", "warning")]
    assert [(f.rule, f.level) for f in major] == [("minor-issue", "error"), ("hedging", "warning")]
    assert [(f.rule, f.level) for f in critical] == [("minor-issue", "error"), ("hedging", "error")]
    assert "critical incident" in critical[0].why


def test_suggestions_quote_the_incidents_own_impact() -> None:
    impact = "For two hours, sign-in failed for 1,240 of you."
    severity = Severity.of("major", SEVERITIES, impact=impact)

    [finding] = lint("A small number of customers cannot sign in.", severity=severity)

    assert finding.suggestion.endswith("“For two hours, sign-in failed for 1,240 of you”.")
    [plain] = lint("A small number of customers cannot sign in.")
    assert "customers using the EU servers" in plain.suggestion


def test_explain_shows_the_rule_its_reason_and_examples() -> None:
    result = crisis("lint", "--explain", "hedging")

    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "hedging (hedging, warning)"
    assert lines[1].startswith("Why: “May have” doubts what the customer lived through")
    assert "“some customers may have experienced errors” → " in result.stdout
    assert "an error, not a warning, at the plan's most severe level" in result.stdout


def test_explain_of_an_unknown_rule_names_the_rules_there_are() -> None:
    result = crisis("lint", "--explain", "tone")

    assert result.exit_code == 2
    assert "'tone' is not a built-in rule" in result.stderr
    assert "minimising, minor-issue" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
