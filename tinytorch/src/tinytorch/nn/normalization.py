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
    # HINT: xhat = (x - mean) * inv_std, where mean and variance are themselves functions of x. So
    # HINT: x reaches the output three ways: directly, through the mean and through the variance.
    # HINT:
    # HINT: The closed form combines them: the upstream gradient, minus its mean over the
    # HINT: normalised axes, minus xhat times the mean of (gradient times xhat); the whole scaled
    # HINT: by inv_std. Derive it once on paper for a single row; keep dimensions in the means so
    # HINT: they broadcast.
    mean_g = g.mean(axis=axes, keepdims=True)
    mean_gx = (g * xhat).mean(axis=axes, keepdims=True)
    return inv_std * (g - mean_g - xhat * mean_gx)
    # END SOLUTION


class NormBackward(Function):
    """Shared by batch and layer norm: inputs (x, weight?, bias?), affine on ``param_shape``."""

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        # BEGIN SOLUTION
        # HINT: Inputs are (x), (x, weight) or (x, weight, bias); return exactly one gradient per
        # HINT: input.
        # HINT:
        # HINT: The affine parameters: the weight's gradient is the upstream gradient times xhat,
        # HINT: the bias's the upstream gradient, both summed over every axis except the
        # HINT: parameter's (saved as param_axes) and reshaped to the parameter's shape.
        # HINT:
        # HINT: x: first undo the scale (multiply by the weight if there is one), then go through
        # HINT: the normalisation. With batch statistics use the closed form helper; with running
        # HINT: statistics mean and variance are constants, so only the inv_std scaling remains.
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
        # END SOLUTION


def _normalise(x: Tensor, mean: np.ndarray, var: np.ndarray, weight: Tensor | None,
               bias: Tensor | None, eps: float, axes: tuple[int, ...],
               param_axes: tuple[int, ...], bshape: tuple[int, ...],
               use_batch_stats: bool) -> Tensor:
    # BEGIN SOLUTION
    # HINT: Shared by batch and layer norm once the statistics are known: inv_std is 1 / sqrt(var +
    # HINT: eps) in x's dtype, xhat the centred and scaled input, then the optional affine
    # HINT: transform with the parameters reshaped to broadcast (bshape).
    # HINT:
    # HINT: Record one op with NormBackward, the parents being x and whichever parameters exist,
    # HINT: saving what backward needs (xhat, inv_std, the axes, the reshaped weight, which
    # HINT: statistics were used).
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
    # END SOLUTION


def batch_norm(x: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel (axis 1) over the batch and all positions.

    In training the batch statistics are used and the running estimates updated in place
    (unbiased variance, as PyTorch does); in eval the running estimates are used.
    """
    # BEGIN SOLUTION
    # HINT: One mean and variance per channel (axis 1), computed over the batch and every spatial
    # HINT: position. Use batch statistics in training (and whenever there are no running
    # HINT: estimates), the running estimates otherwise.
    # HINT:
    # HINT: The normalisation uses the biased variance of the batch, but the running estimate
    # HINT: follows PyTorch and stores the unbiased one (times m / (m - 1), with m values per
    # HINT: channel). Update the running estimates in place as an exponential moving average with
    # HINT: the given momentum.
    axes = (0,) + tuple(range(2, x.ndim))
    bshape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    use_batch = training or running_mean is None
    if use_batch:
        mean = x.data.mean(axis=axes, keepdims=True)
        var = x.data.var(axis=axes, keepdims=True)
        if training and running_mean is not None:
            m = x.data.size // x.shape[1]
            running_mean.data *= 1.0 - momentum
            running_mean.data += momentum * mean.reshape(-1)
            running_var.data *= 1.0 - momentum
            running_var.data += momentum * var.reshape(-1) * (m / max(m - 1, 1))
    else:
        mean = running_mean.data.reshape(bshape)
        var = running_var.data.reshape(bshape)
    return _normalise(x, mean, var, weight, bias, eps, axes, axes, bshape, use_batch)
    # END SOLUTION


def layer_norm(x: Tensor, normalized_shape: tuple[int, ...], weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise each example over its last ``len(normalized_shape)`` dimensions."""
    # BEGIN SOLUTION
    # HINT: Normalise each example over its last len(normalized_shape) dimensions, which must equal
    # HINT: normalized_shape (ValueError naming both shapes otherwise). Statistics over those axes;
    # HINT: the parameters vary along them and their gradients sum over the leading axes. There are
    # HINT: no running statistics.
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
    # END SOLUTION


class _BatchNorm(Module):
    expected_ndim: tuple[int, ...] = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1,
                 affine: bool = True, track_running_stats: bool = True) -> None:
        # BEGIN SOLUTION
        # HINT: With affine, a scale starting at ones and a shift at zeros (the layer starts as a
        # HINT: plain normalisation). Running mean and variance are buffers (saved, not trained)
        # HINT: starting at 0 and 1. Absent parts are registered as None.
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
        # END SOLUTION

    def forward(self, x: Tensor) -> Tensor:
        # BEGIN SOLUTION
        # HINT: Check the input: its number of dimensions must be one the subclass accepts and axis
        # HINT: 1 must have num_features channels (ValueError naming the layer, the expectation and
        # HINT: the shape). Then the functional batch norm with this layer's state and mode.
        name = type(self).__name__
        if x.ndim not in self.expected_ndim or x.shape[1] != self.num_features:
            raise ValueError(f"{name}: expected input with {self.num_features} channels in "
                             f"axis 1 and {' or '.join(map(str, self.expected_ndim))} dims, got "
                             f"shape {x.shape}")
        return batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                          self.training, self.momentum, self.eps)
        # END SOLUTION

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
        # BEGIN SOLUTION
        # HINT: normalized_shape may be an int (one trailing dimension) or a tuple. Scale at ones
        # HINT: and shift at zeros of that shape when affine, absent otherwise.
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
        # END SOLUTION

    def forward(self, x: Tensor) -> Tensor:
        # BEGIN SOLUTION
        # HINT: The functional layer norm with the stored shape, parameters and eps.
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        # END SOLUTION

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}"


# --------------------------------------------------------------------------- dropout
class DropoutBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        # BEGIN SOLUTION
        # HINT: The gradient passes through the same mask (scaled keep-or-zero) the forward pass
        # HINT: applied.
        return (grad * self.saved["mask"],)
        # END SOLUTION


def dropout(x: Tensor, p: float = 0.5, training: bool = True,
            generator: Generator | None = None) -> Tensor:
    """Zero each entry with probability p and scale the rest by 1/(1-p) ("inverted" dropout,
    so eval needs no rescaling)."""
    # BEGIN SOLUTION
    # HINT: p outside [0, 1] is a ValueError. In eval mode, or with p = 0, dropout is the identity;
    # HINT: with p = 1 everything is dropped.
    # HINT:
    # HINT: Inverted dropout: keep each entry with probability 1 - p and scale the kept ones by 1 /
    # HINT: (1 - p), so the expected value is unchanged and evaluation needs no rescaling. Build
    # HINT: the scaled mask once in x's dtype (random draws in float32 are cheaper), save it for
    # HINT: backward.
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    keep = _rng(generator).random(x.shape, dtype=np.float32) >= p
    mask = keep.astype(x.dtype) * np.asarray(1.0 / (1.0 - p), dtype=x.dtype)
    return _op(x.data * mask, (x,), DropoutBackward, mask=mask)
    # END SOLUTION


class Dropout(Module):
    def __init__(self, p: float = 0.5) -> None:
        # BEGIN SOLUTION
        # HINT: Validate p now (a ValueError at construction is clearer than at the first batch)
        # HINT: and store it.
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be in [0, 1], got {p}")
        self.p = p
        # END SOLUTION

    def forward(self, x: Tensor) -> Tensor:
        # BEGIN SOLUTION
        # HINT: The functional dropout with the stored p, active only in training mode.
        return dropout(x, self.p, self.training)
        # END SOLUTION

    def extra_repr(self) -> str:
        return f"p={self.p}"
