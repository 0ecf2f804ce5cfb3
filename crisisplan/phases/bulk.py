"""Drafting thousands of replies at the speed of one.

Worker processes render and lint each draft and encode the event that records it; this
process records a batch in the log while they draft the next. Only once a batch is in the
log are its files written, by the workers as they start on a later batch (or by this
process, if the run stops): a file never stands for a draft the log does not hold, and
this process, which every batch waits on, does little but record. Memory stays flat: a few
batches at a time, whatever the size of the CSV.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from crisisplan.errors import CrisisError, TemplateError
from crisisplan.inert_text import for_people
from crisisplan.interrupts import held
from crisisplan.phases.bulk_workers import (
    a_worker_died,
    fewer_collections,
    result_of,
    sigint_blocked,
    split,
    stop_broken_pool,
    worker_lost,
    worker_starts,
)
from crisisplan.phases.channel_limits import channel_limit, over_limit
from crisisplan.phases.customers import BadRow, Customer
from crisisplan.phases.replies import Draft, batched, file_name
from crisisplan.phases.state import READS
from crisisplan.store import NewEvent

if TYPE_CHECKING:
    from crisisplan.files import Folder
    from crisisplan.language.lint import LintFinding
    from crisisplan.phases.replies import Replier
    from crisisplan.phases.stopped_runs import Kept
    from crisisplan.store.base import Shipped

# Below this many bytes of CSV a pool costs more to start than it saves.
POOL_MIN_BYTES = 64_000
IN_FLIGHT = 2  # batches the workers have to draft while this process records one

Batch = list[tuple[Customer, int]]  # customers with their count of earlier incidents
Files = list[tuple[str, str]]  # recorded drafts' files to write: name, words
_T = TypeVar("_T")


class Drafted(NamedTuple):
    """What a worker sends back for each customer (as a plain tuple: see `_draft_chunk`)."""

    text: str
    findings: list[LintFinding]
    event: Shipped  # that records the draft, its payload encoded ahead
    file: str  # the name of its file, in the run's folder
    words: str  # what the file holds: the text, with controls and bidi made visible


# A batch's drafts (each a Drafted as a tuple, or why the channel refuses it), and the first
# error writing the files handed with it (see `_work`).
Done = tuple[list[tuple[Any, ...] | str], CrisisError | None]


@dataclass
class Counts:
    """What a bulk run did with the rows of its CSV."""

    drafted: int = 0
    bad: int = 0
    already: int = 0
    with_errors: int = 0
    restored: int = 0  # files of earlier drafts that were missing, written again from the log


@dataclass(frozen=True)
class _Job:
    replier: Replier
    folder: Folder | None  # where the drafts' files go, if anywhere


# The job the workers draft for. Set before they fork, so each inherits the compiled
# template and the plan instead of receiving them pickled.
_JOB: _Job | None = None


def draft_all(
    replier: Replier,
    rows: Iterable[Customer | BadRow],
    *,
    directory: Path | None,
    again: bool,
    csv_size: int,
    on_bad: Callable[[BadRow], None],
    on_drafts: Callable[[list[Draft]], None],
    on_rows: Callable[[int], None],
    counts: Counts | None = None,
) -> Counts:
    """Draft, record and write a reply for every customer; report each batch as it lands.

    A customer already drafted with this template is skipped unless `again`, as is the
    same email a second time in the rows; a skipped draft whose file is missing (a run
    stopped before writing it) gets its file again, from the log. `counts`, if given, is
    kept up to date as the run goes, so a caller still has them when it stops with an error.
    """
    read = _Reading(rows)
    earlier = {} if again else replier.already_drafted()
    skip = set(earlier)
    counts = Counts() if counts is None else counts
    job = _Job(replier, _folder(directory))
    # Files whose drafts are recorded wait to be written: handed to the workers with the
    # next batch, or on their own at the end. If the run stops, any not yet known to be
    # written are written here before the run's temporary files are swept up.
    waiting: Files = []
    handed: deque[Files] = deque()  # with each batch in flight, the files it writes

    def finish(wait: Callable[[], Done], customers: list[Customer], size: int) -> None:
        try:
            shipped, failed = wait()
            handed.popleft()  # done: the files handed with this batch are in place
        except TemplateError as exc:
            done = (
                f"The {counts.drafted} drafts before it are recorded"
                if counts.drafted
                else "No draft was recorded"
            )
            exc.hint = f"{exc.hint} {done}; fix the template, then run again to draft the rest."
            raise
        if failed is not None:
            raise failed  # an earlier batch's file could not be written
        drafted: list[Drafted] = []
        drafts: list[Draft] = []
        for c, d in zip(customers, shipped, strict=True):
            if isinstance(d, str):  # longer than the channel allows: refused, as a bad row
                counts.bad += 1
                on_bad(BadRow(c.line or 0, d))
                continue
            drafted.append(Drafted._make(d))
            drafts.append(Draft(c, replier.template, replier.channel_id, d[0], d[1]))
        # The log first: a file never stands for a draft the log does not hold. Ctrl-C
        # waits until the batch is counted and shown, so a stopped run's count, files and
        # output all match what the log holds (pressed twice, it stops at once).
        with held():
            replier.record(drafts, [NewEvent.landed(d.event) for d in drafted])
            read.last_recorded = max(read.last_recorded, *(c.line or 0 for c in customers), 0)
            if job.folder is not None:
                waiting.extend((d.file, d.words) for d in drafted)
            counts.drafted += len(drafts)
            counts.with_errors += sum(d.has_errors for d in drafts)
            on_drafts(drafts)
        on_rows(size)

    try:
        with fewer_collections(), _drafter(job, pool=csv_size >= POOL_MIN_BYTES) as submit:
            # Batches submitted and not yet recorded, oldest first. Two stay in flight while
            # this process records: with one, the workers waited on it, a third of the run.
            pending: deque[tuple[Callable[[], Done], list[Customer], int]] = deque()
            for batch in batched(read):
                good: list[Customer] = []
                for item in batch:
                    if isinstance(item, BadRow):
                        counts.bad += 1
                        on_bad(item)
                        continue
                    email = item.email.lower()
                    if email in skip:
                        counts.already += 1
                        if job.folder is not None and email in earlier:
                            event_id = earlier.pop(email)
                            counts.restored += _restore(replier, job.folder, item, event_id)
                    else:
                        if not again:
                            skip.add(email)  # the same email twice in one file
                        good.append(item)
                history = replier.history([c.email for c in good])
                # The workers first write the files of the batch recorded last time round.
                handed.append(waiting[:])
                waiting.clear()
                wait = submit([(c, history.get(c.email, 0)) for c in good], handed[-1])
                pending.append((wait, good, len(batch)))
                if len(pending) > IN_FLIGHT:
                    finish(*pending.popleft())  # record batch k while workers draft k + 1, k + 2
            while pending:
                finish(*pending.popleft())
            if waiting:  # the last batch's files
                handed.append(waiting[:])
                waiting.clear()
                _, failed = submit([], handed[-1])()
                handed.popleft()
                if failed is not None:
                    raise failed
            if read.error is not None:
                raise read.error  # once every row before it is recorded and written
    except BaseException as exc:
        if job.folder is not None:
            # A file that cannot be written here is written again, from the log, by the
            # next run.
            for files in (*handed, waiting):
                _write(job.folder, files)
            job.folder.sweep()
        if isinstance(exc, CrisisError) and not isinstance(exc, TemplateError):
            exc.hint = _kept(exc, counts, read, directory).sentence()
        raise
    finally:
        if job.folder is not None:
            job.folder.close()
    return counts


def _folder(directory: Path | None) -> Folder | None:
    from crisisplan.files import Folder

    return None if directory is None else Folder(directory, mode=0o600)


def _restore(replier: Replier, folder: Folder, customer: Customer, event_id: int) -> bool:
    """Write an earlier draft's file from the log if it is missing; whether it was."""
    name = file_name(customer, customer.line or 0)
    if Path(folder.path, name).exists():
        return False
    folder.write(name, for_people(replier.recorded_text(event_id)))
    return True


def _write(folder: Folder | None, files: Files) -> CrisisError | None:
    """Write each file; the first error, once all were tried."""
    failed: CrisisError | None = None
    if folder is not None:
        for name, text in files:
            try:
                folder.write(name, text)
            except CrisisError as exc:
                failed = failed or exc
    return failed


class _Reading:
    """The rows, read until the end or until one cannot be read: that error is kept for
    when every row before it is recorded, so a bad line never costs the good ones."""

    def __init__(self, rows: Iterable[Customer | BadRow]) -> None:
        self.rows = rows
        self.error: CrisisError | None = None
        self.ended = False
        self.last_recorded = 0  # the CSV line of the last customer recorded

    def __iter__(self) -> Iterator[Customer | BadRow]:
        try:
            yield from self.rows
        except CrisisError as exc:
            self.error = exc
            return
        self.ended = True


def _kept(error: CrisisError, counts: Counts, read: _Reading, directory: Path | None) -> Kept:
    """What a bulk run stopped by `error` kept, for the end of its message."""
    from crisisplan.files import WriteError
    from crisisplan.phases.stopped_runs import Kept

    if read.error is error and error.location is not None and error.location.line:
        not_reached = f"line {error.location.line} and after"
    elif read.ended:
        not_reached = None
    else:
        not_reached = f"the rows after line {read.last_recorded}" if counts.drafted else "the rows"
    return Kept(
        counts.drafted,
        ("draft", "drafts"),
        files=directory,
        files_failed=isinstance(error, WriteError),
        restored=counts.restored,
        not_reached=not_reached,
        rerun="it drafts the rest, skips those already drafted and writes any missing file "
        "from the log",
    )


def _work(recorded: Files, chunk: Batch) -> Done:
    """Write the files of a recorded batch, then draft a chunk of the next."""
    assert _JOB is not None
    failed = _write(_JOB.folder, recorded)
    return _draft_chunk(chunk), failed


def _draft_chunk(chunk: Batch) -> list[tuple[Any, ...] | str]:
    assert _JOB is not None
    replier = _JOB.replier
    limit = channel_limit(replier.plan, replier.channel_id)
    drafted: list[tuple[Any, ...] | str] = []
    for customer, previous in chunk:
        try:
            d = replier.draft(customer, previous_incidents=previous)
        except TemplateError as exc:
            where = f"It failed for the customer on line {customer.line} of the CSV."
            exc.hint = f"{exc.hint} {where}" if exc.hint else where
            raise
        if limit is not None and len(d.text.strip()) > limit:
            # Refused like a bad row: one long name or note must not stop thousands.
            drafted.append(over_limit(replier.channel_id, d.text, limit))
            continue
        name = file_name(customer, customer.line or 0)
        event = replier.event(d).shipped(keep=READS["reply"])
        # A tuple, not a Drafted: the results are pickled back to the run, and a plain
        # tuple pickles quicker than a named one.
        drafted.append((d.text, d.findings, event, name, for_people(d.text)))
    return drafted


@contextmanager
def _drafter(job: _Job, *, pool: bool) -> Iterator[Callable[[Batch, Files], Callable[[], Done]]]:
    """`submit(batch, recorded)` names the files of a recorded batch and starts drafting
    the next; it returns a function that waits for both."""
    global _JOB
    _JOB = job
    try:
        cores = os.cpu_count() or 1
        if cores < 2 or not pool:

            def here(batch: Batch, recorded: Files) -> Callable[[], Done]:
                try:
                    done = _work(recorded, batch)
                except TemplateError as exc:
                    failed = exc  # raised on waiting, as from a worker: the batch before is kept

                    def fail() -> Done:
                        raise failed

                    return fail
                return lambda: done

            yield here
            return
        # A worker per core: recording takes this process only part of each core's time.
        # fork: the workers inherit what is loaded. They never touch the log's connection,
        # and exit without running finalisers, so the parent's connection is unaffected.
        # An executor, not a Pool: a worker that dies (killed, out of memory) breaks it
        # with an error, where a Pool would wait for its task for ever.
        fork = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(
            cores, mp_context=fork, initializer=worker_starts, initargs=(os.getpid(),)
        ) as workers:

            def submit(batch: Batch, recorded: Files) -> Callable[[], Done]:
                shares = zip(split(recorded, cores), split(batch, cores), strict=True)
                # A task per worker, each with its share of both. The first submit forks
                # the workers: they start with Ctrl-C blocked, until they ignore it.
                with worker_lost(), sigint_blocked():
                    tasks = [workers.submit(_work, files, chunk) for files, chunk in shares]

                def wait() -> Done:
                    with worker_lost():
                        parts = [result_of(workers, task) for task in tasks]
                    failed = next((f for _, f in parts if f is not None), None)
                    return [d for drafted, _ in parts for d in drafted], failed

                return wait

            try:
                yield submit
            except BaseException:
                if a_worker_died(workers):
                    stop_broken_pool(workers)
                raise
    finally:
        _JOB = None


def check_bulk(path: Path, directory: Path | None, *, strict: bool) -> int:
    """Refuse a bulk run before anything is drafted or any folder made; the CSV's size.

    A missing CSV, an -o that is a file, or (with `strict`) any bad row stops it here.
    """
    from crisisplan.errors import UsageError
    from crisisplan.phases.customers import read_csv

    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UsageError(
            f"cannot read {path}: {exc.strerror or exc}.", hint="Check the path to the CSV file."
        ) from None
    if directory is not None and directory.exists() and not directory.is_dir():
        raise UsageError(
            f"{directory} is a file; with --customers, -o names a folder.",
            hint="Give a folder for one file per customer.",
        )
    if strict:
        bad = [r for r in read_csv(path) if isinstance(r, BadRow)]
        if bad:
            listed = "; ".join(f"line {r.line}: {r.message}" for r in bad[:5])
            raise CrisisError(
                f"{path} has {len(bad)} bad row(s): {listed}.",
                hint="Nothing was drafted; fix them or leave out --strict.",
            )
    return size
