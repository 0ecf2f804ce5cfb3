"""What a draft must be to go out on its channel: no longer than the channel's limit, and,
on a broadcast channel that funnels people elsewhere, pointing to that channel.

The limit is the channel's `limit:` in characters, else its kind's default (social: 280;
playbook.model.DEFAULT_LIMITS). `crisis check` renders the worst case of each template
against the same limits (templating/channel_fit.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crisisplan.errors import Location, UsageError

if TYPE_CHECKING:
    from crisisplan.playbook.loader import Plan


def check_fits(
    plan: Plan, channel_id: str | None, text: str, *, template: str, funnel: bool
) -> None:
    """Refuse a draft longer than its channel allows, saying by how much and where the limit
    comes from; with `funnel`, one for a funnelling broadcast channel without the address."""
    channel = plan.playbook.channels.get(channel_id or "")
    if channel is None or channel_id is None:
        return
    where = _template_place(plan, template)
    limit = channel.max_length
    length = len(text.strip())
    if limit is not None and length > limit:
        source = (
            f"its `limit:` at {plan.locate(('channels', channel_id, 'limit'))}"
            if channel.limit
            else f"the default for {channel.kind} channels; set `limit:` under "
            f"{plan.locate(('channels', channel_id), key=True)} to change it"
        )
        raise UsageError(
            f"the draft for {channel_id} is {length:,} characters, {length - limit:,} over "
            f"the limit of {limit:,} ({source}).",
            location=where,
            hint="Shorten what you typed (or the template), or choose another channel.",
        )
    if not funnel or channel.purpose != "broadcast" or not channel.funnel_to:
        return
    target = plan.playbook.channels.get(channel.funnel_to)
    reaches = [r for r in (target.address, target.url) if r] if target else []
    if reaches and not any(r in text for r in reaches):
        raise UsageError(
            f"the draft for {channel_id} does not give {channel.funnel_to}'s address "
            f"({' or '.join(reaches)}): the plan funnels people from {channel_id} to "
            f"{channel.funnel_to}.",
            location=where,
            hint="Print {{ channel.funnel_to.address }} or {{ channel.funnel_to.url }} in the "
            "template for this channel.",
        )


def channel_limit(plan: Plan, channel_id: str | None) -> int | None:
    """The most characters a draft for the channel may have, if it has a limit."""
    channel = plan.playbook.channels.get(channel_id or "")
    return None if channel is None else channel.max_length


def over_limit(channel_id: str | None, text: str, limit: int) -> str:
    """Why a bulk run refuses a draft longer than its channel allows, for its warning."""
    length = len(text.strip())
    return (
        f"the draft is {length:,} characters, {length - limit:,} over {channel_id}'s limit of "
        f"{limit:,} (shorten the name or note)"
    )


def _template_place(plan: Plan, template_id: str) -> Location | None:
    template = plan.templates.get(template_id)
    return Location(template.path, template.body_line) if template is not None else None
