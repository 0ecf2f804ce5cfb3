"""Every case a template can meet, as few as tell them apart: what `crisis check` renders.

A template meets every incident type, severity, channel it serves and phase its purpose
is drafted in, with each optional value present or missing. Most templates read only a
few of those: a dimension the template never reads (its syntax tree says so) is left at
one value, and optional values vary one at a time around "all present" and "all missing"
rather than in every combination. A value the plan guarantees (the status page's address
when it has one) is never missing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from jinja2 import nodes

from crisisplan.templating.sandbox import environment

if TYPE_CHECKING:
    from crisisplan.playbook.model import Playbook

# The phases each purpose is drafted in: a first response only while it is happening, the
# public update also at `resolve` (its final words), the brief at any time.
PHASES: dict[str, tuple[str, ...]] = {
    "acknowledgement": ("during",),
    "first_response": ("during",),
    "update": ("during",),
    "status_update": ("during", "resolved"),
    "resolved": ("resolved",),
    "apology": ("after",),
    "internal_brief": ("during", "resolved", "after"),
}
# The optional values, by what a template reads to see them: (variable, field).
OPTIONAL: tuple[tuple[str, str | None], ...] = (
    ("incident", "cause"),
    ("incident", "impact"),
    ("incident", "workaround"),
    ("incident", "eta"),
    ("incident", "status_url"),
    ("customer", "note"),
    ("customer", "tier"),
    ("customer", "open_case"),
    ("customer", "previous_incidents"),
    ("compensation", None),
)
_MISSING_AS = {"open_case": False, "previous_incidents": 0}
_TYPE_FIELDS = frozenset({"type", "type_description"})
_SEVERITY_FIELDS = frozenset({"severity", "severity_description", "severity_public"})
_PHASE_FIELDS = frozenset({"status", "next_update_at", "eta"})
_WHOLE = "*"  # the variable is read whole (passed on, looped over): anything may matter


def reads(tree: nodes.Template) -> dict[str, set[str]]:
    """The fields of each top-level variable a template reads (`*`: the whole value)."""
    read: dict[str, set[str]] = {}
    under_field: set[int] = set()
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        assert isinstance(node, nodes.Getattr | nodes.Getitem)
        inner = node.node
        if isinstance(inner, nodes.Name) and inner.ctx == "load":
            key = node.attr if isinstance(node, nodes.Getattr) else getattr(node.arg, "value", None)
            read.setdefault(inner.name, set()).add(key if isinstance(key, str) else _WHOLE)
            under_field.add(id(inner))
    for name in tree.find_all(nodes.Name):
        if name.ctx == "load" and id(name) not in under_field:
            read.setdefault(name.name, set()).add(_WHOLE)
    return read


@dataclass(frozen=True)
class Case:
    """One rendering: the incident type, severity, channel, phase and the values missing."""

    type: str
    severity: str
    channel: str | None
    phase: str
    missing: frozenset[tuple[str, str | None]]

    def describe(self, optional: list[tuple[str, str | None]], varied: set[str]) -> str:
        """In words, as a finding says when it happens; `varied`: the dimensions that vary."""
        if not self.missing:
            words = PLAIN
        elif len(self.missing) == len(optional):
            words = "when the optional values are none"
        elif len(self.missing) == 1:
            words = f"without {_name(next(iter(self.missing)))}"
        else:
            kept = ", ".join(_name(v) for v in optional if v not in self.missing)
            words = f"when the optional values are none but {kept}"
        where = [
            f"a {self.type} incident" if "type" in varied else "",
            f"severity {self.severity}" if "severity" in varied else "",
            f"on {self.channel}" if "channel" in varied else "",
            _PHASE_WORDS[self.phase] if "phase" in varied else "",
        ]
        where = [w for w in where if w]
        return f"{words} ({', '.join(where)})" if where else words


PLAIN = "with sample data"
_PHASE_WORDS = {"during": "during it", "resolved": "at resolve", "after": "after it"}


def varied(found: list[Case]) -> set[str]:
    """The dimensions that take more than one value among `found`."""
    dims: dict[str, set[str | None]] = {
        "type": {c.type for c in found},
        "severity": {c.severity for c in found},
        "channel": {c.channel for c in found},
        "phase": {c.phase for c in found},
    }
    return {name for name, values in dims.items() if len(values) > 1}


def _name(value: tuple[str, str | None]) -> str:
    return value[0] if value[1] is None else f"{value[0]}.{value[1]}"


def cases(
    playbook: Playbook,
    purpose: str,
    channels: list[str | None],
    read: dict[str, set[str]],
    *,
    subject: str | None = None,
) -> tuple[list[Case], list[tuple[str, str | None]]]:
    """The cases to render, and the optional values that vary among them. `subject` is
    the template's `subject:`, whose reads count too."""
    if subject is not None:
        read = {k: set(v) for k, v in read.items()}
        for name, fields in reads(environment().parse(subject)).items():
            read.setdefault(name, set()).update(fields)
    incident = read.get("incident", set())
    whole = _WHOLE in incident

    def reads_any(fields: frozenset[str]) -> bool:
        return whole or bool(incident & fields)

    first_type, kind = next(iter(playbook.incident_types.items()))
    types = list(playbook.incident_types) if reads_any(_TYPE_FIELDS) else [first_type]
    default = kind.default_severity if kind.default_severity in playbook.severities else None
    severities = (
        list(playbook.severities)
        if reads_any(_SEVERITY_FIELDS)
        else [default or next(iter(playbook.severities))]
    )
    if "channel" not in read:
        channels = channels[:1]
    phases = PHASES.get(purpose, ("during",))
    if not reads_any(_PHASE_FIELDS):
        phases = phases[:1]
    page = playbook.status_page()
    guaranteed = {("incident", "status_url")} if page and page[1].url else set()
    optional = [
        value
        for value in OPTIONAL
        if value not in guaranteed
        and value[0] in read
        and (value[1] is None or value[1] in read[value[0]] or _WHOLE in read[value[0]])
    ]
    variants = _variants(optional)
    found = [
        Case(t, s, c, p, m)
        for p in phases
        for t in types
        for s in severities
        for c in channels
        for m in variants
    ]
    return found, optional


def _variants(optional: list[tuple[str, str | None]]) -> list[frozenset[tuple[str, str | None]]]:
    """Which values are missing: none, all, and each one alone missing or alone present."""
    every = frozenset(optional)
    seen = dict.fromkeys([frozenset(), every])
    for value in optional:
        seen.setdefault(frozenset({value}))
        seen.setdefault(every - {value})
    return list(seen)


def context_for(base: dict[str, Any], case: Case, playbook: Playbook) -> dict[str, Any]:
    """`base` (a sample context's raw parts) made into this case's."""
    incident = dict(base["incident"], type=case.type, severity=case.severity)
    cadence = playbook.severities[case.severity].update_every_minutes or 60
    now: dt.datetime = base["now"]
    if case.phase == "during":
        incident["status"] = "investigating"
        incident["next_update_at"] = now + dt.timedelta(minutes=cadence)
    else:
        incident["status"] = "resolved"
        incident["next_update_at"] = None
    customer = dict(base["customer"]) if base["customer"] is not None else None
    compensation = base["compensation"]
    for variable, field in case.missing:
        if variable == "incident" and field is not None:
            incident[field] = None
        elif variable == "customer" and customer is not None and field is not None:
            customer[field] = _MISSING_AS.get(field)
        elif variable == "compensation":
            compensation = None
    return {"incident": incident, "customer": customer, "compensation": compensation}
