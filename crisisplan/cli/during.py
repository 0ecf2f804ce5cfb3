"""During a crisis: `start`, `status`, `update`, `severity`, `escalate`, `note`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from crisisplan.cli.options import (
    AsOpt,
    AtOpt,
    ComponentOpt,
    DbOpt,
    IncidentOpt,
    JsonOpt,
    PlaybookOpt,
)

if TYPE_CHECKING:
    from crisisplan.phases.declare import StartDraft
    from crisisplan.phases.session import Session
    from crisisplan.playbook.model import Playbook
    from crisisplan.terminal.prompts import Asker


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
    component: ComponentOpt = None,
    at: AtOpt = None,
    as_: AsOpt = None,
    playbook: PlaybookOpt = None,
    db: DbOpt = None,
) -> None:
    """Declare an incident; then who to call, and the first drafts.

    It takes the type, severity, title and what we know.

    On a terminal it asks; without one every answer comes from the flags.

    Example: crisis start -t outage -s major --title "Logins failing" --summary "..." --yes
    """
    from crisisplan.cli.sessions import drafting_session
    from crisisplan.errors import CrisisError
    from crisisplan.phases import declare as core
    from crisisplan.phases.during import check_components
    from crisisplan.terminal.prompts import asker
    from crisisplan.views.status import show_start

    with drafting_session(db=db, playbook=playbook, as_=as_, at=at, create=True) as s:
        pb = s.plan.playbook
        who = s.who  # who signs the drafts: known (or asked) before any other question
        ask = asker()
        incident_type, severity, title, summary = _ask_what_is_missing(
            ask, pb, incident_type=incident_type, severity=severity, title=title, summary=summary
        )
        core.check_start(s.plan, incident_type=incident_type, severity=severity, title=title)
        parts = check_components(s.plan, component or ())
        what = {"incident_type": incident_type, "severity": severity, "title": title}
        try:
            prepared = core.prepare_start(  # the log is created here, once every answer is in
                s.plan, s.store, **what, summary=summary, components=parts, at=s.at, who=who
            )
        except CrisisError as exc:
            # The answers are kept: the incident is declared, its first update is for later.
            incident_id = core.declare(
                s.plan, s.store, **what, summary=summary, components=parts, at=s.at, who=who
            )
            raise core.unfinished(
                incident_id, "the first update was not drafted", exc, summary
            ) from None
        show_start(prepared)
        update_text = None
        if post is None:
            needs = pb.incident_types[incident_type].public_statement_needs
            question = (
                f"Record this first status update for sign-off by {', '.join(needs)}?"
                if needs  # 20C: it is held until they approve, never posted now
                else "Post this first status update now?"
            )
            post = ask.confirm(question, flag="--yes or --no")
            if post and ask.confirm(
                "Edit it first?", flag="--yes (posts it unedited)", default=False
            ):
                update_text = _edited(s, prepared, who=who, summary=summary)
        incident_id = core.commit_start(
            s.plan, s.store, prepared, post_update=post, at=s.at, who=who, update_text=update_text
        )
    if prepared.held is not None:
        from crisisplan.views.signoff import held_line

        typer.echo(held_line(prepared.held), err=True)
    typer.echo(f"Recorded {incident_id}. Next: crisis status")


def _edited(s: Session, prepared: StartDraft, *, who: str, summary: str) -> str:
    """The update as the lead edited it; if the editor fails, the incident is declared
    with its base reply and the error says how to post the update."""
    from crisisplan.errors import CrisisError
    from crisisplan.phases import declare as core
    from crisisplan.terminal.editor import edit

    try:
        return edit(prepared.update_text)
    except CrisisError as exc:
        incident_id = core.commit_start(
            s.plan, s.store, prepared, post_update=False, at=s.at, who=who
        )
        raise core.unfinished(
            incident_id, "the first update was not posted", exc, summary
        ) from None


def _ask_what_is_missing(
    ask: Asker,
    pb: Playbook,
    *,
    incident_type: str | None,
    severity: str | None,
    title: str | None,
    summary: str | None,
) -> tuple[str, str, str, str]:
    """Type, severity (with the playbook's descriptions), title and summary, in that order."""
    if incident_type is None:
        incident_type = ask.choose(
            "What kind of incident is it",
            [(tid, t.description) for tid, t in pb.incident_types.items()],
            flag="--type",
            default=None,
        )
    if severity is None:
        default = (
            pb.incident_types[incident_type].default_severity
            if (incident_type in pb.incident_types)
            else None
        )
        severity = ask.choose(
            "How bad is it",
            [
                (sid, _severity_line(s.description, s.update_every_minutes))
                for sid, s in pb.severities.items()
            ],
            flag="--severity",
            default=default,
        )
    if title is None:
        title = ask.text("Title (what is wrong, in a few words)", flag="--title")
    if summary is None:
        summary = ask.text("What do we know so far", flag="--summary")
    return incident_type, severity, title, summary


def _severity_line(description: str, every: int | None) -> str:
    cadence = f"update every {every} minutes" if every else "no update cadence set"
    return f"{description} ({cadence})"


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
    """The state of play, and what to do next.

    Severity, age, next update due, promises and follow-ups.

    Example: crisis status --check || notify-send "crisis update overdue"
    """
    from crisisplan.phases import state as st
    from crisisplan.phases.contact_clock import glance
    from crisisplan.phases.session import command_session
    from crisisplan.phases.status import status as compute
    from crisisplan.views.status import show_status

    with command_session(db=db, incident=incident, reads_only=True) as s:
        row = s.row
        several = len(s.store.incidents(open_only=True)) > 1
        waiting = s.store.followups(row.id, open_only=True)
        result = compute(
            row,
            followups_open=len(waiting),
            followups_contacted=sum(1 for f in waiting if f.contacted_at),
            now=s.now,
            several_open=several,
        )
        result.contacts = glance(s.store, row.id, st.of(row), s.now)
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
    cause: Annotated[
        str | None, typer.Option("--cause", help="What caused it, as far as we know now.")
    ] = None,
    suspected: Annotated[
        bool,
        typer.Option("--suspected", help="The cause (given now, or recorded) is not confirmed."),
    ] = False,
    impact: Annotated[
        str | None, typer.Option("--impact", help="What it means for customers.")
    ] = None,
    workaround: Annotated[
        str | None, typer.Option("--workaround", help="What customers can do meanwhile.")
    ] = None,
    component: ComponentOpt = None,
    at: AtOpt = None,
    as_: AsOpt = None,
    incident: IncidentOpt = None,
    playbook: PlaybookOpt = None,
    db: DbOpt = None,
) -> None:
    """Post a public update; the update clock restarts.

    The words go through the status_update template.

    MESSAGE is what we know now: later drafts show it as the summary. The facts given with
    it (cause, impact, workaround) are recorded with it, and every later draft reads them.
    Replies drafted earlier and not yet sent are superseded: `crisis send` never sends them.

    Example: crisis update "We found the cause and are restoring service" --cause "..." --eta 15:30
    """
    from crisisplan.cli.sessions import acting_on, drafting_session
    from crisisplan.clock import parse_at
    from crisisplan.phases.during import Facts, post_update
    from crisisplan.views.status import show_update

    with drafting_session(db=db, incident=incident, playbook=playbook, as_=as_, at=at) as s:
        row = acting_on(s, "during")
        eta_at = parse_at(eta, future=True, flag="--eta") if eta else None
        posted = post_update(
            s.plan,
            s.store,
            row,
            message=message,
            channel=channel,
            eta=eta_at,
            at=s.at,
            who=s.who,
            facts=Facts(cause=cause, suspected=suspected, impact=impact, workaround=workaround),
            components=component,
        )
    show_update(posted, incident_id=row.id)


def severity(
    level: Annotated[str, typer.Argument(help="The new severity id.")],
    reason: Annotated[str | None, typer.Option("--reason", help="Why it changed.")] = None,
    at: AtOpt = None,
    as_: AsOpt = None,
    incident: IncidentOpt = None,
    db: DbOpt = None,
) -> None:
    """Change the severity; the update clock follows the new cadence.

    Replies drafted earlier and not yet sent are superseded: they promised the old cadence.

    Example: crisis severity critical --reason "Data loss confirmed"
    """
    from crisisplan.cli.sessions import acting_on
    from crisisplan.clock import show
    from crisisplan.phases.during import change_severity
    from crisisplan.phases.session import command_session

    with command_session(db=db, incident=incident, as_=as_, at=at) as s:
        row = acting_on(s, "during")
        due = change_severity(s.store, row, level=level, reason=reason, at=s.at, who=s.who)
    tail = f" Next update due {show(due)}." if due else ""
    typer.echo(f"{row.id} is now {level}.{tail}")


def escalate(
    contact: Annotated[
        str | None, typer.Argument(help="Ladder step id or role contacted. Omit to see the ladder.")
    ] = None,
    how: Annotated[str | None, typer.Option("--how", help="How they were reached.")] = None,
    as_json: JsonOpt = False,
    at: AtOpt = None,
    as_: AsOpt = None,
    incident: IncidentOpt = None,
    db: DbOpt = None,
) -> None:
    """Show the escalation ladder, or record who was contacted.

    Example: crisis escalate eng --how "Paged core-api"
    """
    from crisisplan.cli.sessions import acting_on
    from crisisplan.clock import now, parse_at
    from crisisplan.phases import state as st
    from crisisplan.phases.during import escalate as record_escalation
    from crisisplan.phases.session import command_session
    from crisisplan.views.json_out import print_json
    from crisisplan.views.records import show_ladder

    # --at matters only when recording, so it is read then, after the incident is found.
    with command_session(db=db, incident=incident, as_=as_) as s:
        row = acting_on(s, "during")
        if contact is None:
            state = st.of(row)
            steps = st.ladder_now(state, now())
            if as_json:
                print_json({"incident": row.id, "ladder": [st.as_data(s) for s in steps]})
            else:
                show_ladder(steps, st.parse(state.started_at))
            return
        step = record_escalation(s.store, row, contact=contact, how=how, at=parse_at(at), who=s.who)
    if as_json:
        print_json({"incident": row.id, "recorded": st.as_data(step)})
        return
    typer.echo(f"Recorded: {step.name} ({step.who}) contacted for {row.id}.")


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
    from crisisplan.cli.sessions import acting_on
    from crisisplan.phases.during import add_note
    from crisisplan.phases.session import command_session

    with command_session(db=db, incident=incident, as_=as_, at=at) as s:
        row = acting_on(s, "during")
        event_id = add_note(s.store, row, text=message, at=s.at, who=s.who)
    typer.echo(f"Noted on {row.id} (event {event_id}).")


def register(app: typer.Typer) -> None:
    """Add the during-phase commands to the app."""
    for command in (start, status, update, severity, escalate, note):
        app.command(rich_help_panel="During")(command)
