"""Module 15 tests: every kernel computes the same answer; the fast ones really are faster."""

import numpy as np
import pytest
from tinytorch.acceleration import (
    conv2d_im2col,
    conv2d_naive,
    im2col,
    matmul_blas,
    matmul_naive,
    matmul_outer,
    matmul_speedups,
    matmul_tiled,
    time_kernel,
)

RNG = np.random.default_rng(15)


@pytest.mark.parametrize("shape", [(1, 1, 1), (5, 3, 7), (17, 33, 9), (40, 40, 40)])
@pytest.mark.parametrize("kernel", [matmul_naive, matmul_outer, matmul_tiled, matmul_blas])
def test_every_matmul_kernel_matches_numpy(kernel, shape):
    n, k, m = shape
    a = RNG.standard_normal((n, k)).astype(np.float32)
    b = RNG.standard_normal((k, m)).astype(np.float32)
    np.testing.assert_allclose(kernel(a, b), a @ b, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("tile", [1, 4, 7, 64, 1000])
def test_tiled_matmul_is_exact_for_tiles_that_do_not_divide_the_size(tile):
    a = RNG.standard_normal((23, 31))
    b = RNG.standard_normal((31, 19))
    np.testing.assert_allclose(matmul_tiled(a, b, tile=tile), a @ b, rtol=1e-10)


def test_kernels_accept_tensors():
    from tinytorch import Tensor

    a = Tensor([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_allclose(matmul_naive(a, a), [[7, 10], [15, 22]])


def test_mismatched_shapes_raise_value_error():
    with pytest.raises(ValueError, match="matmul"):
        matmul_outer(np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(ValueError, match="tile"):
        matmul_tiled(np.ones((2, 2)), np.ones((2, 2)), tile=0)


def test_conv_of_a_known_image_gives_the_hand_computed_answer():
    x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    w = np.ones((1, 1, 2, 2), dtype=np.float32)  # 2x2 box sum
    expected = np.array([[10, 18], [42, 50]], dtype=np.float32)  # stride 2
    np.testing.assert_allclose(conv2d_naive(x, w, stride=2)[0, 0], expected)
    np.testing.assert_allclose(conv2d_im2col(x, w, stride=2)[0, 0], expected)


@pytest.mark.parametrize(("stride", "padding"), [(1, 0), (1, 1), (2, 1), (3, 2)])
def test_im2col_convolution_matches_the_direct_loops(stride, padding):
    x = RNG.standard_normal((2, 3, 9, 8)).astype(np.float32)
    w = RNG.standard_normal((4, 3, 3, 2)).astype(np.float32)
    bias = RNG.standard_normal(4).astype(np.float32)
    slow = conv2d_naive(x, w, bias, stride=stride, padding=padding)
    fast = conv2d_im2col(x, w, bias, stride=stride, padding=padding)
    assert fast.shape == slow.shape == (2, 4, (9 + 2 * padding - 3) // stride + 1,
                                         (8 + 2 * padding - 2) // stride + 1)
    np.testing.assert_allclose(fast, slow, rtol=1e-4, atol=1e-4)


def test_im2col_rows_are_the_receptive_fields():
    x = np.arange(2 * 3 * 3, dtype=np.float32).reshape(1, 2, 3, 3)
    cols = im2col(x, 2, 2)
    assert cols.shape == (4, 8)
    np.testing.assert_array_equal(cols[0], [0, 1, 3, 4, 9, 10, 12, 13])
    np.testing.assert_array_equal(cols[3], [4, 5, 7, 8, 13, 14, 16, 17])


def test_conv_rejects_mismatched_channels_and_oversized_kernels():
    with pytest.raises(ValueError, match="equal C"):
        conv2d_im2col(np.ones((1, 2, 5, 5)), np.ones((1, 3, 3, 3)))
    with pytest.raises(ValueError, match="larger than"):
        conv2d_naive(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)))


def test_time_kernel_warms_up_then_reports_the_median_of_the_repeats():
    calls = []

    def slow_first_call():
        calls.append(1)
        if len(calls) == 1:
            import time

            time.sleep(0.05)

    t = time_kernel(slow_first_call, warmup=1, repeats=5)
    assert len(calls) == 6
    assert 0 <= t < 0.01  # the slow first call was the warm-up, not measured


def test_vectorised_kernels_are_much_faster_than_the_naive_loops():
    rows = {r["kernel"]: r for r in matmul_speedups(n=48, repeats=3)}
    assert rows["naive"]["speedup"] == 1.0
    # the margins are an order of magnitude below what any machine shows, to stay robust
    assert rows["outer"]["speedup"] > 3
    assert rows["blas"]["speedup"] > 20
    assert rows["tiled"]["speedup"] > 20
