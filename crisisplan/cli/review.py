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
            help="A YAML file: each review question and its answer, or a list of answers.",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write the report here. Default: reviews/INCIDENT-ID.md (none with --json).",
        ),
    ] = None,
    as_json: JsonOpt = False,
    at: AtOpt = None,
    as_: AsOpt = None,
    incident: IncidentOpt = None,
    playbook: PlaybookOpt = None,
    db: DbOpt = None,
) -> None:
    """The post-incident review: the playbook's questions, figures from the log, a report.

    On a terminal (without --json) it shows the figures, then asks each question; an empty
    answer is fine. Otherwise answers come from --answers, or the report leaves them open.
    Only a resolved incident is reviewed; recording the review closes it.

    Example: crisis review --answers review-answers.yaml
    """
    _run(
        answers_file=answers,
        output=output,
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
    as_json: bool,
    at: str | None,
    as_: str | None,
    incident: str | None,
    playbook: Path | None,
    db: str | None,
) -> None:
    """Figures first (the questions are easier with them in view), then answers, then record."""
    from crisisplan.phases import review as core
    from crisisplan.phases.answers import read_answers, unanswered
    from crisisplan.phases.session import command_session
    from crisisplan.terminal.prompts import Terminal, asker
    from crisisplan.views import review as view
    from crisisplan.views.json_out import print_json

    with command_session(db=db, incident=incident, playbook=playbook, as_=as_, at=at) as s:
        when, who = s.at, s.who
        questions = list(s.plan.playbook.review.questions)
        given = read_answers(answers_file, questions) if answers_file else None
        row = s.row
        figures = core.figures(s.store, row, now=when)
        if not as_json:
            view.show_summary(figures)
        if given is None:
            asking = not as_json and isinstance(asker(), Terminal)
            given = _ask(questions) if asking else unanswered(questions)
        report = output or (None if as_json else Path("reviews") / f"{row.id}.md")
        text = None
        if report is not None:
            events = s.store.events(row.id)
            text = "".join(view.report_md(row, figures, given, events, at=when, who=who))
        event_id = core.record_review(
            s.store, row, answers=given, figures=figures, report=report, text=text, at=when, who=who
        )
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
