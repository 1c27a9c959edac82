"""Linear and activation layers (module 04): the first layers with weights.

``Linear`` computes y = x W^T + b with W stored as (out_features, in_features), PyTorch's
layout, so weights copy between the two frameworks unchanged. It is ONE recorded op with its
own backward (a fused kernel) rather than transpose + matmul + add: three graph nodes become
one, and the gradient of W is a single BLAS call on the flattened batch.
"""

from __future__ import annotations

import math

import numpy as np

from .. import activations as A
from ..autograd import Function
from ..tensor import Tensor, _op, _rng
from .module import Module, Parameter


class LinearBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        x, w = self.inputs[0], self.inputs[1]
        g2 = grad.reshape(-1, grad.shape[-1])
        # BEGIN SOLUTION
        # HINT: y = x W^T + b over a batch flattened to rows:
        # HINT: dx = g W,  dW = g^T x,  db = sum of g over the rows
        gx = (g2 @ w.data).reshape(x.data.shape) if self.needs[0] else None
        gw = g2.T @ x.data.reshape(-1, x.data.shape[-1]) if self.needs[1] else None
        gb = g2.sum(axis=0) if len(self.inputs) > 2 and self.needs[2] else None
        # END SOLUTION
        return (gx, gw, gb) if len(self.inputs) > 2 else (gx, gw)


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x @ weight.T + bias for x of shape (..., in_features)."""
    if x.shape[-1:] != weight.shape[1:]:
        raise ValueError(
            f"linear: input of shape {x.shape} does not match weight of shape "
            f"{weight.shape} (expected last input dim {weight.shape[1]})"
        )
    # BEGIN SOLUTION
    # HINT: flatten x to rows, out = rows @ weight.data.T (+ bias.data), restore the leading
    # HINT: shape; record LinearBackward with the parents (x, weight) or (x, weight, bias)
    x2 = x.data.reshape(-1, x.shape[-1])  # one big GEMM instead of one per batch item
    out = (x2 @ weight.data.T).reshape(x.shape[:-1] + (weight.shape[0],))
    if bias is None:
        return _op(out, (x, weight), LinearBackward)
    out += bias.data
    return _op(out, (x, weight, bias), LinearBackward)
    # END SOLUTION


def uniform_(shape: tuple[int, ...], bound: float) -> np.ndarray:
    """U(-bound, bound) samples from the default generator, float32."""
    return _rng().uniform(-bound, bound, size=shape).astype(np.float32)


class Linear(Module):
    """Fully connected layer. Initialised like PyTorch: U(-1/sqrt(in), 1/sqrt(in))."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True) -> None:
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        bound = 1.0 / math.sqrt(in_features)
        self.weight = Parameter(uniform_((out_features, in_features), bound))
        if bias:
            self.bias = Parameter(uniform_((out_features,), bound))
        else:
            self.register_parameter("bias", None)

    def forward(self, x: Tensor) -> Tensor:
        return linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, " \
               f"bias={self.bias is not None}"


class Identity(Module):
    def forward(self, x: Tensor) -> Tensor:
        return x


class Flatten(Module):
    """Flatten all dimensions from ``start_dim`` on (default: keep the batch dimension)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Tensor) -> Tensor:
        return x.flatten(self.start_dim, self.end_dim)


class ReLU(Module):
    def forward(self, x: Tensor) -> Tensor:
        return A.relu(x)


class LeakyReLU(Module):
    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x: Tensor) -> Tensor:
        return A.leaky_relu(x, self.negative_slope)


class Sigmoid(Module):
    def forward(self, x: Tensor) -> Tensor:
        return A.sigmoid(x)


class Tanh(Module):
    def forward(self, x: Tensor) -> Tensor:
        return A.tanh(x)


class GELU(Module):
    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        return A.gelu(x, self.approximate)


class Softmax(Module):
    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return A.softmax(x, self.dim)


class LogSoftmax(Softmax):
    def forward(self, x: Tensor) -> Tensor:
        return A.log_softmax(x, self.dim)
