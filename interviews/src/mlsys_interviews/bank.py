"""The question bank: every question file loaded, validated and its napkin math evaluated.

This is what the site, the drill and the checker share; each entry is frozen plain data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .loader import Located, load_question, question_files
from .napkin import StepValue, evaluate, fill
from .schema import TRACKS, Question


@dataclass(frozen=True)
class Entry:
    """One question ready to show: the validated data, its file and its computed steps."""

    question: Question
    file: Path
    steps: tuple[StepValue, ...]

    def text(self, field: str) -> str:
        """A prose field (`scenario`, `question`, `answer`) with `{{ name }}` filled in."""
        return fill(getattr(self.question, field), self.steps)


def questions_dir(root: Path) -> Path:
    """Where the question files live in a repository."""
    return root / "interviews" / "questions"


def entry(loc: Located) -> Entry:
    """Evaluate a loaded question's napkin math."""
    return Entry(loc.question, loc.file, evaluate(loc))


def load_bank(root: Path) -> tuple[Entry, ...]:
    """Every question of the repository at `root`, by track, then level, then id; the first
    bad file raises its error (`mlsys interviews check` lists them all instead)."""
    bank = [entry(load_question(p)) for p in question_files(questions_dir(root))]
    order = {t: i for i, t in enumerate(TRACKS)}
    bank.sort(key=lambda e: (order[e.question.track], e.question.level, e.question.id))
    return tuple(bank)
