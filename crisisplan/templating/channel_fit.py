"""What `crisis check` says about a template on a channel with a length limit or a funnel.

A channel's limit is its `limit:` in characters, else its kind's (social: 280). The
template is rendered in every case it can meet (templating.matrix) with the longest values
it can be given: the plan's longest names and words where the plan decides them (the
company, the person who signs, a tier, a compensation offer, the status page's address),
and, for what people type during an incident, the lengths in `LONGEST`. A case over the
limit is a warning: `crisis reply` and `crisis update` refuse such a draft when it happens.
A broadcast channel that funnels people elsewhere must give that channel's address in
every case, or the draft points nowhere: an error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crisisplan.errors import Location
from crisisplan.playbook.findings import Finding

if TYPE_CHECKING:
    import datetime as dt

    from crisisplan.playbook.model import Playbook
    from crisisplan.playbook.templates import Template

# The longest values typed during an incident that `check` assumes, in characters: a title
# of a status page headline, a summary of two sentences, a long customer name (e.g.
# "Maximiliane Oyelaran-Fitzgerald-Nakamura"), a note, cause, impact or workaround of a
# few sentences. Documented in docs/signoff.md.
LONGEST = {"title": 80, "summary": 240, "name": 40, "text": 240}


def channel_fit(
    template: Template, playbook: Playbook, *, now: dt.datetime | None = None
) -> list[Finding]:
    """A warning for each limited channel the template can overflow (with its longest
    case), an error for each funnelling channel a case does not point to."""
    from crisisplan.templating import matrix
    from crisisplan.templating.render import RenderError, build_context, render, syntax_tree
    from crisisplan.templating.variables import agent_variable, sample_parts

    channels = [c for c in template.front.channels if c in playbook.channels]
    checked = [c for c in channels if playbook.channels[c].max_length or _reaches(playbook, c)]
    if not checked:
        return []
    try:
        read = matrix.reads(syntax_tree(template))
    except RenderError:
        return []  # check_template reports it
    base = _longest(sample_parts(playbook, purpose=template.front.purpose, now=now), playbook)
    signer = max(playbook.roles, key=lambda r: len(playbook.roles[r].name), default=None)
    agent = agent_variable(playbook, signer) if signer else base["agent"]
    where = Location(template.path, template.body_line)
    found: list[Finding] = []
    for channel_id in checked:
        channel = playbook.channels[channel_id]
        cases, optional = matrix.cases(
            playbook, template.front.purpose, [channel_id], read, subject=template.front.subject
        )
        varied = matrix.varied(cases)
        longest: tuple[int, str] = (0, "")
        pointless: str | None = None
        for case in cases:
            context = build_context(
                playbook=playbook,
                agent=agent,
                channel_id=channel_id,
                now=base["now"],
                **matrix.context_for(base, case, playbook),
            )
            try:
                text = render(template, context).text.strip()
            except RenderError:
                continue  # check_template reports it
            label = case.describe(optional, varied)
            longest = max(longest, (len(text), label))
            reaches = _reaches(playbook, channel_id)
            if reaches and pointless is None and not any(r in text for r in reaches):
                pointless = label
        limit = channel.max_length
        if limit is not None and longest[0] > limit:
            found.append(
                Finding(
                    "warning",
                    "template.too-long",
                    f"on {channel_id} the template can reach {longest[0]:,} characters, "
                    f"{longest[0] - limit:,} over the channel's limit of {limit:,} (seen "
                    f"{longest[1]}, with the longest names and a {LONGEST['title']}-character "
                    f"title); `crisis reply` and `crisis update` would refuse it. Say less "
                    "when channel.kind is short, or set the channel's `limit:`.",
                    where,
                )
            )
        if pointless is not None:
            target = channel.funnel_to
            found.append(
                Finding(
                    "error",
                    "template.funnel",
                    f"on {channel_id} the template does not always give {target}'s address "
                    f"({' or '.join(_reaches(playbook, channel_id))}), and the plan funnels "
                    f"people from {channel_id} to {target} (seen {pointless}). Print "
                    "{{ channel.funnel_to.address }} or {{ channel.funnel_to.url }}.",
                    where,
                )
            )
    return found


def _reaches(playbook: Playbook, channel_id: str) -> list[str]:
    """Where a funnelling broadcast channel sends people: the target's address or URL."""
    channel = playbook.channels[channel_id]
    if channel.purpose != "broadcast" or not channel.funnel_to:
        return []
    target = playbook.channels.get(channel.funnel_to)
    return [r for r in (target.address, target.url) if r] if target else []


def _longest(base: dict[str, Any], playbook: Playbook) -> dict[str, Any]:
    """The sample values made as long as `check` assumes they can be."""
    incident = dict(base["incident"], title=_filler(LONGEST["title"]))
    incident["summary"] = _filler(LONGEST["summary"])
    for name in ("cause", "impact", "workaround"):
        incident[name] = _filler(LONGEST["text"])
    customer = base["customer"]
    if customer is not None:
        customer = dict(customer, name=_filler(LONGEST["name"]), note=_filler(LONGEST["text"]))
        if playbook.tiers:
            customer["tier"] = max(playbook.tiers, key=len)
    offers = [rule.offer for rule in playbook.compensation]
    compensation = max(offers, key=len) if base["compensation"] and offers else None
    return {
        **base,
        "incident": incident,
        "customer": customer,
        "compensation": compensation or base["compensation"],
    }


def _filler(length: int) -> str:
    """Plain words of exactly `length` characters."""
    text = ("Long words " * length)[:length]
    return text[:-1] + "s" if text.endswith(" ") else text
