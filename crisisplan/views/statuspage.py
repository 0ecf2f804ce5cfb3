"""The status page's three files: `index.html`, `status.json` (schema in
docs/status.schema.json) and `feed.atom`, made from a gathered `Site`.

Every piece of incident text is escaped for where it lands: HTML-escaped in the page,
XML-escaped in the feed, a plain string in the JSON. Characters XML cannot hold (C0
controls, lone surrogates) become U+FFFD in the page and the feed, so a stray control
character in an update can never make the feed unreadable. Times are UTC: a static page
cannot know its reader's zone.

Each update is formatted once (times, escaping) and shared by the three files; its times
are cut from the text the log keeps them in. A log of 50,000 updates is built in about
half a second.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import heapq
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from crisisplan.views.statuspage_components import component_states
from crisisplan.views.statuspage_css import CSS

if TYPE_CHECKING:
    from collections.abc import Mapping

    from crisisplan.phases.statuspage import Component, PublicIncident, PublicUpdate, Site

    _States = list[tuple[Component, str]]

FORMAT = "crisisplan.status"
SCHEMA_VERSION = 1
FEED_ENTRIES = 100  # as hosted status pages' feeds carry
_LABELS = [("Update", "update"), ("New incident", "new_incident"), ("Resolved", "resolved")]
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_BYTES_OK = bytes([9, 10, 13, *range(0x20, 0x7F), *range(0x80, 0x100)])
# Compiled on first use (it takes longer than the page's own module to load): only text
# holding a control character needs it.
_NOT_XML = "[^\t\n\r\x20-\x7e\x80-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
_NOT_ASCII = "[\x7f-\U0010ffff]"  # what JSON's ensure_ascii writes as \u escapes


def render_site(site: Site) -> dict[str, list[str]]:
    """File name -> the pieces of its text, for every file of the site."""
    incidents = [_Incident.of(i) for i in site.incidents]
    components = component_states(site)
    return {
        "index.html": _html(site, incidents, components),
        "status.json": _json(site, incidents, components),
        "feed.atom": _atom(site, incidents),
    }


def clean(text: str) -> str:
    """Text with the characters XML 1.0 cannot hold (and DEL) replaced by U+FFFD."""
    try:
        data = text.encode("utf-8")  # fails on a lone surrogate
    except UnicodeEncodeError:
        return _regex(_NOT_XML).sub("\ufffd", text)
    # Bytes of multi-byte characters are all >= 0x80, so deleting the bytes that are fine
    # leaves exactly the controls: the common case is checked at C speed.
    if data.translate(None, _BYTES_OK) or "\ufffe" in text or "\uffff" in text:
        return _regex(_NOT_XML).sub("\ufffd", text)
    return text


@functools.cache
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def rfc3339(when: dt.datetime) -> str:
    """`2026-11-23T14:02:05Z`."""
    u = when if when.tzinfo is dt.UTC else when.astimezone(dt.UTC)
    # Formatted by hand: a page of 50,000 updates formats a time for each, and this takes
    # a third of what isoformat() and a replace() do.
    return f"{u.year:04d}-{u.month:02d}-{u.day:02d}T{u.hour:02d}:{u.minute:02d}:{u.second:02d}Z"


def shown(when: dt.datetime) -> str:
    """`23 Nov 2026, 14:02 UTC`."""
    u = when if when.tzinfo is dt.UTC else when.astimezone(dt.UTC)
    return f"{u.day} {_MONTHS[u.month - 1]} {u.year}, {u.hour:02d}:{u.minute:02d} UTC"


def stamp(u: PublicUpdate) -> str:
    """rfc3339(u.at), cut from the time as the log keeps it (a tenth of the time)."""
    return u.logged[:19] + "Z"


def _shown(logged: str) -> str:
    """shown() of a time as the log keeps it: YYYY-MM-DDTHH:MM:SS.ffffffZ, UTC."""
    return f"{_day(logged[:10])}, {logged[11:16]} UTC"


@functools.cache
def _day(date: str) -> str:
    """`2026-11-23` -> `23 Nov 2026`: a page of 50,000 updates spans a few hundred days."""
    return f"{int(date[8:10])} {_MONTHS[int(date[5:7]) - 1]} {int(date[:4])}"


def _text(text: str) -> str:
    """For an HTML or XML text node: html.escape(quote=False), without its call."""
    return clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(text: str) -> str:
    """For an attribute's value: html.escape(quote=True)."""
    return _text(text).replace('"', "&quot;").replace("'", "&#x27;")


def _time(when: dt.datetime) -> str:
    return f'<time datetime="{rfc3339(when)}">{shown(when)}</time>'


def _label(u: PublicUpdate, n: int, last: int) -> tuple[str, str]:
    """(label, JSON kind) of the `n`th newest of an incident's updates, `last` the oldest."""
    return _LABELS[2 if u.resolves else (1 if n == last else 0)]


@dataclass(slots=True)
class _Incident:
    """An incident whose updates are formatted once, straight into the text the page holds
    and the records status.json holds: one join per incident."""

    source: PublicIncident
    title: str  # escaped
    latest: str  # the newest update, as the page shows it
    earlier: str  # the others, newest first, as the page's list items
    data: list[dict[str, str]]  # every update as status.json's array items

    @classmethod
    def of(cls, i: PublicIncident) -> _Incident:
        last = len(i.updates) - 1
        latest = ""
        earlier = []
        data = []
        for n, u in enumerate(i.updates):
            label, kind = _LABELS[2 if u.resolves else (1 if n == last else 0)]
            logged = u.logged
            at = logged[:19] + "Z"  # stamp(u), inline: this loop runs 50,000 times
            # Its time and label, then its text: newlines kept (CSS pre-line), nothing
            # read as markup.
            body = (
                f'<p class="when"><time datetime="{at}">{_day(logged[:10])}, '
                f"{logged[11:16]} UTC</time> &middot; {label}</p>"
                f'<div class="text" dir="auto">{_text(u.text.strip())}</div>'
            )
            if n:
                earlier.append(f'<li id="{i.id}-u{u.event_id}">{body}</li>\n')
            else:
                latest = f'<div class="latest" id="{i.id}-u{u.event_id}">{body}</div>\n'
            data.append({"id": u.id, "at": at, "kind": kind, "text": u.text})
        return cls(i, _text(i.title), latest, "".join(earlier), data)


# status.json ----------------------------------------------------------------------------


def _json(site: Site, incidents: list[_Incident], components: _States) -> list[str]:
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
        "incidents": [],
    }
    for prepared in incidents:
        i = prepared.source
        fields = {
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
            "updates": prepared.data,
        }
        document["incidents"].append(fields)
    return [ascii_json(document) + "\n"]


def ascii_json(document: dict[str, Any]) -> str:
    """`json.dumps(document, ensure_ascii=True, allow_nan=False, separators=(",", ":"))`,
    the very same text, written by orjson: a tenth of the time for 50,000 updates.

    orjson writes the same compact JSON but for characters past ASCII (and DEL), which it
    leaves as they are; outside strings JSON is ASCII, so every one of them is in a string
    and becomes the \\u escape (a surrogate pair past U+FFFF) json writes. What orjson
    refuses (a lone surrogate, an integer past 64 bits) is left to json itself.
    """
    import orjson

    try:
        text = orjson.dumps(document).decode("utf-8")
    except TypeError:  # orjson.JSONEncodeError
        return json.dumps(document, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    if text.isascii() and "\x7f" not in text:
        return text
    return _regex(_NOT_ASCII).sub(_escaped, text)


def _escaped(found: re.Match[str]) -> str:
    code = ord(found.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 | (code >> 10):04x}\\u{0xDC00 | (code & 0x3FF):04x}"


# feed.atom ------------------------------------------------------------------------------


def _atom(site: Site, incidents: list[_Incident]) -> list[str]:
    """Atom 1.0 (RFC 4287): the FEED_ENTRIES most recent public updates, newest first, with
    ids that never change. Feed readers poll the feed and keep what they saw; the page and
    status.json hold every update."""
    entries = _newest(incidents)
    updated = rfc3339(entries[0][0] if entries else site.generated_at)
    title = _text(site.title)
    page = _attr(f"{site.url.rstrip('/')}/" if site.url else "index.html")
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
    for _, _, n, i in entries:
        u = i.source.updates[n]
        label, _ = _label(u, n, len(i.source.updates) - 1)
        at = stamp(u)
        out.append(
            f"<entry>\n<id>{u.id}</id>\n<title>{label}: {i.title}</title>\n"
            f"<updated>{at}</updated>\n<published>{at}</published>\n"
            f'<link rel="alternate" type="text/html" href="{page}#{i.source.id}-u{u.event_id}"/>\n'
            f'<content type="text">{_text(u.text.strip())}</content>\n</entry>\n'
        )
    out.append("</feed>\n")
    return out


def _newest(incidents: list[_Incident]) -> list[tuple[dt.datetime, int, int, _Incident]]:
    """(at, event id, n, incident) of the FEED_ENTRIES newest updates, newest first, the
    update being the incident's `n`th newest."""
    # Each incident's updates are newest first: once one is not among the newest so far,
    # neither are its others. Taken newest incident first, once an incident's newest
    # update is not, no later incident's is: a few incidents are read, not every update.
    order = sorted(
        range(len(incidents)),
        key=lambda k: (incidents[k].source.latest.at, incidents[k].source.latest.event_id),
        reverse=True,
    )
    heap: list[tuple[dt.datetime, int, int, int]] = []  # (at, event id, n, incident)
    for k in order:
        n = 0
        for n, u in enumerate(incidents[k].source.updates):
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
    return [(at, event_id, n, incidents[k]) for at, event_id, n, k in heap]


# index.html -----------------------------------------------------------------------------

# Colours meet WCAG AA (4.5:1 for text) in both schemes; state is always said in words too.


def _html(site: Site, incidents: list[_Incident], components: _States) -> list[str]:
    """One self-contained page: no scripts, no outside fonts or requests, phone-sized."""
    digest = base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode()
    # The policy forbids every script, frame and outside request: even if some text
    # escaped its escaping, a browser would not run it.
    policy = f"default-src 'none'; style-src 'sha256-{digest}'; img-src data:"
    title = _text(site.title)
    days = site.window_days
    out = [
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
    ]
    if components:
        out.append(_components(components))
    out.append('<section aria-labelledby="now">\n<h2 id="now">Current incidents</h2>\n')
    current = [i for i in incidents if not i.source.resolved]
    past = [i for i in incidents if i.source.resolved]
    names = {c.id: c.name for c, _ in components}
    out += [_incident(i, names) for i in current] or ['<p class="empty">None at the moment.</p>\n']
    out.append(
        f'</section>\n<section aria-labelledby="past">\n'
        f'<h2 id="past">Resolved in the last {days} days</h2>\n'
    )
    out += [_incident(i, names) for i in past] or [
        f'<p class="empty">No incidents were resolved in the last {days} days.</p>\n'
    ]
    out.append(
        "</section>\n</main>\n<footer>\n"
        f"<p>Built {_time(site.generated_at)}. All times are UTC.</p>\n"
        '<p>Follow along: <a href="feed.atom">Atom feed</a> &middot; '
        '<a href="status.json">status.json</a></p>\n'
        "</footer>\n</body>\n</html>\n"
    )
    return out


_STATUS_WORDS = {
    "operational": "Operational",
    "degraded_performance": "Degraded performance",
    "partial_outage": "Partial outage",
    "major_outage": "Major outage",
}


def _components(components: _States) -> str:
    """Each part of the service and how it is now, in words (colour only repeats them)."""
    items = "".join(
        f'<li class="component {state}"><span dir="auto">{_text(c.name)}</span> '
        f"<strong>{_STATUS_WORDS[state]}</strong>"
        + (f'<span class="about" dir="auto">{_text(c.description)}</span>' if c.description else "")
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


def _incident(prepared: _Incident, names: Mapping[str, str]) -> str:
    i = prepared.source
    head = f"{i.id}-title"
    facts = [("Started", _time(i.started_at))]
    if i.resolved_at:
        facts.append(("Resolved", _time(i.resolved_at)))
    facts.append(("Last update", _time(i.latest.at)))
    if i.next_update_by:
        facts.append(("Next update by", _time(i.next_update_by)))
    if i.eta:
        facts.append(("Expected fix by", _time(i.eta)))
    about = (
        f'<p class="severity-about" dir="auto">{_text(i.severity_description)}</p>\n'
        if i.severity_description
        else ""
    )
    if i.components:
        facts.append(("Affects", _text(", ".join(names.get(c, c) for c in i.components))))
    out = [
        f'<article class="incident {"resolved" if i.resolved else "open"}" '
        f'id="{_attr(i.id)}" aria-labelledby="{_attr(head)}">\n'
        f'<h3 id="{_attr(head)}" dir="auto">{prepared.title}</h3>\n'
        f'<p class="state">{"Resolved" if i.resolved else "In progress"} &middot; '
        f"Severity: {_text(i.severity_name)}</p>\n{about}"
        '<dl class="facts">'
        + "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in facts)
        + "</dl>\n"
        f"<h4>{'Final update' if i.resolved else 'Latest update'}</h4>\n"
        f"{prepared.latest}"
    ]
    if items := prepared.earlier:
        if i.resolved:  # the history of a past incident is one click away
            out.append(
                f"<details><summary>Earlier updates ({len(i.updates) - 1})</summary>\n"
                f'<ol class="updates">\n{items}</ol>\n</details>\n'
            )
        else:
            out.append(f'<h4>Earlier updates</h4>\n<ol class="updates">\n{items}</ol>\n')
    out.append("</article>\n")
    return "".join(out)
