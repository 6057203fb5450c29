"""One exception type for bad user input: the CLI prints it as one line, screens show it."""


class UserFacingError(Exception):
    """A problem with a file or argument the user gave; the message says what and where."""
