"""The one error class a user can fix; the CLI turns it into one line and exit code 2."""


class ScaffoldError(Exception):
    """A user mistake, with a message that names the flag, key or path at fault."""


class InvalidAnswer(ValueError):
    """A value that fails its question's rule; the caller adds where the value came from."""


def quoted(value: object) -> str:
    """A path or value as it goes into a message: quoted, control characters escaped.

    Whatever a path holds (a newline, a quote), the message stays one line.
    """
    return repr(str(value))
