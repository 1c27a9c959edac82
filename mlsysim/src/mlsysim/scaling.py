"""Scaling laws: Chinchilla compute-optimal sizing (Hoffmann et al. 2022)."""

from __future__ import annotations

import numpy as np

from ._units import ArrayLike, check_positive

#: Hoffmann et al. 2022, approach 3 fit: L(N, D) = E + A / N^alpha + B / D^beta
HOFFMANN = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}


def chinchilla(compute_flops: ArrayLike, tokens_per_param: float = 20.0) -> tuple[ArrayLike, ArrayLike]:
    """Compute-optimal (params, tokens) for a FLOP budget by the simple rule C = 6 N D, D = 20 N.

    Solving gives N = sqrt(C / 120); for Chinchilla's 5.76e23 FLOPs this is 69B params and
    1.4T tokens, the model Hoffmann et al. trained."""
    c = check_positive("compute_flops", compute_flops)
    r = check_positive("tokens_per_param", tokens_per_param)
    n = np.sqrt(np.asarray(c, dtype=float) / (6.0 * r))
    d = r * n
    if np.ndim(n) == 0:
        return float(n), float(d)
    return n, d


def chinchilla_tokens(params: ArrayLike, tokens_per_param: float = 20.0) -> ArrayLike:
    """Compute-optimal training tokens for a model of `params` parameters (D = 20 N)."""
    return check_positive("params", params) * tokens_per_param


def hoffmann_loss(params: ArrayLike, tokens: ArrayLike) -> ArrayLike:
    """Predicted pre-training loss from the Hoffmann et al. 2022 parametric fit (nats/token)."""
    n = np.asarray(check_positive("params", params), dtype=float)
    d = np.asarray(check_positive("tokens", tokens), dtype=float)
    k = HOFFMANN
    out = k["E"] + k["A"] / n ** k["alpha"] + k["B"] / d ** k["beta"]
    return float(out) if np.ndim(out) == 0 else out
