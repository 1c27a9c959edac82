"""Module 05 - Losses: MSE, cross-entropy from logits, BCE with logits."""

import numpy as np
import pytest

import tinytorch as tt
from tinytorch import nn


def test_mse_is_the_mean_squared_difference():
    loss = nn.MSELoss()(tt.Tensor([1.0, 2.0, 3.0]), tt.Tensor([1.0, 0.0, 0.0]))
    assert loss.item() == pytest.approx((0 + 4 + 9) / 3)


def test_cross_entropy_of_a_confident_correct_prediction_is_small():
    logits = tt.Tensor([[10.0, 0.0, 0.0], [0.0, 0.0, 10.0]])
    assert nn.CrossEntropyLoss()(logits, np.array([0, 2])).item() < 1e-3


def test_cross_entropy_of_uniform_logits_is_log_num_classes():
    loss = nn.CrossEntropyLoss()(tt.zeros(4, 10), np.array([0, 3, 5, 9]))
    assert loss.item() == pytest.approx(np.log(10), rel=1e-6)


def test_cross_entropy_matches_negative_log_softmax_of_the_target():
    rng = np.random.default_rng(0)
    z = rng.standard_normal((5, 4)).astype(np.float32)
    t = np.array([0, 1, 2, 3, 1])
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    expected = -logp[np.arange(5), t].mean()
    assert nn.CrossEntropyLoss()(tt.Tensor(z), t).item() == pytest.approx(expected, rel=1e-5)


def test_cross_entropy_survives_huge_logits():
    loss = nn.CrossEntropyLoss()(tt.Tensor([[1e4, -1e4]]), np.array([1])).item()
    assert np.isfinite(loss) and loss == pytest.approx(2e4, rel=1e-5)


def test_cross_entropy_accepts_sequence_logits():
    logits = tt.zeros(2, 3, 5)
    assert nn.CrossEntropyLoss()(logits, np.zeros((2, 3), dtype=np.int64)).item() == \
        pytest.approx(np.log(5), rel=1e-6)


def test_bce_with_logits_matches_the_formula_and_is_stable():
    x = np.array([-3.0, 0.0, 2.0], dtype=np.float32)
    y = np.array([0.0, 1.0, 1.0], dtype=np.float32)
    s = 1 / (1 + np.exp(-x))
    expected = -(y * np.log(s) + (1 - y) * np.log(1 - s)).mean()
    got = nn.BCEWithLogitsLoss()(tt.Tensor(x), tt.Tensor(y)).item()
    assert got == pytest.approx(expected, rel=1e-5)
    big = nn.BCEWithLogitsLoss()(tt.Tensor([-500.0]), tt.Tensor([1.0])).item()
    assert big == pytest.approx(500.0, rel=1e-5)


@pytest.mark.parametrize("name", ["mse", "ce", "bce"])
def test_loss_gradients_match_finite_differences(name):
    rng = np.random.default_rng(1)
    z = rng.standard_normal((4, 3))
    fns = {
        "mse": lambda p: nn.functional.mse_loss(p, tt.Tensor(np.ones((4, 3)), dtype=np.float64)),
        "ce": lambda p: nn.functional.cross_entropy(p, np.array([0, 2, 1, 2])),
        "bce": lambda p: nn.functional.binary_cross_entropy_with_logits(
            p, tt.Tensor(np.full((4, 3), 0.3), dtype=np.float64)),
    }
    assert tt.gradcheck(fns[name], z)


def test_reduction_modes():
    p, t = tt.Tensor([1.0, 3.0]), tt.Tensor([0.0, 0.0])
    assert nn.MSELoss("sum")(p, t).item() == pytest.approx(10.0)
    np.testing.assert_allclose(nn.MSELoss("none")(p, t).numpy(), [1, 9])
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss("avg")
