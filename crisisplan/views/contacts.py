"""Contacts on screen: one recorded, the waiting list, an import's counts."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import typer

from crisisplan.clock import human_minutes, show, to_text
from crisisplan.terminal.console import err, inert, out
from crisisplan.views.json_out import print_json

if TYPE_CHECKING:
    from crisisplan.phases.bulk import Counts
    from crisisplan.phases.contact_import import Imported
    from crisisplan.phases.contacts import Added, Waiting
    from crisisplan.store import Contact


def contact_json(c: Contact, now: dt.datetime) -> dict[str, Any]:
    """A contact as `--json` shows it."""
    return {
        "name": c.name,
        "email": c.email,
        "channel": c.channel,
        "key": c.key,
        "received_at": to_text(c.received_at),
        "respond_by": to_text(c.respond_by) if c.respond_by else None,
        "answered_at": to_text(c.answered_at) if c.answered_at else None,
        "waited_minutes": round(((c.answered_at or now) - c.received_at).total_seconds() / 60),
        "overdue": bool(c.respond_by and c.answered_at is None and c.respond_by < now),
        "event_id": c.event_id,
    }


def show_added(added: Added, *, incident_id: str, now: dt.datetime, as_json: bool) -> None:
    """The contact recorded and its acknowledgement: the draft on stdout, the rest on stderr."""
    from crisisplan.views.replies import draft_json, show_reply

    c, d = added.contact, added.draft
    if as_json:
        print_json(
            {
                "incident": incident_id,
                "contact": contact_json(c, now),
                "acknowledgement": None if d is None else draft_json(d),
            }
        )
        return
    promise = f"; first response promised by {show(c.respond_by)}" if c.respond_by else ""
    err().print(
        inert(
            f"Recorded {c.name} <{c.email}> on {c.channel}, received {show(c.received_at)}"
            f"{promise}. On the follow-up list with an open case."
        )
    )
    if d is None:
        typer.echo(
            "The plan names no acknowledgement template: nothing was drafted. "
            "Add `acknowledgement: TEMPLATE-ID` under `templates:`.",
            err=True,
        )
        return
    show_reply(d, to_file=None, header=True)
    typer.echo(
        f"Acknowledgement drafted from {d.template} (event {d.event_id}); "
        "`crisis send` sends it, and sending it stops their clock.",
        err=True,
    )


def show_waiting(w: Waiting, *, incident_id: str, as_json: bool) -> None:
    """Customers waiting for a first response, oldest first."""
    if as_json:
        print_json(
            {
                "incident": incident_id,
                "received": w.counts.received,
                "waiting": w.counts.waiting,
                "overdue": w.counts.overdue,
                "contacts": [contact_json(c, w.now) for c in w.contacts],
            }
        )
        return
    console = out()
    if not w.contacts:
        console.print(inert(f"No customer is waiting for a first response on {incident_id}."))
        return
    late = f", {w.counts.overdue} past the time promised" if w.counts.overdue else ""
    console.print(inert(f"{w.counts.waiting} waiting of {w.counts.received} received{late}:"))
    for c in w.contacts:
        waited = human_minutes((w.now - c.received_at).total_seconds() / 60)
        mark = "LATE" if c.respond_by and c.respond_by < w.now else "ok"
        due = f", due {show(c.respond_by, with_date=False)}" if c.respond_by else ""
        console.print(
            inert(f"[{mark}] {c.name} <{c.email}> on {c.channel}: waiting {waited}{due}"),
            style="bold red" if mark == "LATE" else "",
        )


def show_imported(
    counts: Imported, drafted: Counts | None, *, incident_id: str, as_json: bool
) -> None:
    """What an import recorded, and the acknowledgements it drafted (with --acknowledge)."""
    if as_json:
        document: dict[str, Any] = {
            "incident": incident_id,
            "format": counts.format,
            "recorded": counts.recorded,
            "already": counts.already,
        }
        if drafted is not None:
            document["acknowledgements"] = {
                "drafted": drafted.drafted,
                "already": drafted.already,
                "with_errors": drafted.with_errors,
            }
        print_json(document)
        return
    already = f"; {counts.already:,} were already recorded" if counts.already else ""
    typer.echo(
        f"Imported {counts.recorded:,} contact(s) from the {counts.format} export "
        f"into {incident_id}{already}. Next: crisis contact list --waiting"
    )
    if drafted is not None:
        before = f" ({drafted.already:,} drafted before)" if drafted.already else ""
        typer.echo(
            f"Drafted {drafted.drafted:,} acknowledgement(s){before}; `crisis send` sends them."
        )
