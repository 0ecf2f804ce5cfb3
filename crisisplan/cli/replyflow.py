"""The `crisis reply` flow: gather customers, draft, record in batches, write, report."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from crisisplan.errors import EXIT_OK, EXIT_PROBLEM, CrisisError, Interrupted, UsageError
from crisisplan.views.json_out import JsonStream, print_json
from crisisplan.views.replies import draft_json, progress, show_reply, show_summary

if TYPE_CHECKING:
    from crisisplan.phases.bulk import Counts
    from crisisplan.phases.replies import Draft, Replier


@dataclass(frozen=True)
class ReplyRequest:
    name: str | None
    email: str | None
    tier: str | None
    note: str | None
    open_case: bool
    customers: Path | None
    template: str | None
    channel: str | None
    output: Path | None
    edit: bool
    followup: bool
    again: bool
    strict: bool
    as_json: bool
    at: str | None
    agent: str | None
    incident: str | None
    playbook: Path | None
    db: str | None


def run_reply(req: ReplyRequest) -> int:
    """Draft for one customer or a CSV of many; return the exit code."""
    from crisisplan.cli.incidents import acting_on
    from crisisplan.phases.replies import Replier
    from crisisplan.phases.session import command_session

    if req.customers and (req.name or req.email):
        raise UsageError(
            "--customers and --customer/--email cannot be used together.",
            hint="Reply to one customer, or to a CSV of many.",
        )
    if req.customers and req.edit:
        raise UsageError(
            "--edit works on one draft, not a CSV of many.",
            hint="Draft them, then edit one with --customer.",
        )
    from crisisplan.terminal.prompts import person_chooser

    with command_session(
        db=req.db,
        incident=req.incident,
        playbook=req.playbook,
        as_=req.agent,
        at=req.at,
        drafts=True,
        choose=person_chooser(),
    ) as s:
        replier = Replier(
            s.plan,
            s.store,
            acting_on(s, "during"),
            s.who,
            s.at,
            template_id=req.template,
            channel_id=req.channel,
            followup=req.followup,
        )
        if req.customers:
            return _bulk(replier, req, req.customers)
        return _one(replier, req)


def _one(replier: Replier, req: ReplyRequest) -> int:
    from crisisplan.phases.customers import Known, customer

    known = Known(replier.store, replier.row)
    name, email = req.name, req.email
    if email is None and name is not None and (entry := known.by_name(name)) is not None:
        email = entry.email  # a customer already on the list is found by name alone
    if name is None and email is not None and (entry := known.by_email(email)) is not None:
        name = entry.name
    if name is None or email is None:
        missing = "--customer" if name is None else "--email"
        raise UsageError(
            f"who is the reply for? {missing} is missing.",
            hint="Pass --customer NAME --email EMAIL, or --customers FILE.csv.",
        )
    who = known.filled(customer(name, email, tier=req.tier, note=req.note, open_case=req.open_case))
    if not req.again and who.email.lower() in replier.already_drafted():
        raise UsageError(
            f"{who.email} already has a {replier.template} draft on {replier.row.id}.",
            hint="Pass --again to draft another, or --template to pick another template.",
        )
    previous = replier.history([who.email]).get(who.email, 0)
    draft = replier.draft(who, previous_incidents=previous)
    if req.edit:
        from crisisplan.terminal.editor import edit

        draft = replier.relint(draft, edit(draft.text))
    replier.record([draft])
    if req.output:
        from crisisplan.files import write_atomic
        from crisisplan.inert_text import for_people

        write_atomic(req.output, for_people(draft.text), mode=0o600)
    if req.as_json:
        print_json(draft_json(draft))
    else:
        show_reply(draft, to_file=req.output)
    return EXIT_PROBLEM if draft.has_errors else EXIT_OK


def _bulk(replier: Replier, req: ReplyRequest, path: Path) -> int:
    from crisisplan.phases.bulk import Counts, draft_all
    from crisisplan.phases.customers import BadRow, Known, read_csv
    from crisisplan.terminal.console import display_warning

    directory, size = req.output, _size(path)  # a missing CSV is refused before any folder
    if directory is not None and directory.exists() and not directory.is_dir():
        raise UsageError(
            f"{directory} is a file; with --customers, -o names a folder.",
            hint="Give a folder for one file per customer.",
        )
    if req.strict:
        bad = [r for r in read_csv(path) if isinstance(r, BadRow)]
        if bad:
            listed = "; ".join(f"line {r.line}: {r.message}" for r in bad[:5])
            raise CrisisError(
                f"{path} has {len(bad)} bad row(s): {listed}.",
                hint="Nothing was drafted; fix them or leave out --strict.",
            )
    if directory is not None:
        from crisisplan.files import make_folder

        make_folder(directory)
    # Nothing is printed until the first draft: a CSV refused at its header leaves
    # stdout empty, not half a document.
    json_out = JsonStream({"incident": replier.row.id}, "drafts") if req.as_json else None

    def show(drafts: list[Draft]) -> None:
        for d in drafts:
            if json_out:
                json_out.add(draft_json(d))
            elif directory is None:
                show_reply(d, to_file=None, header=True)

    counts = Counts()
    try:
        with progress(path) as advance:
            counts = draft_all(
                replier,
                Known(replier.store, replier.row).fill_all(read_csv(path)),
                directory=directory,
                again=req.again,
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
            raise _interrupted(counts, directory) from None
        raise
    if json_out:
        json_out.close(counts=dataclasses.asdict(counts))
    show_summary(counts, directory)
    return EXIT_PROBLEM if counts.bad or counts.with_errors else EXIT_OK


def _interrupted(counts: Counts, directory: Path | None) -> Interrupted:
    """Ctrl-C in a bulk run: what is kept, and how to carry on."""
    if not counts.drafted:
        return Interrupted(
            "Stopped before any draft was recorded.", hint="Run the same command again."
        )
    files = f", their files in {directory}" if directory else ""
    missing = " and write any file missing" if directory else ""
    return Interrupted(
        f"Stopped after {counts.drafted:,} draft(s); they are recorded in the log{files}.",
        hint=f"Run the same command again to draft the rest{missing}; customers already "
        "drafted are skipped.",
    )


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError as exc:
        raise UsageError(
            f"cannot read {path}: {exc.strerror or exc}.", hint="Check the path to the CSV file."
        ) from None
