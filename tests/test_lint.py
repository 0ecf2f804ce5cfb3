"""The shared language: phrases that cost a support team a customer's trust are caught in
any draft, wherever they fall, and the playbook's own words are enforced too."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from crisisplan.language.lint import BUILTIN_RULE_IDS, LintFinding, findings_as_json, lint
from crisisplan.playbook.model import Language

LANGUAGE = Language.model_validate(
    {
        "terms": [{"use": "outage", "instead_of": ["service degradation", "incident event"]}],
        "avoid": [
            {
                "phrase": "inconvenience",
                "why": "Name the real impact instead.",
                "instead": "what happened to them",
                "level": "error",
            },
            {"phrase": "wasn't ready", "why": "Sounds like an excuse."},
            {"phrase": "e-mail", "why": "We write email."},
        ],
    }
)


def found(
    text: str, *, language: Language | None = None, above_minor: bool = True
) -> list[tuple[str, str, str]]:
    """(rule, level, phrase) for each finding, in order."""
    findings = lint(text, language=language, above_minor=above_minor)
    return [(f.rule, f.level, f.phrase) for f in findings]


def test_a_small_number_of_customers_is_minimising() -> None:
    [finding] = lint("Hello.\nThis affects a small number of customers today.")

    assert finding == LintFinding(
        rule="minimising",
        level="error",
        phrase="a small number of customers",
        line=2,
        column=14,
        end_line=2,
        end_column=41,
        why=finding.why,
        suggestion=finding.suggestion,
        start=20,
        end=47,
    )
    assert finding.why.startswith("It is big if you are one of them")
    assert "without counting them down" in finding.suggestion


def test_other_ways_of_counting_them_down_are_minimising_too() -> None:
    assert found("Only a few users and only a handful of our customers.") == [
        ("minimising", "error", "Only a few users"),
        ("minimising", "error", "only a handful of our customers"),
    ]
    assert found("A Handful Of our users wrote in.") == [
        ("minimising", "error", "A Handful Of our users")
    ]
    # Counting machinery or events is not counting people down.
    assert found("A handful of events hit a small number of servers.") == []


def test_sorry_for_any_inconvenience_is_a_fake_apology() -> None:
    assert found("We are sorry for any inconvenience.") == [
        ("fake-apology", "error", "sorry for any inconvenience")
    ]


def test_conditional_apologies_are_fake_apologies_and_it_was_not_so_bad_downplays() -> None:
    text = "We apologise if you were affected. I'm sorry if you felt ignored. It wasn't so bad."

    assert found(text) == [
        ("fake-apology", "error", "apologise if"),
        ("fake-apology", "error", "sorry if"),
        ("downplaying", "error", "It wasn't so bad"),
    ]


def test_it_wasnt_our_fault_is_caught_across_a_line_break() -> None:
    [finding] = lint("We know\nit wasn't\n   our fault, but")

    assert (finding.rule, finding.level) == ("blame", "error")
    assert finding.phrase == "it wasn't\n   our fault"
    assert (finding.line, finding.column, finding.end_line, finding.end_column) == (2, 1, 3, 13)


def test_a_curly_apostrophe_is_the_same_apostrophe() -> None:
    curly = "it wasn\u2019t our fault"  # a right single quotation mark, as editors type it

    assert found(f"Honestly, {curly}.") == [("blame", "error", curly)]
    assert found("It was not our fault.") == [("blame", "error", "It was not our fault")]


def test_blaming_a_supplier_is_a_warning_unless_the_paragraph_says_what_we_are_doing() -> None:
    assert found("The outage was due to a third-party provider.") == [
        ("third-party-blame", "warning", "due to a third-party provider")
    ]
    assert found("It is due to a third party; we are moving mail to a second one.") == []
    # Naming the supplier in one sentence and our action in the next is owning it.
    assert found("It is due to a third party. We are moving mail to a second one.") == []
    assert found("It is due to a third party.\n\nWe are moving mail to a second one.") == [
        ("third-party-blame", "warning", "due to a third party")
    ]
    # Being told by a supplier is not doing something about it.
    assert found("We were notified by our email vendor that mail is delayed.") == [
        ("third-party-blame", "warning", "notified by our email vendor")
    ]


def test_minor_issue_is_flagged_only_above_the_least_severe_level() -> None:
    assert found("Just a minor issue.") == [("minor-issue", "error", "minor issue")]
    assert found("Just a minor issue.", above_minor=False) == []


def test_customers_alone_and_small_alone_are_fine() -> None:
    text = (
        "Many customers cannot send email. A small team is on it; small changes first. "
        "Customers who wrote in will hear from us. A smaller number of customers? No: all."
    )

    assert lint(text) == []


def test_phrases_only_match_whole_words() -> None:
    assert lint("Notour fault; unsorry if; ahandful of; forany inconvenience") == []


def test_the_playbooks_terms_suggest_the_shared_word() -> None:
    [finding] = lint("There is a Service\nDegradation on mail.", language=LANGUAGE)

    assert (finding.rule, finding.level, finding.phrase) == (
        "term",
        "warning",
        "Service\nDegradation",
    )
    assert (finding.line, finding.column) == (1, 12)
    assert finding.suggestion == "Write “outage”."


def test_the_playbooks_phrases_to_avoid_carry_their_level_and_advice() -> None:
    findings = lint("Sorry for any inconvenience.", language=LANGUAGE)

    assert [(f.rule, f.level, f.phrase) for f in findings] == [
        ("fake-apology", "error", "Sorry for any inconvenience"),
        ("avoid", "error", "inconvenience"),
    ]
    assert (findings[1].why, findings[1].suggestion) == (
        "Name the real impact instead.",
        "what happened to them",
    )


def test_a_playbook_phrase_matches_its_contracted_and_hyphenated_forms() -> None:
    assert found("The fix was not ready. It wasn\u2019t ready.", language=LANGUAGE) == [
        ("avoid", "warning", "was not ready"),
        ("avoid", "warning", "wasn\u2019t ready"),
    ]
    assert found("Write us an e-mail, or an e mail, or email.", language=LANGUAGE) == [
        ("avoid", "warning", "e-mail"),
        ("avoid", "warning", "e mail"),
    ]


def test_a_team_can_switch_a_builtin_rule_off_with_a_reason() -> None:
    relaxed = Language.model_validate(
        {"disable": [{"rule": "minimising", "reason": "Our status page counts accounts."}]}
    )
    text = "A small number of customers saw errors; sorry for any inconvenience."

    assert found(text, language=relaxed) == [
        ("fake-apology", "error", "sorry for any inconvenience")
    ]
    assert [f[0] for f in found(text)] == ["minimising", "fake-apology"]


def test_a_passive_that_hides_who_acted_is_a_warning_and_one_that_mends_is_not() -> None:
    hidden = (
        "The process was not followed. Production data was deleted during a test run. "
        "The safeguard wasn\u2019t enabled, and the server was incorrectly terminated."
    )
    mended = (
        "A manual fix was applied and service was restored by 21:00. We inadvertently "
        "reintroduced the change. The alert was not noticed by our on-call engineer. "
        "Rest assured, no accounts have been deleted."
    )

    assert found(hidden) == [
        ("passive-voice", "warning", "was not followed"),
        ("passive-voice", "warning", "was deleted"),
        ("passive-voice", "warning", "wasn\u2019t enabled"),
        ("passive-voice", "warning", "was incorrectly terminated"),
    ]
    assert found(mended) == []


def test_the_builtin_rules_have_stable_ids() -> None:
    assert BUILTIN_RULE_IDS == (
        "minimising",
        "minor-issue",
        "blame",
        "third-party-blame",
        "fake-apology",
        "downplaying",
        "hedging",
        "security-reassurance",
        "passive-voice",
    )


def test_columns_count_characters_even_after_letters_that_change_when_lowered() -> None:
    [finding] = lint("İİ: only a few users")

    assert (finding.column, finding.phrase) == (5, "only a few users")


def test_a_paragraph_seen_before_is_reported_at_its_place_in_the_new_draft() -> None:
    apology = "We are sorry for any inconvenience."
    lint(f"Hi Al,\n\n{apology}")

    [finding] = lint(f"Hello Bo and Cy,\n\n{apology}\n")

    assert (finding.line, finding.column, finding.start) == (3, 8, 25)
    assert finding.phrase == "sorry for any inconvenience"


def test_a_phrase_does_not_run_across_a_blank_line() -> None:
    assert lint("It hit a small number\n\n   \nof customers.") == []
    assert found("It hit a small number\nof customers.") == [
        ("minimising", "error", "a small number\nof customers")
    ]


def test_findings_are_plain_json() -> None:
    [entry] = findings_as_json(lint("not our fault"))

    assert entry["rule"] == "blame"
    assert (entry["line"], entry["column"], entry["end_column"]) == (1, 1, 14)
    assert set(entry) >= {"level", "phrase", "why", "suggestion", "end_line"}


PIECES = st.sampled_from(
    [
        "a small number of customers",
        "sorry for any",
        "inconvenience",
        "it wasn\u2019t",
        "our fault",
        "due to a third party",
        "minor glitch",
        "İ",
        "\n",
        "  ",
        " ",
        "we are moving",
        ".",
        "service degradation",
        "e-mail",
    ]
)


@settings(max_examples=400, deadline=None)
@given(parts=st.lists(PIECES | st.text(max_size=12), max_size=30))
def test_any_text_lints_without_error_and_every_span_lies_inside_it(parts: list[str]) -> None:
    text = "".join(parts)
    lines = text.split("\n")

    for finding in lint(text, language=LANGUAGE):
        assert 0 <= finding.start < finding.end <= len(text)
        assert text[finding.start : finding.end] == finding.phrase
        assert 1 <= finding.line <= finding.end_line <= len(lines)
        assert 1 <= finding.column <= len(lines[finding.line - 1]) + 1
        assert 1 <= finding.end_column <= len(lines[finding.end_line - 1]) + 1
        offset = sum(len(line) + 1 for line in lines[: finding.line - 1]) + finding.column - 1
        assert offset == finding.start
