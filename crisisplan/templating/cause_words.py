"""A template must not state a cause and say the cause is unknown in the same draft.

`crisis check` renders each template with a cause known (confirmed, then suspected) and
flags, as an error at the words' place in the template, output that states that cause and
also says the cause is not known. The phrases are a small family: "don't know the cause",
"cause is not known", "cause: unknown", "not know what caused", "won't guess" next to
"cause".
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from crisisplan.errors import Location
from crisisplan.playbook.findings import Finding
from crisisplan.templating.render import RenderError, render

if TYPE_CHECKING:
    from crisisplan.playbook.templates import Template

_Q = "['\u2019]"  # an apostrophe, straight or curly
_NOT = rf"(?:do\s+not|don{_Q}t|does\s+not|doesn{_Q}t|did\s+not|didn{_Q}t|cannot|can{_Q}t)"
UNKNOWN_CAUSE = re.compile(
    rf"\b{_NOT}\s+(?:yet\s+)?know\s+(?:yet\s+)?(?:the|its|what(?:'s| is)?\s+the)\s+"
    r"(?:exact\s+|root\s+)?cause"
    rf"|\b(?:not|{_NOT})\s+(?:yet\s+)?know\s+what\s+caused"
    r"|\bcause\s+(?:is|remains)\s+(?:still\s+)?(?:not\s+(?:yet\s+)?known|unknown|unclear)"
    r"|\bcause:\s*(?:not\s+(?:yet\s+)?known|unknown)"
    r"|\bunknown\s+cause"
    rf"|\bcause\b[^.!?]{{0,60}}\bwon{_Q}t\s+(?:\w+\s+){{0,3}}guess"
    rf"|\bwon{_Q}t\s+(?:\w+\s+){{0,3}}guess\b[^.!?]{{0,60}}\bcause",
    re.IGNORECASE,
)
_CASES = (("confirmed", True), ("suspected", False))


def contradictions(template: Template, context: dict[str, Any]) -> list[Finding]:
    """Errors for output that states a cause and says it is unknown, rendered from
    `context` (sample data with a cause) as confirmed and as suspected."""
    incident = context.get("incident")
    if not isinstance(incident, dict) or not incident.get("cause"):
        return []
    findings: list[Finding] = []
    for label, confirmed in _CASES:
        known = dict(incident, cause_known=True, cause_confirmed=confirmed)
        try:
            text = render(template, dict(context, incident=known), strict=True).text
        except RenderError:
            continue  # check reports render errors on its own
        found = UNKNOWN_CAUSE.search(text)
        # A draft that never states the cause does not contradict itself (a reply kept
        # with `library save` from before the cause was known, say).
        if found is None or str(incident["cause"]) not in text:
            continue
        phrase = " ".join(found.group(0).split())
        findings.append(
            Finding(
                "error",
                "template.cause-contradiction",
                f"with a {label} cause, the draft says it and also “{phrase}”. Say the cause "
                "is unknown only when it is: {% if not incident.cause_known %}...{% endif %}.",
                _place(template, found.group(0)),
            )
        )
        break  # one finding per template says enough
    return findings


def _place(template: Template, words: str) -> Location:
    """Where the words are written in the template, else where its body starts."""
    pattern = r"\s+".join(re.escape(w) for w in words.split())
    written = re.search(pattern, template.body, re.IGNORECASE)
    if written is None:
        return Location(template.path, template.body_line)
    before = template.body[: written.start()]
    line = before.count("\n")
    column = written.start() - (before.rfind("\n") + 1) + 1
    return Location(template.path, template.body_line + line, column)
