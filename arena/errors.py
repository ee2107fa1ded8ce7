"""The base of every error a user can fix: the CLI prints it as one line and exits non-zero."""


class ArenaError(Exception):
    """A user mistake (bad spec, bad option, missing file) with a message that names the fix."""
