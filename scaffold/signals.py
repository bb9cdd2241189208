"""SIGINT, SIGTERM and SIGHUP as exceptions, until the run passes its point of no return.

Before a write commits, an interrupt unwinds the stack (KeyboardInterrupt) and
every `finally` restores what was there. From `past_point_of_no_return()` on,
signals are noted and not acted on until the run ends: a run that finished
reports success even if Ctrl-C came late, and the undoing of a failed write is
never cut short by a second Ctrl-C either. `signals_held()` protects one block
(the recovery of a crashed write, the making of a staging folder) and acts on a signal
once it is done.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

# SIGHUP: the terminal closed under a run; treated like Ctrl-C, not as a crash.
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

_early: list[int] = []  # noted before a run began (note_signals_outside_the_run)
_deferred: list[int] = []
_holding = False  # past the point of no return: until the run ends
_held = 0  # inside signals_held() blocks


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    if _holding or _held:
        _deferred.append(signum)
        return
    raise KeyboardInterrupt


def _deliver_again(unraisable: sys.UnraisableHookArgs, *, previous: object = None) -> None:
    """sys.unraisablehook for one run: a KeyboardInterrupt that the handler raised where no
    exception can propagate (a weakref callback in the import machinery, a __del__) would be
    printed as "Exception ignored ... Traceback" and lost. It is delivered again instead: a
    timer thread sends SIGINT 50 ms on, when this hook and the callback have returned, and
    the handler acts on it where an exception can propagate."""
    if isinstance(unraisable.exc_value, KeyboardInterrupt):
        resend = threading.Timer(0.05, os.kill, (os.getpid(), signal.SIGINT))
        resend.daemon = True
        resend.start()
        return
    hook = previous if callable(previous) else sys.__unraisablehook__
    hook(unraisable)


def _note(signum: int, frame: FrameType | None) -> None:
    _early.append(signum)


def note_signals_outside_the_run() -> None:
    """For the console script, from its first line: a signal that comes before the run
    begins (while the modules load) is noted and ends the run as it begins, with nothing
    written; one that comes after the run ended changes nothing, its exit code stands.
    Neither ever shows a traceback."""
    for sig in SIGNALS:
        signal.signal(sig, _note)


@contextmanager
def interrupts_as_exceptions() -> Iterator[None]:
    """For one run: SIGINT, SIGTERM and SIGHUP raise KeyboardInterrupt (main thread only)."""
    global _holding
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _holding = False
    _deferred.clear()
    previous = {sig: signal.getsignal(sig) for sig in SIGNALS}
    for sig in previous:
        signal.signal(sig, _raise_interrupt)
    previous_hook = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: _deliver_again(unraisable, previous=previous_hook)
    try:
        if _early:  # Ctrl-C while the program was starting: stop before doing anything
            _early.clear()
            raise KeyboardInterrupt
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sys.unraisablehook = previous_hook
        _holding = False


def past_point_of_no_return() -> None:
    """From here to the end of the run, a signal is noted, not raised: the run completes."""
    global _holding
    _holding = True


@contextmanager
def signals_held() -> Iterator[None]:
    """A block no signal cuts short (recovering a crashed write, making a folder and taking its
    name); one that came is acted on when the block has completed."""
    global _held
    _held += 1
    noted = len(_deferred)
    try:
        yield
    finally:
        _held -= 1
    if len(_deferred) > noted and not (_holding or _held):
        raise KeyboardInterrupt


def interrupted_late() -> bool:
    """Whether a signal came after the point of no return (it was not acted on)."""
    return bool(_deferred)
