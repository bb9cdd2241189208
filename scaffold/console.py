"""Messages and exit codes: the bottom floor, which every other module may import.

Exit codes (every command): 0 done; 1 anything else; 2 bad input (one line on
stderr, nothing changed); 3 update written but conflicts remain; 4 a rule of the
guide is broken; 130 interrupted (nothing changed). A message that standard output
cannot take (a full disk) changes no exit code: stderr says it was lost.
"""

from __future__ import annotations

import errno
import os
import sys

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2
EXIT_CONFLICTS = 3
EXIT_RULES_BROKEN = 4
EXIT_INTERRUPTED = 130


# Why standard output could not take a message, once one could not (a full disk, a
# device error): the run's work stands, and `lost_output_line` says so on stderr.
lost_output: list[OSError] = []


def say(text: str, *, error: bool = False) -> None:
    """Print a line; a closed, broken or failing output is not an error of the run."""
    stream = sys.stderr if error else sys.stdout
    try:
        print(text, file=stream, flush=True)
    except (BrokenPipeError, ValueError, AttributeError):
        pass
    except OSError as problem:
        if problem.errno in (errno.EPIPE, errno.EBADF):
            return
        if not lost_output:
            lost_output.append(problem)
        silence(stream)


def silence(stream: object) -> None:
    """Send what is left of a failing stream to the null device, so that the messages
    still buffered do not fail again (with a traceback) when the interpreter exits."""
    try:
        descriptor = stream.fileno()  # type: ignore[attr-defined]
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, descriptor)
        os.close(null)
    except (OSError, ValueError, AttributeError):
        pass


def lost_output_line() -> str | None:
    """One line for stderr when a message could not be written, or None."""
    if not lost_output:
        return None
    problem = lost_output[0]
    return (
        "vpc-lambda-new: the command's work is done (its exit code says how it ended), but"
        f" its messages could not be written: {problem.strerror or problem}"
    )
