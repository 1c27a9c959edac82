"""Losses (module 05): one number that says how wrong the model is, and which way to move.

Each loss is a single recorded op with a closed-form backward. Cross-entropy from logits is the
important case: computing softmax, then log, then picking the target is three ops and
overflows for large logits, while log-softmax via log-sum-exp is exact and its gradient is
simply (softmax - one_hot) / N.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from ..tensor import Tensor, _op
from .module import Module

__all__ = ["BCEWithLogitsLoss", "CrossEntropyLoss", "MSELoss"]

_REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(name: str, reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{name}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _reduce(values: np.ndarray, reduction: str) -> np.ndarray:
    if reduction == "mean":
        return np.asarray(values.mean(), dtype=values.dtype)
    if reduction == "sum":
        return np.asarray(values.sum(), dtype=values.dtype)
    return values


def _reduced_grad(grad: np.ndarray, shape: tuple[int, ...], reduction: str, n: int) -> np.ndarray:
    """The upstream gradient per element: broadcast a scalar, and divide by N for a mean."""
    if reduction == "none":
        return grad
    g = np.broadcast_to(grad, shape)
    return g / np.asarray(n, dtype=grad.dtype) if reduction == "mean" else g


# --------------------------------------------------------------------------- MSE
class MSEBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        pred, target = self.inputs
        diff = pred.data - target.data
        g = _reduced_grad(grad, diff.shape, self.saved["reduction"], diff.size)
        # BEGIN SOLUTION
        # HINT: d/dpred (pred - target)^2 = 2 (pred - target); the target gets the negative
        gp = 2.0 * diff * g
        return gp, (-gp if self.needs[1] else None)
        # END SOLUTION


def mse_loss(pred: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Mean squared error: the average of (pred - target)^2."""
    _check_reduction("mse_loss", reduction)
    if not isinstance(target, Tensor):
        target = Tensor(target)
    if pred.shape != target.shape:
        raise ValueError(f"mse_loss: prediction shape {pred.shape} and target shape "
                         f"{target.shape} differ")
    diff = pred.data - target.data
    out = _reduce(diff * diff, reduction)
    return _op(out, (pred, target), MSEBackward, reduction=reduction)


# --------------------------------------------------------------------------- cross-entropy
class CrossEntropyBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        probs, targets = self.saved["probs"], self.saved["targets"]
        reduction = self.saved["reduction"]
        n = targets.shape[0]
        # BEGIN SOLUTION
        # HINT: the gradient of -log softmax(z)[t] wrt z is softmax(z) - one_hot(t)
        # HINT: scale each row by its upstream gradient (divided by N for the mean)
        g = probs.copy()
        g[np.arange(n), targets] -= 1.0
        if reduction == "none":
            g *= grad.reshape(-1, 1)
        else:
            scale = grad / n if reduction == "mean" else grad
            g *= scale.astype(g.dtype, copy=False)
        # END SOLUTION
        return (g.reshape(self.inputs[0].data.shape),)


def cross_entropy(logits: Tensor, targets: Tensor | np.ndarray, reduction: str = "mean") -> Tensor:
    """Cross-entropy of integer class ``targets`` under ``softmax(logits)``.

    ``logits`` is (N, C) or (..., C) with ``targets`` shaped like ``logits`` minus the last axis
    (e.g. (B, T, vocab) logits with (B, T) next-token ids).
    """
    _check_reduction("cross_entropy", reduction)
    t = np.asarray(targets.data if isinstance(targets, Tensor) else targets)
    if t.dtype.kind not in "iu":
        if t.dtype.kind == "f" and np.all(t == np.round(t)):
            t = t.astype(np.int64)
        else:
            raise TypeError(f"cross_entropy: targets must be integer class ids, got {t.dtype}")
    if logits.shape[:-1] != t.shape:
        raise ValueError(f"cross_entropy: logits of shape {logits.shape} need targets of shape "
                         f"{logits.shape[:-1]}, got {t.shape}")
    c = logits.shape[-1]
    if t.size and (t.min() < 0 or t.max() >= c):
        raise ValueError(f"cross_entropy: target ids must be in [0, {c}), got values from "
                         f"{t.min()} to {t.max()}")
    z = logits.data.reshape(-1, c)
    t = t.reshape(-1)
    # BEGIN SOLUTION
    # HINT: log-sum-exp trick: shifted = z - max(z); logZ = log(sum(exp(shifted)))
    # HINT: loss per row = logZ - shifted[row, target]; keep softmax = exp(shifted)/sum for backward
    shifted = z - z.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    s = e.sum(axis=1, keepdims=True)
    per_row = np.log(s[:, 0]) - shifted[np.arange(t.size), t]
    probs = e / s
    # END SOLUTION
    out = _reduce(per_row, reduction)
    if reduction == "none":
        out = out.reshape(logits.shape[:-1])
    return _op(out, (logits,), CrossEntropyBackward, probs=probs, targets=t, reduction=reduction)


# --------------------------------------------------------------------------- BCE with logits
class BCEWithLogitsBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        x, y = self.inputs
        g = _reduced_grad(grad, x.data.shape, self.saved["reduction"], x.data.size)
        # BEGIN SOLUTION
        # HINT: d/dx [softplus(x) - x*y] = sigmoid(x) - y
        sig = 0.5 * (1.0 + np.tanh(0.5 * x.data))
        gx = (sig - y.data) * g
        # END SOLUTION
        gy = -x.data * g if self.needs[1] else None
        return gx, gy


def binary_cross_entropy_with_logits(logits: Tensor, targets: Tensor,
                                     reduction: str = "mean") -> Tensor:
    """Binary cross-entropy on raw scores: max(x,0) - x*y + log(1 + e^-|x|), never overflows."""
    _check_reduction("binary_cross_entropy_with_logits", reduction)
    if not isinstance(targets, Tensor):
        targets = Tensor(targets)
    if logits.shape != targets.shape:
        raise ValueError(f"binary_cross_entropy_with_logits: logits shape {logits.shape} and "
                         f"target shape {targets.shape} differ")
    x, y = logits.data, targets.data.astype(logits.dtype, copy=False)
    per = np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x)))
    return _op(_reduce(per, reduction), (logits, targets), BCEWithLogitsBackward,
               reduction=reduction)


# --------------------------------------------------------------------------- modules
class MSELoss(Module):
    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        _check_reduction("MSELoss", reduction)
        self.reduction = reduction

    def forward(self, pred: Tensor, target: Tensor) -> Tensor:
        return mse_loss(pred, target, self.reduction)


class CrossEntropyLoss(MSELoss):
    def forward(self, logits: Tensor, targets: Tensor) -> Tensor:
        return cross_entropy(logits, targets, self.reduction)


class BCEWithLogitsLoss(MSELoss):
    def forward(self, logits: Tensor, targets: Tensor) -> Tensor:
        return binary_cross_entropy_with_logits(logits, targets, self.reduction)
