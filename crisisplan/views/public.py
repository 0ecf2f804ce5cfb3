"""Being public on screen: the status page build's summary, and each message `send` sends."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer

from crisisplan.views.json_out import print_json

if TYPE_CHECKING:
    from pathlib import Path

    from crisisplan.phases.send import Item, Outcome, Report
    from crisisplan.phases.statuspage import Site


def show_built(site: Site, where: Path) -> None:
    """One line: what the new status page holds."""
    typer.echo(
        f"Built {where}: {_count(len(site.open), 'open incident')}, "
        f"{_count(len(site.resolved), 'resolved')} in the last {site.window_days} days, "
        f"{_count(site.update_count, 'public update')}."
    )


def _count(n: int, noun: str) -> str:
    plural = noun if n == 1 or noun.endswith("resolved") else f"{noun}s"
    return f"{n:,} {plural}"


@contextmanager
def progress(label: str) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on a terminal; nothing when piped."""
    import sys

    from crisisplan.terminal.console import err, is_terminal

    if not is_terminal(sys.stderr):
        yield None
        return
    from rich.progress import Progress

    with Progress(transient=True, console=err()) as bar:
        task = bar.add_task(label, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def show_item(item: Item) -> None:
    """One line per message as it goes, so a long send shows its progress."""
    from crisisplan.terminal.console import inert, out

    line = f"{item.outcome:<10} E{item.draft}  {item.name} <{item.email}>"
    style = {"sent": "", "failed": "bold red", "uncertain": "yellow"}.get(item.outcome, "dim")
    out().print(inert(line + (f": {item.reason}" if item.reason else ""), style=style))


def show_report(report: Report, *, as_json: bool, held: Sequence[str] = ()) -> None:
    """Each draft's fate, then counts; `held`: statements waiting for sign-off, not sent."""
    from collections import Counter
    from dataclasses import asdict

    from crisisplan.inert_text import one_line
    from crisisplan.terminal.console import err, inert, out

    if as_json:
        groups: tuple[Outcome, ...] = (
            "sent",
            "would_send",
            "skipped",
            "superseded",
            "uncertain",
            "failed",
            "not_attempted",
        )
        document: dict[str, object] = {
            "incident": report.incident,
            "dry_run": report.dry_run,
            "smtp": report.smtp,
            "stopped": report.stopped,
        }
        document.update({g: [asdict(i) for i in report.of(g)] for g in groups})
        document["counts"] = {g: len(report.of(g)) for g in groups}
        document["held_for_sign_off"] = list(held)
        print_json(document)
        return
    console = err()
    would = report.of("would_send")
    if report.dry_run:
        via = f"via {report.smtp}" if report.smtp else "once CRISIS_SMTP_URL is set"
        out().print(inert(f"Would send {len(would)} message(s) on {report.incident} {via}:"))
        for i in would:
            line = f"  E{i.draft}  {i.name} <{i.email}>  from {i.sender}: {i.subject}"
            out().print(inert(one_line(line)))
    for i in report.items:
        if i.outcome == "superseded":
            continue  # listed apart, below
        if (i.outcome != "skipped" and i.earlier) or (i.outcome == "skipped" and not _routine(i)):
            show_item(i)
    stale = report.of("superseded")
    if stale:
        out().print(inert(f"Superseded, never to be sent ({len(stale)}):"))
        for i in stale:
            out().print(inert(one_line(f"  E{i.draft}  {i.name} <{i.email}>: {i.reason}")))
    skipped = Counter((i.reason or "").split(" (")[0] for i in report.of("skipped"))
    done = len(would) if report.dry_run else len(report.of("sent"))
    parts = [f"{done} {'to send' if report.dry_run else 'sent'}"]
    parts += [f"{n} {why}" for why, n in skipped.items()]
    for outcome in ("superseded", "uncertain", "failed", "not_attempted"):
        if report.of(outcome):
            parts.append(f"{len(report.of(outcome))} {outcome.replace('_', ' ')}")
    console.print(inert(f"{report.incident}: " + ", ".join(parts) + "."))
    if report.stopped:
        console.print(inert(f"Stopped: {report.stopped}. Run again to send the rest."), style="red")
    for line in held:
        console.print(inert(line))
    if report.dry_run and would:
        console.print(inert("Nothing was sent; run with --yes to send."))


def _routine(item: Item) -> bool:
    """Skipped for a reason nobody needs to act on."""
    return (item.reason or "").startswith(("already sent", "replaced by", "sent by another"))
