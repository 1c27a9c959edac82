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
    # BEGIN SOLUTION
    # HINT: Accept one tensor or many; parameters without a gradient do not count, and with none at
    # HINT: all the norm is 0.
    # HINT:
    # HINT: The norm is over ALL gradients together, as if they were one long vector: the p-th root
    # HINT: of the sum of |g|^p; the infinity norm is the largest |g|.
    # HINT:
    # HINT: If it exceeds max_norm, scale every gradient by the same factor (max_norm over the
    # HINT: norm, with a tiny epsilon against division by zero) so the direction is kept and only
    # HINT: the length shrinks; keep each gradient's dtype. Return the norm measured BEFORE
    # HINT: clipping.
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return 0.0
    if norm_type == float("inf"):
        total = max(float(np.abs(g.data).max()) for g in grads)
    else:
        total = float(sum(float(np.sum(np.abs(g.data) ** norm_type)) for g in grads)
                      ** (1.0 / norm_type))
    coef = max_norm / (total + 1e-6)
    if coef < 1.0:
        for g in grads:
            g.data = g.data * np.asarray(coef, dtype=g.data.dtype)
    return total
    # END SOLUTION
