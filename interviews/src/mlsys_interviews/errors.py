"""Error types of the interview playbook, under one root so the CLI and the site build catch
one class and print its message (never a traceback).

    InterviewError
     ├── QuestionError   a question file that is not valid YAML or breaks the schema
     ├── NapkinError     a napkin-math step mlsysim (or Python) rejects
     └── ProgressError   a drill progress file that cannot be read or written
"""

from __future__ import annotations

from pathlib import Path


class InterviewError(Exception):
    """Base class of every error this package raises on purpose."""


class QuestionError(InterviewError):
    """A question file is wrong; the message reads `file:line: error: field: what was expected`."""

    def __init__(self, file: Path | str, line: int | None, field: str, message: str):
        self.file, self.line, self.field = Path(file), line, field
        where = f"{file}:{line}" if line else f"{file}"
        prefix = f"{field}: " if field else ""
        super().__init__(f"{where}: error: {prefix}{message}")


class NapkinError(QuestionError):
    """A napkin-math step did not evaluate; carries the step's name and the reason."""

    def __init__(self, file: Path | str, line: int | None, step: str, reason: str):
        self.step = step
        super().__init__(file, line, f"napkin step '{step}'", reason)


class ProgressError(InterviewError):
    """The drill's progress file cannot be written (a corrupt one is backed up, not raised)."""
