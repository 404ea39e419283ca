"""Errors the engine answers with, shared by every room that raises them and every caller."""


class NotBuiltError(RuntimeError):
    """No index has been built in the data directory yet, or it lists no entities."""


class InvalidRequestError(ValueError):
    """A request that breaks a limit set in the settings."""


class UnknownEntityError(LookupError):
    """No listed entity has this id."""
