"""`crisis watch` on screen: one frame of the war-room view, fitted to the terminal.

Every value from the log (titles, updates, notes, names) goes through `inert`: a
customer's words are never read as markup, and control characters are shown, not sent.
"""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from collections.abc import Callable
from typing import TYPE_CHECKING

from crisisplan.clock import show
from crisisplan.terminal.console import inert, visible

if TYPE_CHECKING:
    from rich.console import Group
    from rich.text import Text

    from crisisplan.phases.watch import Follower, WatchScreen

UPDATE_LINES = 3  # lines of the latest public update shown
_BREAKS = re.compile(r"\s*[\n\t]\s*")


def countdown(seconds: float) -> str:
    """`12:05`, `1:02:05`: minutes and seconds, hours when there are some."""
    total = int(abs(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _line(*parts: tuple[str, str] | str) -> Text:
    """One screen line of labels (styled) and values (inert), cut to the width, never wrapped."""
    from rich.text import Text

    text = Text(no_wrap=True, overflow="ellipsis")
    for part in parts:
        if isinstance(part, tuple):
            text.append_text(inert(part[0], style=part[1]))
        else:  # a value from the log: its newlines and tabs would break the screen's lines
            text.append_text(inert(_BREAKS.sub(" ", part)))
    return text


def _time(when: dt.datetime) -> str:
    return show(when, with_date=False)


def frame(screen: WatchScreen, *, width: int) -> Group:
    """The whole screen for one moment: at most 24 lines, none wider than `width`."""
    from rich.console import Group

    s = screen.status
    lines: list[Text] = [
        _line((f"{s.incident_id} ", "bold"), (s.title, "bold"), f"  [{s.type}, {s.severity}]"),
        _line(("Phase: ", "dim"), s.phase, ("   Now: ", "dim"), _time(s.now)),
        _clock(screen),
        _promises(screen),
        _escalations(screen),
        _line(("Latest public update", "bold")),
    ]
    last = s.last_public_update
    if last is None:
        lines.append(_line(("  none yet: customers are waiting for word from us", "red")))
    else:
        from crisisplan.phases import state as st

        where = f", {last.channel}" if last.channel else ""
        lines.append(_line("  ", (f"{_time(st.parse(last.at))} by {last.who}{where}", "dim")))
        said = textwrap.wrap(visible(" ".join(last.text.split())), max(20, width - 4)) or [""]
        shown = said[:UPDATE_LINES]
        if len(said) > UPDATE_LINES:
            shown[-1] = shown[-1][: max(0, width - 6)] + "…"
        lines += [_line("  ", text) for text in shown]
    lines.append(_line(("Latest activity", "bold")))
    if not screen.recent:
        lines.append(_line(("  nothing yet", "dim")))
    for act in screen.recent:
        ago = _ago((s.now - act.at).total_seconds())
        lines.append(
            _line(
                ("  ", ""), (f"{ago:>8} ", "dim"), (f"{act.who} ", "cyan"), f"{act.kind} ", act.what
            )
        )
    contacted = s.followups_contacted
    lines.append(
        _line(
            ("Open follow-ups: ", "bold"),
            f"{screen.followups_open}",
            (f" ({contacted} contacted)" if contacted else "", "dim"),
        )
    )
    for f in screen.followups:
        tier = f" [{f.tier}]" if f.tier else ""
        note = [(f"  {f.note}", "dim")] if f.note else []
        lines.append(_line("  ", f"{f.name} <{f.email}>{tier}", *note))
    lines.append(_line(("Ctrl-C to leave; the screen follows every write to the log.", "dim")))
    return Group(*lines)


def _clock(screen: WatchScreen) -> Text:
    s = screen.status
    if s.next_update_due is None:
        return _line(("Next public update: ", "dim"), "none due in this phase")
    left = (s.next_update_due - s.now).total_seconds()
    due = f" (due {_time(s.next_update_due)})"
    if left < 0:
        return _line(
            ("Next public update: ", "dim"),
            (f"OVERDUE by {countdown(left)}", "bold white on red"),
            (due, "red"),
        )
    style = "bold yellow" if left < 5 * 60 else "bold green"
    return _line(("Next public update: ", "dim"), (f"in {countdown(left)}", style), (due, "dim"))


def _promises(screen: WatchScreen) -> Text:
    from crisisplan.phases import state as st

    s = screen.status
    due = ", ".join(_time(st.parse(p.due)) for p in s.promises_due) or "none"
    parts: list[tuple[str, str] | str] = [("Promises due: ", "dim"), due]
    if s.promises_broken:
        broken = ", ".join(_time(st.parse(p.due)) for p in s.promises_broken)
        parts += [("   broken: ", "dim"), (broken, "bold red")]
    return _line(*parts)


def _escalations(screen: WatchScreen) -> Text:
    steps = screen.status.escalation_due
    if not steps:
        return _line(("Escalations due: ", "dim"), "none")
    named = ", ".join(f"{d.step.id} ({d.step.who})" for d in steps)
    return _line(("Escalations due: ", "dim"), (named, "bold red"))


def _ago(seconds: float) -> str:
    if seconds < 60:
        return "just now"
    minutes = int(seconds // 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d}"


def print_frame(screen: WatchScreen) -> None:
    """One frame on stdout, for `--once` (and without a terminal)."""
    from crisisplan.terminal.console import out

    console = out()
    console.print(frame(screen, width=console.width))


def show_live(follower: Follower, now: Callable[[], dt.datetime]) -> None:
    """Keep the screen current until Ctrl-C or the terminal goes away: the clock ticks each
    second, and a write by any agent shows within a fraction of one."""
    from crisisplan.terminal.live import live_screen

    was_overdue = False
    with live_screen() as screen:
        while True:
            current = now()
            shot = follower.screen(current)
            # The bell rings as the update falls overdue (or a promise is broken), once.
            screen.show(frame(shot, width=screen.width), bell=shot.overdue and not was_overdue)
            was_overdue = shot.overdue
            # Asleep until the countdown's next second, unless an agent writes before it.
            if follower.wait(1.0 - current.timestamp() % 1.0):
                follower.refresh()
