"""What a template sees: its variables, as plain data, and the filters for times and counts.

`build_context` copies the incident, the customer and the plan into plain types only, so a
template never reaches a model, a path or a module; `sample_context` is what `crisis check`
renders with. The filters `clock`, `ago`, `plural` and `date` are ours; Jinja's others are
set up, guarded, in crisisplan.templating.sandbox.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from jinja2 import pass_context
from jinja2.runtime import Context, Undefined

from crisisplan.errors import UsageError
from crisisplan.templating.limits import Stop

if TYPE_CHECKING:
    from crisisplan.playbook.model import Playbook

# --- filters (docs/templates.md copies these docstrings) -----------------------------------

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def kind_of(value: Any) -> str:
    """What a value is, in a template author's words: `none`, `text`, `a number`..."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true/false"
    names = {str: "text", int: "a number", float: "a number", list: "a list", dict: "a mapping"}
    return names.get(type(value), f"a {type(value).__name__}")


def _defined(value: Any) -> None:
    if isinstance(value, Undefined):  # the undefined variable is the real mistake
        value._fail_with_undefined_error()


def _utc(value: Any, name: str) -> dt.datetime:
    _defined(value)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    if value is None:
        raise Stop(
            "template.failed",
            f"`{name}` was given an empty value (none).",
            f"Guard it: {{% if value %}}{{{{ value | {name} }}}}{{% endif %}}.",
        )
    raise Stop(
        "template.failed",
        f"`{name}` needs a date-time, not {kind_of(value)}.",
        "Use it on incident.started_at, incident.eta, incident.next_update_at or now.",
    )


def _now(context: Context) -> dt.datetime:
    now = context.get("now")
    return _utc(now, "now") if isinstance(now, dt.datetime) else dt.datetime.now(dt.UTC)


def _day(moment: dt.date) -> str:
    return f"{_DAYS[moment.weekday()]} {moment.day} {_MONTHS[moment.month - 1]}"


@pass_context
def clock(context: Context, value: Any) -> str:
    """The time of day in UTC, for promises: `{{ incident.next_update_at | clock }}` → `14:30 UTC`.

    When the time is on another UTC day than `now`, the day follows: `14:30 UTC on Tue 24 Nov`
    (and the year, when that differs too: `09:00 UTC on Fri 1 Jan 2027`).
    """
    moment, now = _utc(value, "clock"), _now(context)
    text = f"{moment:%H:%M} UTC"
    if moment.date() != now.date():
        text += f" on {_day(moment)}"
        if moment.year != now.year:
            text += f" {moment.year}"
    return text


@pass_context
def ago(context: Context, value: Any) -> str:
    """How long ago, in words, from `now`: `{{ incident.started_at | ago }}` → `12 minutes ago`.

    A time still to come reads `in 20 minutes`. Under a minute is `just now` (or `in under a
    minute`); up to 90 minutes counts minutes, up to 48 hours hours, and beyond that days.
    """
    seconds = (_utc(value, "ago") - _now(context)).total_seconds()
    span = abs(seconds)
    if span < 60:
        return "in under a minute" if seconds > 0 else "just now"
    if span < 90 * 60:
        amount = plural(round(span / 60), "minute")
    elif span < 48 * 3600:
        amount = plural(round(span / 3600), "hour")
    else:
        amount = plural(round(span / 86400), "day")
    return f"in {amount}" if seconds > 0 else f"{amount} ago"


def plural(count: Any, singular: str, many: str | None = None) -> str:
    """A count with its word: `{{ n | plural('customer') }}` → `1 customer`, `1,200 customers`.

    Give the plural form when adding `s` is wrong: `{{ n | plural('person', 'people') }}`.
    Otherwise words ending in s, x, z, ch or sh get `es`, and a consonant before a final `y`
    becomes `ies` (`1 reply`, `2 replies`).
    """
    _defined(count)
    if isinstance(count, bool) or not isinstance(count, int | float):
        raise Stop(
            "template.failed",
            f"`plural` counts numbers, not {kind_of(count)}.",
            "Use it on a number, such as customer.previous_incidents.",
        )
    if count == 1:
        return f"1 {singular}"
    if many is None:
        word = str(singular)
        if word.endswith(("s", "x", "z", "ch", "sh")):
            many = word + "es"
        elif len(word) > 1 and word.endswith("y") and word[-2] not in "aeiouAEIOU":
            many = word[:-1] + "ies"
        else:
            many = word + "s"
    return f"{count:,} {many}" if isinstance(count, int) else f"{count:,g} {many}"


def date(value: Any) -> str:
    """The UTC date in words: `{{ incident.started_at | date }}` → `Tue 24 Nov 2026`."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return f"{_day(value)} {value.year}"
    moment = _utc(value, "date")
    return f"{_day(moment)} {moment.year}"


# --- the context: plain data only ---------------------------------------------------------

_INCIDENT = (  # as docs/templates.md lists them
    *("id", "title", "type", "type_description", "severity", "severity_description"),
    *("severity_public", "status", "started_at", "summary", "cause", "impact", "eta"),
    *("next_update_at", "status_url"),
    *("cause_known", "cause_confirmed", "workaround"),
)
# Values a template joins into sentences ("What went wrong: {{ incident.cause }} That was
# ours"): each is given its full stop when it has no closing punctuation.
_SENTENCES = ("summary", "cause", "impact", "workaround")
_CLOSING = (".", "!", "?", "\u2026")
_QUOTES = "\"')]}\u2019\u201d\u00bb"


def sentence(value: Any) -> Any:
    """Text that ends as a sentence does: `It failed` -> `It failed.`; `It failed.` as it is.

    Closing punctuation inside a closing quote or bracket counts (`They said "wait."`).
    Anything but non-empty text is returned as it is.
    """
    if not isinstance(value, str):
        return value
    text = value.rstrip()
    if not text:
        return value
    bare = text.rstrip(_QUOTES)
    if bare.endswith(_CLOSING) or text.endswith(_CLOSING):
        return text
    return text + "."


_CUSTOMER = ("name", "email", "tier", "note", "note_at", "open_case", "previous_incidents")


def _plain(value: Any) -> Any:
    """A copy made of plain types only: templates never see models, paths or modules."""
    if value is None or type(value) in (str, int, float, bool):
        return value
    if isinstance(value, dt.datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return value
    for kind in (str, bool, int, float):
        if isinstance(value, kind):
            return kind(value)  # a subclass (an enum, say) brings its own methods along
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    raise TypeError(f"template values must be plain data, not {type(value).__name__}")


def _channel(playbook: Playbook, channel_id: str) -> dict[str, Any]:
    channel = playbook.channels.get(channel_id)
    if channel is None:
        raise UsageError(
            f"channel '{channel_id}' is not in the playbook; channels are: "
            f"{', '.join(playbook.channels) or '(none)'}.",
            hint="Pass one of the playbook's channel ids.",
        )
    target = playbook.channels.get(channel.funnel_to) if channel.funnel_to else None
    funnel = None
    if target is not None:
        funnel = {"id": channel.funnel_to, "kind": target.kind, "address": target.address}
        funnel["url"] = target.url
    return {
        "id": channel_id,
        "kind": channel.kind,
        "purpose": channel.purpose,
        "address": channel.address,
        "url": channel.url,
        "funnel_to": funnel,
        "first_response_minutes": channel.first_response_minutes,
    }


def agent_variable(playbook: Playbook, who: str) -> dict[str, str]:
    """The `agent` variable for whoever drafts: a role of the plan by its person's name,
    anyone else by what they are called."""
    role = playbook.roles.get(who)
    return {"name": role.name if role else who, "role": who if role else ""}


def build_context(
    *,
    playbook: Playbook,
    incident: Mapping[str, Any],
    customer: Mapping[str, Any] | None = None,
    agent: Mapping[str, Any],
    channel_id: str | None = None,
    compensation: str | None = None,
    now: dt.datetime,
) -> dict[str, Any]:
    """The variables a template sees (docs/templates.md), as plain data."""
    inc = {key: _plain(incident.get(key)) for key in _INCIDENT}
    # Given or not, they agree with the cause: a caller that names only a cause means it.
    if inc["cause_known"] is None:
        inc["cause_known"] = bool(inc["cause"])
    if inc["cause_confirmed"] is None:
        inc["cause_confirmed"] = bool(inc["cause"])
    inc["cause_known"], inc["cause_confirmed"] = (
        bool(inc["cause_known"]),
        bool(inc["cause_confirmed"]),
    )
    kind = playbook.incident_types.get(inc["type"]) if isinstance(inc["type"], str) else None
    if inc["type_description"] is None and kind is not None:
        inc["type_description"] = kind.description
    severity = (
        playbook.severities.get(inc["severity"]) if isinstance(inc["severity"], str) else None
    )
    if inc["severity_description"] is None and severity is not None:
        inc["severity_description"] = severity.description
    if inc["severity_public"] is None and severity is not None:
        inc["severity_public"] = severity.public
    for key in _SENTENCES:
        if key in inc:  # `workaround` is given by the facts of issue 17A
            inc[key] = sentence(inc[key])
    if inc["status_url"] is None and (page := playbook.status_page()) is not None:
        inc["status_url"] = page[1].url
    person = None
    if customer is not None:
        person = {key: _plain(customer.get(key)) for key in _CUSTOMER}
        person["open_case"] = bool(person["open_case"])
        person["previous_incidents"] = person["previous_incidents"] or 0
        person["note"] = sentence(person["note"])
    company = playbook.company
    return {
        "incident": inc,
        "customer": person,
        "company": {
            "name": company.name,
            "stance": company.stance,
            "support_hours": company.support_hours,
        },
        "agent": {"name": _plain(agent.get("name")), "role": _plain(agent.get("role"))},
        "channel": _channel(playbook, channel_id) if channel_id is not None else None,
        "compensation": None if compensation is None else str(compensation),
        "playbook": {"name": playbook.name},
        "now": _plain(now),
    }


_PERSONAL = ("acknowledgement", "first_response", "resolved", "apology")


def sample_parts(
    playbook: Playbook, *, purpose: str, now: dt.datetime | None = None
) -> dict[str, Any]:
    """The raw sample values `sample_context` builds from: incident, customer, agent,
    compensation and now, every optional value present."""
    now = _utc(now, "now") if now is not None else dt.datetime.now(dt.UTC).replace(microsecond=0)
    type_id, kind = next(iter(playbook.incident_types.items()))
    severity_id = kind.default_severity
    if severity_id not in playbook.severities:
        severity_id = next(iter(playbook.severities))
    cadence = playbook.severities[severity_id].update_every_minutes or 60
    minutes = dt.timedelta(minutes=1)
    incident = {
        "id": "INC-7",
        "title": "Pages not loading",
        "type": type_id,
        "severity": severity_id,
        "status": "resolved" if purpose in ("resolved", "apology") else "investigating",
        "started_at": now - 40 * minutes,
        "summary": "Pages fail to load for many customers. Our engineers have found the faulty "
        "server and are moving traffic away from it.",
        "cause": "A configuration change to our database servers went wrong, and our checks "
        "did not catch it.",
        "impact": "For 40 minutes, customers could not sign in or save their work. Changes "
        "made in that time may need to be made again.",
        "workaround": "The mobile app still works, and changes made there are kept.",
        "eta": now + 120 * minutes,
        "next_update_at": now + cadence * minutes,
    }
    customer = None
    if purpose in _PERSONAL:
        customer = {
            "name": "Jordan Rivera",
            "email": "jordan.rivera@example.com",
            "tier": playbook.tiers[0] if playbook.tiers else "business",
            "note": "I have checked your account: the invoices you sent this morning are safe.",
            "note_at": now - 25 * minutes,
            "open_case": True,
            "previous_incidents": 2,
        }
    owner = playbook.owner or next(iter(playbook.roles), None)
    agent = {"name": playbook.roles[owner].name, "role": owner} if owner in playbook.roles else {}
    return {
        "incident": incident,
        "customer": customer,
        "agent": {"name": "Alex Morgan", "role": ""} | agent,
        "compensation": _sample_offer(playbook, severity_id) if purpose == "apology" else None,
        "now": now,
    }


def sample_context(
    playbook: Playbook,
    *,
    purpose: str,
    channel_id: str | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Realistic sample variables for a template of `purpose`, as `crisis check` renders it."""
    parts = sample_parts(playbook, purpose=purpose, now=now)
    return build_context(playbook=playbook, channel_id=channel_id, **parts)


def _sample_offer(playbook: Playbook, severity: str) -> str | None:
    for rule in playbook.compensation:
        repeat, wanted = rule.when.repeat_incidents, rule.when.severity
        if (repeat is None or repeat <= 2) and (wanted is None or wanted == severity):
            return rule.offer
    return None
