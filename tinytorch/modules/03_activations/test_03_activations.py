"""Module 03 - Activations: non-linearities, a stable softmax, and their gradients."""

import numpy as np
import pytest
from tinytorch.activations import gelu, leaky_relu, log_softmax, relu, sigmoid, softmax, tanh

import tinytorch as tt


def test_relu_sigmoid_tanh_values():
    x = tt.Tensor([-2.0, 0.0, 2.0])
    np.testing.assert_allclose(relu(x).numpy(), [0, 0, 2])
    np.testing.assert_allclose(sigmoid(x).numpy(), 1 / (1 + np.exp([2.0, 0.0, -2.0])), rtol=1e-6)
    np.testing.assert_allclose(tanh(x).numpy(), np.tanh([-2.0, 0.0, 2.0]), rtol=1e-6)
    np.testing.assert_allclose(leaky_relu(x, 0.1).numpy(), [-0.2, 0, 2])


def test_softmax_rows_are_probabilities():
    p = softmax(tt.Tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]), axis=-1).numpy()
    np.testing.assert_allclose(p.sum(axis=-1), [1, 1], rtol=1e-6)
    np.testing.assert_allclose(p[1], [1 / 3] * 3, rtol=1e-6)
    assert p[0, 2] > p[0, 1] > p[0, 0]


def test_softmax_is_stable_for_huge_logits():
    p = softmax(tt.Tensor([1000.0, 1000.0, -1000.0])).numpy()
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p, [0.5, 0.5, 0.0], atol=1e-7)


def test_log_softmax_equals_log_of_softmax_without_underflow():
    x = tt.Tensor([[1.0, 2.0, 3.0]])
    np.testing.assert_allclose(log_softmax(x).numpy(), np.log(softmax(x).numpy()), rtol=1e-5)
    ls = log_softmax(tt.Tensor([0.0, -200.0])).numpy()
    assert np.isfinite(ls).all() and ls[1] == pytest.approx(-200.0, rel=1e-5)


def test_log_softmax_is_finite_for_huge_logits():
    """exp(1000) overflows: subtract each row's max before exponentiating."""
    ls = log_softmax(tt.Tensor([[1000.0, 1000.0, -1000.0]])).numpy()
    assert np.isfinite(ls).all(), f"expected finite log-probabilities, got {ls}"
    np.testing.assert_allclose(ls[0], [-np.log(2), -np.log(2), -2000 - np.log(2)], rtol=1e-5)


def test_gelu_matches_its_definition():
    from math import erf, sqrt
    xs = [-3.0, -0.5, 0.0, 0.7, 2.5]
    expected = [0.5 * v * (1 + erf(v / sqrt(2))) for v in xs]
    np.testing.assert_allclose(gelu(tt.Tensor(xs)).numpy(), expected, atol=1e-6)
    approx = gelu(tt.Tensor(xs), approximate="tanh").numpy()
    np.testing.assert_allclose(approx, expected, atol=2e-3)


@pytest.mark.parametrize("fn", [
    lambda x: softmax(x, axis=-1), lambda x: softmax(x, axis=0), lambda x: log_softmax(x),
    lambda x: gelu(x), lambda x: gelu(x, approximate="tanh"), lambda x: sigmoid(x),
    lambda x: tanh(x)], ids=["softmax", "softmax0", "log_softmax", "gelu", "gelu_tanh",
                             "sigmoid", "tanh"])
def test_activation_gradients_match_finite_differences(fn):
    x = np.array([[0.3, -1.2, 0.8, 2.0], [1.5, 0.1, -0.4, -2.2]])
    assert tt.gradcheck(fn, x)
