"""The status page in the shape of Atlassian Statuspage's public API v2: `api/v2/status.json`,
`api/v2/summary.json` and `api/v2/incidents.json` (schema: docs/statuspage-api.schema.json).

Status aggregators, chat integrations and dashboards that follow a Statuspage page can
follow ours unchanged. What the API has and we do not (scheduled maintenance, tweets,
postmortems) is there, empty or null, so a client written to that documentation finds
every field it reads. Like Statuspage, `incidents.json` holds the 50 most recent
incidents and `summary.json` the unresolved ones, so the API stays small however long
the history on the page is.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from crisisplan.views.statuspage_components import IMPACTS, component_status, impact
from crisisplan.views.statuspage_text import rfc3339, stamp

if TYPE_CHECKING:
    from crisisplan.phases.statuspage import Component, PublicIncident, Site

API_DIR = "api/v2"
RECENT_INCIDENTS = 50  # what Statuspage's incidents.json returns
TIME_ZONE = "Etc/UTC"  # every time we publish is UTC
_STATUS_WORDS = {
    "none": "All Systems Operational",
    "minor": "Minor Service Outage",
    "major": "Partial System Outage",
    "critical": "Major Service Outage",
}


def render_api(
    site: Site,
    *,
    levels: Sequence[str] = (),
    components: Sequence[Component] | None = None,
    affected: Mapping[str, Sequence[str]] | None = None,
) -> Iterator[tuple[str, list[str]]]:
    """(file name under the site, the pieces of its text) for the three API files, made
    when first asked for (so after the page's own files, in a build).

    `levels` are the plan's severity ids, least severe first; they decide each incident's
    impact when its severity is not itself one of minor, major or critical. `components`
    (default: the site's) are those the page reports on; `affected` maps an incident id to
    the ids of the components it names (default: as each incident last named them).
    """
    if components is None:
        components = site.components
    named = {i.id: i.components for i in site.incidents} if affected is None else affected
    page = _page(site)
    ranked = {i.id: impact(i, levels) for i in site.incidents}
    worst = max((IMPACTS.index(ranked[i.id]) for i in site.open), default=0)
    status = {"indicator": IMPACTS[worst], "description": _STATUS_WORDS[IMPACTS[worst]]}
    parts = [_component(c, n, site, page["id"], ranked, named) for n, c in enumerate(components)]
    recent = sorted(site.incidents, key=lambda i: i.started_at, reverse=True)[:RECENT_INCIDENTS]
    by_id = {c.id: part for c, part in zip(components, parts, strict=True)}
    named = {k: [c for c in v if c in by_id] for k, v in named.items()}

    def incidents(chosen: Sequence[PublicIncident]) -> list[dict[str, Any]]:
        return [
            _incident(i, site, page["id"], ranked[i.id], [by_id[c] for c in named.get(i.id, ())])
            for i in chosen
        ]

    files: dict[str, dict[str, Any]] = {
        "status.json": {"page": page, "status": status},
        "summary.json": {
            "page": page,
            "components": parts,
            "incidents": incidents(site.open),
            "scheduled_maintenances": [],
            "status": status,
        },
        "incidents.json": {"page": page, "incidents": incidents(recent)},
    }
    for name, body in files.items():
        yield f"{API_DIR}/{name}", [_dump(body)]


def _dump(body: dict[str, Any]) -> str:
    return json.dumps(body, ensure_ascii=True, allow_nan=False, indent=None) + "\n"


def _page(site: Site) -> dict[str, Any]:
    # A Statuspage page id is 12 characters; ours comes from the feed's permanent id.
    return {
        "id": site.feed_id.removeprefix("urn:uuid:").replace("-", "")[:12],
        "name": site.title,
        "url": site.url or "",
        "time_zone": TIME_ZONE,
        "updated_at": rfc3339(site.generated_at),
    }


def _link(site: Site, anchor: str) -> str | None:
    return f"{site.url.rstrip('/')}/#{anchor}" if site.url else None


def _incident(
    i: PublicIncident,
    site: Site,
    page_id: str,
    level: str,
    components: list[dict[str, Any]],
) -> dict[str, Any]:
    status = "resolved" if i.resolved else "investigating"
    return {
        "id": i.id,
        "name": i.title,
        "status": status,
        "created_at": rfc3339(i.started_at),
        "updated_at": rfc3339(i.latest.at),
        "monitoring_at": None,
        "resolved_at": rfc3339(i.resolved_at) if i.resolved_at else None,
        "impact": level,
        "shortlink": _link(site, i.id),
        "started_at": rfc3339(i.started_at),
        "page_id": page_id,
        "incident_updates": [
            {
                "id": u.id.removeprefix("urn:uuid:"),
                "status": "resolved" if u.resolves else "investigating",
                "body": u.text.strip(),
                "incident_id": i.id,
                "created_at": (at := stamp(u)),
                "updated_at": at,
                "display_at": at,
                "affected_components": None,
                "deliver_notifications": True,
                "custom_tweet": None,
                "tweet_id": None,
            }
            for u in i.updates
        ],
        "components": components,
    }


def _component(
    component: Component,
    position: int,
    site: Site,
    page_id: str,
    ranked: dict[str, str],
    named: Mapping[str, Sequence[str]],
) -> dict[str, Any]:
    """A component's state: the worst impact of the open incidents that name it."""
    touching = [i for i in site.incidents if component.id in named.get(i.id, ())]
    changed = max((i.latest.at for i in touching), default=None)
    return {
        "id": component.id,
        "name": component.name,
        "status": component_status(component, site, ranked, named),
        "created_at": rfc3339(site.generated_at),
        "updated_at": rfc3339(changed or site.generated_at),
        "position": position + 1,
        "description": component.description or None,
        "showcase": True,
        "start_date": None,
        "group_id": None,
        "page_id": page_id,
        "group": False,
        "only_show_if_degraded": False,
    }
