"""What `crisis check` says about one template: it renders, it has its parts, its words.

Each template is rendered in every case it can meet (templating.matrix: each incident
type, severity, channel and phase it can tell apart, with the optional values present,
missing, and each one alone either way), so a typo in a rarely used branch, a block that
says nothing without a value, or a value printed as "None" is caught before a customer
sees it. Each problem is reported once, for the first case that shows it.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crisisplan.errors import Location
from crisisplan.playbook.findings import Finding
from crisisplan.playbook.templates import REQUIRED_BLOCKS

if TYPE_CHECKING:
    from crisisplan.language.lint import LintFinding
    from crisisplan.playbook.model import Playbook
    from crisisplan.playbook.templates import Template
    from crisisplan.templating.render import RenderError

# Company names a copied template may still carry: the bundled example's.
EXAMPLE_COMPANIES = ("Larkspur",)


def check_template(
    template: Template, playbook: Playbook, *, now: dt.datetime | None = None
) -> list[Finding]:
    """Every problem in one template, errors first within each rendering, without repeats.

    The render matrix costs a few hundred renders; its findings are kept by the content of
    the template and the plan, so an unchanged library is checked again at once.
    """
    if now is not None:  # a fixed clock: as asked, not as last time
        return _checked(template, playbook, now=now)
    from crisisplan.templating import compiled_cache

    key = compiled_cache.content_key(
        str(template.path),
        template.front.model_dump_json(),
        template.body,
        str(template.body_line),
        str(template.subject_at),
        playbook.model_dump_json(),
        dt.date.today().isoformat(),  # "today" shapes how times print
    )
    kept = compiled_cache.load_checked(key)
    if kept is not None:
        try:
            return [_finding(row) for row in kept]
        except (TypeError, ValueError):
            pass  # a damaged entry: check again
    found = _checked(template, playbook, now=None)
    compiled_cache.store_checked(key, [_row(f) for f in found])
    return found


def _row(f: Finding) -> list[object]:
    at = f.location
    where = [str(at.file), at.line, at.column] if at is not None else None
    return [f.level, f.code, f.message, where]


def _finding(row: list[object]) -> Finding:
    level, code, message, where = row
    if level not in ("error", "warning") or not isinstance(code, str):
        raise ValueError("not a finding")
    at = None
    if isinstance(where, list):
        file, line, column = where
        at = Location(Path(str(file)), _int(line), _int(column))
    return Finding(level, code, str(message), at)


def _int(value: object) -> int | None:
    if value is None or isinstance(value, int):
        return value
    raise ValueError("not a line or column")


def _checked(template: Template, playbook: Playbook, *, now: dt.datetime | None) -> list[Finding]:
    # Imported here: an unchanged library is answered from the cache without Jinja or lint.
    from crisisplan.templating import matrix
    from crisisplan.templating.channel_fit import channel_fit
    from crisisplan.templating.render import RenderError, block_lines, build_context, syntax_tree
    from crisisplan.templating.variables import sample_parts

    try:
        blocks = block_lines(template)
        read = matrix.reads(syntax_tree(template))
    except RenderError as exc:
        return [_from_error(exc)]
    findings = _structure(template, blocks) + _companies(template, playbook)
    channels: list[str | None] = [c for c in template.front.channels if c in playbook.channels]
    unknown = [
        Finding(
            "error",
            "template.channel",
            f"channel '{channel_id}' is not in the playbook; channels are: "
            f"{', '.join(playbook.channels) or '(none)'}.",
            Location(template.path, 1),  # the front matter starts the file
        )
        for channel_id in template.front.channels
        if channel_id not in playbook.channels
    ]
    if template.front.channels and not channels:
        return list(dict.fromkeys(findings + unknown))
    cases, optional = matrix.cases(
        playbook, template.front.purpose, channels or [None], read, subject=template.front.subject
    )
    base = sample_parts(playbook, purpose=template.front.purpose, now=now)
    varied = matrix.varied(cases)
    seen: dict[tuple[str, Location | None], Finding] = {}
    linted: set[tuple[str, str]] = set()
    for case in cases:
        context = build_context(
            playbook=playbook,
            agent=base["agent"],
            channel_id=case.channel,
            now=base["now"],
            **matrix.context_for(base, case, playbook),
        )
        label = case.describe(optional, varied)
        plain = len(case.missing) in (0, len(optional))  # language is linted in these
        if case.phase == "resolved" and template.front.purpose == "status_update":
            context = _as_resolve_posts_it(template, context, blocks)
        for found in _rendered(
            template, playbook, context, blocks, label, lint_it=plain, linted=linted
        ):
            key = (
                (found.code, found.location)
                if found.level == "error"
                else (found.code, found.location, found.message)
            )
            seen.setdefault(key, found)  # type: ignore[arg-type]
    findings += seen.values()
    findings += _contradictions(template, playbook, channels or [None], base)
    findings += channel_fit(template, playbook, now=now)  # 20C: limits and funnels
    if not any(f.level == "error" for f in findings):  # a broken block may hide the time
        findings += promise_words(template, read)
    return list(dict.fromkeys(findings + unknown))


def _contradictions(
    template: Template,
    playbook: Playbook,
    channels: list[str | None],
    base: dict[str, Any],
) -> list[Finding]:
    """A stated cause beside "we don't know the cause" (templating.cause_words), for each
    channel the template serves, with every value present."""
    from crisisplan.templating.cause_words import contradictions
    from crisisplan.templating.render import build_context

    found: list[Finding] = []
    for channel_id in channels:
        context = build_context(
            playbook=playbook,
            incident=base["incident"],
            customer=base["customer"],
            agent=base["agent"],
            channel_id=channel_id,
            compensation=base["compensation"],
            now=base["now"],
        )
        found += contradictions(template, context)
    return found


def _as_resolve_posts_it(
    template: Template, context: dict[str, Any], blocks: dict[str, int]
) -> dict[str, Any]:
    """The final public update as `resolve` drafts it (phases/aftermath.py): a template
    that stops on the missing next update time is drafted with one, then its next_update
    block left out. Printing it as "None" does not stop it, so that stays an error."""
    from crisisplan.templating.render import RenderError, render

    try:
        render(template, context)
    except RenderError:
        if "next_update" in blocks:
            incident = dict(context["incident"], next_update_at=context["now"])
            return dict(context, incident=incident)
    return context


def render_matrix_size(template: Template, playbook: Playbook) -> int:
    """How many renderings `check_template` makes of a template (for the benchmark)."""
    from crisisplan.templating import matrix
    from crisisplan.templating.render import syntax_tree

    read = matrix.reads(syntax_tree(template))
    channels: list[str | None] = [c for c in template.front.channels if c in playbook.channels]
    cases, _ = matrix.cases(
        playbook, template.front.purpose, channels or [None], read, subject=template.front.subject
    )
    return len(cases)


def _companies(template: Template, playbook: Playbook) -> list[Finding]:
    """Another company's name left in a template copied from the example."""
    ours = playbook.company.name.casefold()
    findings = []
    for name in EXAMPLE_COMPANIES:
        if name.casefold() == ours or name.casefold() in ours:
            continue
        found = re.search(rf"\b{re.escape(name)}\b", template.body, re.IGNORECASE)
        in_subject = template.front.subject and re.search(
            rf"\b{re.escape(name)}\b", template.front.subject, re.IGNORECASE
        )
        if found is None and not in_subject:
            continue
        if found is not None:
            before = template.body[: found.start()]
            line = template.body_line + before.count("\n")
            where = Location(template.path, line, found.start() - before.rfind("\n"))
        else:
            where = Location(template.path, (template.subject_at or (1, 1))[0])
        findings.append(
            Finding(
                "warning",
                "template.company",
                f"the template names {name}, but this plan is for {playbook.company.name}; "
                "write {{ company.name }} instead.",
                where,
            )
        )
    return findings


# A declared promise the words cannot make without this field of `incident`.
_PROMISE_READS = {"next_update": "next_update_at", "fix_by": "eta"}


def promise_words(template: Template, read: dict[str, set[str]]) -> list[Finding]:
    """A template that declares it promises an update (or a fix) by a time, but whose
    words never say that time: the ledger would hold the team to a promise nobody read."""
    said = read.get("incident", set())
    return [
        Finding(
            "warning",
            "template.promise-unsaid",
            f"the front matter declares `{p.kind}`, but the words never use "
            f"`incident.{_PROMISE_READS[p.kind]}`: say the time, or drop the promise.",
            Location(template.path, 1),  # the front matter starts the file
        )
        for p in template.front.promises
        if p.kind in _PROMISE_READS and not said & {_PROMISE_READS[p.kind], "*"}
    ]


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


def _from_error(exc: RenderError) -> Finding:
    message = f"{exc.message} {exc.hint}" if exc.hint else exc.message
    return Finding("error", exc.code, message, exc.location)


def _rendered(
    template: Template,
    playbook: Playbook,
    context: dict[str, Any],
    blocks: dict[str, int],
    label: str,
    *,
    lint_it: bool,
    linted: set[tuple[str, str]],
) -> list[Finding]:
    from crisisplan.language.lint import Severity, lint
    from crisisplan.templating import matrix
    from crisisplan.templating.render import RenderError, render, render_subject

    try:
        rendered = render(template, context, strict=True)
        if lint_it:  # one line: all values present, and all missing, show what it can say
            render_subject(template, context, strict=True)
    except RenderError as exc:
        failed = _from_error(exc)
        if label != matrix.PLAIN:
            failed = Finding(
                failed.level, failed.code, f"{failed.message} (Seen {label}.)", failed.location
            )
        return [failed]
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
    if not lint_it or (severity, rendered.text) in linted:
        return findings
    linted.add((severity, rendered.text))
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
        # As `crisis lint` says it: a plan's `level: error` phrase is an error here too.
        findings.append(Finding(found.level, f"language.{found.rule}", message, where))
    return findings


def _key(finding: LintFinding) -> tuple[str, str]:
    """A phrase as a rule saw it, whatever its case, spacing or quotes."""
    phrase = re.sub("[\u2019\u2018`]", "'", finding.phrase.casefold())
    return finding.rule, " ".join(phrase.split())
