"""`crisis review --trend`: how fast incidents of each type were acknowledged, identified,
mitigated and resolved, over the last N of them, and the customers hit more than once.

Read from each incident row's derived state (its milestones, start and resolution) and
the follow-up lists: never from the events, so a log of a thousand incidents reads fast.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crisisplan.errors import UsageError
from crisisplan.phases import milestones
from crisisplan.phases import state as st

if TYPE_CHECKING:
    from crisisplan.store import Store


@dataclass(frozen=True)
class Figure:
    """One time-to figure over a type's incidents: the median and the worst, in minutes."""

    name: str  # "acknowledge", "identify", "mitigate", "resolve"
    median: float | None
    worst: float | None
    worst_incident: str | None
    measured: int  # incidents that reached the milestone


@dataclass(frozen=True)
class TypeTrend:
    type: str
    incidents: list[str]  # newest first
    figures: list[Figure]


@dataclass
class Trend:
    last: int
    types: list[TypeTrend]
    repeat_customers: list[tuple[str, list[str]]] = field(default_factory=list)  # email, ids

    def as_json(self) -> dict[str, Any]:
        return {
            "last": self.last,
            "types": [
                {
                    "type": t.type,
                    "incidents": t.incidents,
                    "figures": {
                        f.name: {
                            "median_minutes": f.median,
                            "worst_minutes": f.worst,
                            "worst_incident": f.worst_incident,
                            "measured": f.measured,
                        }
                        for f in t.figures
                    },
                }
                for t in self.types
            ],
            "repeat_affected_customers": [
                {"email": email, "incidents": ids} for email, ids in self.repeat_customers
            ],
        }


def trend(store: Store, *, last: int, incident_type: str | None) -> Trend:
    """The figures per type over the last `last` incidents of each, newest first."""
    if last < 1:
        raise UsageError(f"--last {last} counts no incident.", hint="Give --last 1 or more.")
    states = [(row.id, st.of(row)) for row in store.incidents()]
    types = sorted({s.type for _, s in states})
    if incident_type is not None and incident_type not in types:
        known = ", ".join(types) or "none yet"
        raise UsageError(
            f"no incident of type {incident_type!r} is in the log.",
            hint=f"Types in the log: {known}.",
        )
    chosen = [incident_type] if incident_type else types
    found: list[TypeTrend] = []
    counted: list[str] = []
    for kind in chosen:
        of_type = sorted(
            ((i, s) for i, s in states if s.type == kind),
            key=lambda pair: pair[1].started_at,
            reverse=True,
        )[:last]
        counted += [i for i, _ in of_type]
        found.append(TypeTrend(kind, [i for i, _ in of_type], _figures(of_type)))
    return Trend(last, found, _repeat_customers(store, counted))


def _figures(incidents: list[tuple[str, st.IncidentState]]) -> list[Figure]:
    measured: dict[str, list[tuple[float, str]]] = {n: [] for n in milestones.TIME_TO.values()}
    for incident_id, state in incidents:
        for name, minutes in milestones.minutes_to(state).items():
            if minutes is not None:
                measured[name].append((minutes, incident_id))
    figures = []
    for name, values in measured.items():
        if not values:
            figures.append(Figure(name, None, None, None, 0))
            continue
        worst = max(values)
        median = round(statistics.median(v for v, _ in values), 1)
        figures.append(Figure(name, median, worst[0], worst[1], len(values)))
    return figures


def _repeat_customers(store: Store, incident_ids: list[str]) -> list[tuple[str, list[str]]]:
    """Customers on the follow-up lists of more than one of these incidents, most hit first."""
    seen: dict[str, list[str]] = {}
    for incident_id in incident_ids:
        for f in store.followups(incident_id):
            key = f.email.lower()
            if incident_id not in seen.setdefault(key, []):
                seen[key].append(incident_id)
    repeat = [(email, ids) for email, ids in seen.items() if len(ids) > 1]
    return sorted(repeat, key=lambda item: (-len(item[1]), item[0]))
