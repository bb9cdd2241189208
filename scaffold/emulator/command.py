"""`vpc-lambda-new emulator`: serve the emulator the test suite trusts, for `make local`.

Importing this module imports neither moto nor werkzeug: they come with the optional
extra (`pip install '.[emulator]'` in vpc-lambda-new's folder), and a missing one is named.
"""

from __future__ import annotations

from scaffold.console import EXIT_OK, say
from scaffold.errors import ScaffoldError


def run_emulator(*, port: int, eni_release_seconds: float | None = None) -> int:
    try:
        from scaffold.emulator.server import serve
    except ImportError as missing:
        raise ScaffoldError(
            f"the emulator needs moto's server ({missing.name} is not installed):"
            " in vpc-lambda-new's folder, pip install '.[emulator]'"
        ) from None
    try:
        serve(port, eni_release_seconds=eni_release_seconds)
    except OSError as problem:
        raise ScaffoldError(
            f"--port {port}: cannot serve on 127.0.0.1: {problem.strerror}"
        ) from None
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM before serving began
        pass
    # werkzeug ends serve_forever quietly on Ctrl-C or SIGTERM: the way to stop it.
    say("vpc-lambda-new emulator: stopped", error=True)
    return EXIT_OK
