"""What `crisis plan` says of the promise ledger and the milestones."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from crisisplan.playbook.outline import Section, Table

if TYPE_CHECKING:
    from crisisplan.playbook.templates import Template


_MEANS = {
    "next_update": "an update by the time it names",
    "fix_by": "the fix by the ETA the lead gave (`--eta`)",
    "contact_when_fixed": "personal contact when it is fixed",
    "writeup_within_days": "the write-up within N working days of the resolution",
}


def plan_sections(templates: Mapping[str, Template]) -> list[Section]:
    """What `crisis plan` says of the promise ledger and the milestones."""
    rows = [
        (tid, t.front.purpose, ", ".join(p.spelled() for p in t.front.promises))
        for tid, t in templates.items()
        if t.front.promises
    ]
    kinds = [f"{kind}: {means}" for kind, means in _MEANS.items()]
    ledger = Section(
        "Promises our words make",
        paragraphs=[
            "Each draft from these templates records what it promises, to whom and by when; "
            "`crisis status` shows promises due and broken, `crisis resolve` the ones still "
            "owed to individuals, `crisis review` counts them by kind."
            if rows
            else "No template declares `promises:`, so the ledger tracks update times only "
            "(docs/promises.md).",
        ],
        table=Table(("template", "purpose", "promises"), rows) if rows else None,
        bullets=kinds,
    )
    milestones = Section(
        "Milestones",
        paragraphs=[
            "Declared (crisis start), acknowledged, identified, mitigated (crisis milestone "
            "NAME, once each; --at to backfill, --again to move) and resolved (crisis "
            "resolve). `crisis review` gives the time to each; `crisis review --trend` the "
            "median and worst per incident type."
        ],
    )
    return [ledger, milestones]
