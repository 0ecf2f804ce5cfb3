"""Keep a recorded reply as a new template in the response library.

A kept reply becomes a template that works for the next customer and the next incident:
what belonged to this customer and this incident (name, email, case note, title, summary,
the promised update time) becomes a variable, and every other word is kept literally.
Nothing a customer wrote can ever be read as Jinja: `{{`, `{%` and `{#` are escaped.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crisisplan.errors import TemplateError, UsageError
from crisisplan.phases import state as st
from crisisplan.phases.drafting import block_texts
from crisisplan.phases.library_body import Swap, block_body, split_body

if TYPE_CHECKING:
    from crisisplan.playbook.loader import Plan
    from crisisplan.playbook.templates import FrontMatter, Template
    from crisisplan.store import Event, Store

SUFFIX = ".md.j2"
REPLY_KINDS = ("reply", "base_reply", "public_update")
_NEW_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_MIN_SWAP = 3  # shorter literals ("Al") would be swapped inside ordinary words
_TIME_LEFT = re.compile(r"\b\d{2}:\d{2} UTC\b")
# What `crisis check` may find in a kept reply that is for the user to fix: too few words
# for a block, or words the language rules catch. Anything else would be a bug here.
_USERS_TO_FIX = frozenset({"template.empty", "template.empty-block"})


@dataclass(frozen=True)
class Saved:
    """A template written from a recorded reply, and what the user should look at."""

    path: Path
    template_id: str
    purpose: str
    blocks: list[str]
    notes: list[str] = field(default_factory=list)


def save_reply(
    *,
    plan: Plan,
    store: Store,
    event_id: int,
    new_id: str,
    description: str | None,
    force: bool,
) -> Saved:
    """Write the reply recorded as `event_id` into the library as template `new_id`."""
    from crisisplan.playbook.templates import Template
    from crisisplan.templating.render import sample_context

    target = _target(plan, new_id, force=force)
    recorded = _reply_event(store, event_id)
    payload = recorded.payload
    original = plan.templates.get(str(payload.get("template", "")))
    purpose = _purpose(recorded, original)
    _check_purpose_clash(plan, new_id, purpose)
    notes: list[str] = []
    if original is None:
        notes.append(
            f"the template it was drafted from ('{payload.get('template')}') is no longer in "
            f"the library; the new one is for {purpose}."
        )
    channel = recorded.channel if recorded.channel in plan.playbook.channels else None
    if recorded.channel and channel is None:
        notes.append(f"its channel '{recorded.channel}' is no longer in the plan; left out.")
    sample = sample_context(plan.playbook, purpose=purpose, channel_id=channel)

    swaps = _swaps(plan, store, recorded, personal=sample["customer"] is not None)
    text = str(payload.get("text", ""))
    blocks = payload.get("blocks")
    if payload.get("edited_from") or not isinstance(blocks, dict) or not blocks:
        body, names = split_body(text, purpose, swaps)
        why = "it was edited after drafting" if payload.get("edited_from") else "it has no blocks"
        notes.append(
            f"{why}, so its paragraphs were shared out in order over the blocks "
            f"{', '.join(names)}: check where each block starts and ends in {target}."
        )
    else:
        ordered = _ordered(block_texts(text, blocks), original)
        body, names, laid_out = block_body(text, ordered, swaps)
        if not laid_out:
            notes.append("the words around its blocks could not be placed; only they were kept.")

    front, front_text = _front_matter(
        new_id, purpose, [channel] if channel else [], names, description, recorded, plan
    )
    template = Template(front=front, body=body, path=target, body_line=front_text.count("\n") + 3)
    notes += _checked(template, plan)
    left = sorted(set(_TIME_LEFT.findall(body)))
    if left:
        notes.append(
            f"it still names a time ({', '.join(left)}) that belonged to that incident; "
            "replace it or leave it out."
        )
    from crisisplan.files import write_atomic

    write_atomic(target, f"---\n{front_text}---\n{body}")
    return Saved(target, new_id, purpose, names, notes)


def _reply_event(store: Store, event_id: int) -> Event:
    recorded = store.event(event_id)
    if recorded is None:
        raise UsageError(
            f"there is no event {event_id} in {store.location}.",
            hint="`crisis timeline --format json` lists the events with their ids.",
        )
    if recorded.kind not in REPLY_KINDS:
        raise UsageError(
            f"event {event_id} is not a reply but `{recorded.kind}`.",
            hint=f"Keep a reply: an event of kind {', '.join(REPLY_KINDS)}.",
        )
    return recorded


def _purpose(recorded: Event, original: Template | None) -> str:
    """The original template's purpose; if it is gone, what the kind of event says."""
    if original is not None:
        return original.front.purpose
    return "status_update" if recorded.kind == "public_update" else "first_response"


def _target(plan: Plan, new_id: str, *, force: bool) -> Path:
    if not _NEW_ID.match(new_id) or len(new_id) > 64:
        raise UsageError(
            f"--id {new_id!r} is not a template id.",
            hint="Use lower-case letters, digits and dashes, such as `kept-outage-reply`.",
        )
    target = plan.library_dir / f"{new_id}{SUFFIX}"
    if (target.exists() or target.is_symlink()) and not force:
        raise UsageError(
            f"{target} already exists.",
            hint="Choose another --id, or pass --force to replace it.",
        )
    return target


def _check_purpose_clash(plan: Plan, new_id: str, purpose: str) -> None:
    """Replacing a template the playbook names for another purpose would break the plan."""
    for named_purpose, template_id in plan.playbook.templates.items():
        if template_id == new_id and named_purpose != purpose:
            raise UsageError(
                f"the playbook uses '{new_id}' for {named_purpose}; this reply is a {purpose}.",
                hint="Choose another --id.",
            )


def _ordered(blocks: dict[str, str], original: Template | None) -> list[tuple[str, str]]:
    """The recorded blocks in the original template's order."""
    order: list[str] = []
    if original is not None:
        from crisisplan.templating.render import block_lines

        try:
            order = list(block_lines(original))
        except TemplateError:
            order = []
    names = [n for n in order if n in blocks] + [n for n in blocks if n not in order]
    return [(name, blocks[name]) for name in names]


# --- what belonged to this reply ------------------------------------------------------------


def _swaps(plan: Plan, store: Store, recorded: Event, *, personal: bool) -> list[Swap]:
    """What belonged to this reply, longest first; `personal` when templates of the purpose
    always have a customer (otherwise their details are printed only when there is one)."""
    from crisisplan.phases.declare import BASE_CUSTOMER

    payload = recorded.payload
    customer = BASE_CUSTOMER if recorded.kind == "base_reply" else payload.get("customer")
    literals: list[tuple[str, str]] = []
    if isinstance(customer, dict):
        some = "" if personal else "customer"  # otherwise there may be no customer
        literals += [
            (str(customer.get("email") or ""), _print("customer.email", some)),
            (str(customer.get("name") or ""), _print("customer.name", some)),
            (str(customer.get("note") or ""), _print("customer.note", some, "customer.note")),
        ]
    row = store.incident(recorded.incident_id)
    if row is not None:
        literals.append((str(st.of(row).title or ""), "{{ incident.title }}"))
        literals.append((_summary_then(store, recorded), "{{ incident.summary }}"))
    roles = plan.playbook.roles
    who = roles[recorded.who].name if recorded.who in roles else recorded.who
    literals.append((who, "{{ agent.name }}"))
    seen: set[str] = set()
    swaps: list[Swap] = []
    for literal, expression in sorted(literals, key=lambda pair: -len(pair[0].strip())):
        literal = literal.strip()
        if len(literal) >= _MIN_SWAP and literal not in seen:
            seen.add(literal)
            swaps.append(Swap(_whole(literal), expression))
    due = payload.get("next_update_at") or _base_promise(store, recorded)
    if isinstance(due, str):
        when = dt.datetime.fromisoformat(due).astimezone(dt.UTC)
        day = r" on \w{3} \d{1,2} \w{3}(?: \d{4})?"  # the `clock` filter's other days
        swaps.append(
            Swap(rf"(?<!\d){when:%H:%M} UTC(?:{day})?", "{{ incident.next_update_at | clock }}")
        )
    return swaps


def _base_promise(store: Store, recorded: Event) -> str | None:
    """The update time a base reply promised: `crisis start` drafts it for one cadence after
    the start, at the severity declared, and does not record the time itself."""
    if recorded.kind != "base_reply":
        return None
    events = store.events(recorded.incident_id, kinds=["incident_started"], limit=1)
    started = next(iter(events), None)
    if started is None:
        return None
    severities = started.payload.get("plan", {}).get("severities", {})
    every = severities.get(started.payload.get("severity"), {}).get("update_every_minutes")
    return (recorded.at + dt.timedelta(minutes=every)).isoformat() if every else None


def _print(path: str, *conditions: str) -> str:
    """`{{ path }}`, printed only when every condition given holds."""
    guard = " and ".join(c for c in conditions if c)
    return f"{{% if {guard} %}}{{{{ {path} }}}}{{% endif %}}" if guard else f"{{{{ {path} }}}}"


def _whole(literal: str) -> str:
    """The literal as a pattern that never starts or ends inside a word."""
    before = r"(?<!\w)" if re.match(r"\w", literal[0]) else ""
    after = r"(?!\w)" if re.match(r"\w", literal[-1]) else ""
    return f"{before}{re.escape(literal)}{after}"


def _summary_then(store: Store, recorded: Event) -> str:
    """The incident's summary when the reply was drafted."""
    summary = ""
    for e in store.events(recorded.incident_id, kinds=["incident_started", "summary_changed"]):
        if (e.at, e.id) > (recorded.at, recorded.id):
            break
        summary = str(e.payload.get("summary") or summary)
    return summary


def _front_matter(
    new_id: str,
    purpose: str,
    channels: list[str],
    sections: list[str],
    description: str | None,
    recorded: Event,
    plan: Plan,
) -> tuple[FrontMatter, str]:
    """The validated front matter, and its YAML lines."""
    import yaml
    from pydantic import ValidationError

    from crisisplan.playbook.templates import FrontMatter

    if description is None:
        roles = plan.playbook.roles
        who = roles[recorded.who].name if recorded.who in roles else recorded.who
        description = (
            f"Kept from {recorded.incident_id}, event {recorded.id}, drafted by {who} "
            f"on {recorded.at.astimezone(dt.UTC).date().isoformat()}"
        )
    description = " ".join(description.split())
    if not description:
        raise UsageError("--description is empty.", hint="Say when to use this template.")
    fields: dict[str, Any] = {
        "id": new_id,
        "purpose": purpose,
        "channels": channels,
        "sections": sections,
        "description": description,
    }
    try:
        front = FrontMatter.model_validate(fields)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        raise UsageError(
            f"the new template's {where} is not valid: {first['msg']}.",
            hint="Check --id and --description.",
        ) from None
    lines = [f"{key}: {_flow(fields[key])}\n" for key in ("id", "purpose", "channels", "sections")]
    lines.append(
        yaml.safe_dump(
            {"description": description}, allow_unicode=True, width=1_000_000, sort_keys=False
        )
    )
    return front, "".join(lines)


def _flow(value: str | list[str]) -> str:
    return f"[{', '.join(value)}]" if isinstance(value, list) else value


def _checked(template: Template, plan: Plan) -> list[str]:
    """What `crisis check` will say about the new template, as notes for the user.

    A kept reply that would not render is never written: that would be a bug here.
    """
    from crisisplan.templating.check import check_template

    notes = []
    for finding in check_template(template, plan.playbook):
        if finding.code.startswith("template.") and finding.code not in _USERS_TO_FIX:
            raise TemplateError(
                f"the reply could not be kept as '{template.front.id}': {finding.message}",
                hint="Nothing was written. This is a bug in crisis; please report it.",
            )
        notes.append(f"`crisis check` will say: {finding.level}: {finding.message}")
    return notes
