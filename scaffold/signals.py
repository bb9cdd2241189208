"""SIGINT, SIGTERM and SIGHUP as exceptions, and a section they cannot cut.

Before a write commits, an interrupt unwinds the stack (KeyboardInterrupt) and
every `finally` restores what was there. Once the write has passed its point of
no return, `past_point_of_no_return()` holds signals back until the work is
complete: a run that finished reports success even if Ctrl-C came late. The
same section guards the undoing of a write, so a second Ctrl-C cannot cut that
short either.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

# SIGHUP: the terminal closed under a run; treated like Ctrl-C, not as a crash.
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

_deferred: list[int] = []
_depth = 0  # nested sections: only the outermost one lets signals through again


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    if _depth:
        _deferred.append(signum)
        return
    raise KeyboardInterrupt


@contextmanager
def interrupts_as_exceptions() -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP raise KeyboardInterrupt (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _deferred.clear()
    previous = {sig: signal.getsignal(sig) for sig in SIGNALS}
    for sig in previous:
        signal.signal(sig, _raise_interrupt)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextmanager
def past_point_of_no_return() -> Iterator[None]:
    """Signals that arrive inside are noted, not raised: the block always completes."""
    global _depth
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1


def interrupted_late() -> bool:
    """Whether a signal came while a write was finishing (it was not acted on)."""
    return bool(_deferred)
