"""What `crisis check` says about one template: it renders, it has its parts, its words.

Each template is rendered for every channel it lists, twice: with full sample data, and
with the optional values none (as early in an incident), so a block that says nothing
without them, or prints "None", is caught before a customer sees it.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from crisisplan.errors import Location, UsageError
from crisisplan.language.lint import LintFinding, Severity, lint
from crisisplan.playbook.findings import Finding
from crisisplan.playbook.templates import REQUIRED_BLOCKS
from crisisplan.templating.cause_words import contradictions
from crisisplan.templating.render import RenderError, block_lines, render, sample_context

if TYPE_CHECKING:
    from crisisplan.playbook.model import Playbook
    from crisisplan.playbook.templates import Template

# The values docs/templates.md says may be none; a template must read well without them.
_OPTIONAL = {
    "incident": ("cause", "impact", "eta", "status_url"),
    "customer": ("note", "tier"),
}
_OPTIONAL["incident"] += ("cause_known", "cause_confirmed", "workaround")  # follow `cause`


def check_template(
    template: Template, playbook: Playbook, *, now: dt.datetime | None = None
) -> list[Finding]:
    """Every problem in one template, errors first within each rendering, without repeats."""
    try:
        blocks = block_lines(template)
    except RenderError as exc:
        return [_from_error(exc)]
    findings = _structure(template, blocks)
    channels: list[str | None] = [*template.front.channels] or [None]
    for channel_id in channels:
        try:
            full = sample_context(
                playbook, purpose=template.front.purpose, channel_id=channel_id, now=now
            )
        except UsageError as exc:
            findings.append(
                Finding("error", "template.channel", exc.message, Location(template.path, 1))
            )
            continue
        findings += _rendered(template, playbook, full, blocks, "with sample data")
        findings += contradictions(template, full)
        findings += _rendered(
            template, playbook, _without_optional(full), blocks, "when the optional values are none"
        )
    return list(dict.fromkeys(findings))


def _structure(template: Template, blocks: dict[str, int]) -> list[Finding]:
    purpose = template.front.purpose
    required = REQUIRED_BLOCKS.get(purpose, ())
    findings = [
        Finding(
            "error",
            "template.missing-block",
            f"{purpose} templates need a `{{% block {name} %}}`, and this one has none "
            f"(they need: {', '.join(required)}).",
            Location(template.path, template.body_line),
        )
        for name in required
        if name not in blocks
    ]
    findings += [
        Finding(
            "error",
            "template.unknown-section",
            f"the front matter lists section `{name}`, but the template has no "
            f"`{{% block {name} %}}`.",
            Location(template.path, 1),  # the front matter starts the file
        )
        for name in template.front.sections
        if name not in blocks
    ]
    return findings


def _without_optional(context: dict[str, Any]) -> dict[str, Any]:
    bare = dict(context, compensation=None)
    for variable, keys in _OPTIONAL.items():
        if isinstance(bare.get(variable), dict):
            bare[variable] = dict(bare[variable], **dict.fromkeys(keys))
    if isinstance(bare.get("customer"), dict):
        bare["customer"] = dict(bare["customer"], open_case=False, previous_incidents=0)
    return bare


def _from_error(exc: RenderError) -> Finding:
    message = f"{exc.message} {exc.hint}" if exc.hint else exc.message
    return Finding("error", exc.code, message, exc.location)


def _rendered(
    template: Template,
    playbook: Playbook,
    context: dict[str, Any],
    blocks: dict[str, int],
    label: str,
) -> list[Finding]:
    try:
        rendered = render(template, context, strict=True)
    except RenderError as exc:
        return [_from_error(exc)]
    findings: list[Finding] = []
    if not rendered.text:
        findings.append(
            Finding(
                "error",
                "template.empty",
                f"the template renders nothing {label}.",
                Location(template.path, template.body_line),
            )
        )
    for name in REQUIRED_BLOCKS.get(template.front.purpose, ()):
        if name in blocks and not rendered.blocks.get(name):
            findings.append(
                Finding(
                    "error",
                    "template.empty-block",
                    f"block `{name}` renders empty {label}; make it say something true "
                    "whatever the values are.",
                    Location(template.path, blocks[name]),
                )
            )
    severity = context["incident"]["severity"]
    level = Severity.of(severity, list(playbook.severities))
    language = playbook.language
    in_body = {_key(f): f for f in lint(template.body, language=language, severity=level)}
    for found in lint(rendered.text, language=language, severity=level):
        literal = in_body.get(_key(found))
        where = (
            Location(template.path, template.body_line + literal.line - 1, literal.column)
            if literal is not None
            else Location(template.path, template.body_line)
        )
        phrase = " ".join(found.phrase.split())
        message = f"“{phrase}”: {found.why} {found.suggestion}"
        findings.append(Finding("warning", f"language.{found.rule}", message, where))
    return findings


def _key(finding: LintFinding) -> tuple[str, str]:
    """A phrase as a rule saw it, whatever its case, spacing or quotes."""
    phrase = re.sub("[\u2019\u2018`]", "'", finding.phrase.casefold())
    return finding.rule, " ".join(phrase.split())
