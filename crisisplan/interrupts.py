"""Ctrl-C held back while a record is made, so a stopped command can say what it kept.

Python raises Ctrl-C at the next line it runs. One that lands while SQLite's COMMIT runs
comes out after the commit, before anything has noted it, and the command would say
nothing was recorded when it was: a lead who believes it posts the update twice. Held,
the interrupt waits for the block (the commit, and noting it) and is raised after it.
A second Ctrl-C while held stops at once: a lead who presses twice wants out now.
What a stopped command then says is the CLI's to word; this module only holds.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

_held = False  # a hold is in place; only the outermost one raises
_came = False  # Ctrl-C came while it was


@contextmanager
def held() -> Iterator[None]:
    """Hold Ctrl-C until the block is done, then raise KeyboardInterrupt if it came.

    A hold inside another leaves the raising to the outer one, which knows more of what
    was done. Where the block fails, its error goes on and the interrupt is dropped: the
    command stops either way. Off the main thread, or where Ctrl-C is not Python's
    KeyboardInterrupt (ignored, or handled by the caller), the block runs as it is.
    """
    global _held, _came
    if (
        _held
        or threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield
        return
    _came = False
    # A Ctrl-C already pending is raised by this call, before anything is held.
    signal.signal(signal.SIGINT, _note)
    try:
        _held = True
        yield
    finally:
        _held = False  # first: a Ctrl-C from here on is noted, then raised below
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if _came:
        raise KeyboardInterrupt


def _note(_signum: int, _frame: FrameType | None) -> None:
    global _came
    if _came:
        raise KeyboardInterrupt
    _came = True
