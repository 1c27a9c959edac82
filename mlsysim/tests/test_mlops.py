"""One-team operations arithmetic against simulation and textbook values."""

import math

import numpy as np
import pytest
from mlsysim.errors import InvalidInputError

from mlsysim import mlops


def _psi(p, q):
    p, q = np.clip(p, 1e-4, None), np.clip(q, 1e-4, None)
    return ((p - q) * np.log(p / q)).sum(axis=-1)


def test_psi_noise_matches_simulated_healthy_windows():
    # Draw many pairs of windows from one distribution and compare their PSI with the model.
    rng = np.random.default_rng(0)
    bins, n, m = 10, 2_000, 20_000
    cur = rng.multinomial(n, np.full(bins, 0.1), size=4_000) / n
    ref = rng.multinomial(m, np.full(bins, 0.1), size=4_000) / m
    sim = _psi(cur, ref)
    model = mlops.psi_noise(bins, n, m, level=0.99)
    assert model.mean == pytest.approx(sim.mean(), rel=0.05)
    assert model.quantile == pytest.approx(np.quantile(sim, 0.99), rel=0.08)


def test_psi_noise_shrinks_with_the_window():
    small, big = mlops.psi_noise(10, 200, 20_000), mlops.psi_noise(10, 2_000, 20_000)
    assert small.quantile > 0.1 > big.quantile  # 200 samples cross the usual 0.1 rule on noise
    assert small.mean / big.mean == pytest.approx((2_000 * 20_200) / (200 * 22_000), rel=1e-9)


def test_chi2_quantile_is_close_to_tabled_values():
    # chi-squared 0.99 quantiles from standard tables: 9 dof -> 21.666, 19 dof -> 36.191
    assert mlops._chi2_quantile(0.99, 9) == pytest.approx(21.666, rel=0.01)
    assert mlops._chi2_quantile(0.99, 19) == pytest.approx(36.191, rel=0.01)


def test_label_window_matches_the_two_proportion_formula():
    # 0.92 -> 0.90, one-sided alpha 0.05, power 0.8: about 2,400 labels per window
    w = mlops.label_window(0.92, 0.02, labels_per_day=500)
    pbar = 0.91
    za, zb = 1.6448536, 0.8416212
    n = (za * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(0.92 * 0.08 + 0.90 * 0.10)) ** 2 / 0.02**2
    assert w.labels_per_window == math.ceil(n)
    assert w.days == pytest.approx(w.labels_per_window / 500)
    # halving the drop needs about four times the labels
    assert 3.5 < mlops.label_window(0.92, 0.01, 500).labels_per_window / w.labels_per_window < 4.5


def test_automation_pays_back_only_when_runs_outpace_upkeep():
    a = mlops.automation_payback(160, 6, 0.5, runs_per_year=52, upkeep_hours_per_year=40)
    assert a.net_hours_per_year == pytest.approx(5.5 * 52 - 40)
    assert a.payback_years == pytest.approx(160 / (5.5 * 52 - 40))
    rare = mlops.automation_payback(160, 6, 0.5, runs_per_year=4, upkeep_hours_per_year=40)
    assert math.isinf(rare.payback_years) and rare.net_hours_per_year < 0


def test_bad_inputs_name_their_field():
    with pytest.raises(InvalidInputError, match="automated_hours_per_run"):
        mlops.automation_payback(100, 2, 3, 10)
    with pytest.raises(InvalidInputError, match="accuracy - drop"):
        mlops.label_window(0.05, 0.1, 100)
    with pytest.raises(InvalidInputError, match="bins"):
        mlops.psi_noise(1, 100, 100)
