"""After a crisis: `review`, the post-incident review built from the log."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from crisisplan.cli.options import AsOpt, AtOpt, DbOpt, IncidentOpt, JsonOpt, PlaybookOpt

if TYPE_CHECKING:
    from crisisplan.phases.answers import Answers


def review(
    answers: Annotated[
        Path | None,
        typer.Option(
            "--answers",
            help="A YAML file: each review question and its answer, or a list of answers. "
            "Records the review.",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write the report here. Default when recording: reviews/INCIDENT-ID.md "
            "(none with --json).",
        ),
    ] = None,
    replace: Annotated[
        bool,
        typer.Option("--replace", help="Record over a review already recorded (both are kept)."),
    ] = False,
    trend: Annotated[
        bool,
        typer.Option(
            "--trend",
            help="Across incidents: median and worst time to acknowledge, identify, mitigate "
            "and resolve per type, and repeat-affected customers. Records nothing.",
        ),
    ] = False,
    last: Annotated[
        int, typer.Option("--last", help="With --trend: the last N incidents of each type.")
    ] = 10,
    type_: Annotated[
        str | None,
        typer.Option("--type", help="With --trend: only this incident type.", show_default=False),
    ] = None,
    as_json: JsonOpt = False,
    at: AtOpt = None,
    as_: AsOpt = None,
    incident: IncidentOpt = None,
    playbook: PlaybookOpt = None,
    db: DbOpt = None,
) -> None:
    """The post-incident review: figures, questions, a report.

    On a terminal (without --json) it shows the figures, then asks each question, and
    records the review: that closes the incident. With --answers it records without
    asking. Otherwise (--json, or no terminal) it only shows the figures and records
    nothing. Recording a second time shows what changes and needs --replace.

    With --trend it compares incidents instead: see docs/promises.md.

    Example: crisis review --answers review-answers.yaml
    """
    if trend:
        from crisisplan.cli.milestones import show_trend

        return show_trend(last=last, incident_type=type_, output=output, as_json=as_json, db=db)
    _run(
        answers_file=answers,
        output=output,
        replace=replace,
        as_json=as_json,
        at=at,
        as_=as_,
        incident=incident,
        playbook=playbook,
        db=db,
    )


def _run(
    *,
    answers_file: Path | None,
    output: Path | None,
    replace: bool,
    as_json: bool,
    at: str | None,
    as_: str | None,
    incident: str | None,
    playbook: Path | None,
    db: str | None,
) -> None:
    """Figures first (the questions are easier with them in view), then answers, then record.

    Without answers (from --answers or the terminal) the figures are a read: nothing is
    recorded, and a report is written only where -o asks.
    """
    from crisisplan.cli.sessions import acting_on
    from crisisplan.phases import review as core
    from crisisplan.phases import review_record as recording
    from crisisplan.phases.answers import read_answers, unanswered
    from crisisplan.phases.session import command_session
    from crisisplan.terminal.prompts import Terminal, asker
    from crisisplan.views import review as view
    from crisisplan.views.json_out import print_json

    with command_session(db=db, incident=incident, playbook=playbook, as_=as_, at=at) as s:
        when, who = s.at, s.who
        questions = list(s.plan.playbook.review.questions)
        given = read_answers(answers_file, questions) if answers_file else None
        row = acting_on(s, "review")
        figures = core.figures(s.store, row, now=when)
        before = recording.previous(s.store, row)
        if not as_json:
            view.show_summary(figures)
        if given is None and not as_json and isinstance(asker(), Terminal):
            if before is not None and not replace:  # before asking anything
                raise recording.refuse(before, row, recording.changes(before, figures, None))
            given = _ask(questions)
        to_record = given is not None
        if given is None:
            given = unanswered(questions)
        elif before is not None and not replace:
            raise recording.refuse(before, row, recording.changes(before, figures, given))
        default = Path("reviews") / f"{row.id}.md"
        report = output or (default if to_record and not as_json else None)
        text = None
        if report is not None:
            events = s.store.events(row.id)
            text = "".join(view.report_md(row, figures, given, events, at=when, who=who))
        event_id = None
        if to_record:
            event_id = recording.record_review(
                s.store,
                row,
                answers=given,
                figures=figures,
                report=report,
                text=text,
                at=when,
                who=who,
                replaces=before.id if before else None,
            )
        elif report is not None and text is not None:
            from crisisplan.files import write_atomic
            from crisisplan.inert_text import for_people

            write_atomic(report, for_people(text), mode=0o600)  # it names customers
    if as_json:
        print_json(view.review_json(figures, given, report=report, event_id=event_id))
    else:
        view.show_done(given, report=report, incident_id=row.id, event_id=event_id)


def _ask(questions: list[str]) -> Answers:
    """Each question on the terminal, on its own line; Enter leaves one empty."""
    from crisisplan.phases.answers import Answers
    from crisisplan.terminal.console import inert, out, visible
    from crisisplan.terminal.prompts import Terminal

    if questions:
        out().print(inert("The review questions (Enter leaves one empty)", style="bold"))
    terminal, count = Terminal(), len(questions)
    given: list[str | None] = [
        terminal.line(
            f"{number}/{count} {visible(question)}",
            flag="--answers FILE",
            stop_label=f"review question {number} of {count}",
            suffix="\n  > ",
        )
        for number, question in enumerate(questions, start=1)
    ]
    return Answers(questions, given, "terminal")


def register(app: typer.Typer) -> None:
    """Add the review command to the app."""
    app.command(rich_help_panel="After")(review)
