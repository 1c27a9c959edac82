"""Robustness models: shift-detection sample sizes, adversarial training and certification
costs and checksum overheads (silent data corruption: test_silent_corruption.py)."""

import math

import numpy as np
import pytest

import mlsysim as ms


def test_sample_size_matches_the_textbook_formula():
    # z_0.975 = 1.95996, z_0.8 = 0.84162: n = 2 (2.80158)^2 / 0.1^2 = 1569.8 -> 1570
    assert ms.shift_sample_size(0.1) == 1570
    assert ms.shift_sample_size(0.2, sd=2.0) == 1570


def test_sample_size_grows_with_inverse_square_of_effect_and_with_tests():
    n = ms.shift_sample_size(np.array([0.01, 0.1]))
    assert n[0] / n[1] == pytest.approx(100, rel=1e-3)
    assert ms.shift_sample_size(0.1, tests=1000) > 3 * ms.shift_sample_size(0.1)


def test_ks_critical_distance_shrinks_with_root_n():
    d1, d2 = ms.ks_critical_distance(np.array([1_000, 100_000]))
    assert d1 / d2 == pytest.approx(10)
    assert ms.ks_critical_distance(1000, alpha=0.05) == pytest.approx(1.358 * math.sqrt(2 / 1000), rel=1e-3)


def test_pgd_k_costs_k_plus_one_steps():
    assert ms.adversarial_training_multiplier(7) == pytest.approx(8)
    assert ms.adversarial_training_multiplier(0) == pytest.approx(1)
    assert ms.adversarial_training_multiplier(3, input_grad_only=True) == pytest.approx(3)


def test_smoothing_radius_grows_with_samples_and_abstains_when_unsure():
    r = ms.smoothing_radius(0.5, np.array([100, 10_000, 1_000_000]))
    assert r[0] < r[1] < r[2]
    assert ms.smoothing_radius(0.5, 1000, p_top=0.5) == 0.0
    with pytest.raises(ms.InvalidInputError, match="p_top"):
        ms.smoothing_radius(0.5, 10, p_top=1.2)


def test_abft_overhead_falls_with_matrix_size():
    assert ms.abft_overhead(2, 5, 2) == pytest.approx(5 / 4)
    small, big = ms.abft_overhead(np.array([64.0, 8192.0]), 1024, np.array([64.0, 8192.0]))
    assert small > 100 * big
