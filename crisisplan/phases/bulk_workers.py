"""The worker processes of a bulk run: how they start, stop, share work and die plainly.

Workers are forked with Ctrl-C blocked and then ignore it: the run stops them itself, once
it has written the files of what it recorded. A worker whose run is killed outright stops
on its own.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import os
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from multiprocessing.process import BaseProcess
from typing import TypeVar

from crisisplan.errors import CrisisError

_T = TypeVar("_T")
DEATH_WATCH = 0.5  # seconds between looks at whether a worker died while waiting on it


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect cyclic garbage less often while drafting (the workers inherit this).

    Each draft allocates thousands of short-lived objects; at Python's default the
    collector runs every few drafts and finds almost nothing, about a twentieth of the
    run's time. Memory stays bounded: collections still happen, a hundred times rarer.
    """
    before = gc.get_threshold()
    gc.set_threshold(70_000, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def split(items: list[_T], parts: int) -> list[list[_T]]:
    """`items` in `parts` runs as near equal in length as can be, in order."""
    size, longer = divmod(len(items), parts)
    bounds = [i * size + min(i, longer) for i in range(parts + 1)]
    return [items[a:b] for a, b in itertools.pairwise(bounds)]


def worker_starts(parent: int) -> None:
    """In each worker: leave Ctrl-C to the run, and stop once the run is gone.

    Ctrl-C on a terminal reaches the workers too. Raised in one waiting for work, it
    printed a traceback and broke the pool; the run itself stops them once it has
    written the files of what it recorded, and says so.

    Killed outright (SIGKILL, the out-of-memory killer), the run cannot stop its workers,
    and they would wait for work for ever, each holding the far end of the pipe it waits
    on. A file a worker was writing goes with it; the next run writes it again.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(1)

    threading.Thread(target=watch, name="follow-parent", daemon=True).start()


@contextmanager
def sigint_blocked() -> Iterator[None]:
    """Ctrl-C waits in this thread, and in processes forked from it, until unblocked."""
    before = signal.pthread_sigmask(signal.SIG_BLOCK, [])  # reads it: blocking may raise
    try:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


@contextmanager
def worker_lost() -> Iterator[None]:
    """A worker that died (killed, out of memory) as a plain error, wherever it shows."""
    try:
        yield
    except BrokenProcessPool:
        raise CrisisError(
            "a worker process drafting replies stopped without finishing (killed, or out of"
            " memory).",
            hint="The drafts recorded before it are kept: run the command again to draft the rest.",
        ) from None


def stop_broken_pool(workers: ProcessPoolExecutor) -> None:
    """Kill the workers left in a pool one of them died in, and let the pool go at once.

    A worker killed outright (the out-of-memory killer) may die holding a lock of the
    pool's queues, and a worker still waiting on it would wait for ever; so would the pool's
    shutdown, joining it, and the run would hang instead of saying what it kept. Killed,
    nothing is left to hold a lock or a pipe.
    """
    for process in _workers_of(workers):
        with contextlib.suppress(OSError, ValueError):
            process.kill()
    # A worker killed while sending a result leaves half a message in the results' pipe,
    # and the pool's own thread waits for the rest for ever (and so would leaving the
    # pool). With this process's end of it closed too, no writer is left: that thread
    # reads the end instead, marks the pool broken and winds it up.
    writer = getattr(getattr(workers, "_result_queue", None), "_writer", None)
    if writer is not None:
        with contextlib.suppress(OSError):
            writer.close()
    workers.shutdown(wait=False, cancel_futures=True)


def a_worker_died(workers: ProcessPoolExecutor) -> bool:
    """Whether the pool is broken, or one of its workers has exited (they live as long
    as the pool), though the pool may not have noticed yet."""
    if getattr(workers, "_broken", False):
        return True
    return any(process.exitcode is not None for process in _workers_of(workers))


def result_of(workers: ProcessPoolExecutor, task: Future[_T]) -> _T:
    """A task's result; BrokenProcessPool as soon as a worker has died, without waiting
    for the pool to notice (it may never: see `stop_broken_pool`)."""
    while True:
        try:
            return task.result(timeout=DEATH_WATCH)
        except TimeoutError:
            if a_worker_died(workers):
                raise BrokenProcessPool("a worker process died") from None


def _workers_of(workers: ProcessPoolExecutor) -> list[BaseProcess]:
    # `_processes` is the executor's own record of its workers: it has no public one.
    processes = getattr(workers, "_processes", None) or {}
    return list(processes.values())
