"""Ctrl-C held back while a record is made, so what a command says it kept is what it kept.

Python raises Ctrl-C at the next line it runs. One that lands as SQLite's COMMIT returns
leaves the record made but unreported: the command would say nothing was recorded, and
a lead who believes it runs `update` again. Held, the interrupt waits for the block to
finish and is raised after it, where the caller can say what was kept.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

_held = False  # a hold is in place (only the outermost one raises)
_came = False  # Ctrl-C came while it was


@contextmanager
def held(then: Callable[[], BaseException] = KeyboardInterrupt) -> Iterator[None]:
    """Hold Ctrl-C until the block is done, then raise `then()` if it came.

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
    _held, _came = True, False
    signal.signal(signal.SIGINT, _note)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        _held = False
    if _came:
        _came = False
        raise then()


def _note(_signum: int, _frame: FrameType | None) -> None:
    global _came
    _came = True
