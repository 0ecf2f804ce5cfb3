"""Sign-off on screen: what waits for whom, and what `approve` and `reject` recorded."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from crisisplan.phases.approvals import Decision, Held
    from crisisplan.phases.status import Status


def _who(role: str, name: str) -> str:
    return f"{name} ({role})" if name and name != role else role


def held_line(held: Held) -> str:
    """Where `start`, `update` and `resolve` say that their words are not public yet."""
    needed = " and ".join(_who(r, n) for r, n in held.needs)
    line = (
        f"Not posted: statement {held.id} waits for sign-off by {needed}. Nothing is public "
        f"until each runs `crisis approve {held.id} --as ROLE`."
    )
    if held.replaced:
        older = ", ".join(f"S{n}" for n in held.replaced)
        line += f" It replaces {older}: approvals of those words do not count for these."
    return line


def held_json(held: Held | None) -> dict[str, Any] | None:
    if held is None:
        return None
    return {
        "id": held.id,
        "needs": [{"role": r, "name": n} for r, n in held.needs],
        "replaces": [f"S{n}" for n in held.replaced],
    }


def not_published(waiting: list[tuple[str, dict[str, Any]]], *, where: str) -> list[str]:
    """One line per statement left out of the page or the mail, and why."""
    lines = []
    for incident_id, s in waiting:
        done = {a.get("role") for a in s.get("approvals") or ()}
        names = dict(
            zip(s.get("needs") or (), s.get("names") or s.get("needs") or (), strict=False)
        )
        missing = [_who(r, n) for r, n in names.items() if r not in done]
        lines.append(
            f"Not {where}: {incident_id}'s statement S{s.get('number')} for {s.get('channel')} "
            f"waits for sign-off by {' and '.join(missing)} (`crisis approve "
            f"S{s.get('number')} --incident {incident_id} --as ROLE`)."
        )
    return lines


def show_sign_off(s: Status) -> None:
    """`status`: each statement waiting, and who must still approve it (only when any)."""
    from crisisplan.terminal.console import inert, out

    console = out()
    for held in s.sign_off:
        if held["status"] == "rejected":
            console.print(
                inert(
                    f"Rejected: {held['id']} for {held['channel']}, by {held['rejected_by']}: "
                    f"{held['reason']}. Draft it again with `crisis update ...`.",
                    style="bold red",
                )
            )
            continue
        waiting = [n for n in held["needs"] if n["approved_at"] is None]
        done = [n for n in held["needs"] if n["approved_at"] is not None]
        what = "final update" if held["final"] else "update"
        line = (
            f"Waiting for sign-off: {held['id']}, the {what} for {held['channel']} drafted by "
            f"{held['drafted_by']}; approval needed from "
            + " and ".join(_who(n["role"], n["name"]) for n in waiting)
        )
        if done:
            line += " (approved by " + ", ".join(_who(n["role"], n["name"]) for n in done) + ")"
        console.print(inert(line + ".", style="bold yellow"))
        for n in waiting:
            console.print(inert(f"  crisis approve {held['id']} --as {n['role']}"))


def show_decision(d: Decision, *, as_json: bool) -> None:
    """What `approve` or `reject` recorded: the statement's status, and what is left."""
    s = d.statement
    missing = [_who(r, d.names.get(r, r)) for r in s.missing]
    if as_json:
        from crisisplan.views.json_out import print_json

        print_json(
            {
                "incident": d.incident_id,
                "statement": f"S{s.number}",
                "status": s.status,
                "role": d.role,
                "text_sha256": s.text_sha256,
                "approved_by": [a.role for a in s.approvals],
                "waiting_for": list(s.missing) if s.status == "waiting" else [],
                "published_event": d.published,
                "warnings": d.warnings,
            }
        )
        return
    if s.status == "rejected":
        typer.echo(
            f"Rejected S{s.number} on {d.incident_id}: {s.reason}. It will never be "
            "published; draft it again with `crisis update ...`."
        )
    elif s.status == "published":
        typer.echo(
            f"Approved S{s.number} as {d.role}; every sign-off is in, so it is now published "
            f"on {s.channel} (event E{d.published})."
        )
    else:
        typer.echo(
            f"Approved S{s.number} as {d.role}. Still waiting for {' and '.join(missing)}: "
            "nothing is public yet."
        )
    for warning in d.warnings:
        typer.echo(f"Warning: {warning}", err=True)
