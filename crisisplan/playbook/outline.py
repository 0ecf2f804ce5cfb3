"""The plan as a person reads it: one outline, rendered as text, Markdown or HTML."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from crisisplan.playbook.model import Playbook


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]


@dataclass(frozen=True)
class Section:
    title: str
    paragraphs: list[str] = field(default_factory=list)
    table: Table | None = None
    bullets: list[str] = field(default_factory=list)


def outline(playbook: Playbook, *, disabled_reasons: bool = True) -> tuple[str, list[Section]]:
    """The plan's title and its sections, in the order a responder needs them."""
    pb = playbook
    roles = pb.roles

    def who(role_id: str | None) -> str:
        if role_id is None:
            return "NOBODY (unowned)"
        role = roles.get(role_id)
        return f"{role.name} ({role_id})" if role else role_id

    stance = [f"{pb.company.name}."]
    if pb.company.stance:
        stance.append(pb.company.stance)
    if pb.company.support_hours:
        stance.append(f"Support hours: {pb.company.support_hours}.")
    kept = [f"Plan kept by {who(pb.owner)}." if pb.owner else "No plan owner named."]
    if pb.reviewed:
        kept.append(f"Last reviewed {pb.reviewed.isoformat()}.")
        if pb.review_every_days:
            due = pb.reviewed + dt.timedelta(days=pb.review_every_days)
            kept.append(f"Next review due {due.isoformat()}.")
    sections = [Section("Our stance", paragraphs=[" ".join(stance), " ".join(kept)])]

    channel_rows = []
    for cid, ch in pb.channels.items():
        details = [d for d in (ch.address, ch.url) if d]
        if ch.funnel_to:
            details.append(f"funnel people to {ch.funnel_to}")
        if ch.first_response_minutes:
            details.append(f"first response within {_minutes(ch.first_response_minutes)}")
        if ch.max_length:
            details.append(f"drafts of at most {ch.max_length:,} characters")
        channel_rows.append((cid, ch.kind, ch.purpose, who(ch.owner), "; ".join(details)))
    sections.append(
        Section(
            "Channels and owners",
            table=Table(("channel", "kind", "purpose", "owner", "details"), channel_rows),
        )
    )
    sections.append(_contacts(pb))  # 20A

    sections.append(
        Section(
            "Who is who",
            table=Table(
                ("role", "name", "contact", "phone"),
                [(rid, r.name, r.contact or "", r.phone or "") for rid, r in roles.items()],
            ),
        )
    )

    ladder = [
        (
            str(i),
            who(step.who),
            step.how,
            step.when,
            ", ".join(step.severities) or "all",
            ", ".join(step.types) or "all",
            _minutes(step.after_minutes) if step.after_minutes else "at once",
        )
        for i, step in enumerate(pb.escalation, start=1)
    ]
    sections.append(
        Section(
            "Escalation ladder",
            paragraphs=["Called in this order; the first matching step is called first."],
            table=Table(("#", "who", "how", "when", "severities", "types", "after"), ladder),
        )
    )

    cadence = [
        (
            sid,
            sev.description,
            _minutes(sev.update_every_minutes) if sev.update_every_minutes else "NOT SET",
            _minutes(sev.first_response_minutes) if sev.first_response_minutes else "not set",
        )
        for sid, sev in pb.severities.items()
    ]
    sections.append(
        Section(
            "Update cadence",
            paragraphs=["From least to most severe. Every update promises the next one."],
            table=Table(("severity", "means", "update every", "first response within"), cadence),
        )
    )

    if pb.components:
        parts = [(cid, c.name, c.description or "") for cid, c in pb.components.items()]
        sections.append(
            Section(
                "Components",
                paragraphs=["The parts of the service the status page reports on."],
                table=Table(("id", "name", "covers"), parts),
            )
        )

    for tid, typ in pb.incident_types.items():
        paras = [typ.description]
        if typ.default_severity:
            paras.append(f"Starts at severity {typ.default_severity}.")
        if typ.public_statement_needs:
            approvers = ", ".join(who(r) for r in typ.public_statement_needs)
            paras.append(
                f"Public statements need approval from {approvers}: every public update "
                "waits until each of them runs `crisis approve` (docs/signoff.md)."
            )
        sections.append(
            Section(f"Incident type: {tid}", paragraphs=paras, bullets=list(typ.checklist))
        )

    sections.append(
        Section(
            "Detection",
            table=Table(
                ("source", "kind", "covers"),
                [(d.name, d.kind.replace("_", "-"), d.covers or "") for d in pb.detection],
            ),
        )
    )

    lang = pb.language
    rules = [f"Say “{t.use}”, not {', '.join(f'“{w}”' for w in t.instead_of)}." for t in lang.terms]
    rules += [
        f"Avoid “{a.phrase}”: {a.why}" + (f" Write “{a.instead}” instead." if a.instead else "")
        for a in lang.avoid
    ]
    rules.append(
        "Built in: never minimise (“a small number of customers”), never shift blame "
        "(“not our fault”), never fake an apology (“sorry for any inconvenience”)."
    )
    if disabled_reasons:
        rules += [f"Built-in rule '{d.rule}' is off: {d.reason}" for d in lang.disable]
    tone = [f"Tone: {', '.join(lang.tone)}."] if lang.tone else []
    sections.append(Section("Language", paragraphs=tone, bullets=rules))

    if pb.templates:
        sections.append(
            Section(
                "Response library",
                table=Table(("purpose", "template"), list(pb.templates.items())),
            )
        )
    if pb.compensation:
        comp_rows = [(_condition(rule.when), rule.offer) for rule in pb.compensation]
        sections.append(
            Section(
                "Compensation",
                paragraphs=["The first matching rule applies."],
                table=Table(("when", "offer"), comp_rows),
            )
        )
    if pb.review.questions:
        sections.append(Section("Review questions", bullets=list(pb.review.questions)))
    return pb.name, sections


def _minutes(n: int) -> str:
    if n % 60 == 0:
        hours = n // 60
        return f"{hours} hour" if hours == 1 else f"{hours} hours"
    return f"{n} minutes" if n != 1 else "1 minute"


def _condition(when: object) -> str:
    parts = []
    repeat = getattr(when, "repeat_incidents", None)
    severity = getattr(when, "severity", None)
    if repeat:
        parts.append(f"customer hit by {repeat} or more earlier incidents in 180 days")
    if severity:
        parts.append(f"severity {severity}")
    return " and ".join(parts) or "anyone else"


def _contacts(pb: Playbook) -> Section:
    """What happens when a customer writes in: their clock, their acknowledgement."""
    promised = [
        f"{cid} within {_minutes(ch.first_response_minutes)}"
        for cid, ch in pb.channels.items()
        if ch.first_response_minutes
    ]
    clock = (
        f"The channels promise a first response: {', '.join(promised)}; elsewhere the "
        "severity's first-response time applies."
        if promised
        else "The severity's first-response time applies on every channel."
    )
    ack = pb.templates.get("acknowledgement")
    answer = (
        f"Each one gets an acknowledgement drafted from '{ack}', and joins the follow-up "
        "list with an open case; a reply, or the acknowledgement sent, stops their clock."
        if ack
        else "The plan names no acknowledgement template, so nobody is answered "
        "automatically; add one under templates:."
    )
    return Section(
        "Customers who write in",
        paragraphs=[
            "Record each message with `crisis contact add`, or a Zendesk or Help Scout export "
            f"with `crisis contact import`: it starts that customer's clock. {clock} {answer}"
        ],
    )
