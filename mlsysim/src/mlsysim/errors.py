"""Error types. Every user mistake raises a ValueError subclass naming the offending field,
so callers (CLI, labs) can catch one type and show the message without a traceback."""

from __future__ import annotations


class MlsysimError(ValueError):
    """Base class for every input error mlsysim raises on purpose."""


class UnknownNameError(MlsysimError):
    """A hardware, model or fabric name that is not in the registry."""

    def __init__(self, kind: str, name: str, suggestions: list[str]):
        self.kind, self.name, self.suggestions = kind, name, suggestions
        hint = f"; closest matches: {', '.join(suggestions)}" if suggestions else ""
        super().__init__(f"unknown {kind} {name!r}{hint}")


class InvalidInputError(MlsysimError):
    """A size, degree or option that cannot describe a real configuration."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(f"{field}: {message}")


class PrecisionError(InvalidInputError):
    """The hardware has no peak rate for the requested number format."""
