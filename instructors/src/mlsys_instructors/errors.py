"""One exception root for the instructor hub, so the CLI and the site build catch one class.

Every error names where the mistake is (`file:line`, or the field of a submission), because
the person reading it is an instructor editing YAML, not a Python programmer.

```
InstructorsError
 ├── SourceError       a course, problem set or guide is malformed (file, line)
 │    └── UnknownIdError   a curriculum id that does not exist (with the closest ids)
 ├── PlanError         a term cannot hold the chapters asked for (says which)
 ├── DateError         a date that is not YYYY-MM-DD, or outside the term
 └── SubmissionError   a student submission is malformed (names the field)
```
"""

from __future__ import annotations

from pathlib import Path


class InstructorsError(ValueError):
    """Root of every error this package raises on bad input."""


class SourceError(InstructorsError):
    """A source file is malformed; the message starts with `file:line:`."""

    def __init__(self, file: Path | str, line: int | None, message: str) -> None:
        self.file, self.line, self.detail = Path(file), line, message
        where = f"{file}:{line}" if line else str(file)
        super().__init__(f"{where}: error: {message}")


class UnknownIdError(SourceError):
    """A reference to a curriculum item that does not exist."""

    def __init__(self, file: Path | str, line: int | None, ident: str,
                 closest: list[str]) -> None:
        hint = f"; closest: {', '.join(closest)}" if closest else ""
        super().__init__(file, line, f"unknown curriculum id '{ident}'{hint}")
        self.ident, self.closest = ident, closest


class PlanError(InstructorsError):
    """A plan that cannot fit in the term it was asked for."""


class DateError(InstructorsError):
    """A date that cannot be read or does not make sense for the term."""


class SubmissionError(InstructorsError):
    """A malformed submission; the message names the field (and line when known)."""
