"""Labeling-operations arithmetic: budgets, agreement, redundancy, noise and active learning."""

import math

import pytest
from mlsysim.errors import InvalidInputError

import mlsysim as m


def test_label_budget_is_labels_times_seconds_times_rate():
    b = m.label_budget(36_000, 10, 30, redundancy=3, annotators=5, hours_per_day=5, overhead=0.25)
    assert b.judgments == 108_000
    assert b.annotator_hours == pytest.approx(108_000 * 10 / 3600 * 1.25)
    assert b.cost == pytest.approx(b.annotator_hours * 30)
    assert b.cost_per_item == pytest.approx(b.cost / 36_000)
    assert b.calendar_days == pytest.approx(b.annotator_hours / 25)


def test_label_budget_rejects_bad_input_naming_the_field():
    with pytest.raises(InvalidInputError, match="seconds_per_label"):
        m.label_budget(100, 0, 20)
    with pytest.raises(InvalidInputError, match="overhead"):
        m.label_budget(100, 5, 20, overhead=-0.1)


def test_cohen_kappa_matches_a_hand_worked_table():
    # Two raters, 100 items: both yes 40, both no 30, disagree 30 (20 + 10).
    # p_o = 0.70; rater A yes 60%, rater B yes 50% -> p_e = 0.6*0.5 + 0.4*0.5 = 0.50.
    assert m.cohen_kappa(0.70, 0.50) == pytest.approx(0.40)


def test_kappa_and_accuracy_invert_each_other():
    for k in (2, 5):
        for acc in (0.7, 0.85, 0.95):
            kap = m.kappa_for_accuracy(acc, k)
            assert m.accuracy_for_kappa(kap, k) == pytest.approx(acc, abs=1e-6)
    assert m.kappa_for_accuracy(0.9) == pytest.approx(0.64)  # binary: (2a-1)^2


def test_majority_vote_follows_the_binomial():
    assert m.majority_vote_accuracy(0.8, 1) == pytest.approx(0.8)
    assert m.majority_vote_accuracy(0.8, 3) == pytest.approx(0.8**3 + 3 * 0.8**2 * 0.2)
    # An even vote with a coin-flip tie-break is no better than the odd vote below it.
    assert m.majority_vote_accuracy(0.8, 4) == pytest.approx(m.majority_vote_accuracy(0.8, 3))


def test_votes_needed_is_the_smallest_odd_count():
    n = m.votes_needed(0.8, 0.97)
    assert n % 2 == 1
    assert m.majority_vote_accuracy(0.8, n) >= 0.97 > m.majority_vote_accuracy(0.8, n - 2)
    with pytest.raises(InvalidInputError, match="accuracy"):
        m.votes_needed(0.5, 0.9)


def test_noisy_label_value():
    assert m.noisy_label_value(0.0) == 1.0
    assert m.noisy_label_value(0.1) == pytest.approx(0.64)
    with pytest.raises(InvalidInputError, match="noise_rate"):
        m.noisy_label_value(0.5)


def test_active_learning_beats_random_sampling_on_a_separable_task():
    c = m.active_learning_curve(dims=10, pool=1500, test=1500, rounds=12, trials=3)
    assert c.labels[0] == 20 and c.labels[-1] == 20 + 12 * 20
    assert c.random_error[0] == pytest.approx(c.active_error[0])  # same seed set
    assert c.active_error[-1] < c.random_error[-1]
    target = float(c.random_error[-1])
    assert m.labels_to_reach(c.labels, c.active_error, target) < c.labels[-1]


def test_labels_to_reach_interpolates_and_reports_never():
    assert m.labels_to_reach([10, 20], [0.2, 0.1], 0.15) == pytest.approx(15)
    assert math.isinf(m.labels_to_reach([10, 20], [0.2, 0.1], 0.05))


def test_active_learning_rejects_a_pool_too_small():
    with pytest.raises(InvalidInputError, match="rounds"):
        m.active_learning_curve(pool=100, rounds=10, batch=20)
