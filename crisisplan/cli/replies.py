"""`crisis reply`: one customer or thousands, from the shared base answer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from crisisplan.cli import completion
from crisisplan.cli.options import AsOpt, AtOpt, DbOpt, IncidentOpt, JsonOpt, PlaybookOpt

if TYPE_CHECKING:
    from crisisplan.phases.replies import Draft, Replier


def reply(
    customer: Annotated[str | None, typer.Option("--customer", help="The customer's name.")] = None,
    email: Annotated[str | None, typer.Option("--email", help="Their email address.")] = None,
    tier: Annotated[str | None, typer.Option("--tier", help="Their plan or tier.")] = None,
    note: Annotated[
        str | None, typer.Option("--note", help="Their case, in a line: what it means for them.")
    ] = None,
    open_case: Annotated[bool, typer.Option("--open-case", help="They have an open case.")] = False,
    customers: Annotated[
        Path | None,
        typer.Option("--customers", help="A CSV of many: name,email[,tier,note,open_case]."),
    ] = None,
    template: Annotated[
        str | None,
        typer.Option(
            "--template",
            help="A template id. Default: first_response.",
            autocompletion=completion.templates,
        ),
    ] = None,
    channel: Annotated[
        str | None, typer.Option("--channel", "-c", help="Where the reply goes (a channel id).")
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the draft to FILE, or one file each to DIR."),
    ] = None,
    edit: Annotated[bool, typer.Option("--edit", help="Open $EDITOR on the draft first.")] = False,
    no_followup: Annotated[
        bool, typer.Option("--no-followup", help="Do not add them to the follow-up list.")
    ] = False,
    again: Annotated[
        bool, typer.Option("--again", help="Draft again for customers already drafted for.")
    ] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="With --customers: stop before drafting on a bad row.")
    ] = False,
    as_json: JsonOpt = False,
    at: AtOpt = None,
    as_: AsOpt = None,
    incident: IncidentOpt = None,
    playbook: PlaybookOpt = None,
    db: DbOpt = None,
) -> None:
    """Draft a personal reply from the library, checked and recorded.

    The reply is linted and recorded, and the customer added to the follow-up list.

    Example: crisis reply --customer "Ada Park" --email ada@example.com --note "Rota missing"
    """
    from crisisplan.cli.sessions import acting_on, drafting_session
    from crisisplan.errors import EXIT_OK, EXIT_PROBLEM, UsageError
    from crisisplan.phases.replies import Replier, reply_one
    from crisisplan.views.replies import show_one

    if customers and (customer or email):
        raise UsageError(
            "--customers and --customer/--email cannot be used together.",
            hint="Reply to one customer, or to a CSV of many.",
        )
    if customers and edit:
        raise UsageError(
            "--edit works on one draft, not a CSV of many.",
            hint="Draft them, then edit one with --customer.",
        )
    with drafting_session(db=db, incident=incident, playbook=playbook, as_=as_, at=at) as s:
        replier = Replier(
            s.plan,
            s.store,
            acting_on(s, "during"),
            s.who,
            s.at,
            template_id=template,
            channel_id=channel,
            followup=not no_followup,
        )
        if customers:
            code = _bulk(
                replier, customers, output=output, again=again, strict=strict, as_json=as_json
            )
        else:
            draft = reply_one(
                replier,
                name=customer,
                email=email,
                tier=tier,
                note=note,
                open_case=open_case,
                again=again,
                edit=_editor() if edit else None,
            )
            show_one(draft, output=output, as_json=as_json)
            code = EXIT_PROBLEM if draft.has_errors else EXIT_OK
    raise typer.Exit(code)


def _editor() -> Callable[[str], str]:
    from crisisplan.terminal.editor import edit

    return edit


def _bulk(
    replier: Replier, path: Path, *, output: Path | None, again: bool, strict: bool, as_json: bool
) -> int:
    """Draft for every row of the CSV, showing each batch as it is recorded."""
    import dataclasses

    from crisisplan.errors import EXIT_OK, EXIT_PROBLEM
    from crisisplan.phases.bulk import Counts, check_bulk, draft_all
    from crisisplan.phases.customers import Known, read_csv
    from crisisplan.terminal.console import display_warning
    from crisisplan.views.json_out import JsonStream
    from crisisplan.views.replies import draft_json, progress, show_reply, show_summary, stopped

    size = check_bulk(path, output, strict=strict)  # before any folder is made
    if output is not None:
        from crisisplan.files import make_folder

        make_folder(output)
    # Nothing is printed until the first draft: a CSV refused at its header leaves
    # stdout empty, not half a document.
    json_out = JsonStream({"incident": replier.row.id}, "drafts") if as_json else None

    def show(drafts: list[Draft]) -> None:
        for d in drafts:
            if json_out:
                json_out.add(draft_json(d))
            elif output is None:
                show_reply(d, to_file=None, header=True)

    counts = Counts()
    try:
        with progress(path) as advance:
            counts = draft_all(
                replier,
                Known(replier.store, replier.row).fill_all(read_csv(path)),
                directory=output,
                again=again,
                csv_size=size,
                on_bad=lambda row: display_warning(
                    f"{path}:{row.line}: {row.message}; row skipped."
                ),
                on_drafts=show,
                on_rows=advance,
                counts=counts,
            )
    except BaseException as exc:
        if json_out and not json_out.first:
            # whole, with the drafts recorded before it stopped
            json_out.close(counts=dataclasses.asdict(counts))
        if isinstance(exc, KeyboardInterrupt):
            raise stopped(counts, output) from None
        raise
    if json_out:
        json_out.close(counts=dataclasses.asdict(counts))
    show_summary(counts, output)
    return EXIT_PROBLEM if counts.bad or counts.with_errors else EXIT_OK


def register(app: typer.Typer) -> None:
    """Add the drafting commands to the app."""
    app.command(rich_help_panel="During")(reply)
