"""After a crisis: `resolve`, `reopen`, `apologize`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from crisisplan.cli.options import AsOpt, AtOpt, DbOpt, IncidentOpt, JsonOpt, PlaybookOpt

if TYPE_CHECKING:
    from crisisplan.phases.aftermath import Resolution
    from crisisplan.phases.apology import Apologies, Apology

OutputOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write one file per customer to this folder."),
]


def resolve(
    cause: Annotated[
        str | None, typer.Option("--cause", help="What caused it, in specific words.")
    ] = None,
    impact: Annotated[
        str | None, typer.Option("--impact", help="What it meant for customers, specifically.")
    ] = None,
    message: Annotated[
        str | None,
        typer.Option("--message", help="The final public update. Default: that it is fixed."),
    ] = None,
    channel: Annotated[
        str | None,
        typer.Option("--channel", "-c", help="Where the final update goes. Default: status page."),
    ] = None,
    output: OutputOpt = None,
    as_json: JsonOpt = False,
    at: AtOpt = None,
    as_: AsOpt = None,
    incident: IncidentOpt = None,
    playbook: PlaybookOpt = None,
    db: DbOpt = None,
) -> None:
    """Mark the incident resolved: cause, impact, a notice per follow-up, a final update.

    On a terminal it asks for what is missing; without one, --cause and --impact are needed.

    Example: crisis resolve --cause "A failed database failover" --impact "No sign-ins for 2 h"
    """
    from crisisplan.clock import parse_at
    from crisisplan.phases.aftermath import check_open
    from crisisplan.phases.aftermath import resolve as record_resolution
    from crisisplan.phases.session import agent_name, find_incident, open_log
    from crisisplan.playbook.loader import find_playbook, load_plan
    from crisisplan.terminal.prompts import asker

    when = parse_at(at)
    _check_folder(output)
    plan = load_plan(find_playbook(playbook))
    with open_log(db) as store:
        row = find_incident(store, incident)
        check_open(row)  # before asking anything
        ask = asker()
        cause = cause if cause is not None else ask.text("What caused it", flag="--cause")
        if impact is None:
            impact = ask.text("What did it mean for customers", flag="--impact")
        result = record_resolution(
            plan,
            store,
            row,
            cause=cause,
            impact=impact,
            message=message,
            channel=channel,
            at=when,
            who=agent_name(as_),
        )
    _show_resolution(result, output=output, as_json=as_json)
    raise typer.Exit(1 if result.has_errors else 0)


def reopen(
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why it is not over after all.")
    ] = None,
    at: AtOpt = None,
    as_: AsOpt = None,
    incident: IncidentOpt = None,
    db: DbOpt = None,
) -> None:
    """Reopen a resolved incident: back to the during phase, and the update clock.

    Example: crisis reopen --reason "Sign-ins failing again in eu-west"
    """
    from crisisplan.clock import parse_at, show
    from crisisplan.phases import state as st
    from crisisplan.phases.aftermath import check_resolved
    from crisisplan.phases.aftermath import reopen as record_reopening
    from crisisplan.phases.session import agent_name, find_incident, open_log
    from crisisplan.terminal.prompts import asker

    when = parse_at(at)
    with open_log(db) as store:
        row = find_incident(store, incident)
        check_resolved(row)
        if reason is None:
            reason = asker().text("Why is it not over", flag="--reason")
        record_reopening(store, row, reason=reason, at=when, who=agent_name(as_))
        fresh = store.incident(row.id)
    due = st.next_update_due(fresh.state) if fresh else None
    tail = f" Next update due {show(due)}: crisis update '...'" if due else ""
    typer.echo(f"Reopened {row.id}: back in the during phase.{tail}")


def apologize(
    email: Annotated[
        str | None, typer.Option("--email", help="Only this customer on the follow-up list.")
    ] = None,
    again: Annotated[
        bool, typer.Option("--again", help="Draft again for customers already apologised to.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Mark drafts ready even when a check fails.")
    ] = False,
    output: OutputOpt = None,
    as_json: JsonOpt = False,
    at: AtOpt = None,
    as_: AsOpt = None,
    incident: IncidentOpt = None,
    playbook: PlaybookOpt = None,
    db: DbOpt = None,
) -> None:
    """Draft an apology per follow-up with the plan's compensation; check each one.

    A draft must state the cause and the impact, offer a remedy, invite a reply and pass
    the language rules; one that does not is recorded as not ready (exit 1).

    Example: crisis apologize -o apologies/
    """
    from crisisplan.clock import parse_at
    from crisisplan.phases.apology import apologize as draft_apologies
    from crisisplan.phases.session import agent_name, find_incident, open_log
    from crisisplan.playbook.loader import find_playbook, load_plan

    when = parse_at(at)
    _check_folder(output)
    plan = load_plan(find_playbook(playbook))
    with open_log(db) as store:
        row = find_incident(store, incident)
        result = draft_apologies(
            plan, store, row, email=email, again=again, force=force, at=when, who=agent_name(as_)
        )
    _show_apologies(result, output=output, as_json=as_json)
    raise typer.Exit(1 if result.not_ready else 0)


def register(app: typer.Typer) -> None:
    """Add the aftermath commands to the app."""
    for command in (resolve, reopen, apologize):
        app.command(rich_help_panel="After")(command)


# --- showing the results --------------------------------------------------------------------

_IN_THE_LOG = (
    "the words of all are in the log: `crisis send` sends them, `crisis timeline --format md` "
    "shows them"
)


def _check_folder(output: Path | None) -> None:
    from crisisplan.errors import UsageError

    if output is not None and output.exists() and not output.is_dir():
        raise UsageError(
            f"{output} is a file; -o names a folder for one file per customer.",
            hint="Give a folder (it is created if needed).",
        )


def _dump(document: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def _show_resolution(r: Resolution, *, output: Path | None, as_json: bool) -> None:
    from crisisplan.clock import show, to_text
    from crisisplan.language.lint import findings_as_json
    from crisisplan.phases.draft_files import write_draft_files
    from crisisplan.terminal.console import display_warning, err, inert, out
    from crisisplan.views.drafts import show_draft

    files = write_draft_files(
        output, r.notices, noun=("resolved notice", "resolved notices"), rerun=_IN_THE_LOG
    )
    final = r.final_update
    if as_json:
        _dump(
            {
                "incident": r.incident_id,
                "phase": "aftermath",
                "resolved_at": to_text(r.resolved_at),
                "cause": r.cause,
                "impact": r.impact,
                "final_update": final and vars(final),
                "notices": [
                    {
                        "event_id": d.event_id,
                        "customer": d.customer.record(),
                        "template": d.template,
                        "channel": d.channel,
                        "text": d.text,
                        "file": str(path) if path else None,
                        "findings": findings_as_json(d.findings),
                    }
                    for d, path in zip(r.notices, files, strict=True)
                ],
                "warnings": r.warnings,
            }
        )
        return
    console = out()
    if final is not None:
        console.print(inert(f"── Final public update on {final.channel}", style="bold"))
        console.print(inert(final.text.rstrip("\n")))
    for d, path in zip(r.notices, files, strict=True):
        show_draft(d, path, heading=f"Resolved notice for {d.customer.name} <{d.customer.email}>")
    for warning in r.warnings:
        display_warning(warning)
    n = len(r.notices)
    err().print(
        inert(
            f"Resolved {r.incident_id} at {show(r.resolved_at)}. Drafted {n} resolved "
            f"notice{'' if n == 1 else 's'} for the follow-up list"
            + (f" (files in {output})" if output and n else "")
            + (f"; posted the final update on {final.channel}" if final else "")
            + ". Next: crisis apologize"
        )
    )


def _show_apologies(r: Apologies, *, output: Path | None, as_json: bool) -> None:
    from crisisplan.phases.draft_files import write_draft_files
    from crisisplan.terminal.console import err, inert
    from crisisplan.views.drafts import show_draft

    drafts = [a.draft for a in r.apologies]
    files = write_draft_files(output, drafts, noun=("apology", "apologies"), rerun=_IN_THE_LOG)
    counts = {
        "drafted": len(r.apologies),
        "ready": len(r.apologies) - r.not_ready,
        "not_ready": r.not_ready,
        "already": r.already,
    }
    if as_json:
        _dump(
            {
                "incident": r.incident_id,
                "apologies": [_apology_json(a, p) for a, p in zip(r.apologies, files, strict=True)],
                "counts": counts,
            }
        )
        return
    for a, path in zip(r.apologies, files, strict=True):
        c = a.draft.customer
        state = "ready" + (" (forced)" if a.forced else "") if a.ready else "NOT READY"
        offer = a.compensation or "none (no rule of the plan applies)"
        show_draft(
            a.draft,
            path,
            heading=f"Apology to {c.name} <{c.email}>: {state}",
            lines=[
                (f"{c.email}: compensation: {offer}", ""),
                *((f"{c.email}: ✗ {problem}", "bold red") for problem in a.problems),
            ],
        )
    if not r.apologies and not r.already:
        err().print(
            inert(f"Nobody is on the follow-up list of {r.incident_id}: nothing to draft.")
            + inert(" Add them with: crisis followup add --customer NAME --email EMAIL")
        )
        return
    parts = [f"Drafted {counts['drafted']} apolog{'y' if counts['drafted'] == 1 else 'ies'}"]
    parts.append(f"{counts['ready']} ready")
    if r.not_ready:
        parts.append(f"{r.not_ready} not ready (fix the template, or --force)")
    if r.already:
        parts.append(f"{r.already} already apologised to (use --again to redo)")
    where = f" Files in {output}." if output and r.apologies else ""
    err().print(inert("; ".join(parts) + "." + where))


def _apology_json(a: Apology, path: Path | None) -> dict[str, Any]:
    from crisisplan.language.lint import findings_as_json

    d = a.draft
    return {
        "event_id": d.event_id,
        "customer": d.customer.record(),
        "template": d.template,
        "channel": d.channel,
        "text": d.text,
        "file": str(path) if path else None,
        "compensation": a.compensation,
        "previous_incidents": a.previous_incidents,
        "checks": a.checks,
        "problems": a.problems,
        "ready": a.ready,
        "forced": a.forced,
        "findings": findings_as_json(d.findings),
    }
