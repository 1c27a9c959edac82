"""SM-2 as Wozniak published it: the E-Factor update, the 1, 6, I(n-1) x EF intervals, and a
grade below 3 restarting the repetitions without touching the E-Factor."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mlsys_interviews.sm2 import Card, next_ef, review

DAY = date(2026, 1, 1)


@pytest.mark.parametrize("grade, delta", [(5, 0.10), (4, 0.0), (3, -0.14)])
def test_the_e_factor_moves_by_the_published_amounts(grade: int, delta: float) -> None:
    # EF' = EF + (0.1 - (5 - q) * (0.08 + (5 - q) * 0.02))
    assert next_ef(2.5, grade) == pytest.approx(2.5 + delta)


def test_a_run_of_good_grades_follows_1_6_then_the_previous_interval_times_ef() -> None:
    card, day, seen = Card(), DAY, []
    for grade in (5, 5, 5, 4, 3):
        card = review(card, grade, day)
        seen.append((round(card.ef, 2), card.reps, card.interval))
        day = card.due
    # by hand: EF 2.6, 2.7, 2.8, 2.8, 2.66; intervals 1, 6, round(6 x 2.8) = 17,
    # round(17 x 2.8) = 48, round(48 x 2.66) = 128
    assert seen == [(2.6, 1, 1), (2.7, 2, 6), (2.8, 3, 17), (2.8, 4, 48), (2.66, 5, 128)]
    assert card.due == DAY + timedelta(days=1 + 6 + 17 + 48 + 128)


def test_a_grade_below_3_restarts_the_repetitions_and_keeps_the_e_factor() -> None:
    card = Card(ef=2.66, reps=5, interval=128, due=DAY, last=DAY - timedelta(days=128))
    lapsed = review(card, 2, DAY)
    assert (lapsed.ef, lapsed.reps, lapsed.interval, lapsed.due, lapsed.lapses) == (
        2.66, 0, 1, DAY + timedelta(days=1), 1)
    again = review(lapsed, 4, lapsed.due)
    assert (again.reps, again.interval) == (1, 1)
    assert review(again, 4, again.due).interval == 6


def test_the_e_factor_never_falls_below_1_3() -> None:
    assert review(Card(ef=1.4), 3, DAY).ef == 1.3


@pytest.mark.parametrize("grade", [-1, 6, 2.5, "4"])
def test_grades_outside_0_to_5_are_refused(grade: object) -> None:
    with pytest.raises(ValueError, match="grade must be a whole number from 0 to 5"):
        review(Card(), grade, DAY)  # type: ignore[arg-type]


@given(st.lists(st.integers(0, 5), min_size=1, max_size=40))
def test_any_grade_sequence_keeps_ef_and_intervals_sane(grades: list[int]) -> None:
    card, day = Card(), DAY
    for g in grades:
        card = review(card, g, day)
        assert card.ef >= 1.3 and card.interval >= 1 and card.due == day + timedelta(days=card.interval)
        day = card.due
