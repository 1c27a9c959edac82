"""SM-2 spaced repetition, as Wozniak published it for SuperMemo 2 (1987-1990).

After each review graded q in 0..5:
- q >= 3: the E-Factor becomes EF' = EF + (0.1 - (5 - q) * (0.08 + (5 - q) * 0.02)), never
  below 1.3; the repetition count n grows by one and the next interval is I(1) = 1 day,
  I(2) = 6 days, I(n) = I(n-1) * EF' for n > 2 (rounded to whole days).
- q < 3: repetitions start again from the beginning (n = 0, next interval 1 day) without
  changing the E-Factor.
Step 7 of the algorithm (re-ask, the same day, every item graded below 4 until it scores 4 or
more) belongs to a session, not to the schedule; `drill.py` and `practice.js` do it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

START_EF = 2.5
MIN_EF = 1.3


@dataclass(frozen=True)
class Card:
    """The schedule of one question; `due is None` means it was never reviewed."""

    ef: float = START_EF
    reps: int = 0
    interval: int = 0
    due: date | None = None
    last: date | None = None
    lapses: int = 0


def next_ef(ef: float, grade: int) -> float:
    """The E-Factor after a review graded `grade` (0..5), floored at 1.3."""
    d = 5 - grade
    return max(MIN_EF, ef + (0.1 - d * (0.08 + d * 0.02)))


def review(card: Card, grade: int, today: date) -> Card:
    """The card's schedule after a review on `today` graded `grade` (0 blank .. 5 perfect)."""
    if not (isinstance(grade, int) and 0 <= grade <= 5):
        raise ValueError(f"grade must be a whole number from 0 to 5, got {grade!r}")
    if grade < 3:
        return replace(card, reps=0, interval=1, due=today + timedelta(days=1), last=today,
                       lapses=card.lapses + 1)
    ef = next_ef(card.ef, grade)
    reps = card.reps + 1
    if reps == 1:
        interval = 1
    elif reps == 2:
        interval = 6
    else:
        interval = int(card.interval * ef + 0.5)
    return replace(card, ef=ef, reps=reps, interval=interval,
                   due=today + timedelta(days=interval), last=today)


def is_due(card: Card, today: date) -> bool:
    """A reviewed card whose date has come (new cards are counted separately)."""
    return card.due is not None and card.due <= today
