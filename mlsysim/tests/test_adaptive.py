"""Early-exit and cascade cost: the expectations a reader can check by hand."""

import numpy as np
import pytest
from mlsysim.adaptive import cascade_cost, early_exit_cost
from mlsysim.errors import InvalidInputError


def test_no_exits_costs_the_full_network_plus_heads():
    r = early_exit_cost([1.0, 1.0, 2.0], [0.0, 0.0, 0.0], head_flops=0.1)
    assert r.full_flops == 4.0
    assert r.expected_flops == pytest.approx(4.2)  # two heads paid by everyone, no saving
    assert r.speedup < 1


def test_half_exit_at_midpoint_hand_computed():
    # half the inputs leave after the first of two equal stages: 1 + 0.5 * 1 = 1.5
    r = early_exit_cost([1.0, 1.0], [0.5, 0.5])
    assert r.expected_flops == pytest.approx(1.5)
    assert r.speedup == pytest.approx(4 / 3)


def test_sweep_over_exit_rate_broadcasts_and_is_monotone():
    p = np.linspace(0, 1, 11)
    r = early_exit_cost([3.0, 7.0], np.stack([p, 1 - p], -1), head_flops=0.2)
    assert r.expected_flops.shape == (11,)
    assert np.all(np.diff(r.expected_flops) < 0)
    assert r.expected_flops[-1] == pytest.approx(3.2)


def test_exit_fractions_validated():
    with pytest.raises(InvalidInputError, match="exit_fractions"):
        early_exit_cost([1.0, 1.0], [0.7, 0.7])
    with pytest.raises(InvalidInputError, match="one value per stage"):
        early_exit_cost([1.0, 1.0], [0.5])


def test_two_stage_cascade_break_even():
    r = cascade_cost([1.0, 10.0], [0.9])
    assert r.break_even_escalation == pytest.approx(0.9)
    assert r.saving == pytest.approx(0.0)
    r = cascade_cost([1.0, 10.0], [0.3])
    assert r.expected_flops == pytest.approx(4.0) and r.saving == pytest.approx(0.6)


def test_three_stage_cascade_compounds_escalation():
    r = cascade_cost([1.0, 4.0, 16.0], [0.5, 0.25])
    assert r.expected_flops == pytest.approx(1 + 0.5 * 4 + 0.125 * 16)
    with pytest.raises(InvalidInputError, match="at least two"):
        cascade_cost([1.0], [])
