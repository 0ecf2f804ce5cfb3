"""`crisis reply` on screen: each draft, or one JSON document streamed, then a summary."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crisisplan.errors import Interrupted
    from crisisplan.phases.bulk import Counts
    from crisisplan.phases.replies import Draft


def draft_json(d: Draft) -> dict[str, object]:
    """A draft as `crisis reply --json` shows it."""
    from crisisplan.language.lint import findings_as_json

    c = d.customer
    return {
        "event_id": d.event_id,
        "customer": {**c.record(), "line": c.line},
        "template": d.template,
        "channel": d.channel,
        "text": d.text,
        "edited": d.edited_from is not None,
        "findings": findings_as_json(d.findings),
    }


def show_reply(d: Draft, *, to_file: Path | None, header: bool = False) -> None:
    """The draft's words (or where they were written) and its findings."""
    from crisisplan.views.drafts import show_draft

    c = d.customer
    show_draft(d, to_file, heading=f"{c.name} <{c.email}>" if header else None)


def show_summary(counts: Counts, directory: Path | None) -> None:
    """One line on stderr: drafted, skipped, bad rows, errors, where the files are."""
    from crisisplan.terminal.console import err, inert

    parts = [f"Drafted {counts.drafted} repl{'y' if counts.drafted == 1 else 'ies'}"]
    if counts.already:
        parts.append(f"{counts.already} already drafted (use --again to redo)")
    if counts.restored:
        parts.append(f"{counts.restored} missing file(s) of those written again from the log")
    if counts.bad:
        parts.append(f"{counts.bad} bad row(s) skipped")
    if counts.with_errors:
        parts.append(f"{counts.with_errors} with language errors to fix")
    where = f" Files in {directory}." if directory else ""
    err().print(inert("; ".join(parts) + "." + where))


@contextmanager
def progress(path: Path) -> Iterator[Callable[[int], None]]:
    """A progress bar on a terminal; nothing when piped."""
    from crisisplan.terminal.console import err, is_terminal

    if not is_terminal(sys.stderr):
        yield lambda _n: None
        return
    from rich.progress import Progress

    with path.open("rb") as handle:
        total = max(sum(1 for _ in handle) - 1, 0)
    # No refresh thread: bulk drafting forks its workers while the bar is up.
    with Progress(transient=True, console=err(), auto_refresh=False) as progress:
        task = progress.add_task("Drafting", total=total)

        def advance(rows: int) -> None:
            progress.advance(task, rows)
            progress.refresh()

        yield advance


def show_one(draft: Draft, *, output: Path | None, as_json: bool) -> None:
    """One recorded reply: to its file with -o, as JSON, or on the terminal."""
    if output:
        from crisisplan.files import write_atomic
        from crisisplan.inert_text import for_people

        write_atomic(output, for_people(draft.text), mode=0o600)
    if as_json:
        from crisisplan.views.json_out import print_json

        print_json(draft_json(draft))
    else:
        show_reply(draft, to_file=output)


def stopped(counts: Counts, directory: Path | None) -> Interrupted:
    """Ctrl-C in a bulk run: what is kept, and how to carry on."""
    from crisisplan.errors import Interrupted

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
