"""The console script `vpc-lambda-new`: signals are taken care of before anything loads.

Imported by the script pip writes, before `scaffold.cli` and everything it imports: a
Ctrl-C or SIGTERM in the first instants of a run is then one line and exit 130, never a
traceback, and one after the run's end leaves its exit code as it was.
"""

from __future__ import annotations

import signal
import sys
from typing import NoReturn

from scaffold.signals import SIGNALS, note_signals_outside_the_run


def main() -> NoReturn:
    note_signals_outside_the_run()
    from scaffold.cli import main as run_command

    code = run_command()
    # The run is over: no signal may change its exit code now. Python sets the handlers
    # of its own back to the default (die of the signal) while it exits; ignored ones stay.
    for sig in SIGNALS:
        signal.signal(sig, signal.SIG_IGN)
    sys.exit(code)
