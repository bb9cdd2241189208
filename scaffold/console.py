"""Messages and exit codes: the bottom floor, which every other module may import.

Exit codes (every command): 0 done; 1 anything else; 2 bad input (one line on
stderr, nothing changed); 3 update written but conflicts remain; 4 a rule of the
guide is broken; 130 interrupted (nothing changed).
"""

from __future__ import annotations

import errno
import sys

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2
EXIT_CONFLICTS = 3
EXIT_RULES_BROKEN = 4
EXIT_INTERRUPTED = 130


def say(text: str, *, error: bool = False) -> None:
    """Print a line; a closed or broken standard output is not an error of ours."""
    stream = sys.stderr if error else sys.stdout
    try:
        print(text, file=stream, flush=True)
    except (BrokenPipeError, ValueError, AttributeError):
        pass
    except OSError as problem:
        if problem.errno not in (errno.EPIPE, errno.EBADF):
            raise
