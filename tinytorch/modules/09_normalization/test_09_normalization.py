"""Module 09 - Normalization: BatchNorm2d, LayerNorm, Dropout."""

import numpy as np
import pytest

import tinytorch as tt
from tinytorch import nn


def test_batchnorm_output_has_zero_mean_unit_variance_per_channel_in_training():
    x = np.random.default_rng(0).normal(5.0, 3.0, (8, 3, 4, 4)).astype(np.float32)
    y = nn.BatchNorm2d(3)(tt.Tensor(x)).numpy()
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(y.var(axis=(0, 2, 3)), 1, atol=1e-3)


def test_batchnorm_tracks_running_statistics_and_uses_them_in_eval():
    bn = nn.BatchNorm2d(2, momentum=0.5)
    x = np.random.default_rng(1).normal(2.0, 1.0, (16, 2, 3, 3)).astype(np.float32)
    bn(tt.Tensor(x))
    expected_mean = 0.5 * x.mean(axis=(0, 2, 3))
    np.testing.assert_allclose(bn.running_mean.numpy(), expected_mean, rtol=1e-5)
    m = 16 * 9
    expected_var = 0.5 + 0.5 * x.var(axis=(0, 2, 3)) * m / (m - 1)
    np.testing.assert_allclose(bn.running_var.numpy(), expected_var, rtol=1e-5)
    bn.eval()
    y = bn(tt.Tensor(x)).numpy()
    manual = (x - expected_mean[None, :, None, None]) / np.sqrt(
        expected_var[None, :, None, None] + 1e-5)
    np.testing.assert_allclose(y, manual, rtol=1e-4, atol=1e-5)
    assert "running_mean" in bn.state_dict()


def test_layernorm_normalises_each_example_over_its_features():
    x = np.random.default_rng(2).normal(3.0, 2.0, (2, 5, 8)).astype(np.float32)
    y = nn.LayerNorm(8)(tt.Tensor(x)).numpy()
    np.testing.assert_allclose(y.mean(axis=-1), 0, atol=1e-5)
    np.testing.assert_allclose(y.std(axis=-1), 1, atol=1e-3)


@pytest.mark.parametrize("which", ["batch", "layer"])
def test_normalization_gradients_match_finite_differences(which):
    rng = np.random.default_rng(3)
    if which == "batch":
        x, w, b = rng.standard_normal((4, 2, 3, 3)), rng.standard_normal(2), \
            rng.standard_normal(2)
        fn = lambda x, w, b: nn.functional.batch_norm(x, None, None, w, b, training=True)  # noqa: E731
    else:
        x, w, b = rng.standard_normal((3, 4, 5)), rng.standard_normal(5), rng.standard_normal(5)
        fn = lambda x, w, b: nn.functional.layer_norm(x, (5,), w, b)  # noqa: E731
    assert tt.gradcheck(fn, x, w, b)


def test_dropout_zeroes_about_p_and_rescales_the_rest():
    tt.manual_seed(0)
    y = nn.Dropout(0.3)(tt.ones(10000)).numpy()
    assert abs((y == 0).mean() - 0.3) < 0.03
    np.testing.assert_allclose(y[y != 0], 1 / 0.7, rtol=1e-6)


def test_dropout_gradient_uses_the_same_mask():
    tt.manual_seed(1)
    x = tt.ones(100, requires_grad=True)
    y = nn.Dropout(0.5)(x)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.numpy())


def test_dropout_is_the_identity_in_eval_mode():
    d = nn.Dropout(0.9).eval()
    x = tt.ones(5)
    np.testing.assert_array_equal(d(x).numpy(), np.ones(5))
