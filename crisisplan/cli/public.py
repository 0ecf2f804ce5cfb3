"""Being public and reaching people: `statuspage build`, `send`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from crisisplan.cli.options import AsOpt, DbOpt, IncidentOpt, JsonOpt, PlaybookOpt
from crisisplan.errors import Interrupted

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
            "--title",
            help="The page's title. Default: the plan's company name, then 'status'.",
            show_default=False,
        ),
    ] = None,
    db: DbOpt = None,
) -> None:
    """Build the status page from public updates only.

    It writes index.html, status.json and feed.atom.

    Open incidents and those resolved in the last 90 days, each with its severity, latest
    update, the time of the next update promised and its history. Notes, drafts and
    replies never appear. The new site replaces the old one only once it is complete.

    Example: crisis statuspage build site/ --title "Larkspur status"
    """
    from itertools import chain

    from crisisplan.clock import now
    from crisisplan.phases.approvals import waiting_anywhere
    from crisisplan.phases.session import command_session
    from crisisplan.phases.statuspage import gather, publish
    from crisisplan.views.public import progress, show_built
    from crisisplan.views.signoff import not_published
    from crisisplan.views.statuspage import render_site
    from crisisplan.views.statuspage_api import render_api

    with progress("Building the status page") as advance, _no_cycle_collection():
        # Never a new, empty log (the session never creates one): a mistyped --db must
        # not publish "no incidents".
        with command_session(db=db) as s:
            site = gather(s.store, now=now(), title=title, progress=advance)
            held = waiting_anywhere(s.store)  # 20C: statements not yet signed off
        where = publish(directory, chain(render_site(site), render_api(site)))
    show_built(site, where)
    for line in not_published(held, where="on the page"):
        typer.echo(line, err=True)


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
            # Enabled as they are, the collector would walk every object of the build at
            # the next allocation (a fiftieth of a large build): they go among the old
            # ones first, which it walks only once they have grown by a quarter.
            gc.freeze()
            gc.unfreeze()
            gc.enable()


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
    """Email the ready drafts to their customers, once each.

    Replies, resolved notices and apologies.

    A dry run unless --yes. The server comes from $CRISIS_SMTP_URL: smtp+starttls://USER@HOST:587
    (STARTTLS), smtps://USER@HOST:465 (TLS) or smtp://HOST:25 (plain, no login), with the password
    in $CRISIS_SMTP_PASSWORD; From is the company at the plan's individual email channel. A message
    cut off mid-send is reported as uncertain and sent again only with --resend-uncertain; a
    recipient refused with a 4xx is retried on the next run, with a 5xx only with --retry-failed.
    A draft superseded by a later public update, severity change or resolution is never sent;
    it is listed apart, with the reason. A customer's resolved notice goes before their apology.
    Exit 1 when anything failed, is uncertain or was left unsent.

    Example: crisis send --yes --per-minute 120
    """
    from crisisplan.cli.sessions import acting_on
    from crisisplan.clock import now
    from crisisplan.mail.smtp import settings_from_env
    from crisisplan.phases.approvals import waiting_anywhere
    from crisisplan.phases.send import Options, send_drafts
    from crisisplan.phases.session import command_session
    from crisisplan.views.public import show_item, show_report
    from crisisplan.views.signoff import not_published

    settings = settings_from_env()
    options = Options(yes, resend_uncertain, retry_failed, per_minute)
    with command_session(db=db, incident=incident, playbook=playbook, as_=as_) as s:
        plan = s.plan
        try:
            report = send_drafts(
                s.store,
                acting_on(s, "aftermath"),
                plan.playbook,
                settings=settings,
                options=options,
                who=s.who,
                clock=now,
                on_item=(lambda _i: None) if as_json else show_item,
            )
            held = [(i, h) for i, h in waiting_anywhere(s.store) if i == report.incident]
        except KeyboardInterrupt:
            if not yes:
                raise
            raise Interrupted(
                "Stopped sending; each message the server accepted is recorded as sent.",
                hint="Run `crisis send --yes` again to send the rest. One cut off mid-send is "
                "shown as uncertain, and sent again only with --resend-uncertain.",
            ) from None
    show_report(report, as_json=as_json, held=not_published(held, where="sent"))
    raise typer.Exit(1 if report.problem else 0)
