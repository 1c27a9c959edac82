"""Properties of the systems modules (10, 15-17, 19) checked on many generated inputs."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from tinytorch.acceleration import conv2d_im2col, conv2d_naive, matmul_tiled
from tinytorch.benchmarking import pareto_front
from tinytorch.quantization import affine_params, dequantize, quantize
from tinytorch.tokenizers import BPETokenizer, merge_pair

TOK = BPETokenizer().train("the quick brown fox jumps over the lazy dog. " * 30 + "ünïcödé 数据 🙂", 330)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=80))
def test_bpe_round_trips_any_unicode_text(text):
    assert TOK.decode(TOK.encode(text)) == text


def _merge_reference(seq: list[int], pair: tuple[int, int], new: int) -> list[int]:
    out, i = [], 0
    while i < len(seq):
        if i + 1 < len(seq) and (seq[i], seq[i + 1]) == pair:
            out.append(new)
            i += 2
        else:
            out.append(seq[i])
            i += 1
    return out


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 3), max_size=40), st.integers(0, 3), st.integers(0, 3))
def test_vectorised_merge_equals_the_left_to_right_scan(seq, a, b):
    got = merge_pair(np.array(seq, dtype=np.int64), (a, b), 99).tolist()
    assert got == _merge_reference(seq, (a, b), 99)


@settings(max_examples=100, deadline=None)
@given(hnp.arrays(np.float32, st.integers(1, 50),
                  elements=st.floats(-1e3, 1e3, width=32, allow_nan=False)))
def test_quantization_error_is_at_most_half_a_step(x):
    scale, zero = affine_params(x.min(), x.max())
    err = np.abs(dequantize(quantize(x, scale, zero), scale, zero) - x)
    assert err.max() <= scale * 0.5 * (1 + 1e-3) + 1e-6


@settings(max_examples=100, deadline=None)
@given(hnp.arrays(np.int64, st.tuples(st.integers(1, 25), st.just(3)), elements=st.integers(0, 5)))
def test_pareto_front_is_exactly_the_undominated_points(points):
    front = set(pareto_front(points, (True, False, False)).tolist())
    q = points * np.array([1, -1, -1])
    for i in range(len(q)):
        dominated = np.any(np.all(q >= q[i], axis=1) & np.any(q > q[i], axis=1))
        assert (i in front) == (not dominated)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 20), st.integers(1, 20), st.integers(1, 20), st.integers(1, 9),
       st.integers(0, 2**31 - 1))
def test_tiled_matmul_equals_blas_for_any_shape_and_tile(n, k, m, tile, seed):
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal((n, k)), rng.standard_normal((k, m))
    np.testing.assert_allclose(matmul_tiled(a, b, tile), a @ b, rtol=1e-9, atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 3), st.integers(1, 2), st.integers(0, 2), st.integers(1, 3),
       st.integers(0, 2**31 - 1))
def test_im2col_conv_equals_direct_conv(k, stride, padding, channels, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((1, channels, 6, 5))
    w = rng.standard_normal((2, channels, k, k))
    np.testing.assert_allclose(conv2d_im2col(x, w, stride=stride, padding=padding),
                               conv2d_naive(x, w, stride=stride, padding=padding),
                               rtol=1e-9, atol=1e-9)
