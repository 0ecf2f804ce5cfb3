"""During a crisis: `start`, `status`, `update`, `severity`, `escalate`, `note`."""

from __future__ import annotations

from typing import Annotated

import typer

from crisisplan.cli.options import AsOpt, AtOpt, DbOpt, IncidentOpt, JsonOpt, PlaybookOpt


def start(
    incident_type: Annotated[
        str | None, typer.Option("--type", "-t", help="Incident type id from the playbook.")
    ] = None,
    severity: Annotated[
        str | None, typer.Option("--severity", "-s", help="Severity id from the playbook.")
    ] = None,
    title: Annotated[
        str | None, typer.Option("--title", help="What is wrong, in a few words.")
    ] = None,
    summary: Annotated[str | None, typer.Option("--summary", help="What we know so far.")] = None,
    post: Annotated[
        bool | None,
        typer.Option("--yes/--no", help="Post the drafted first status update (or not)."),
    ] = None,
    at: AtOpt = None,
    as_: AsOpt = None,
    playbook: PlaybookOpt = None,
    db: DbOpt = None,
) -> None:
    """Declare an incident: type, severity, title, what we know; then who to call and drafts.

    On a terminal it asks; without one every answer comes from the flags.

    Example: crisis start -t outage -s major --title "Logins failing" --summary "..." --yes
    """
    from crisisplan.cli.flows import run_start

    incident_id = run_start(
        incident_type=incident_type,
        severity=severity,
        title=title,
        summary=summary,
        post=post,
        at=at,
        as_=as_,
        playbook=playbook,
        db=db,
    )
    typer.echo(f"Recorded {incident_id}. Next: crisis status")


def status(
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Exit 1 when an update or promise is overdue or nothing public was said.",
        ),
    ] = False,
    as_json: JsonOpt = False,
    incident: IncidentOpt = None,
    db: DbOpt = None,
) -> None:
    """The state of play: severity, age, next update due, promises, follow-ups, what now.

    Example: crisis status --check || notify-send "crisis update overdue"
    """
    from crisisplan.clock import now
    from crisisplan.phases.session import find_incident, open_log
    from crisisplan.phases.status import status as compute
    from crisisplan.views.status import show_status

    with open_log(db) as store:
        row = find_incident(store, incident)
        several = len(store.incidents(open_only=True)) > 1
        result = compute(
            row,
            followups_open=len(store.followups(row.id, open_only=True)),
            now=now(),
            several_open=several,
        )
    show_status(result, as_json=as_json)
    if check and result.needs_attention:
        raise typer.Exit(1)


def update(
    message: Annotated[str, typer.Argument(help="What we know now and what we are doing.")],
    channel: Annotated[
        str | None,
        typer.Option("--channel", "-c", help="Where it is posted. Default: the status page."),
    ] = None,
    eta: Annotated[
        str | None,
        typer.Option("--eta", help="When we expect a fix, e.g. 15:30 or 2026-11-23T15:30Z."),
    ] = None,
    at: AtOpt = None,
    as_: AsOpt = None,
    incident: IncidentOpt = None,
    playbook: PlaybookOpt = None,
    db: DbOpt = None,
) -> None:
    """Post a public update through the status_update template; the update clock restarts.

    Example: crisis update "We found the cause and are restoring service" --eta 15:30
    """
    from crisisplan.clock import parse_at, show
    from crisisplan.phases.during import post_update
    from crisisplan.phases.session import agent_name, find_incident, open_log
    from crisisplan.playbook.loader import find_playbook, load_plan

    when = parse_at(at)
    eta_at = parse_at(eta, future=True, flag="--eta") if eta else None
    plan = load_plan(find_playbook(playbook))
    with open_log(db) as store:
        row = find_incident(store, incident)
        text, next_at = post_update(
            plan,
            store,
            row,
            message=message,
            channel=channel,
            eta=eta_at,
            at=when,
            who=agent_name(as_),
        )
    from crisisplan.terminal.console import inert, out

    out().print(inert(text.rstrip("\n")))
    if next_at:
        typer.echo(f"Recorded on {row.id}. Next update due {show(next_at)}.", err=True)


def severity(
    level: Annotated[str, typer.Argument(help="The new severity id.")],
    reason: Annotated[str | None, typer.Option("--reason", help="Why it changed.")] = None,
    at: AtOpt = None,
    as_: AsOpt = None,
    incident: IncidentOpt = None,
    db: DbOpt = None,
) -> None:
    """Change the severity; the update clock follows the new cadence.

    Example: crisis severity critical --reason "Data loss confirmed"
    """
    from crisisplan.clock import parse_at, show
    from crisisplan.phases.during import change_severity
    from crisisplan.phases.session import agent_name, find_incident, open_log

    when = parse_at(at)
    with open_log(db) as store:
        row = find_incident(store, incident)
        due = change_severity(store, row, level=level, reason=reason, at=when, who=agent_name(as_))
    tail = f" Next update due {show(due)}." if due else ""
    typer.echo(f"{row.id} is now {level}.{tail}")


def escalate(
    contact: Annotated[
        str | None, typer.Argument(help="Ladder step id or role contacted. Omit to see the ladder.")
    ] = None,
    how: Annotated[str | None, typer.Option("--how", help="How they were reached.")] = None,
    at: AtOpt = None,
    as_: AsOpt = None,
    incident: IncidentOpt = None,
    db: DbOpt = None,
) -> None:
    """Show the escalation ladder for this incident, or record who was contacted.

    Example: crisis escalate eng --how "Paged core-api"
    """
    from crisisplan.clock import now, parse_at
    from crisisplan.phases import state as st
    from crisisplan.phases.during import escalate as record_escalation
    from crisisplan.phases.session import agent_name, find_incident, open_log
    from crisisplan.views.records import show_ladder

    with open_log(db) as store:
        row = find_incident(store, incident)
        if contact is None:
            state = st.of(row)
            show_ladder(st.ladder_now(state, now()), st.parse(state.started_at))
            return
        step = record_escalation(
            store, row, contact=contact, how=how, at=parse_at(at), who=agent_name(as_)
        )
    typer.echo(f"Recorded: {step['name']} ({step['who']}) contacted for {row.id}.")


def note(
    message: Annotated[str, typer.Argument(help="The note; internal, never public.")],
    at: AtOpt = None,
    as_: AsOpt = None,
    incident: IncidentOpt = None,
    db: DbOpt = None,
) -> None:
    """Add an internal note to the timeline.

    Example: crisis note "Engineering confirms the failover did not trigger"
    """
    from crisisplan.clock import parse_at
    from crisisplan.phases.during import add_note
    from crisisplan.phases.session import agent_name, find_incident, open_log

    when = parse_at(at)
    with open_log(db) as store:
        row = find_incident(store, incident)
        event_id = add_note(store, row, text=message, at=when, who=agent_name(as_))
    typer.echo(f"Noted on {row.id} (event {event_id}).")


def register(app: typer.Typer) -> None:
    """Add the during-phase commands to the app."""
    for command in (start, status, update, severity, escalate, note):
        app.command(rich_help_panel="During")(command)
