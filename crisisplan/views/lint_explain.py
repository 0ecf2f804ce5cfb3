"""How `crisis lint --explain RULE` shows a built-in rule: its family, level, why, examples."""

from __future__ import annotations

import sys

from crisisplan.errors import UsageError
from crisisplan.language.rules import BUILTIN_RULE_IDS, BUILTIN_RULES, Rule
from crisisplan.terminal.console import visible
from crisisplan.views.json_out import print_json


def find_rule(rule_id: str) -> Rule:
    """The built-in rule with this id, or a usage error naming the ids there are."""
    rule = BUILTIN_RULES.get(rule_id.strip().lower())
    if rule is None:
        raise UsageError(
            f"'{rule_id}' is not a built-in rule.",
            hint=f"The rules are: {', '.join(BUILTIN_RULE_IDS)}.",
        )
    return rule


def _when(rule: Rule) -> str:
    notes = []
    if rule.quiet_when_minor:
        notes.append("not reported for an incident at the plan's least severe level")
    if rule.error_when_critical:
        notes.append("an error, not a warning, at the plan's most severe level")
    if rule.unless_in_paragraph:
        notes.append("not reported when the same paragraph says what we are doing about it")
    return "; ".join(notes)


def show_rule(rule_id: str, *, as_json: bool) -> None:
    """Print the rule, why it matters, what to write instead, and its examples."""
    rule = find_rule(rule_id)
    suggestion = rule.plain or rule.suggestion
    if as_json:
        document = {
            "rule": rule.id,
            "family": rule.family,
            "level": rule.level,
            "when": _when(rule),
            "why": rule.why.replace("{severity}", "serious"),
            "suggestion": suggestion,
            "examples": [{"written": bad, "instead": good} for bad, good in rule.examples],
        }
        print_json(document)
        return
    lines = [
        f"{rule.id} ({rule.family.replace('_', ' ')}, {rule.level})",
        f"Why: {rule.why.replace('{severity}', 'serious')}",
        f"Instead: {suggestion}",
    ]
    if when := _when(rule):
        lines.append(f"When: {when}.")
    lines.append("Examples:")
    lines += [f"  “{bad}” → “{good}”" for bad, good in rule.examples]
    lines.append(
        f"Turn it off in the playbook: language.disable: [{{rule: {rule.id}, reason: ...}}]"
    )
    sys.stdout.write("".join(visible(line) + "\n" for line in lines))
