"""Interactive flows that ask, show and confirm; the cores they call never touch a terminal."""

from __future__ import annotations

from pathlib import Path


def run_start(
    *,
    incident_type: str | None,
    severity: str | None,
    title: str | None,
    summary: str | None,
    post: bool | None,
    at: str | None,
    as_: str | None,
    playbook: Path | None,
    db: str | None,
) -> str:
    """`crisis start`: ask what is missing, show the plan for this incident, record it."""
    from crisisplan.clock import parse_at
    from crisisplan.phases.during import commit_start, prepare_start
    from crisisplan.phases.session import agent_name, open_log
    from crisisplan.playbook.loader import find_playbook, load_plan
    from crisisplan.terminal.prompts import asker
    from crisisplan.views.status import show_start

    when = parse_at(at)
    plan = load_plan(find_playbook(playbook))
    pb = plan.playbook
    ask = asker()
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
    who = agent_name(as_)
    with open_log(db, create=True) as store:
        prepared = prepare_start(
            plan,
            store,
            incident_type=incident_type,
            severity=severity,
            title=title,
            summary=summary,
            at=when,
            who=who,
        )
        show_start(prepared)
        update_text = None
        if post is None:
            post = ask.confirm("Post this first status update now?", flag="--yes or --no")
            if post and ask.confirm(
                "Edit it first?", flag="--yes (posts it unedited)", default=False
            ):
                from crisisplan.terminal.editor import edit

                update_text = edit(prepared.update_text)
        return commit_start(
            plan, store, prepared, post_update=post, at=when, who=who, update_text=update_text
        )


def _severity_line(description: str, every: int | None) -> str:
    cadence = f"update every {every} minutes" if every else "no update cadence set"
    return f"{description} ({cadence})"
