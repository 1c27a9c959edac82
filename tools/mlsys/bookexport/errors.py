"""The exporters' one exception: a `BuildError`, so the CLI reports it like any build.

It carries `Problem`s (file, line, message), never a traceback for a user's mistake.
"""

from __future__ import annotations

from ..model import BuildError


class ExportError(BuildError):
    """The book cannot be exported: every problem found, each located where possible."""
