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
    # BEGIN SOLUTION
    # HINT: Only "mean", "sum" and "none" exist; anything else is a ValueError naming the loss and
    # HINT: the value (a typo must not silently sum).
    # HINT:
    # HINT: The message must contain the word "reduction".
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{name}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    # END SOLUTION


def _reduce(values: np.ndarray, reduction: str) -> np.ndarray:
    # BEGIN SOLUTION
    # HINT: Per-element losses become one number (mean or sum, staying a 0-d array in their own
    # HINT: dtype) or stay as they are for "none".
    if reduction == "mean":
        return np.asarray(values.mean(), dtype=values.dtype)
    if reduction == "sum":
        return np.asarray(values.sum(), dtype=values.dtype)
    return values
    # END SOLUTION


def _reduced_grad(grad: np.ndarray, shape: tuple[int, ...], reduction: str, n: int) -> np.ndarray:
    """The upstream gradient per element: broadcast a scalar, and divide by N for a mean."""
    # BEGIN SOLUTION
    # HINT: Going backward through the reduction: for "none" the upstream gradient already has one
    # HINT: value per element; otherwise it is one number that every element received (broadcast
    # HINT: it), divided by N when the loss was a mean.
    if reduction == "none":
        return grad
    g = np.broadcast_to(grad, shape)
    return g / np.asarray(n, dtype=grad.dtype) if reduction == "mean" else g
    # END SOLUTION


# --------------------------------------------------------------------------- MSE
class MSEBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        # BEGIN SOLUTION
        # HINT: The derivative of (p - t)^2 in p is twice the difference; in t it is the negative
        # HINT: of that. Scale by the per-element upstream gradient from the reduction helper, and
        # HINT: skip the target's gradient unless it is needed.
        pred, target = self.inputs
        diff = pred.data - target.data
        g = _reduced_grad(grad, diff.shape, self.saved["reduction"], diff.size)
        gp = 2.0 * diff * g
        return gp, (-gp if self.needs[1] else None)
        # END SOLUTION


def mse_loss(pred: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Mean squared error: the average of (pred - target)^2."""
    # BEGIN SOLUTION
    # HINT: Validate the reduction and accept a non-Tensor target. Prediction and target must have
    # HINT: the SAME shape: (N, 1) against (N,) would broadcast to (N, N) and train on nonsense
    # HINT: without an error, so refuse it with a ValueError naming both shapes.
    # HINT:
    # HINT: Compute the squared differences, reduce them, and record one op with MSEBackward
    # HINT: (saving the reduction).
    _check_reduction("mse_loss", reduction)
    if not isinstance(target, Tensor):
        target = Tensor(target)
    if pred.shape != target.shape:
        raise ValueError(f"mse_loss: prediction shape {pred.shape} and target shape "
                         f"{target.shape} differ")
    diff = pred.data - target.data
    out = _reduce(diff * diff, reduction)
    return _op(out, (pred, target), MSEBackward, reduction=reduction)
    # END SOLUTION


# --------------------------------------------------------------------------- cross-entropy
class CrossEntropyBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        # BEGIN SOLUTION
        # HINT: For one row, the gradient of -log softmax(z)[t] with respect to z is softmax(z)
        # HINT: minus the one-hot vector of t: probabilities everywhere, probability minus one at
        # HINT: the target. The forward pass saved the probabilities.
        # HINT:
        # HINT: Scale each row by its upstream gradient: one value per row for "none", otherwise
        # HINT: the single value (divided by N for the mean). Do not modify the saved probabilities
        # HINT: in place (a retained graph would reuse them).
        probs, targets = self.saved["probs"], self.saved["targets"]
        reduction = self.saved["reduction"]
        n = targets.shape[0]
        g = probs.copy()
        g[np.arange(n), targets] -= 1.0
        if reduction == "none":
            g *= grad.reshape(-1, 1)
        else:
            scale = grad / n if reduction == "mean" else grad
            g *= scale.astype(g.dtype, copy=False)
        return (g.reshape(self.inputs[0].data.shape),)
        # END SOLUTION


def cross_entropy(logits: Tensor, targets: Tensor | np.ndarray, reduction: str = "mean") -> Tensor:
    """Cross-entropy of integer class ``targets`` under ``softmax(logits)``.

    ``logits`` is (N, C) or (..., C) with ``targets`` shaped like ``logits`` minus the last axis
    (e.g. (B, T, vocab) logits with (B, T) next-token ids).
    """
    # BEGIN SOLUTION
    # HINT: Validation first, each error naming the problem: the reduction; targets must be integer
    # HINT: class ids (float arrays holding whole numbers are accepted and converted); their shape
    # HINT: is the logits' shape without the last axis; every id lies in [0, C).
    # HINT:
    # HINT: Flatten to rows of C logits. Per row: loss = logsumexp(z) - z[target]. Compute it with
    # HINT: the max-shift trick so a logit of 1000 does not overflow, and keep the softmax
    # HINT: probabilities for backward (they fall out of the same computation).
    # HINT:
    # HINT: Reduce; for "none" give back the original leading shape. Record one op with the
    # HINT: probabilities, the flat targets and the reduction.
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
    shifted = z - z.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    s = e.sum(axis=1, keepdims=True)
    per_row = np.log(s[:, 0]) - shifted[np.arange(t.size), t]
    probs = e / s
    out = _reduce(per_row, reduction)
    if reduction == "none":
        out = out.reshape(logits.shape[:-1])
    return _op(out, (logits,), CrossEntropyBackward, probs=probs, targets=t, reduction=reduction)
    # END SOLUTION


# --------------------------------------------------------------------------- BCE with logits
class BCEWithLogitsBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        # BEGIN SOLUTION
        # HINT: The loss per element is softplus(x) - x y, so its derivative in x is sigmoid(x) -
        # HINT: y; compute sigmoid in a form that does not overflow for large |x|. The target's
        # HINT: derivative is -x. Both are scaled by the per-element upstream gradient.
        x, y = self.inputs
        g = _reduced_grad(grad, x.data.shape, self.saved["reduction"], x.data.size)
        sig = 0.5 * (1.0 + np.tanh(0.5 * x.data))
        gx = (sig - y.data) * g
        gy = -x.data * g if self.needs[1] else None
        return gx, gy
        # END SOLUTION


def binary_cross_entropy_with_logits(logits: Tensor, targets: Tensor,
                                     reduction: str = "mean") -> Tensor:
    """Binary cross-entropy on raw scores: max(x,0) - x*y + log(1 + e^-|x|), never overflows."""
    # BEGIN SOLUTION
    # HINT: On raw scores, log(sigmoid(x)) is fragile; rewrite the loss so that no exponential of a
    # HINT: large positive number appears: max(x, 0) - x y + log(1 + e^-|x|) (numpy has a log1p
    # HINT: that is exact for tiny arguments).
    # HINT:
    # HINT: Same checks as the other losses (reduction, equal shapes); the targets take the logits'
    # HINT: dtype.
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
    # END SOLUTION


# --------------------------------------------------------------------------- modules
class MSELoss(Module):
    def __init__(self, reduction: str = "mean") -> None:
        # BEGIN SOLUTION
        # HINT: A loss module only stores its reduction, validated now rather than at the first
        # HINT: call.
        super().__init__()
        _check_reduction("MSELoss", reduction)
        self.reduction = reduction
        # END SOLUTION

    def forward(self, pred: Tensor, target: Tensor) -> Tensor:
        # BEGIN SOLUTION
        # HINT: The module form calls the functional loss with the stored reduction.
        return mse_loss(pred, target, self.reduction)
        # END SOLUTION


class CrossEntropyLoss(MSELoss):
    def forward(self, logits: Tensor, targets: Tensor) -> Tensor:
        # BEGIN SOLUTION
        # HINT: As MSELoss, with cross-entropy.
        return cross_entropy(logits, targets, self.reduction)
        # END SOLUTION


class BCEWithLogitsLoss(MSELoss):
    def forward(self, logits: Tensor, targets: Tensor) -> Tensor:
        # BEGIN SOLUTION
        # HINT: As MSELoss, with binary cross-entropy on logits.
        return binary_cross_entropy_with_logits(logits, targets, self.reduction)
        # END SOLUTION
