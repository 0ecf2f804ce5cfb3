"""The review on screen (a summary and a chart of the update clock), as Markdown and as JSON."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from crisisplan.clock import human_minutes, show, to_text
from crisisplan.phases.state_json import parse
from crisisplan.terminal.console import inert, out, visible
from crisisplan.views.promises import figure_lines as ledger_lines
from crisisplan.views.promises import review_md as ledger_md
from crisisplan.views.records import md, timeline_md

if TYPE_CHECKING:
    from pathlib import Path

    from rich.text import Text

    from crisisplan.phases.answers import Answers
    from crisisplan.phases.review import Figures, Interval
    from crisisplan.store import Event, IncidentRow

NOT_ASKED = (
    "Nobody answered these questions: the review ran without a terminal and without "
    "--answers. To answer them, run it again on a terminal, or with --answers FILE "
    "(YAML: each question followed by its answer, or a list of answers in order)."
)


def _minutes(value: float | None) -> str:
    return "none recorded" if value is None else human_minutes(value)


def _replies(count: int) -> str:
    return f"{count} {'reply' if count == 1 else 'replies'}"


def _utc(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _hm(when: dt.datetime, *, local: bool = False) -> str:
    return (when.astimezone() if local else when.astimezone(dt.UTC)).strftime("%H:%M")


def _until(start: dt.datetime, end: dt.datetime) -> str:
    """The end of a span in UTC: its time, with the date too when the day changed."""
    return _hm(end) if start.date() == end.astimezone(start.tzinfo).date() else _utc(end)


def _lasted(f: Figures) -> str:
    return human_minutes((f.ended_at - f.started_at).total_seconds() / 60)


def _counted(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {n}" for name, n in counts.items()) or "none"


def figure_lines(f: Figures) -> list[tuple[str, str]]:
    """The headline figures as (label, value), for the terminal and the report alike."""
    first = f.first_public_update
    promised = f.first_response_promised
    within = ""
    if first is not None and promised:
        word = "within" if first <= promised else "later than"
        within = f" ({word} the {promised} min first response for {f.severity_at_start})"
    silence = f.longest_silence
    p, fu, r = f.promises, f.followups, f.replies
    fixed, left = r["findings_fixed"], r["findings_left_in"]
    return [
        ("Time to the first public update", f"{_minutes(first)}{within}"),
        ("Time to the first customer reply", _minutes(f.first_reply)),
        ("Update cadence kept", f"{f.cadence_kept} of {len(f.judged)} intervals"),
        (
            "Longest silence",
            f"{human_minutes(silence.minutes)}, {_utc(silence.start)} to "
            f"{_until(silence.start, silence.end)}"
            if silence
            else "none",
        ),
        (
            "Promises of an update",
            f"{p['made']} made: {p['kept']} kept, {p['broken']} broken"
            + (f", {p['open']} still due" if p["open"] else ""),
        ),
        *ledger_lines(f),
        (
            "Follow-ups",
            f"{fu['added']} added: {fu['contacted']} contacted, {fu['open']} still open",
        ),
        ("Apologies", f"{f.apologies['drafted']} drafted, {f.apologies['ready']} ready to send"),
        ("Replies drafted", f"{r['drafted']} (by channel: {_counted(r['by_channel'])})"),
        (
            "Lint findings",
            f"fixed by editing in {_replies(fixed['replies'])}; "
            f"left in {_replies(left['replies'])}"
            + (f" ({_counted(left['by_rule'])})" if left["by_rule"] else ""),
        ),
        ("Escalations", str(len(f.escalations))),
        ("Events in the log", f"{f.events:,}"),
    ]


def review_json(f: Figures, answers: Answers, *, report: Path | None, event_id: int | None) -> Any:
    """The one document `crisis review --json` prints."""

    def interval(i: Interval) -> dict[str, Any]:
        return {
            "from": to_text(i.start),
            "to": to_text(i.end),
            "minutes": round(i.minutes, 1),
            "severity": i.severity,
            "promised_minutes": i.promised,
            "kept": i.kept,
            "ends": i.ends,
        }

    return {
        "incident": f.incident_id,
        "recorded": event_id is not None,
        "event_id": event_id,
        "report": str(report) if report else None,
        "answers": answers.pairs(),
        "answered_from": answers.source,
        "figures": {
            "title": f.title,
            "type": f.type,
            "phase": f.phase,
            "started_at": to_text(f.started_at),
            "detected_at": to_text(f.detected_at),
            "resolved_at": to_text(f.resolved_at) if f.resolved_at else None,
            "duration_minutes": round((f.ended_at - f.started_at).total_seconds() / 60, 1),
            "severity_at_start": f.severity_at_start,
            "max_severity": f.max_severity,
            "cause": f.cause,
            "impact": f.impact,
            "events": f.events,
            **f.headline(),
            "first_response_promised_minutes": f.first_response_promised,
            "cadence": {
                "kept": f.cadence_kept,
                "intervals": len(f.judged),
                "longest_silence": interval(f.longest_silence) if f.longest_silence else None,
                "timeline": [interval(i) for i in f.intervals],
            },
            "replies": f.replies,
            "escalations": f.escalations,
            "keep": [dataclasses.asdict(k) for k in f.keep],
            "promises_by_kind": f.promises_by_kind,
            "promises_kept_by": f.promises_kept_by,
            "milestones": {k: to_text(parse(v)) if v else None for k, v in f.milestones.items()},
        },
    }


def report_md(
    row: IncidentRow,
    f: Figures,
    answers: Answers,
    events: Iterable[Event],
    *,
    at: dt.datetime,
    who: str,
) -> Iterator[str]:
    """The review as Markdown, ending with the whole timeline as an appendix."""
    yield f"# Review of {row.id}: {md(f.title)}\n\n| | |\n|---|---|\n"
    ended = f"{_utc(f.resolved_at)}, after {_lasted(f)}" if f.resolved_at else "not recorded"
    detected = "" if f.detected_at == f.started_at else f" (first event {_utc(f.detected_at)})"
    facts = [
        ("Type", f.type),
        ("Severity", f"{f.severity_at_start} at the start, {f.max_severity} at the highest"),
        ("Started", f"{_utc(f.started_at)}{detected}"),
        ("Resolved", ended),
        ("Cause", f.cause or "not recorded"),
        ("Impact", f.impact or "not recorded"),
        ("Reviewed", f"{_utc(at)} by {who}"),
    ]
    for label, value in facts:
        yield f"| {label} | {md(value)} |\n"
    yield "\n## Questions\n\n"
    if answers.source == "none" and answers.questions:
        yield f"> {md(NOT_ASKED)}\n\n"
    for number, (question, answer) in enumerate(
        zip(answers.questions, answers.given, strict=True), start=1
    ):
        yield f"### {number}. {md(question)}\n\n"
        if answer is None:
            yield "*Not answered.*\n\n"
        else:
            yield f"{visible(answer).strip() or '*No answer given.*'}\n\n"
    if not answers.questions:
        yield "The playbook lists no review questions (`review.questions`).\n\n"
    yield "## Figures\n\n| figure | value |\n|---|---|\n"
    for label, value in figure_lines(f):
        yield f"| {label} | {md(value)} |\n"
    yield from _cadence_md(f)
    yield from ledger_md(f)
    yield from _replies_md(f)
    yield from _escalations_md(f)
    yield from _keep_md(f)
    yield "\n"
    yield from timeline_md(row, events, appendix=True)


def _cadence_md(f: Figures) -> Iterator[str]:
    yield "\n### Public updates against the promised cadence\n\n"
    if not f.intervals:
        yield "No stretch without a public update to judge.\n"
        return
    yield "| from (UTC) | to (UTC) | silence | severity | promised | kept |\n"
    yield "|---|---|---:|---|---:|---|\n"
    for i in f.intervals:
        late = i.minutes - (i.promised or 0)
        kept = {True: "yes", None: "no cadence set"}.get(
            i.kept, f"**no**: {human_minutes(late)} late"
        )
        ends = " (resolved)" if i.ends == "resolved" else ""
        promised = f"{i.promised} min" if i.promised else "-"
        yield (
            f"| {_utc(i.start)} | {_until(i.start, i.end)}{ends} | {human_minutes(i.minutes)} "
            f"| {i.severity} | {promised} | {kept} |\n"
        )


def _replies_md(f: Figures) -> Iterator[str]:
    r = f.replies
    if not r["drafted"]:
        return
    yield "\n### Replies by channel, agent and purpose\n\n| | replies |\n|---|---:|\n"
    for what, counts in (
        ("channel", "by_channel"),
        ("agent", "by_agent"),
        ("purpose", "by_purpose"),
    ):
        for name, n in r[counts].items():
            yield f"| {what}: {md(name)} | {n} |\n"


def _escalations_md(f: Figures) -> Iterator[str]:
    yield "\n### Escalations\n\n"
    if not f.escalations:
        yield "Nobody was recorded as contacted (`crisis escalate`).\n"
        return
    yield "| when (UTC) | after start | step | who | how |\n|---|---:|---|---|---|\n"
    for e in f.escalations:
        yield (
            f"| {e['at'][:16].replace('T', ' ')} | {human_minutes(e['after_minutes'])} | "
            f"{md(str(e['step']))} | {md(str(e['name']))} | {md(str(e['how']))} |\n"
        )


def _keep_md(f: Figures) -> Iterator[str]:
    yield "\n### Answers worth keeping as templates\n\n"
    if not f.keep:
        yield (
            "No reply went to several customers in the same words, and none was edited by "
            "hand: nothing stands out to keep.\n"
        )
        return
    for k in f.keep:
        yield (
            f"- Event {k.event_id} ({md(k.template)}, {md(k.channel or 'no channel')}, "
            f"by {md(k.agent)}): {md(k.why)}. Keep it with `{k.command}`\n"
        )


def show_summary(f: Figures) -> None:
    """The review on a terminal: the figures, then the update clock as a chart."""
    console = out()
    title = inert(f"Review of {f.incident_id}: ", style="bold")
    title.append_text(inert(f.title, style="bold"))
    title.append_text(inert(f"  [{f.type}; {f.severity_at_start}, highest {f.max_severity}]"))
    console.print(title)
    span = f"Started {show(f.started_at)}"
    if f.resolved_at:
        span += f"; resolved {show(f.resolved_at)}"
    console.print(inert(f"{span}; {_lasted(f)} {'in all' if f.resolved_at else 'so far'}"))
    width = max(len(label) for label, _ in figure_lines(f)) + 2
    for label, value in figure_lines(f):
        console.print(_pair(label.ljust(width), value))
    for e in f.escalations:
        console.print(
            _pair(
                "  escalated".ljust(width),
                f"{e['name']} ({e['step']}) {human_minutes(e['after_minutes'])} "
                f"after the start: {e['how']}",
            )
        )
    if f.keep:
        console.print(inert("Worth keeping as templates", style="bold"))
        for k in f.keep:
            console.print(_pair(f"  {k.command}", f"   {k.why}"))
    chart(f)


def _pair(label: str, value: str) -> Text:
    text = inert(label, style="dim")
    text.append_text(inert(value))
    return text


def chart(f: Figures) -> None:
    """One row per silence: a bar scaled to its minutes, ┆ where the next update fell due."""
    console = out()
    if not f.intervals:
        return
    zone = dt.datetime.now().astimezone().strftime("%Z")
    console.print(
        inert(
            f"Public updates against the promised cadence (times {zone}; ┆ = update due)",
            style="bold",
        )
    )
    longest = max(max(i.minutes, i.promised or 0) for i in f.intervals)
    width = max(20, min(50, console.width - 40))
    for i in f.intervals:
        row = inert(
            f"  {_hm(i.start, local=True)}-{_hm(i.end, local=True)} "
            f"{human_minutes(i.minutes):>10}  "
        )
        bar = max(1, round(i.minutes / longest * width))
        due = round(i.promised / longest * width) if i.promised else None
        if due is None:
            row.append_text(inert("█" * bar))
        elif bar <= due:
            row.append_text(inert("█" * bar + " " * (due - bar) + "┆"))
        else:
            row.append_text(inert("█" * due + "┆"))
            row.append_text(inert("▒" * (bar - due), style="bold red"))
        pad = " " * max(0, width - max(bar, due or 0) + 1)
        if i.kept is False:
            row.append_text(
                inert(
                    f"{pad} {human_minutes(i.minutes - (i.promised or 0))} late", style="bold red"
                )
            )
        else:
            row.append_text(inert(f"{pad} {'kept' if i.kept else 'no cadence'}"))
        console.print(row)


def show_done(
    answers: Answers, *, report: Path | None, incident_id: str, event_id: int | None
) -> None:
    """What was written and recorded; a warning when the questions stayed open."""
    from crisisplan.terminal.console import display_warning

    if event_id is None:
        wrote = f"Wrote {report} (the questions left open); nothing" if report else "Nothing"
        out().print(
            inert(
                f"{wrote} recorded. To record the review of {incident_id}, answer the "
                "questions on a terminal or pass --answers FILE; recording closes it."
            )
        )
        return
    if answers.source == "none" and answers.questions:
        display_warning(NOT_ASKED)
    where = f"Wrote {report} and recorded" if report else "Recorded"
    out().print(inert(f"{where} the review of {incident_id} (event {event_id})."))
