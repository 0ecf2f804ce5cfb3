"""Drafting thousands of replies at the speed of one: render and lint in worker processes,
record the log and write the files here, each stage busy with the next batch while the
last one finishes. Memory stays flat: a batch at a time, whatever the size of the CSV."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crisisplan.errors import CrisisError

if TYPE_CHECKING:
    from crisisplan.lint import LintFinding
    from crisisplan.phases.customers import Customer
    from crisisplan.phases.replies import Draft, Replier

Batch = list[tuple["Customer", int]]  # customers with their count of earlier incidents
Wait = Callable[[], list["Draft"]]

# Below this many rows a pool costs more to start than it saves.
POOL_MIN_BYTES = 64_000

# The replier the workers draft with. Set before they fork, so each inherits the compiled
# template and the plan instead of receiving them pickled.
_REPLIER: Replier | None = None


def _draft_chunk(chunk: Batch) -> list[tuple[str, dict[str, str], list[LintFinding]]]:
    assert _REPLIER is not None
    drafted = []
    for customer, previous in chunk:
        d = _REPLIER.draft(customer, previous_incidents=previous)
        drafted.append((d.text, d.blocks, d.findings))
    return drafted


@contextmanager
def drafter(replier: Replier, *, csv_size: int) -> Iterator[Callable[[Batch], Wait]]:
    """`submit(batch)` starts drafting a batch and returns a function that waits for it."""
    # This process records the log; the rest of the cores draft.
    workers = max((os.cpu_count() or 1) - 1, 1)
    if (os.cpu_count() or 1) < 2 or csv_size < POOL_MIN_BYTES:

        def here(batch: Batch) -> Wait:
            drafts = [replier.draft(c, previous_incidents=p) for c, p in batch]
            return lambda: drafts

        yield here
        return
    from crisisplan.phases.replies import Draft

    global _REPLIER
    _REPLIER = replier
    # fork: the workers inherit what is loaded. They never touch the log's connection,
    # and exit without running finalisers, so the parent's connection is unaffected.
    with multiprocessing.get_context("fork").Pool(workers) as pool:

        def submit(batch: Batch) -> Wait:
            size = max(len(batch) // (workers * 2), 1)
            chunks = [batch[i : i + size] for i in range(0, len(batch), size)]
            pending = pool.map_async(_draft_chunk, chunks)

            def wait() -> list[Draft]:
                results = [r for part in pending.get() for r in part]
                return [
                    Draft(c, replier.template, replier.channel_id, text, findings, blocks)
                    for (c, _), (text, blocks, findings) in zip(batch, results, strict=True)
                ]

            return wait

        try:
            yield submit
        finally:
            _REPLIER = None


class FileWriter:
    """Writes draft files on a thread of its own, so the disk works while we draft."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="crisis-files")
        self._last: Future[None] | None = None

    def write(self, files: list[tuple[Path, str]]) -> None:
        """Queue a batch; an error from the batch before is raised here."""
        self._check()
        self._last = self._pool.submit(_write_all, files)

    def close(self) -> None:
        """Wait for every file; raise the first error."""
        self._check()
        self._pool.shutdown(wait=True)

    def _check(self) -> None:
        if self._last is not None:
            self._last.result()

    def __enter__(self) -> FileWriter:
        return self

    def __exit__(self, *exc: Any) -> None:
        self._pool.shutdown(wait=True)


def _write_all(files: list[tuple[Path, str]]) -> None:
    for path, text in files:
        write_draft(path, text)


def write_draft(path: Path, text: str) -> None:
    """Whole or not at all, 0600 (it names a customer); no fsync: the log holds the draft."""
    from crisisplan.files import write_atomic

    try:
        write_atomic(path, text, mode=0o600, sync=False)
    except CrisisError as exc:
        exc.hint = "The drafts are in the log; free space and run with --again to write the files."
        raise
