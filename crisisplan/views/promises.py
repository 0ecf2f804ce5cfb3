"""The promise ledger and the milestones in words: for `status`, `resolve` and `review`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING

from crisisplan.clock import human_minutes, show
from crisisplan.phases.state_json import parse

if TYPE_CHECKING:
    from rich.text import Text

    from crisisplan.phases.milestone_record import Reached
    from crisisplan.phases.promise_report import Made
    from crisisplan.phases.review import Figures
    from crisisplan.phases.state_types import Promise
    from crisisplan.store import IncidentRow

# A kind of promise as a support lead says it.
SAID: dict[str, str] = {
    "next_update": "an update by",
    "fix_by": "fixed by",
    "contact_when_fixed": "personal contact when fixed",
    "writeup_within_days": "the write-up within",
}
SOON = dt.timedelta(hours=2)  # a promise due this soon is shown in bold


def said(kind: str, days: int | None = None) -> str:
    if kind == "writeup_within_days":
        return f"the write-up within {days} working days"
    return SAID.get(kind, kind)


def _whom(p: Promise) -> str:
    if p.to == "customers":
        return f"{p.count} customer{'s' if p.count != 1 else ''}"
    return p.to


# --- status --------------------------------------------------------------------------------


def status_lines(
    ledger: dict[str, list[Promise]], milestones: dict[str, str], now: dt.datetime
) -> list[Text]:
    """The status section: shown only when there is a promise to mention or a milestone."""
    from crisisplan.terminal.console import inert

    lines = []
    for name, title, style in (
        ("broken", "Promises broken: ", "bold red"),
        ("due", "Promises due: ", ""),
        ("when_fixed", "Promised when fixed: ", ""),
    ):
        for p in ledger.get(name, []):
            soon = p.due is not None and parse(p.due) - now <= SOON
            text = inert(title, style="dim")
            text.append_text(inert(_one(p, now), style="bold" if soon and not style else style))
            lines.append(text)
    if milestones:
        text = inert("Milestones: ", style="dim")
        reached = sorted(milestones.items(), key=lambda item: item[1])
        text.append_text(
            inert(", ".join(f"{n} {show(parse(at), with_date=False)}" for n, at in reached))
        )
        lines.append(text)
    return lines


def _one(p: Promise, now: dt.datetime) -> str:
    what = said(p.kind, p.days)
    if p.kind == "fix_by" and p.due:
        what = f"fixed by {show(parse(p.due), with_date=False)}"
    elif p.due:
        due = parse(p.due)
        when = f"in {human_minutes((due - now).total_seconds() / 60)}" if due > now else "passed"
        what += f" (due {show(due)}, {when})"
    return f"{what} to {_whom(p)}"


# --- resolve -------------------------------------------------------------------------------


def resolve_lines(still_open: list[Made]) -> list[str]:
    """What `resolve` says of the promises to individuals not kept yet: one line per kind,
    time and outcome, naming the first few people."""
    if not still_open:
        return []
    groups: dict[tuple[str, int | None, str, str], list[str]] = {}
    for m in still_open:
        due = show(m.due) if m.due else "when fixed"
        groups.setdefault((m.kind, m.days, due, m.outcome), []).append(m.to)
    lines = [f"Promises to individuals still open ({len(still_open)}):"]
    for (kind, days, due, outcome), people in groups.items():
        named = ", ".join(people[:5]) + (f" and {len(people) - 5} more" if len(people) > 5 else "")
        late = "BROKEN, its time has passed: " if outcome == "broken" else ""
        lines.append(f"  {late}{said(kind, days)} (due {due}) to {named}")
    return lines


# --- review --------------------------------------------------------------------------------


def figure_lines(f: Figures) -> list[tuple[str, str]]:
    """Time to each milestone, and the promises by kind, as review figure lines."""
    lines = []
    for name, minutes in f.time_to.items():
        value = "not recorded" if minutes is None else human_minutes(minutes)
        lines.append((f"Time to {name}", value))
    for kind, c in f.promises_by_kind.items():
        if kind == "next_update":
            continue  # "Promises of an update" says it
        lines.append(
            (
                f"Promises: {SAID[kind].replace(' within', '')}",
                f"{c['made']} made: {c['kept']} kept, {c['broken']} broken"
                + (f", {c['open']} still open" if c["open"] else ""),
            )
        )
    return lines


def review_md(f: Figures) -> Iterator[str]:
    """The promise ledger by kind, each kind with the events that kept its promises."""
    if not f.promises_by_kind:
        return
    yield "\n### Promises by kind\n\n| kind | made | kept | broken | open | kept by events |\n"
    yield "|---|---:|---:|---:|---:|---|\n"
    for kind, c in f.promises_by_kind.items():
        ids = f.promises_kept_by.get(kind, [])
        shown = ", ".join(f"#{i}" for i in ids[:10]) + (" ..." if len(ids) > 10 else "")
        yield (
            f"| {kind} | {c['made']} | {c['kept']} | {c['broken']} | {c['open']} "
            f"| {shown or '-'} |\n"
        )


# --- milestone -----------------------------------------------------------------------------


def show_milestone(row: IncidentRow, reached: Reached, *, as_json: bool) -> None:
    """The milestone recorded, and how long after the declaration it came."""
    import typer

    from crisisplan.clock import to_text
    from crisisplan.phases import milestones
    from crisisplan.phases import state as st

    state = st.of(row)
    minutes = milestones.minutes_to(state).get(milestones.TIME_TO[reached.name])
    if as_json:
        from crisisplan.views.json_out import print_json

        moved = to_text(parse(reached.moved_from)) if reached.moved_from else None
        print_json(
            {
                "incident": row.id,
                "milestone": reached.name,
                "at": to_text(reached.at),
                "moved_from": moved,
                "event_id": reached.event_id,
                "minutes_since_declared": minutes,
                "milestones": {
                    k: to_text(parse(v)) if v else None for k, v in milestones.times(state).items()
                },
            }
        )
        return
    after = f" ({human_minutes(minutes)} after it was declared)" if minutes is not None else ""
    moved = f"; moved from {show(parse(reached.moved_from))}" if reached.moved_from else ""
    typer.echo(f"{row.id} {reached.name} at {show(reached.at)}{after}{moved}.")
