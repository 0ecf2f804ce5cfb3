"""The playbook format, version 1 (see docs/playbook.md).

Field names are the ones users write. Models only check shape; cross-references
between sections are checked by `crosscheck`, which returns problems with the
path of the offending value so the loader can point at the right line.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from typing import Annotated, Literal

# Scanning installed packages for pydantic plugins costs every `crisis check` ~15 ms at
# start-up, and these models use none.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

PLAYBOOK_VERSION = 1

Id = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64),
]
RoleId = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=64),
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]
Minutes = Annotated[int, Field(gt=0, le=60 * 24 * 30)]
# What the status page can show under an incident's severity: a sentence or two.
PUBLIC_MAX = 200
PublicText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=PUBLIC_MAX)
]

Purpose = Literal[
    "acknowledgement",
    "first_response",
    "update",
    "resolved",
    "apology",
    "status_update",
    "internal_brief",
]
PURPOSES: tuple[Purpose, ...] = (
    "acknowledgement",
    "first_response",
    "update",
    "resolved",
    "apology",
    "status_update",
    "internal_brief",
)
ChannelKind = Literal["email", "social", "phone", "chat", "forum", "status_page", "other"]
ChannelPurpose = Literal["individual", "broadcast", "monitor"]
DetectionKind = Literal["technical", "human", "third_party"]
DETECTION_KINDS: tuple[DetectionKind, ...] = ("technical", "human", "third_party")


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class Role(Frozen):
    name: Text
    contact: Text | None = None
    phone: Text | None = None


class Company(Frozen):
    name: Text
    stance: Text | None = None
    support_hours: Text | None = None


# A draft's length limit in characters by channel kind, unless the channel sets `limit:`.
DEFAULT_LIMITS: dict[str, int] = {"social": 280}


class Channel(Frozen):
    kind: ChannelKind
    purpose: ChannelPurpose
    owner: RoleId | None = None
    address: Text | None = None
    url: Text | None = None
    funnel_to: Id | None = None
    first_response_minutes: Minutes | None = None
    limit: Annotated[int, Field(gt=0, le=100_000)] | None = None  # characters

    @property
    def max_length(self) -> int | None:
        """The most characters a draft for this channel may have: `limit`, else its kind's."""
        return self.limit or DEFAULT_LIMITS.get(self.kind)

    @property
    def reach(self) -> str | None:
        """Where people are sent when funnelled here: the address, else the URL."""
        return self.address or self.url


class EscalationStep(Frozen):
    id: Id
    who: RoleId
    how: Text
    when: Text
    severities: list[Id] = Field(default_factory=list)
    types: list[Id] = Field(default_factory=list)
    after_minutes: Annotated[int, Field(ge=0, le=60 * 24 * 30)] = 0

    def applies_to(self, *, severity: str, incident_type: str) -> bool:
        """True when this step covers the given severity and incident type."""
        return (not self.severities or severity in self.severities) and (
            not self.types or incident_type in self.types
        )


class DetectionSource(Frozen):
    name: Text
    kind: DetectionKind
    covers: Text | None = None


class Severity(Frozen):
    description: Text
    # The words the public may read (the status page, its feed); `description` is internal.
    public: PublicText | None = None
    update_every_minutes: Minutes | None = None
    first_response_minutes: Minutes | None = None


class IncidentType(Frozen):
    description: Text
    default_severity: Id | None = None
    checklist: list[Text] = Field(default_factory=list)
    public_statement_needs: list[RoleId] = Field(default_factory=list)


class Term(Frozen):
    use: Text
    instead_of: Annotated[list[Text], Field(min_length=1)]


class AvoidPhrase(Frozen):
    phrase: Text
    why: Text
    instead: Text | None = None
    level: Literal["error", "warning"] = "warning"


class DisabledRule(Frozen):
    rule: Id
    reason: Text


class Language(Frozen):
    terms: list[Term] = Field(default_factory=list)
    avoid: list[AvoidPhrase] = Field(default_factory=list)
    tone: list[Text] = Field(default_factory=list)
    disable: list[DisabledRule] = Field(default_factory=list)


class CompensationWhen(Frozen):
    repeat_incidents: Annotated[int, Field(ge=1)] | None = None
    severity: Id | None = None


class CompensationRule(Frozen):
    when: CompensationWhen = CompensationWhen()
    offer: Text


class Component(Frozen):
    """A part of the service the status page reports on (e.g. the API, sign-in)."""

    name: Text
    description: Text | None = None


class Review(Frozen):
    questions: list[Text] = Field(default_factory=list)


class Playbook(Frozen):
    playbook: Literal[1]
    name: Text
    owner: RoleId | None = None
    reviewed: dt.date | None = None
    review_every_days: Annotated[int, Field(gt=0, le=3650)] | None = None
    library: Text | None = None
    company: Company
    roles: dict[RoleId, Role]
    channels: dict[Id, Channel]
    escalation: list[EscalationStep] = Field(default_factory=list)
    detection: list[DetectionSource] = Field(default_factory=list)
    severities: Annotated[dict[Id, Severity], Field(min_length=1)]
    incident_types: Annotated[dict[Id, IncidentType], Field(min_length=1)]
    language: Language = Language()
    templates: dict[Purpose, Id] = Field(default_factory=dict)
    compensation: list[CompensationRule] = Field(default_factory=list)
    review: Review = Review()
    tiers: list[Id] = Field(default_factory=list)
    components: dict[Id, Component] = Field(default_factory=dict)

    def severity_rank(self, severity: str) -> int:
        """0 for the least severe level, rising with severity."""
        return list(self.severities).index(severity)

    def status_page(self) -> tuple[str, Channel] | None:
        """The first status page channel, if the plan has one."""
        for channel_id, channel in self.channels.items():
            if channel.kind == "status_page":
                return channel_id, channel
        return None


Loc = tuple[str | int, ...]


def crosscheck(pb: Playbook) -> list[tuple[Loc, str]]:
    """Every reference between sections that points nowhere, with where it stands."""
    problems: list[tuple[Loc, str]] = []
    roles, channels = pb.roles, pb.channels

    def need_role(loc: Loc, role: str | None, what: str) -> None:
        if role is not None and role not in roles:
            problems.append((loc, f"{what} '{role}' is not a role; roles are: {_names(roles)}."))

    def need_severity(loc: Loc, sev: str) -> None:
        if sev not in pb.severities:
            problems.append(
                (loc, f"severity '{sev}' is not defined; severities are: {_names(pb.severities)}.")
            )

    need_role(("owner",), pb.owner, "owner")
    for cid, ch in channels.items():
        need_role(("channels", cid, "owner"), ch.owner, "owner")
        if ch.funnel_to is not None:
            target = channels.get(ch.funnel_to)
            loc: Loc = ("channels", cid, "funnel_to")
            if target is None:
                problems.append(
                    (
                        loc,
                        f"funnel_to '{ch.funnel_to}' is not a channel; channels are: "
                        f"{_names(channels)}.",
                    )
                )
            elif target.purpose != "individual":
                problems.append(
                    (
                        loc,
                        f"funnel_to '{ch.funnel_to}' must be a channel with purpose "
                        f"individual, not {target.purpose}.",
                    )
                )
    for i, step in enumerate(pb.escalation):
        need_role(("escalation", i, "who"), step.who, "who")
        for j, sev in enumerate(step.severities):
            need_severity(("escalation", i, "severities", j), sev)
        for j, type_id in enumerate(step.types):
            if type_id not in pb.incident_types:
                problems.append(
                    (
                        ("escalation", i, "types", j),
                        f"incident type '{type_id}' is not defined; types are: "
                        f"{_names(pb.incident_types)}.",
                    )
                )
    seen: set[str] = set()
    for i, step in enumerate(pb.escalation):
        if step.id in seen:
            problems.append((("escalation", i, "id"), f"escalation id '{step.id}' is used twice."))
        seen.add(step.id)
    for tid, typ in pb.incident_types.items():
        if typ.default_severity is not None:
            need_severity(("incident_types", tid, "default_severity"), typ.default_severity)
        for j, role in enumerate(typ.public_statement_needs):
            need_role(("incident_types", tid, "public_statement_needs", j), role, "role")
    from crisisplan.language.rules import BUILTIN_RULE_IDS

    for i, off in enumerate(pb.language.disable):
        if off.rule not in BUILTIN_RULE_IDS:
            problems.append(
                (
                    ("language", "disable", i, "rule"),
                    f"'{off.rule}' is not a built-in rule; the rules are: "
                    f"{', '.join(BUILTIN_RULE_IDS)}.",
                )
            )
    for i, rule in enumerate(pb.compensation):
        if rule.when.severity is not None:
            need_severity(("compensation", i, "when", "severity"), rule.when.severity)
    return problems


def _names(mapping: Mapping[str, object]) -> str:
    return ", ".join(mapping) or "(none)"
