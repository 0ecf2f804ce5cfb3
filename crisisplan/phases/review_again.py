"""A review recorded a second time: what it changes, and the explicit --replace it needs.

The log is append-only, so a replacement is a new `review` event naming the one it
replaces; the incident's reports and figures read the latest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crisisplan.clock import to_text
from crisisplan.errors import UsageError

if TYPE_CHECKING:
    from crisisplan.phases.answers import Answers
    from crisisplan.phases.review import Figures
    from crisisplan.store import Event, IncidentRow, Store

SHOWN = 4  # changes named in the message; the rest are counted


def previous(store: Store, row: IncidentRow) -> Event | None:
    """The review last recorded for the incident, if any."""
    return store.last_event(row.id, kinds=["review"])


def changes(before: Event, figures: Figures, answers: Answers | None) -> list[str]:
    """What recording again would change: each figure and each answer that differs."""
    found: list[str] = []
    old_figures: dict[str, Any] = before.payload.get("figures") or {}
    for name, new in _flat(figures.headline()).items():
        old = _flat(old_figures).get(name)
        if old != new:
            found.append(f"{name.replace('_', ' ')} {_shown(old)} -> {_shown(new)}")
    if answers is not None:
        old_answers = {
            str(p.get("question")): p.get("answer") for p in before.payload.get("answers") or []
        }
        for number, pair in enumerate(answers.pairs(), start=1):
            if old_answers.get(str(pair["question"])) != pair["answer"]:
                found.append(f"answer {number}")
    return found


def refuse(before: Event, row: IncidentRow, found: list[str]) -> UsageError:
    """The error for a second recording without --replace, naming what it would change."""
    when = f"recorded by {before.who} at {to_text(before.at)} (event {before.id})"
    if not found:
        what = "this one changes nothing"
    else:
        more = f" and {len(found) - SHOWN} more" if len(found) > SHOWN else ""
        what = f"this one changes {', '.join(found[:SHOWN])}{more}"
    return UsageError(
        f"{row.id} already has a review, {when}; {what}.",
        hint="Pass --replace to record this one in its place (the log keeps both).",
    )


def _flat(figures: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in figures.items():
        if isinstance(value, dict):
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _shown(value: Any) -> str:
    return "none" if value is None else str(value)
