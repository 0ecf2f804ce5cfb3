"""Being public and reaching people: `statuspage build`, `send`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from crisisplan.cli.options import AsOpt, DbOpt, IncidentOpt, JsonOpt, PlaybookOpt
from crisisplan.errors import Interrupted

if TYPE_CHECKING:
    from crisisplan.phases.send import Item, Outcome, Report

# --- statuspage ---------------------------------------------------------------------------

statuspage_app = typer.Typer(
    help="The public status page, built from what was said in public.\n\n"
    "Example: crisis statuspage build site/ --title 'Larkspur status'",
    no_args_is_help=True,
)


@statuspage_app.command("build")
def statuspage_build(
    directory: Annotated[
        Path,
        typer.Argument(
            help="The site's folder: new, empty, or a site built before (replaced whole).",
            show_default=False,
        ),
    ],
    title: Annotated[
        str | None,
        typer.Option(
            "--title", help="The page's title. Default: Service status.", show_default=False
        ),
    ] = None,
    db: DbOpt = None,
) -> None:
    """Build the status page: index.html, status.json and feed.atom, from public updates only.

    Open incidents and those resolved in the last 90 days, each with its severity, latest
    update, the time of the next update promised and its history. Notes, drafts and
    replies never appear. The new site replaces the old one only once it is complete.

    Example: crisis statuspage build site/ --title "Larkspur status"
    """
    from crisisplan.clock import now
    from crisisplan.phases.statuspage import gather, publish
    from crisisplan.store import default_target, open_store
    from crisisplan.views.statuspage import render_site

    with _progress("Building the status page") as progress, _no_cycle_collection():
        # Never a new, empty log: a mistyped --db must not publish "no incidents".
        with open_store(default_target(db), create=False) as store:
            site = gather(store, now=now(), title=title, progress=progress)
        where = publish(directory, render_site(site))
    typer.echo(
        f"Built {where}: {_count(len(site.open), 'open incident')}, "
        f"{_count(len(site.resolved), 'resolved')} in the last {site.window_days} days, "
        f"{_count(site.update_count, 'public update')}."
    )


def _count(n: int, noun: str) -> str:
    plural = noun if n == 1 or noun.endswith("resolved") else f"{noun}s"
    return f"{n:,} {plural}"


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """A build makes a million short strings and records and no reference cycles; the cycle
    collector would only walk them again and again (a tenth of a 50,000-update build)."""
    import gc

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def _progress(label: str) -> Iterator[Callable[[int, int], None] | None]:
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


def register(app: typer.Typer) -> None:
    """Add the status page and sending commands to the app."""
    app.command(rich_help_panel="Public")(send)
    app.add_typer(statuspage_app, name="statuspage", rich_help_panel="Public")


def send(
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Send them. Without it: a dry run.")
    ] = False,
    resend_uncertain: Annotated[
        bool,
        typer.Option(
            "--resend-uncertain",
            help="Send again what was in flight when an earlier send stopped (same Message-ID).",
        ),
    ] = False,
    retry_failed: Annotated[
        bool,
        typer.Option(
            "--retry-failed", help="Try again the messages the server refused for good (5xx)."
        ),
    ] = False,
    per_minute: Annotated[
        int | None,
        typer.Option(
            "--per-minute", min=1, help="At most this many messages a minute.", show_default=False
        ),
    ] = None,
    as_json: JsonOpt = False,
    as_: AsOpt = None,
    incident: IncidentOpt = None,
    playbook: PlaybookOpt = None,
    db: DbOpt = None,
) -> None:
    """Email the ready drafts (replies, resolved notices, apologies) to their customers, once each.

    A dry run unless --yes. The server comes from $CRISIS_SMTP_URL: smtp+starttls://USER@HOST:587
    (STARTTLS), smtps://USER@HOST:465 (TLS) or smtp://HOST:25 (plain, no login), with the password
    in $CRISIS_SMTP_PASSWORD; From is the company at the plan's individual email channel. A message
    cut off mid-send is reported as uncertain and sent again only with --resend-uncertain; a
    recipient refused with a 4xx is retried on the next run, with a 5xx only with --retry-failed.
    Exit 1 when anything failed, is uncertain or was left unsent.

    Example: crisis send --yes --per-minute 120
    """
    from crisisplan.clock import now
    from crisisplan.mailer import settings_from_env
    from crisisplan.phases.send import Options, send_drafts
    from crisisplan.phases.session import agent_name, find_incident, open_log
    from crisisplan.playbook.loader import find_playbook, load_plan

    settings = settings_from_env()
    plan = load_plan(find_playbook(playbook))
    options = Options(yes, resend_uncertain, retry_failed, per_minute)
    with open_log(db) as store:
        row = find_incident(store, incident)
        try:
            report = send_drafts(
                store,
                row,
                plan.playbook,
                settings=settings,
                options=options,
                who=agent_name(as_),
                clock=now,
                on_item=(lambda _i: None) if as_json else _show_item,
            )
        except KeyboardInterrupt:
            if not yes:
                raise
            raise Interrupted(
                "Stopped sending; each message the server accepted is recorded as sent.",
                hint="Run `crisis send --yes` again to send the rest. One cut off mid-send is "
                "shown as uncertain, and sent again only with --resend-uncertain.",
            ) from None
    _show_report(report, as_json=as_json)
    raise typer.Exit(1 if report.problem else 0)


def _show_item(item: Item) -> None:
    """One line per message as it goes, so a long send shows its progress."""
    from crisisplan.terminal.console import inert, out

    line = f"{item.outcome:<10} E{item.draft}  {item.name} <{item.email}>"
    style = {"sent": "", "failed": "bold red", "uncertain": "yellow"}.get(item.outcome, "dim")
    out().print(inert(line + (f": {item.reason}" if item.reason else ""), style=style))


def _show_report(report: Report, *, as_json: bool) -> None:
    import json
    import sys
    from collections import Counter
    from dataclasses import asdict

    from crisisplan.inert_text import one_line
    from crisisplan.terminal.console import err, inert, out

    if as_json:
        groups: tuple[Outcome, ...] = (
            "sent",
            "would_send",
            "skipped",
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
        sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
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
        if (i.outcome != "skipped" and i.earlier) or (i.outcome == "skipped" and not _routine(i)):
            _show_item(i)
    skipped = Counter((i.reason or "").split(" (")[0] for i in report.of("skipped"))
    done = len(would) if report.dry_run else len(report.of("sent"))
    parts = [f"{done} {'to send' if report.dry_run else 'sent'}"]
    parts += [f"{n} {why}" for why, n in skipped.items()]
    for outcome in ("uncertain", "failed", "not_attempted"):
        if report.of(outcome):
            parts.append(f"{len(report.of(outcome))} {outcome.replace('_', ' ')}")
    console.print(inert(f"{report.incident}: " + ", ".join(parts) + "."))
    if report.stopped:
        console.print(inert(f"Stopped: {report.stopped}. Run again to send the rest."), style="red")
    if report.dry_run and would:
        console.print(inert("Nothing was sent; run with --yes to send."))


def _routine(item: Item) -> bool:
    """Skipped for a reason nobody needs to act on."""
    return (item.reason or "").startswith(("already sent", "replaced by", "sent by another"))
