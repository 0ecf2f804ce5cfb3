"""The readiness audit: is this plan complete and current enough to lean on at 03:00?"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from crisisplan.errors import Location
from crisisplan.playbook.findings import Finding, Level
from crisisplan.playbook.model import DETECTION_KINDS, PURPOSES, Loc, Playbook
from crisisplan.playbook.signoff_audit import sign_off_gaps


def audit(
    playbook: Playbook, locate: Callable[[Loc], Location], *, today: dt.date
) -> list[Finding]:
    """Every gap between this plan and what a crisis will ask of it."""
    findings: list[Finding] = []

    def add(level: Level, code: str, message: str, loc: Loc) -> None:
        findings.append(Finding(level, code, message, locate(loc)))

    for cid, channel in playbook.channels.items():
        if channel.owner is None:
            add(
                "error",
                "readiness.unowned-channel",
                f"channel '{cid}' has no owner; name the role that answers it, "
                "so nothing is answered twice or not at all.",
                ("channels", cid),
            )
    for tid in playbook.incident_types:
        missing = [
            sev
            for sev in playbook.severities
            if not any(
                step.applies_to(severity=sev, incident_type=tid) for step in playbook.escalation
            )
        ]
        if missing:
            add(
                "error",
                "readiness.no-escalation",
                f"incident type '{tid}' has nobody to escalate to at severity "
                f"{', '.join(missing)}; add an escalation step that covers it.",
                ("incident_types", tid),
            )
    for sid, severity in playbook.severities.items():
        if severity.update_every_minutes is None:
            add(
                "error",
                "readiness.no-cadence",
                f"severity '{sid}' has no update_every_minutes; the update clock needs a "
                "cadence for every severity.",
                ("severities", sid),
            )
        if severity.first_response_minutes is None:
            add(
                "warning",
                "readiness.no-first-response",
                f"severity '{sid}' has no first_response_minutes; the first-response clock "
                f"will use its update cadence.",
                ("severities", sid),
            )
    kinds = {source.kind for source in playbook.detection}
    for kind in DETECTION_KINDS:
        if kind not in kinds:
            add(
                "warning",
                "readiness.detection",
                f"no {kind.replace('_', '-')} detection source; list at least one so problems "
                "are caught early.",
                ("detection",),
            )
    if playbook.status_page() is not None:
        for sid, severity in playbook.severities.items():
            if severity.public is None:
                add(
                    "warning",
                    "readiness.no-public-description",
                    f"severity '{sid}' has no `public` description; the status page shows "
                    "none rather than the internal one. Add a sentence the public may read.",
                    ("severities", sid),
                )
    else:
        add(
            "warning",
            "readiness.no-status-page",
            "no status_page channel; customers need one public place to see known issues.",
            ("channels",),
        )
    if playbook.components and playbook.status_page() is None:
        add(
            "warning",
            "readiness.components-unshown",
            "components are shown only on the status page, and the plan has no status_page "
            "channel.",
            ("components",),
        )
    names: dict[str, str] = {}
    for cid, component in playbook.components.items():
        if (first := names.setdefault(component.name.casefold(), cid)) != cid:
            add(
                "warning",
                "readiness.component-name-twice",
                f"components '{first}' and '{cid}' are both called '{component.name}'; "
                "readers of the status page cannot tell them apart.",
                ("components", cid, "name"),
            )
    for purpose in PURPOSES:
        if purpose not in playbook.templates:
            add(
                "warning",
                "readiness.no-template",
                f"no template for purpose '{purpose}'; add it under templates:.",
                ("templates",),
            )
    findings.extend(_staleness(playbook, locate, today))
    findings.extend(_acknowledgement(playbook, locate))  # 20A contacts
    findings.extend(sign_off_gaps(playbook, locate))  # 20C: who approves public words
    return findings


def _acknowledgement(playbook: Playbook, locate: Callable[[Loc], Location]) -> list[Finding]:
    """A channel that promises a first response needs an acknowledgement to promise it with:
    `crisis contact add` drafts one for every customer who writes in."""
    template = playbook.templates.get("acknowledgement")
    if template is not None:
        return []
    return [
        Finding(
            "warning",
            "readiness.first-response-no-acknowledgement",
            f"channel '{cid}' promises a first response within "
            f"{channel.first_response_minutes} minutes, but the plan names no "
            "`acknowledgement` template; add one under templates: so each customer who "
            "writes in is told when to expect it.",
            locate(("channels", cid, "first_response_minutes")),
        )
        for cid, channel in playbook.channels.items()
        if channel.first_response_minutes
    ]


def _staleness(
    playbook: Playbook, locate: Callable[[Loc], Location], today: dt.date
) -> list[Finding]:
    if playbook.reviewed is None:
        return [
            Finding(
                "warning",
                "readiness.never-reviewed",
                "the plan has no `reviewed:` date; review it with the team and record the date.",
                locate(()),
            )
        ]
    if playbook.review_every_days is None:
        return []
    due = playbook.reviewed + dt.timedelta(days=playbook.review_every_days)
    if due < today:
        return [
            Finding(
                "warning",
                "readiness.stale",
                f"the plan was last reviewed on {playbook.reviewed.isoformat()} and was due "
                f"for review on {due.isoformat()}; review it and update `reviewed:`.",
                locate(("reviewed",)),
            )
        ]
    return []
