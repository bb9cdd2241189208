"""The one error class a user can fix; the CLI turns it into one line and exit code 2."""


class ScaffoldError(Exception):
    """A user mistake, with a message that names the flag, key or path at fault."""


class InvalidAnswer(ValueError):
    """A value that fails its question's rule; the caller adds where the value came from."""
