"""How each component of the status page is: the worst impact of the open incidents that
name it, in Statuspage's words. Shared by the page, status.json and the api/v2 files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crisisplan.phases.statuspage import Component, PublicIncident, Site

IMPACTS = ("none", "minor", "major", "critical")
_COMPONENT_STATUS = {
    "none": "operational",
    "minor": "degraded_performance",
    "major": "partial_outage",
    "critical": "major_outage",
}


def impact(incident: PublicIncident, levels: Sequence[str]) -> str:
    """none, minor, major or critical: the severity's own word when it is one, else its
    place among the plan's levels (the top third critical, the middle major)."""
    if incident.severity in IMPACTS[1:]:
        return incident.severity
    if incident.severity not in levels or len(levels) < 2:
        return "major"
    share = levels.index(incident.severity) / (len(levels) - 1)
    return "critical" if share > 2 / 3 else "major" if share > 1 / 3 else "minor"


def component_states(site: Site, levels: Sequence[str] = ()) -> list[tuple[Component, str]]:
    """Each of the site's components with its status (`operational`, ..., `major_outage`)."""
    ranked = {i.id: impact(i, levels) for i in site.open}
    named = {i.id: i.components for i in site.open}
    return [(c, component_status(c, site, ranked, named)) for c in site.components]


def component_status(
    component: Component,
    site: Site,
    ranked: Mapping[str, str],
    named: Mapping[str, Sequence[str]],
) -> str:
    """operational, degraded_performance, partial_outage or major_outage: the worst impact
    of the open incidents that name it."""
    touching = (i for i in site.open if component.id in named.get(i.id, ()))
    worst = max((IMPACTS.index(ranked[i.id]) for i in touching), default=0)
    return _COMPONENT_STATUS[IMPACTS[worst]]
