"""Module 08 - Convolutions: Conv2d via im2col, max and average pooling."""

import numpy as np
import pytest

import tinytorch as tt
from tinytorch import nn


def naive_conv(x, w, b, stride, pad):
    """The six-loop definition, slow but obviously right (tiny inputs only)."""
    x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    ho, wo = (h - kh) // stride + 1, (wd - kw) // stride + 1
    out = np.zeros((n, o, ho, wo))
    for i in range(ho):
        for j in range(wo):
            patch = x[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            out[:, :, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out


@pytest.mark.parametrize("stride,pad", [(1, 0), (2, 1), (1, 2)])
def test_conv2d_matches_the_loop_definition(stride, pad):
    conv = nn.Conv2d(3, 4, 3, stride=stride, padding=pad)
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 6)).astype(np.float32)
    expected = naive_conv(x, conv.weight.numpy(), conv.bias.numpy(), stride, pad)
    np.testing.assert_allclose(conv(tt.Tensor(x)).numpy(), expected, rtol=1e-4, atol=1e-5)


def test_conv2d_output_shape_follows_the_formula():
    out = nn.Conv2d(1, 6, 5, padding=2)(tt.ones(8, 1, 28, 28))
    assert out.shape == (8, 6, 28, 28)
    assert nn.Conv2d(6, 16, 5)(tt.ones(8, 6, 14, 14)).shape == (8, 16, 10, 10)
    assert nn.Conv2d(3, 2, 3, stride=2)(tt.ones(1, 3, 9, 9)).shape == (1, 2, 4, 4)


def test_conv2d_gradients_match_finite_differences():
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal((2, 2, 5, 4)), rng.standard_normal((3, 2, 3, 2)), \
        rng.standard_normal(3)
    assert tt.gradcheck(lambda x, w, b: nn.functional.conv2d(x, w, b, stride=2, padding=1),
                        x, w, b)


def test_max_pool_picks_the_largest_of_each_window():
    x = tt.Tensor(np.arange(16.0).reshape(1, 1, 4, 4))
    np.testing.assert_array_equal(nn.MaxPool2d(2)(x).numpy(), [[[[5, 7], [13, 15]]]])


def test_max_pool_gradient_goes_only_to_the_winner():
    x = tt.Tensor(np.array([[[[1.0, 9.0], [3.0, 2.0]]]]), requires_grad=True)
    nn.MaxPool2d(2)(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[[[0, 1], [0, 0]]]])


def test_avg_pool_averages_each_window_and_spreads_the_gradient():
    x = tt.Tensor(np.arange(16.0).reshape(1, 1, 4, 4), requires_grad=True)
    out = nn.AvgPool2d(2)(x)
    np.testing.assert_allclose(out.numpy(), [[[[2.5, 4.5], [10.5, 12.5]]]])
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full((1, 1, 4, 4), 0.25))


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_overlapping_pools_gradcheck(kind):
    x = np.random.default_rng(2).permutation(50).reshape(1, 2, 5, 5) / 10.0
    fn = nn.functional.max_pool2d if kind == "max" else nn.functional.avg_pool2d
    assert tt.gradcheck(lambda t: fn(t, 3, 2, 1), x)


def test_a_lenet_style_cnn_runs_and_learns_a_bit():
    tt.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(4 * 4 * 4, 2))
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 1, 8, 8)).astype(np.float32)
    x[:16, :, :4] += 2.0  # class 0: bright top half
    y = np.array([0] * 16 + [1] * 16)
    from tinytorch import optim
    opt = optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(30):
        opt.zero_grad()
        loss = nn.CrossEntropyLoss()(model(tt.Tensor(x)), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.2 * losses[0]
