"""`crisis resolve` and `crisis apologize` on screen: the drafts, their files, a summary."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from crisisplan.views.json_out import print_json

if TYPE_CHECKING:
    from crisisplan.phases.aftermath import Resolution
    from crisisplan.phases.apology import Apologies, Apology


_IN_THE_LOG = (
    "the words of all are in the log: `crisis send` sends them, `crisis timeline --format md` "
    "shows them"
)


def show_resolution(r: Resolution, *, output: Path | None, as_json: bool) -> None:
    """The final update and a notice per follow-up (or one JSON document), then a summary."""
    from crisisplan.clock import show, to_text
    from crisisplan.language.lint import findings_as_json
    from crisisplan.phases.draft_files import write_draft_files
    from crisisplan.terminal.console import display_warning, err, inert, out
    from crisisplan.views.drafts import show_draft
    from crisisplan.views.promises import resolve_lines
    from crisisplan.views.signoff import held_json, held_line

    files = write_draft_files(
        output, r.notices, noun=("resolved notice", "resolved notices"), rerun=_IN_THE_LOG
    )
    final = r.final_update
    if as_json:
        print_json(
            {
                "incident": r.incident_id,
                "phase": "aftermath",
                "resolved_at": to_text(r.resolved_at),
                "cause": r.cause,
                "impact": r.impact,
                "final_update": final and {**vars(final), "held": held_json(final.held)},
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
                "open_promises": [m.as_json() for m in r.open_promises],
            }
        )
        return
    console = out()
    if final is not None:
        heading = "Final update (waiting for sign-off)" if final.held else "Final public update"
        console.print(inert(f"── {heading} on {final.channel}", style="bold"))
        console.print(inert(final.text.rstrip("\n")))
    for d, path in zip(r.notices, files, strict=True):
        show_draft(d, path, heading=f"Resolved notice for {d.customer.name} <{d.customer.email}>")
    for warning in r.warnings:
        display_warning(warning)
    for line in resolve_lines(r.open_promises):
        err().print(inert(line))
    n = len(r.notices)
    err().print(
        inert(
            f"Resolved {r.incident_id} at {show(r.resolved_at)}. Drafted {n} resolved "
            f"notice{'' if n == 1 else 's'} for the follow-up list"
            + (f" (files in {output})" if output and n else "")
            + (f"; posted the final update on {final.channel}" if final and not final.held else "")
            + ". Next: crisis apologize"
        )
    )
    if final is not None and final.held is not None:
        err().print(inert(held_line(final.held)))


def show_apologies(r: Apologies, *, output: Path | None, as_json: bool) -> None:
    """Each apology with its compensation and problems (or one JSON document), then counts."""
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
        print_json(
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
