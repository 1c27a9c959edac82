"""The integer arithmetic of the TFLite int8 scheme, vectorised with numpy.

A real rescale factor `M` (for example `s_in * s_w / s_out`) becomes a 32-bit multiplier
`q` in [2^30, 2^31) and a power-of-two `shift`, so that `M = q * 2^(shift - 31)`; the device
then needs only integer multiply, add and shift. Each function here is the exact twin of one
C function in `kits/runtime/tinyrt.c`, including C's truncating division and arithmetic right
shift, so the Python reference and every compiled target agree bit for bit.
"""

from __future__ import annotations

import math

import numpy as np

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


def quantize_multiplier(m: float) -> tuple[int, int]:
    """`(q, shift)` with `m == q * 2**(shift - 31)` to 31 bits; `(0, 0)` for m == 0."""
    if m <= 0.0:
        return 0, 0
    frac, exp = math.frexp(m)
    q = round(frac * (1 << 31))
    if q == 1 << 31:
        q //= 2
        exp += 1
    if exp < -31:
        return 0, 0
    return int(q), int(exp)


def _trunc_div_pow2(x: np.ndarray, bits: int) -> np.ndarray:
    """C's `x / 2^bits` for int64 (rounds toward zero, unlike numpy's floor `>>`)."""
    return np.where(x >= 0, x >> bits, -((-x) >> bits))


def srdhm(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Saturating rounding doubling high multiply: the top 32 bits of 2*a*b, rounded."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    ab = a * b
    nudge = np.where(ab >= 0, 1 << 30, 1 - (1 << 30))
    out = _trunc_div_pow2(ab + nudge, 31)
    return np.where((a == INT32_MIN) & (b == INT32_MIN), INT32_MAX, out)


def rdbpot(x: np.ndarray, exponent: np.ndarray) -> np.ndarray:
    """Rounding divide by 2^exponent, ties away from zero."""
    x = np.asarray(x, dtype=np.int64)
    e = np.asarray(exponent, dtype=np.int64)
    mask = (np.int64(1) << e) - 1
    rem = x & mask
    threshold = (mask >> 1) + (x < 0)
    return (x >> e) + (rem > threshold)


def mbqm(x: np.ndarray, q: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """x * M in integers: saturate `x << left` to int32, high-multiply, then round-shift right."""
    shift = np.asarray(shift, dtype=np.int64)
    left, right = np.maximum(shift, 0), np.maximum(-shift, 0)
    scaled = np.clip(np.asarray(x, dtype=np.int64) << left, INT32_MIN, INT32_MAX)
    return rdbpot(srdhm(scaled, q), right)


def rounded_mean(total: np.ndarray, count: int) -> np.ndarray:
    """Average pooling's division: half away from zero, with C's truncating `/`."""
    t = np.asarray(total, dtype=np.int64)
    biased = np.where(t > 0, t + count // 2, t - count // 2)
    return np.where(biased >= 0, biased // count, -((-biased) // count))
