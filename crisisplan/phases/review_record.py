"""Recording a review: explicit, once, and a second time only with --replace.

`crisis review` without answers is a read; this is the write. The log is append-only, so
a replacement is a new `review` event naming the one it replaces.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crisisplan.clock import to_text
from crisisplan.errors import UsageError
from crisisplan.phases import state as st
from crisisplan.phases.record import event, record_in
from crisisplan.phases.review import check_resolved

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


def record_review(
    store: Store,
    row: IncidentRow,
    *,
    answers: Answers,
    figures: Figures,
    report: Path | None,
    text: str | None,
    at: dt.datetime,
    who: str,
    replaces: int | None = None,
) -> int:
    """Record the review and write its report in one go: both are there, or neither.

    `replaces` is the review recorded before, if any (see `previous`).
    """
    from crisisplan.files import write_atomic
    from crisisplan.inert_text import for_people

    with store.transaction() as tx:
        current = tx.incident(row.id) or row
        check_resolved(current)  # another lead may have reopened it
        if _reviews(current) != _reviews(row):  # or recorded a review meanwhile
            raise UsageError(
                f"{row.id} has a review recorded meanwhile by someone else.",
                hint="Run `crisis review` again to see what yours would change.",
            )
        (written,) = record_in(
            tx,
            row.id,
            [
                event(
                    "review",
                    at,
                    who,
                    answers=answers.pairs(),
                    figures=figures.headline(),
                    report=str(report) if report else None,
                    replaces=replaces,
                )
            ],
        )
        if report is not None and text is not None:
            # Last, just before the commit: a report that cannot be written records nothing.
            write_atomic(report, for_people(text), mode=0o600)  # it names customers
    return written.id


def _reviews(row: IncidentRow) -> int:
    return int(st.of(row).counts.get("review", 0))
