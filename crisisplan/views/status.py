"""`crisis status` and `crisis start` on screen: rich on a terminal, plain when piped."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from crisisplan.clock import human_minutes, show
from crisisplan.phases import state as st
from crisisplan.terminal.console import inert, out
from crisisplan.views.promises import status_lines

if TYPE_CHECKING:
    from rich.text import Text

    from crisisplan.phases.declare import StartDraft
    from crisisplan.phases.during import Posted
    from crisisplan.phases.status import Status


def _line(*parts: tuple[str, str] | str) -> Text:
    """A line of labels (styled) and values (inert), never read as markup."""
    from rich.text import Text

    text = Text()
    for part in parts:
        if isinstance(part, tuple):
            text.append_text(inert(part[0], style=part[1]))
        else:
            text.append_text(inert(part))
    return text


def show_status(s: Status, *, as_json: bool) -> None:
    if as_json:
        from crisisplan.views.json_out import print_json

        print_json(s.as_json())
        return
    console = out()
    age = human_minutes((s.now - s.started_at).total_seconds() / 60)
    console.print(_line((f"{s.incident_id} ", "bold"), (s.title, "bold"), f"  [{s.type}]"))
    console.print(
        _line(
            ("Phase: ", "dim"),
            s.phase,
            ("   Severity: ", "dim"),
            (s.severity, "bold"),
            f" ({s.severity_description})",
        )
    )
    console.print(_line(("Started: ", "dim"), f"{show(s.started_at)} ({age} ago)"))
    if s.next_update_due is not None:
        left = (s.next_update_due - s.now).total_seconds() / 60
        if s.overdue:
            console.print(
                _line(
                    ("Next update: ", "dim"),
                    (
                        f"OVERDUE by {human_minutes(-left)} (was due {show(s.next_update_due)})",
                        "bold red",
                    ),
                )
            )
        else:
            console.print(
                _line(
                    ("Next update due: ", "dim"),
                    f"{show(s.next_update_due)} (in {human_minutes(left)})",
                )
            )
    last = s.last_public_update
    if last:
        when = st.parse(last.at)
        # The words as posted (edited or not), under a margin: not the one-line summary.
        console.print(_line(("Last public update: ", "dim"), f"{show(when)} on {last.channel}:"))
        _margin(last.text)
    else:
        console.print(_line(("Last public update: ", "dim"), ("none yet", "bold red")))
    if s.promises_due:
        due = _promised(s.promises_due)
        console.print(_line(("Promises due (an update by): ", "dim"), due))
    if s.promises_broken:
        broken = _promised(s.promises_broken)
        console.print(_line(("Promises broken (no update by): ", "dim"), (broken, "bold red")))
    for line in status_lines(s.ledger, s.milestones, s.now):  # views/promises.py
        console.print(line)
    contacted = f" ({s.followups_contacted} contacted)" if s.followups_contacted else ""
    console.print(_line(("Follow-ups open: ", "dim"), f"{s.followups_open}{contacted}"))
    _contacts(s)
    owners = ", ".join(f"{o['channel']}: {o['name'] or o['owner'] or 'NOBODY'}" for o in s.owners)
    console.print(_line(("Owners on duty: ", "dim"), owners))
    for step in (due.step for due in s.escalation_due):
        console.print(
            _line(("Escalation due: ", "yellow"), f"{step.name} ({step.who}): {step.how}")
        )
    if s.sign_off:
        from crisisplan.views.signoff import show_sign_off

        show_sign_off(s)
    for warning in s.warnings:
        console.print(_line(("Warning: ", "bold yellow"), warning))
    console.print(_line(("What now:", "bold")))
    for command in s.next_steps:
        console.print(_line("  ", command))


def _contacts(s: Status) -> None:
    """Customers who wrote in (20A): who has waited longest, how many past the promise."""
    g = s.contacts
    if g is None:
        return
    console = out()
    late = f", {g.overdue} past the time promised" if g.overdue else ""
    line = _line(("Customers waiting for a first answer: ", "dim"), f"{g.waiting} of {g.received}")
    console.print(line.append_text(_line((late, "bold red"))) if late else line)
    c = g.longest
    if c is not None:
        waited = human_minutes((s.now - c.received_at).total_seconds() / 60)
        due = ""
        if c.respond_by is not None:
            left = (c.respond_by - s.now).total_seconds() / 60
            due = f", promised by {show(c.respond_by, with_date=False)}"
            late_by = f"late by {human_minutes(-left)}" if left < 0 else f"in {human_minutes(left)}"
            due += f" ({late_by})"
        console.print(
            _line(
                ("Waiting longest: ", "dim"), f"{c.name} <{c.email}> on {c.channel}, {waited}{due}"
            )
        )


def show_start(d: StartDraft) -> None:
    """What the lead sees before confirming: checklist, who to call, channels, drafts."""
    console = out()
    for warning in d.warnings:
        console.print(_line(("Warning: ", "bold yellow"), warning))
    state = d.state
    console.print(
        _line(("Declaring: ", "bold"), state.title, f"  [{state.type}, {state.severity}]")
    )
    if d.checklist:
        console.print(_line(("Checklist", "bold underline")))
        for number, item in enumerate(d.checklist, start=1):
            console.print(_line(f"  {number}. ", item))
    console.print(_line(("Who to bring in", "bold underline"), ("  when, from the start", "dim")))
    for step in sorted((s.step for s in d.ladder), key=lambda step: step.after_minutes):
        when = "now" if step.after_minutes == 0 else f"after {step.after_minutes} min"
        contact = ", ".join(x for x in (step.contact, step.phone) if x)
        console.print(
            _line(
                f"  {when}: ",
                (step.name, "bold"),
                f" ({step.who})",
                f" — {step.how}" + (f" [{contact}]" if contact else ""),
            )
        )
    console.print(_line(("Channels and owners", "bold underline")))
    for cid, ch in d.channels.items():
        funnel = f", funnel to {ch['funnel_to']}" if ch.get("funnel_to") else ""
        console.print(
            _line(
                f"  {cid} ({ch['purpose']}{funnel}): ",
                ch.get("owner_name") or ch.get("owner") or "NOBODY",
            )
        )
    _draft_block("First status update", d.update_template, d.update_text)
    _draft_block("First customer reply (the base answer to adapt)", d.reply_template, d.reply_text)


def _draft_block(title: str, template: str, text: str) -> None:
    console = out()
    console.print(_line((title, "bold underline"), (f"  from {template}", "dim")))
    _margin(text)


def _margin(text: str) -> None:
    """Text under a "│" margin; on a terminal long lines wrap and stay under it."""
    console = out()
    for line in text.rstrip("\n").split("\n"):
        body = inert(line)
        parts = [body] if console.soft_wrap else body.wrap(console, max(20, console.width - 4))
        for part in parts or [body]:
            console.print(_line("  │ ").append_text(part))


def _promised(promises: list[st.Promise]) -> str:
    """The times promised, soonest first."""
    times = sorted(st.parse(p.due) for p in promises)
    return ", ".join(show(when, with_date=False) for when in times)


def show_update(posted: Posted, *, incident_id: str) -> None:
    """The update as posted on stdout; when the next one is due, and warnings, on stderr."""
    out().print(inert(posted.text.rstrip("\n")))
    if posted.next_at and posted.held is None:
        typer.echo(f"Recorded on {incident_id}. Next update due {show(posted.next_at)}.", err=True)
    if posted.superseded:
        typer.echo(
            f"{posted.superseded} unsent draft(s) superseded: they said less than this; "
            "`crisis send` will not send them. Draft again to answer those customers.",
            err=True,
        )
    for warning in posted.warnings:
        typer.echo(f"Warning: {warning}", err=True)
    if posted.held is not None:
        from crisisplan.views.signoff import held_line

        typer.echo(held_line(posted.held), err=True)
