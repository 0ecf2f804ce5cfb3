"""Lists on screen: the ladder, the timeline, follow-ups, incidents."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING

from crisisplan.clock import human_minutes, show, to_text
from crisisplan.inert_text import one_line
from crisisplan.phases import state as st
from crisisplan.terminal.console import inert, out, visible
from crisisplan.views.json_out import JsonStream, print_json

if TYPE_CHECKING:
    from crisisplan.phases.followups import Entry
    from crisisplan.store import Event, IncidentRow


def show_ladder(steps: list[st.DueStep], started: dt.datetime) -> None:
    """The ladder for this incident, soonest first, each step marked done, due or later."""
    console = out()
    if not steps:
        console.print(inert("No escalation step covers this incident's type and severity."))
    for due_step in sorted(steps, key=lambda s: s.due_at):
        step, due = due_step.step, st.parse(due_step.due_at)
        mark = "contacted" if due_step.contacted else ("DUE" if due_step.due else "later")
        after = human_minutes((due - started).total_seconds() / 60)
        console.print(
            inert(
                f"[{mark}] {step.id}: {step.name} ({step.who}) at +{after} — "
                f"{_sentence(step.how)} When: {step.when}"
            )
        )


def _sentence(text: str) -> str:
    """Text that ends as a sentence, with one full stop: the plan's own, or ours."""
    text = str(text).rstrip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _summary(event: Event, *, brief: bool = False) -> str:
    p = event.payload
    for key in ("text", "message", "summary", "title"):
        if isinstance(p.get(key), str) and p[key]:
            text = p[key]
            break
    else:
        text = ", ".join(f"{k}={v}" for k, v in p.items() if not isinstance(v, dict | list))
    if event.kind == "severity_changed":
        text = f"{p.get('from')} → {p.get('to')}" + (f": {p['reason']}" if p.get("reason") else "")
    if event.kind == "escalated":
        text = f"{p.get('who')} via {p.get('how')}"
    if event.kind in ("followup_added", "followup_done"):
        text = f"{p.get('name', '')} <{p.get('email')}>".strip()
    if event.kind == "contact":  # 20A: a customer's message received
        who = p.get("customer") or {}
        text = f"{who.get('name', '')} <{who.get('email')}>: {p.get('said', '')}"
    if event.kind == "review":
        text = f"report: {p.get('report') or 'none written'}"
    if brief and event.kind == "public_update" and p.get("message"):
        text = p["message"]  # the lead's words; the rendered update repeats the template
    customer = p.get("customer")
    if brief and event.kind in ("reply", "apology") and isinstance(customer, dict):
        # A whole reply per row buries the story; who got what is what a reader scans for.
        text = f"to {customer.get('name')} <{customer.get('email')}> ({p.get('template')})"
    text = " ".join(text.split())
    return text if not brief or len(text) <= _BRIEF else text[: _BRIEF - 1] + "…"


_BRIEF = 160  # characters of details per row in a report's appendix


def timeline_text(events: Iterable[Event]) -> Iterable[str]:
    for e in events:
        where = f" [{e.channel}]" if e.channel else ""
        yield visible(f"{show(e.at)}  {e.kind:<16} {e.who}{where}: {_summary(e)}")


def timeline_md(
    row: IncidentRow, events: Iterable[Event], *, appendix: bool = False
) -> Iterable[str]:
    """The timeline as a Markdown table; as a report's appendix, timed from the start."""
    if not appendix:
        yield f"## Timeline of {row.id}: {md(st.of(row).title)}\n\n"
        yield "| time (UTC) | what | who | channel | details |\n|---|---|---|---|---|\n"
        for e in events:
            yield (
                f"| {e.at.strftime('%Y-%m-%d %H:%M')} | {e.kind.replace('_', ' ')} | "
                f"{md(e.who)} | {md(e.channel or '')} | {md(_summary(e))} |\n"
            )
        return
    started = st.parse(st.of(row).started_at)
    yield (
        "## Appendix: timeline\n\n"
        f"Every event recorded on {row.id}, in the order it happened. Times are UTC; "
        f"*after start* counts from the declaration at {started.strftime('%Y-%m-%d %H:%M')}. "
        f"Replies show who they went to; `crisis timeline --incident {row.id} --format json` "
        "has every word.\n\n"
        "| time (UTC) | after start | what | who | channel | details |\n"
        "|---|---:|---|---|---|---|\n"
    )
    for e in events:
        yield (
            f"| {e.at.strftime('%Y-%m-%d %H:%M')} | {_elapsed(e.at - started)} | "
            f"{e.kind.replace('_', ' ')} | {md(e.who)} | {md(e.channel or '')} | "
            f"{md(_summary(e, brief=True))} |\n"
        )


def _elapsed(delta: dt.timedelta) -> str:
    """`+2:35` (hours and minutes), `-0:10` for what was backfilled before the start."""
    minutes = round(delta.total_seconds() / 60)
    hours, mins = divmod(abs(minutes), 60)
    return f"{'-' if minutes < 0 else '+'}{hours}:{mins:02d}"


def show_timeline(row: IncidentRow, events: Iterable[Event], fmt: str) -> None:
    """Every event on stdout as `fmt` (text, md or json), written as it is read."""
    if fmt == "json":
        _timeline_json(row, events)
        return
    lines = timeline_md(row, events) if fmt == "md" else (f"{x}\n" for x in timeline_text(events))
    for chunk in lines:
        sys.stdout.write(chunk)


def _timeline_json(row: IncidentRow, events: Iterable[Event]) -> None:
    """Streamed: one JSON document without holding every event in memory."""
    stream = JsonStream({"incident": row.id}, "events")
    stream.open()
    for e in events:
        stream.add(
            {
                "id": e.id,
                "kind": e.kind,
                "at": to_text(e.at),
                "who": e.who,
                "channel": e.channel,
                "payload": e.payload,
            }
        )
    stream.close()


def show_followups(entries: list[Entry], *, as_json: bool) -> None:
    if as_json:
        print_json(
            [
                {
                    "name": e.followup.name,
                    "email": e.followup.email,
                    "tier": e.followup.tier,
                    "open_case": e.followup.open_case,
                    "note": e.followup.note,
                    "added_at": to_text(e.followup.added_at),
                    "contacted_at": (
                        to_text(e.followup.contacted_at) if e.followup.contacted_at else None
                    ),
                    "done_at": to_text(e.followup.done_at) if e.followup.done_at else None,
                    "previous_incidents": e.previous_incidents,
                }
                for e in entries
            ]
        )
        return
    console = out()
    if not entries:
        console.print(
            inert("Nobody on the follow-up list yet: crisis followup add --customer NAME ...")
        )
    for n, e in enumerate(entries, start=1):
        f = e.followup
        flags = [
            x
            for x in (
                "OPEN CASE" if f.open_case else "",
                f.tier or "",
                f"{e.previous_incidents} earlier incident(s) in 180 days"
                if e.previous_incidents
                else "",
                "contacted" if f.contacted_at else "",  # a message to them was sent
                "done" if f.done_at else "",
            )
            if x
        ]
        console.print(
            inert(
                one_line(
                    f"{n}. {f.name} <{f.email}>"
                    + (f"  [{'; '.join(flags)}]" if flags else "")
                    + (f" — {f.note}" if f.note else "")
                )
            )
        )


def show_incidents(rows: list[IncidentRow], *, as_json: bool) -> None:
    states = {r.id: st.of(r) for r in rows}
    if as_json:
        print_json(
            [
                {
                    "id": r.id,
                    "open": r.is_open,
                    "title": states[r.id].title,
                    "type": states[r.id].type,
                    "severity": states[r.id].severity,
                    "phase": states[r.id].phase,
                    "opened_at": to_text(r.opened_at),
                }
                for r in rows
            ]
        )
        return
    console = out()
    if not rows:
        console.print(inert("No incidents recorded yet. Start one with `crisis start`."))
    for r in rows:
        # The phase, in the words of the commands: a resolved incident is not "open".
        phase = PHASE_WORDS.get(states[r.id].phase, states[r.id].phase)
        console.print(
            inert(
                f"{r.id:<8} {phase:<9} "
                f"{states[r.id].severity:<9} {show(r.opened_at)}  {states[r.id].title}"
            )
        )


PHASE_WORDS = {"during": "during", "aftermath": "resolved", "closed": "reviewed"}


_MD = str.maketrans({c: f"\\{c}" for c in "\\`*_[]<>|"})


def md(text: str) -> str:
    """Text for one line of Markdown: controls made visible, markup characters escaped."""
    return visible(text).translate(_MD)
