"""Normalisation and dropout (module 09): keep activations well-scaled, and regularise.

Deep nets train badly when each layer's inputs drift in scale. Normalisation re-centres and
re-scales them: BatchNorm over the batch (and spatial positions) per channel, LayerNorm over the
features of each example (what transformers use, since it does not depend on the batch).
Both are fused ops here: the backward of "subtract the mean, divide by the std" has a compact
closed form, much cheaper than differentiating the eight small ops it is made of.
Dropout zeroes random activations in training so no unit can rely on any single other one.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from ..tensor import Generator, Tensor, _op, _rng
from .module import Module, Parameter

__all__ = ["BatchNorm1d", "BatchNorm2d", "Dropout", "LayerNorm"]


def _norm_backward(g: np.ndarray, xhat: np.ndarray, inv_std: np.ndarray,
                   axes: tuple[int, ...]) -> np.ndarray:
    """Gradient through xhat = (x - mean) * inv_std, with mean/var over ``axes``.

    dx = inv_std * (g - mean(g) - xhat * mean(g * xhat)), the means over the normalised axes.
    """
    # BEGIN SOLUTION
    # HINT: three terms: the direct path g, minus its mean (through the mean), minus
    # HINT: xhat * mean(g * xhat) (through the variance); all scaled by inv_std
    mean_g = g.mean(axis=axes, keepdims=True)
    mean_gx = (g * xhat).mean(axis=axes, keepdims=True)
    return inv_std * (g - mean_g - xhat * mean_gx)
    # END SOLUTION


class NormBackward(Function):
    """Shared by batch and layer norm: inputs (x, weight?, bias?), affine on ``param_shape``."""

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        xhat, inv_std = self.saved["xhat"], self.saved["inv_std"]
        axes, param_axes = self.saved["axes"], self.saved["param_axes"]
        weight = self.saved["weight"]
        gw = gb = None
        if len(self.inputs) > 1:
            pshape = self.inputs[1].data.shape
            if self.needs[1]:
                gw = (grad * xhat).sum(axis=param_axes).reshape(pshape)
            if len(self.inputs) > 2 and self.needs[2]:
                gb = grad.sum(axis=param_axes).reshape(pshape)
        gx = None
        if self.needs[0]:
            gxhat = grad * weight if weight is not None else grad
            if self.saved["use_batch_stats"]:
                gx = _norm_backward(gxhat, xhat, inv_std, axes)
            else:
                gx = gxhat * inv_std  # running statistics are constants
        return (gx, gw, gb)[: len(self.inputs)]


def _normalise(x: Tensor, mean: np.ndarray, var: np.ndarray, weight: Tensor | None,
               bias: Tensor | None, eps: float, axes: tuple[int, ...],
               param_axes: tuple[int, ...], bshape: tuple[int, ...],
               use_batch_stats: bool) -> Tensor:
    inv_std = (1.0 / np.sqrt(var + eps)).astype(x.dtype, copy=False)
    xhat = (x.data - mean) * inv_std
    out = xhat
    w = None
    if weight is not None:
        w = weight.data.reshape(bshape)
        out = out * w
    if bias is not None:
        out = out + bias.data.reshape(bshape)
    parents = tuple(t for t in (x, weight, bias) if t is not None)
    return _op(out, parents, NormBackward, xhat=xhat, inv_std=inv_std, axes=axes,
               param_axes=param_axes, weight=w, use_batch_stats=use_batch_stats)


def batch_norm(x: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel (axis 1) over the batch and all positions.

    In training the batch statistics are used and the running estimates updated in place
    (unbiased variance, as PyTorch does); in eval the running estimates are used.
    """
    axes = (0,) + tuple(range(2, x.ndim))
    bshape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    use_batch = training or running_mean is None
    if use_batch:
        # BEGIN SOLUTION
        # HINT: mean and (biased) variance over `axes` with keepdims=True
        # HINT: running = (1 - momentum) * running + momentum * batch stat (variance unbiased:
        # HINT: times m/(m-1), m = elements per channel)
        mean = x.data.mean(axis=axes, keepdims=True)
        var = x.data.var(axis=axes, keepdims=True)
        if training and running_mean is not None:
            m = x.data.size // x.shape[1]
            running_mean.data *= 1.0 - momentum
            running_mean.data += momentum * mean.reshape(-1)
            running_var.data *= 1.0 - momentum
            running_var.data += momentum * var.reshape(-1) * (m / max(m - 1, 1))
        # END SOLUTION
    else:
        mean = running_mean.data.reshape(bshape)
        var = running_var.data.reshape(bshape)
    return _normalise(x, mean, var, weight, bias, eps, axes, axes, bshape, use_batch)


def layer_norm(x: Tensor, normalized_shape: tuple[int, ...], weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise each example over its last ``len(normalized_shape)`` dimensions."""
    nd = len(normalized_shape)
    if tuple(x.shape[-nd:]) != tuple(normalized_shape):
        raise ValueError(f"layer_norm: input of shape {x.shape} does not end in the normalized "
                         f"shape {tuple(normalized_shape)}")
    axes = tuple(range(x.ndim - nd, x.ndim))
    mean = x.data.mean(axis=axes, keepdims=True)
    var = x.data.var(axis=axes, keepdims=True)
    param_axes = tuple(range(x.ndim - nd))
    return _normalise(x, mean, var, weight, bias, eps, axes, param_axes,
                      tuple(normalized_shape), True)


class _BatchNorm(Module):
    expected_ndim: tuple[int, ...] = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1,
                 affine: bool = True, track_running_stats: bool = True) -> None:
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        if affine:
            self.weight = Parameter(np.ones(num_features, dtype=np.float32))
            self.bias = Parameter(np.zeros(num_features, dtype=np.float32))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(num_features, np.float32)))
            self.register_buffer("running_var", Tensor(np.ones(num_features, np.float32)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)

    def forward(self, x: Tensor) -> Tensor:
        name = type(self).__name__
        if x.ndim not in self.expected_ndim or x.shape[1] != self.num_features:
            raise ValueError(f"{name}: expected input with {self.num_features} channels in "
                             f"axis 1 and {' or '.join(map(str, self.expected_ndim))} dims, got "
                             f"shape {x.shape}")
        return batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                          self.training, self.momentum, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) images, per channel."""

    expected_ndim = (4,)


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) features or (N, C, L) sequences, per channel."""

    expected_ndim = (2, 3)


class LayerNorm(Module):
    def __init__(self, normalized_shape: int | tuple[int, ...], eps: float = 1e-5,
                 elementwise_affine: bool = True) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else \
            tuple(normalized_shape)
        self.normalized_shape, self.eps = shape, eps
        if elementwise_affine:
            self.weight = Parameter(np.ones(shape, dtype=np.float32))
            self.bias = Parameter(np.zeros(shape, dtype=np.float32))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, x: Tensor) -> Tensor:
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}"


# --------------------------------------------------------------------------- dropout
class DropoutBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        return (grad * self.saved["mask"],)


def dropout(x: Tensor, p: float = 0.5, training: bool = True,
            generator: Generator | None = None) -> Tensor:
    """Zero each entry with probability p and scale the rest by 1/(1-p) ("inverted" dropout,
    so eval needs no rescaling)."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    # BEGIN SOLUTION
    # HINT: keep = uniform random >= p; mask = keep / (1 - p) in x's dtype; out = x * mask
    keep = _rng(generator).random(x.shape, dtype=np.float32) >= p
    mask = keep.astype(x.dtype) * np.asarray(1.0 / (1.0 - p), dtype=x.dtype)
    return _op(x.data * mask, (x,), DropoutBackward, mask=mask)
    # END SOLUTION


class Dropout(Module):
    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be in [0, 1], got {p}")
        self.p = p

    def forward(self, x: Tensor) -> Tensor:
        return dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"
