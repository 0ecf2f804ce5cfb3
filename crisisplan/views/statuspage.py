"""The status page's three files: `index.html`, `status.json` (schema in
docs/status.schema.json) and `feed.atom`, made from a gathered `Site`; how their text and
times are written is in statuspage_text.py.

Each file is made when `publish` asks for it, the page incident by incident, so the disk
takes one file while the next is made. The files of 50,000 updates are made in a fifth
of a second; the whole build, reading the log included, takes three quarters.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import heapq
from typing import TYPE_CHECKING, Any

from crisisplan.views.statuspage_components import component_states
from crisisplan.views.statuspage_css import CSS
from crisisplan.views.statuspage_text import (
    ascii_json,
    attribute,
    day,
    escaped,
    rfc3339,
    stamp,
    stamp_shown,
    text_node,
    time_element,
    xml_utf8,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping

    from crisisplan.phases.statuspage import Component, PublicIncident, PublicUpdate, Site

    _States = list[tuple[Component, str]]

FORMAT = "crisisplan.status"
SCHEMA_VERSION = 1
FEED_ENTRIES = 100  # as hosted status pages' feeds carry
_LABELS = [("Update", "update"), ("New incident", "new_incident"), ("Resolved", "resolved")]


def render_site(site: Site) -> Iterator[tuple[str, Iterable[str | bytes]]]:
    """(file name, the pieces of its text) for every file of the site, each made as it is
    asked for: `publish` writes one while the next is made. The page comes first, so the
    disk takes its 30 MB while status.json is made."""
    components = component_states(site)
    yield "index.html", _html(site, components)
    yield "status.json", _json(site, components)
    yield "feed.atom", _atom(site)


def _label(u: PublicUpdate, n: int, last: int) -> tuple[str, str]:
    """(label, JSON kind) of the `n`th newest of an incident's updates, `last` the oldest."""
    return _LABELS[2 if u.resolves else (1 if n == last else 0)]


# status.json ----------------------------------------------------------------------------


def _json(site: Site, components: _States) -> list[bytes]:
    """The page's data, versioned: see docs/status.schema.json.

    ASCII with \\u escapes, so any string (a lone surrogate too) reads back exactly as it
    was; compact, keys in the order written here.
    """

    def when(value: dt.datetime | None) -> str | None:
        return rfc3339(value) if value else None

    document: dict[str, Any] = {
        "format": FORMAT,
        "version": SCHEMA_VERSION,
        "generated_at": rfc3339(site.generated_at),
        "page": {"title": site.title, "url": site.url},
        "resolved_window_days": site.window_days,
        "open_incidents": len(site.open),
        "components": [
            {"id": c.id, "name": c.name, "description": c.description or None, "status": state}
            for c, state in components
        ],
        "incidents": [
            {
                "id": i.id,
                "title": i.title,
                "status": "resolved" if i.resolved else "open",
                "severity": {
                    "id": i.severity,
                    "name": i.severity_name,
                    "description": i.severity_description,
                    "rank": i.severity_rank,
                },
                "started_at": rfc3339(i.started_at),
                "resolved_at": when(i.resolved_at),
                "next_update_by": when(i.next_update_by),
                "eta": when(i.eta),
                "components": list(i.components),
                "updates": _records(i),
            }
            for i in site.incidents
        ],
    }
    return [ascii_json(document), b"\n"]


def _records(i: PublicIncident) -> list[dict[str, str]]:
    last = len(i.updates) - 1
    return [
        {
            "id": u.id,
            "at": u.logged[:19] + "Z",  # stamp(u), inline: this runs 50,000 times
            "kind": _LABELS[2 if u.resolves else (1 if n == last else 0)][1],
            "text": u.text,
        }
        for n, u in enumerate(i.updates)
    ]


# feed.atom ------------------------------------------------------------------------------


def _atom(site: Site) -> list[str]:
    """Atom 1.0 (RFC 4287): the FEED_ENTRIES most recent public updates, newest first, with
    ids that never change. Feed readers poll the feed and keep what they saw; the page and
    status.json hold every update."""
    entries = _newest(site.incidents)
    updated = stamp(entries[0][0]) if entries else rfc3339(site.generated_at)
    title = text_node(site.title)
    page = attribute(f"{site.url.rstrip('/')}/" if site.url else "index.html")
    out = [
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">\n'
        f"<id>{site.feed_id}</id>\n<title>{title}</title>\n"
        "<subtitle>Public updates on incidents, newest first.</subtitle>\n"
        f"<updated>{updated}</updated>\n<author><name>{title}</name></author>\n"
        f'<link rel="alternate" type="text/html" href="{page}"/>\n'
    ]
    if site.url:
        out.append(f'<link rel="self" type="application/atom+xml" href="{page}feed.atom"/>\n')
    out.append("<generator>crisisplan</generator>\n")
    for u, n, i in entries:
        label, _ = _label(u, n, len(i.updates) - 1)
        at = stamp(u)
        out.append(
            f"<entry>\n<id>{u.id}</id>\n<title>{label}: {text_node(i.title)}</title>\n"
            f"<updated>{at}</updated>\n<published>{at}</published>\n"
            f'<link rel="alternate" type="text/html" href="{page}#{i.id}-u{u.event_id}"/>\n'
            f'<content type="text">{text_node(u.text.strip())}</content>\n</entry>\n'
        )
    out.append("</feed>\n")
    return out


def _newest(incidents: list[PublicIncident]) -> list[tuple[PublicUpdate, int, PublicIncident]]:
    """(update, n, incident) of the FEED_ENTRIES newest updates, newest first, the update
    being the incident's `n`th newest."""
    # Each incident's updates are newest first: once one is not among the newest so far,
    # neither are its others. Taken newest incident first, once an incident's newest
    # update is not, no later incident's is: a few incidents are read, not every update.
    order = sorted(
        range(len(incidents)),
        key=lambda k: (incidents[k].latest.at, incidents[k].latest.event_id),
        reverse=True,
    )
    heap: list[tuple[dt.datetime, int, int, int]] = []  # (at, event id, n, incident)
    for k in order:
        n = 0
        for n, u in enumerate(incidents[k].updates):
            entry = (u.at, u.event_id, n, k)
            if len(heap) < FEED_ENTRIES:
                heapq.heappush(heap, entry)
            elif entry > heap[0]:
                heapq.heapreplace(heap, entry)
            else:
                break
        else:
            continue
        if n == 0:
            break
    heap.sort(reverse=True)
    return [(incidents[k].updates[n], n, incidents[k]) for _, _, n, k in heap]


# index.html -----------------------------------------------------------------------------

# Colours meet WCAG AA (4.5:1 for text) in both schemes; state is always said in words too.


def _html(site: Site, components: _States) -> Iterator[str | bytes]:
    """One self-contained page: no scripts, no outside fonts or requests, phone-sized."""
    digest = base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode()
    # The policy forbids every script, frame and outside request: even if some text
    # escaped its escaping, a browser would not run it.
    policy = f"default-src 'none'; style-src 'sha256-{digest}'; img-src data:"
    title = text_node(site.title)
    days = site.window_days
    yield (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n'
        '<meta name="color-scheme" content="light dark">\n'
        f"<title>{title}</title>\n"
        '<link rel="icon" href="data:,">\n'
        '<link rel="alternate" type="application/atom+xml" title="Updates (Atom)" '
        'href="feed.atom">\n'
        f"<style>{CSS}</style>\n</head>\n<body>\n"
        f'<header>\n<h1 dir="auto">{title}</h1>\n{_overall(len(site.open))}\n</header>\n'
        "<main>\n"
    )
    if components:
        yield _components(components)
    yield '<section aria-labelledby="now">\n<h2 id="now">Current incidents</h2>\n'
    names = {c.id: c.name for c, _ in components}
    for i in site.open:
        yield _article(i, names)
    if not site.open:
        yield '<p class="empty">None at the moment.</p>\n'
    yield (
        f'</section>\n<section aria-labelledby="past">\n'
        f'<h2 id="past">Resolved in the last {days} days</h2>\n'
    )
    for i in site.resolved:
        yield _article(i, names)
    if not site.resolved:
        yield f'<p class="empty">No incidents were resolved in the last {days} days.</p>\n'
    yield (
        "</section>\n</main>\n<footer>\n"
        f"<p>Built {time_element(site.generated_at)}. All times are UTC.</p>\n"
        '<p>Follow along: <a href="feed.atom">Atom feed</a> &middot; '
        '<a href="status.json">status.json</a></p>\n'
        "</footer>\n</body>\n</html>\n"
    )


_STATUS_WORDS = {
    "operational": "Operational",
    "degraded_performance": "Degraded performance",
    "partial_outage": "Partial outage",
    "major_outage": "Major outage",
}


def _components(components: _States) -> str:
    """Each part of the service and how it is now, in words (colour only repeats them)."""
    items = "".join(
        f'<li class="component {state}"><span dir="auto">{text_node(c.name)}</span> '
        f"<strong>{_STATUS_WORDS[state]}</strong>"
        + (
            f'<span class="about" dir="auto">{text_node(c.description)}</span>'
            if c.description
            else ""
        )
        + "</li>\n"
        for c, state in components
    )
    return (
        '<section aria-labelledby="parts">\n<h2 id="parts">Components</h2>\n'
        f'<ul class="components">\n{items}</ul>\n</section>\n'
    )


def _overall(count: int) -> str:
    if not count:
        return '<p class="overall">No incidents in progress.</p>'
    noun = "incident" if count == 1 else "incidents"
    return f'<p class="overall open">{count} {noun} in progress.</p>'


def _article(i: PublicIncident, names: Mapping[str, str]) -> bytes:
    """An incident as the page shows it, in UTF-8. Its updates' texts are cleaned only when
    the whole article holds a character XML cannot: one check, not one per update."""
    data = xml_utf8(_incident(i, names, escaped))
    return _incident(i, names, text_node).encode("utf-8") if data is None else data


def _incident(i: PublicIncident, names: Mapping[str, str], text: Callable[[str], str]) -> str:
    """The article of an incident, the text of its updates made safe by `text`."""
    head = f"{i.id}-title"
    facts = [("Started", time_element(i.started_at))]
    if i.resolved_at:
        facts.append(("Resolved", time_element(i.resolved_at)))
    last = f'<time datetime="{stamp(i.latest)}">{stamp_shown(i.latest)}</time>'
    facts.append(("Last update", last))
    if i.next_update_by:
        facts.append(("Next update by", time_element(i.next_update_by)))
    if i.eta:
        facts.append(("Expected fix by", time_element(i.eta)))
    about = (
        f'<p class="severity-about" dir="auto">{text_node(i.severity_description)}</p>\n'
        if i.severity_description
        else ""
    )
    if i.components:
        facts.append(("Affects", text_node(", ".join(names.get(c, c) for c in i.components))))
    latest, items = _updates(i, text)
    out = [
        f'<article class="incident {"resolved" if i.resolved else "open"}" '
        f'id="{attribute(i.id)}" aria-labelledby="{attribute(head)}">\n'
        f'<h3 id="{attribute(head)}" dir="auto">{text_node(i.title)}</h3>\n'
        f'<p class="state">{"Resolved" if i.resolved else "In progress"} &middot; '
        f"Severity: {text_node(i.severity_name)}</p>\n{about}"
        '<dl class="facts">'
        + "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in facts)
        + "</dl>\n"
        f"<h4>{'Final update' if i.resolved else 'Latest update'}</h4>\n"
        f"{latest}"
    ]
    if items:
        if i.resolved:  # the history of a past incident is one click away
            out.append(
                f"<details><summary>Earlier updates ({len(i.updates) - 1})</summary>\n"
                f'<ol class="updates">\n{items}</ol>\n</details>\n'
            )
        else:
            out.append(f'<h4>Earlier updates</h4>\n<ol class="updates">\n{items}</ol>\n')
    out.append("</article>\n")
    return "".join(out)


def _updates(i: PublicIncident, text: Callable[[str], str]) -> tuple[str, str]:
    """The newest update as the page shows it, and the others as its list items."""
    last = len(i.updates) - 1
    latest = ""
    earlier: list[str] = []
    add = earlier.append
    for n, u in enumerate(i.updates):
        label = _LABELS[2 if u.resolves else (1 if n == last else 0)][0]
        logged = u.logged
        # Its time and label, then its text: newlines kept (CSS pre-line), nothing read as
        # markup. stamp() and stamp_shown(), inline: this loop runs 50,000 times.
        body = (
            f'<p class="when"><time datetime="{logged[:19]}Z">{day(logged[:10])}, '
            f"{logged[11:16]} UTC</time> &middot; {label}</p>"
            f'<div class="text" dir="auto">{text(u.text.strip())}</div>'
        )
        if n:
            add(f'<li id="{i.id}-u{u.event_id}">{body}</li>\n')
        else:
            latest = f'<div class="latest" id="{i.id}-u{u.event_id}">{body}</div>\n'
    return latest, "".join(earlier)
