"""A full-terminal live screen (`crisis watch`), on the alternate screen as `top` and `less`
use it, that leaves quietly: on Ctrl-C, and when the terminal goes away (an SSH session
dropped, a window closed: SIGHUP, or EIO on the next write)."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator
from types import FrameType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.live import Live


class HungUp(Exception):
    """The terminal is gone: nothing more may be written to it."""


def _hang_up(_signum: int, _frame: FrameType | None) -> None:
    raise HungUp


class LiveScreen:
    """What the live block draws on: its width and height, and a way to show a frame."""

    def __init__(self, live: Live, console: Console) -> None:
        self._live = live
        self._console = console

    @property
    def width(self) -> int:
        """The terminal's width now (it may have been resized)."""
        return self._console.size.width

    def show(self, frame: RenderableType, *, bell: bool = False) -> None:
        """Replace the screen with `frame`; ring the terminal's bell first if asked."""
        try:
            if bell:
                self._console.bell()
            self._live.update(frame, refresh=True)
        except OSError as exc:  # EIO: the terminal closed before SIGHUP came
            raise HungUp from exc


@contextlib.contextmanager
def live_screen() -> Iterator[LiveScreen]:
    """Draw on the whole terminal until the block ends, Ctrl-C is pressed or the terminal
    goes away; the last two end the block quietly. The terminal is given back as it was,
    unless it is gone, in which case nothing more is written at all."""
    from rich.live import Live

    from crisisplan.terminal.console import out

    console = out()
    live = Live(console=console, screen=True, auto_refresh=False, redirect_stderr=False)
    previous = signal.signal(signal.SIGHUP, _hang_up)
    gone = False
    try:
        live.start()
        yield LiveScreen(live, console)
    except KeyboardInterrupt:
        pass  # Ctrl-C is how one leaves a watch: not an error, nothing was being recorded
    except HungUp:
        gone = True
    finally:
        signal.signal(signal.SIGHUP, previous)
        if gone:
            _silence()
        else:
            try:
                live.stop()  # back from the alternate screen, the cursor shown again
            except OSError:
                _silence()


def _silence() -> None:
    """Point stdout and stderr at /dev/null: what Python flushes on its way out must not
    fail on a terminal that is no longer there."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        for fd in (1, 2):
            with contextlib.suppress(OSError):
                os.dup2(devnull, fd)
    finally:
        os.close(devnull)
