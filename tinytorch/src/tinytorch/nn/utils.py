"""Gradient utilities (module 07): keep one bad batch from wrecking training."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..tensor import Tensor

__all__: list[str] = []  # used as tinytorch.nn.utils.clip_grad_norm_


def clip_grad_norm_(parameters: Iterable[Tensor] | Tensor, max_norm: float,
                    norm_type: float = 2.0) -> float:
    """Rescale all gradients together so their global norm is at most ``max_norm``.

    Returns the norm before clipping (worth logging: spikes show instability). Scaling every
    gradient by the same factor keeps the update's direction and only shortens it.
    """
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return 0.0
    # BEGIN SOLUTION
    # HINT: total = (sum over grads of sum |g|^p) ** (1/p); for p = inf use the max |g|
    # HINT: if total > max_norm multiply every grad by max_norm / (total + 1e-6)
    if norm_type == float("inf"):
        total = max(float(np.abs(g.data).max()) for g in grads)
    else:
        total = float(sum(float(np.sum(np.abs(g.data) ** norm_type)) for g in grads)
                      ** (1.0 / norm_type))
    coef = max_norm / (total + 1e-6)
    if coef < 1.0:
        for g in grads:
            g.data = g.data * np.asarray(coef, dtype=g.data.dtype)
    # END SOLUTION
    return total
