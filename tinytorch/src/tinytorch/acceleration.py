"""Acceleration (module 15): the same maths, three to four orders of magnitude apart in speed.

Every kernel here computes exactly the same numbers. What changes is *who runs the loops*:
the Python interpreter (one bytecode dispatch per multiply-add), numpy (one C loop per call),
or an optimised BLAS library (blocked for the cache, vectorised for SIMD, multi-threaded). The
naive kernels are deliberately slow: they are the baseline that makes the speed-ups visible.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def _arr(x: Any) -> np.ndarray:
    """Accept Tensors (their ``.data`` array) or arrays; float64 stays float64, else float32."""
    # BEGIN SOLUTION
    # HINT: Accept Tensors or anything array-like; float32 and float64 stay as they are, every
    # HINT: other dtype becomes float32.
    if not isinstance(x, np.ndarray):
        x = np.asarray(getattr(x, "data", x))
    return x if x.dtype in (np.float32, np.float64) else x.astype(np.float32)
    # END SOLUTION


def _check_matmul(a: np.ndarray, b: np.ndarray) -> None:
    # BEGIN SOLUTION
    # HINT: Both must be matrices and the inner sizes must agree; otherwise a ValueError showing
    # HINT: both shapes.
    # HINT:
    # HINT: The message starts with "matmul".
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0]:
        raise ValueError(f"matmul needs (n, k) @ (k, m) matrices, got {a.shape} @ {b.shape}")
    # END SOLUTION


def matmul_naive(a: Any, b: Any) -> np.ndarray:
    """Three nested Python loops: the textbook definition, n*m*k interpreted multiply-adds."""
    # BEGIN SOLUTION
    # HINT: The definition, written as the interpreter would run it: for every output element, a
    # HINT: loop over the shared dimension accumulating products. n*m*k interpreted multiply-adds;
    # HINT: this is the baseline, so keep it honest (no numpy inside the loops). Indexing numpy
    # HINT: arrays element by element is even slower than Python lists: convert first.
    a, b = _arr(a), _arr(b)
    _check_matmul(a, b)
    n, k = a.shape
    m = b.shape[1]
    out = np.zeros((n, m), dtype=a.dtype)
    al, bl = a.tolist(), b.tolist()
    for i in range(n):
        row = al[i]
        for j in range(m):
            s = 0.0
            for p in range(k):
                s += row[p] * bl[p][j]
            out[i, j] = s
    return out
    # END SOLUTION


def matmul_outer(a: Any, b: Any) -> np.ndarray:
    """k rank-1 updates: one Python loop, each step a whole (n, m) numpy outer product."""
    # BEGIN SOLUTION
    # HINT: Reorganise the same sum: the product is the sum over p of the outer product of column p
    # HINT: of a and row p of b. One Python loop of k steps, each a whole (n, m) numpy operation.
    a, b = _arr(a), _arr(b)
    _check_matmul(a, b)
    out = np.zeros((a.shape[0], b.shape[1]), dtype=a.dtype)
    for p in range(a.shape[1]):
        out += np.outer(a[:, p], b[p, :])
    return out
    # END SOLUTION


def matmul_tiled(a: Any, b: Any, tile: int = 64) -> np.ndarray:
    """Blocked matmul: each (tile x tile) block of the output accumulates block products.

    A block of ``a``, ``b`` and ``out`` together fit in cache, so each loaded number is reused
    ``tile`` times instead of once. BLAS libraries do exactly this (several levels deep).
    """
    # BEGIN SOLUTION
    # HINT: A tile below 1 is a ValueError. Split all three dimensions into tiles. For each output
    # HINT: tile, accumulate the products of the matching tiles of a and b along the shared
    # HINT: dimension: three small blocks fit in cache together, so each loaded number is reused
    # HINT: many times.
    # HINT:
    # HINT: Edge tiles are smaller when the size is not a multiple of the tile; slicing past the
    # HINT: end just stops at the edge. Accumulate into a view of the output, not a copy.
    # HINT:
    # HINT: The message names the "tile".
    if tile < 1:
        raise ValueError(f"tile must be a positive integer, got {tile}")
    a, b = _arr(a), _arr(b)
    _check_matmul(a, b)
    n, k = a.shape
    m = b.shape[1]
    out = np.zeros((n, m), dtype=a.dtype)
    for i0 in range(0, n, tile):
        for j0 in range(0, m, tile):
            acc = out[i0 : i0 + tile, j0 : j0 + tile]
            for p0 in range(0, k, tile):
                acc += a[i0 : i0 + tile, p0 : p0 + tile] @ b[p0 : p0 + tile, j0 : j0 + tile]
    return out
    # END SOLUTION


def matmul_blas(a: Any, b: Any) -> np.ndarray:
    """numpy's ``@``, which calls the BLAS library it was built with."""
    # BEGIN SOLUTION
    # HINT: The baseline every kernel is compared against: numpy's matrix product, which calls
    # HINT: BLAS.
    a, b = _arr(a), _arr(b)
    _check_matmul(a, b)
    return a @ b
    # END SOLUTION


def _pad(x: np.ndarray, padding: int) -> np.ndarray:
    # BEGIN SOLUTION
    # HINT: Zero padding of the two spatial axes only.
    if padding == 0:
        return x
    return np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    # END SOLUTION


def _check_conv(x: np.ndarray, w: np.ndarray, stride: int, padding: int) -> tuple[int, int]:
    # BEGIN SOLUTION
    # HINT: x is (N, C, H, W), w is (F, C, kh, kw) with the same C; stride at least 1, padding not
    # HINT: negative; the kernel must fit in the padded input. Each violation is a ValueError with
    # HINT: the numbers. Return the output height and width.
    # HINT:
    # HINT: Wording the tests look for: "equal C" for the channel mismatch, "larger than" for a
    # HINT: kernel that does not fit.
    if x.ndim != 4 or w.ndim != 4 or x.shape[1] != w.shape[1]:
        raise ValueError(
            f"conv2d needs x (N, C, H, W) and w (F, C, kh, kw) with equal C, got {x.shape}, {w.shape}"
        )
    if stride < 1 or padding < 0:
        raise ValueError(f"stride must be >= 1 and padding >= 0, got {stride}, {padding}")
    oh = (x.shape[2] + 2 * padding - w.shape[2]) // stride + 1
    ow = (x.shape[3] + 2 * padding - w.shape[3]) // stride + 1
    if oh < 1 or ow < 1:
        raise ValueError(f"kernel {w.shape[2:]} is larger than the padded input {x.shape[2:]}")
    return oh, ow
    # END SOLUTION


def conv2d_naive(x: Any, w: Any, bias: Any = None, stride: int = 1, padding: int = 0) -> np.ndarray:
    """Direct convolution with Python loops over images, filters and output positions."""
    # BEGIN SOLUTION
    # HINT: The definition as loops: for each image, filter and output position, the sum of the
    # HINT: element-wise product of the filter with the input patch under it (top-left corner at
    # HINT: the position times the stride). The patch product may use numpy; the loops are the
    # HINT: point. Add the bias per filter at the end.
    x, w = _arr(x), _arr(w)
    oh, ow = _check_conv(x, w, stride, padding)
    xp = _pad(x, padding)
    n, f = x.shape[0], w.shape[0]
    kh, kw = w.shape[2:]
    out = np.zeros((n, f, oh, ow), dtype=x.dtype)
    for b in range(n):
        for o in range(f):
            for i in range(oh):
                for j in range(ow):
                    patch = xp[b, :, i * stride : i * stride + kh, j * stride : j * stride + kw]
                    out[b, o, i, j] = np.sum(patch * w[o])
    if bias is not None:
        out += _arr(bias).reshape(1, -1, 1, 1)
    return out
    # END SOLUTION


def im2col(x: Any, kh: int, kw: int, stride: int = 1, padding: int = 0) -> np.ndarray:
    """Every receptive field as a row: shape (N * OH * OW, C * kh * kw), no Python loops."""
    # BEGIN SOLUTION
    # HINT: Every receptive field becomes one row of a matrix: (N*OH*OW rows, C*kh*kw columns), row
    # HINT: order image, then output row, then output column; column order channel, then kernel
    # HINT: row, then kernel column (the order of a flattened filter).
    # HINT:
    # HINT: No Python loops: a zero-copy window view of the padded input, subsampled by the stride,
    # HINT: with the axes moved into that order before the final reshape (which copies once).
    x = _arr(x)
    xp = _pad(x, padding)
    win = sliding_window_view(xp, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]
    n, c, oh, ow = win.shape[:4]
    return win.transpose(0, 2, 3, 1, 4, 5).reshape(n * oh * ow, c * kh * kw)
    # END SOLUTION


def conv2d_im2col(
    x: Any, w: Any, bias: Any = None, stride: int = 1, padding: int = 0
) -> np.ndarray:
    """Convolution as ONE matrix multiply: im2col rows times the flattened filters."""
    # BEGIN SOLUTION
    # HINT: Check shapes and get the output size, then the whole convolution is ONE matrix product:
    # HINT: the im2col rows times the filters flattened to (C*kh*kw, F). The result is (N, OH, OW,
    # HINT: F) in row order; frameworks want (N, F, OH, OW). Add the bias per filter and return a
    # HINT: contiguous array.
    x, w = _arr(x), _arr(w)
    oh, ow = _check_conv(x, w, stride, padding)
    n, f = x.shape[0], w.shape[0]
    cols = im2col(x, w.shape[2], w.shape[3], stride, padding)
    out = (cols @ w.reshape(f, -1).T).reshape(n, oh, ow, f).transpose(0, 3, 1, 2)
    if bias is not None:
        out = out + _arr(bias).reshape(1, -1, 1, 1)
    return np.ascontiguousarray(out)
    # END SOLUTION


def time_kernel(fn: Callable[..., Any], *args: Any, warmup: int = 1, repeats: int = 5) -> float:
    """Median wall time of ``fn(*args)`` in seconds, after ``warmup`` untimed calls.

    Warm-up pays one-off costs (allocations, caches, lazy imports) outside the measurement;
    the median ignores the odd run slowed down by the operating system.
    """
    # BEGIN SOLUTION
    # HINT: Validate as measure_latency does, run untimed warm-up calls, time each repeat with a
    # HINT: monotonic clock and return the median in seconds.
    if repeats < 1 or warmup < 0:
        raise ValueError(f"need repeats >= 1 and warmup >= 0, got {repeats}, {warmup}")
    for _ in range(warmup):
        fn(*args)
    times = np.empty(repeats)
    for r in range(repeats):
        t0 = time.perf_counter()
        fn(*args)
        times[r] = time.perf_counter() - t0
    return float(np.median(times))
    # END SOLUTION


MATMUL_KERNELS: dict[str, Callable[..., np.ndarray]] = {
    "naive": matmul_naive,
    "outer": matmul_outer,
    "tiled": matmul_tiled,
    "blas": matmul_blas,
}


def matmul_speedups(n: int = 64, repeats: int = 3, seed: int = 0) -> list[dict[str, float | str]]:
    """Time every matmul kernel on (n, n) @ (n, n); report seconds, GFLOP/s and speed-up."""
    # BEGIN SOLUTION
    # HINT: The same random float32 (n, n) inputs for every kernel (seeded). Time each kernel in
    # HINT: the registry's order; the first one is the baseline. Each row: kernel name, seconds,
    # HINT: GFLOP/s (2 n^3 operations) and speed-up over the baseline.
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((n, n)).astype(np.float32)
    b = rng.standard_normal((n, n)).astype(np.float32)
    flops = 2.0 * n**3
    rows: list[dict[str, float | str]] = []
    base = None
    for name, fn in MATMUL_KERNELS.items():
        t = time_kernel(fn, a, b, warmup=1, repeats=repeats)
        base = base or t
        rows.append({"kernel": name, "seconds": t, "gflops": flops / t / 1e9, "speedup": base / t})
    return rows
    # END SOLUTION
