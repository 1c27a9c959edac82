"""The large-batch model: the step/example trade-off of McCandlish et al. 2018."""

import numpy as np
import pytest

import mlsysim


def test_at_the_critical_batch_both_costs_double():
    r = mlsysim.large_batch(4096, 4096)
    assert r.steps_factor == pytest.approx(2.0)
    assert r.examples_factor == pytest.approx(2.0)


def test_hyperbola_holds_and_trade_is_monotone():
    b = np.array([256.0, 1024.0, 4096.0, 16384.0, 65536.0])
    r = mlsysim.large_batch(b, 4096)
    # (S/Smin - 1)(E/Emin - 1) = 1 everywhere on the curve
    assert np.allclose((r.steps_factor - 1) * (r.examples_factor - 1), 1.0)
    assert np.all(np.diff(r.steps_factor) < 0)       # bigger batch: fewer steps
    assert np.all(np.diff(r.examples_factor) > 0)    # ...but more examples
    assert r.data_efficiency[0] > 0.9 and r.step_efficiency[-1] > 0.9


def test_bad_input_names_the_field():
    with pytest.raises(mlsysim.InvalidInputError, match="b_crit"):
        mlsysim.large_batch(1024, 0)
    with pytest.raises(mlsysim.InvalidInputError, match="batch"):
        mlsysim.large_batch(-1, 10)
