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
        # BEGIN SOLUTION
        # HINT: Forward was y = x W^T + b with x flattened to rows (N, in), W (out, in), y (N,
        # HINT: out).
        # HINT:
        # HINT: Check the shapes on paper: dx has x's shape (N, in) and comes from g and W; dW has
        # HINT: W's shape (out, in) and comes from g and the rows of x; db has b's shape (out,) and
        # HINT: is g summed over the rows. Restore dx to the original (..., in) shape.
        # HINT:
        # HINT: Skip the work for inputs that need no gradient; the bias is only an input when it
        # HINT: exists.
        x, w = self.inputs[0], self.inputs[1]
        g2 = grad.reshape(-1, grad.shape[-1])
        gx = (g2 @ w.data).reshape(x.data.shape) if self.needs[0] else None
        gw = g2.T @ x.data.reshape(-1, x.data.shape[-1]) if self.needs[1] else None
        gb = g2.sum(axis=0) if len(self.inputs) > 2 and self.needs[2] else None
        return (gx, gw, gb) if len(self.inputs) > 2 else (gx, gw)
        # END SOLUTION


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x @ weight.T + bias for x of shape (..., in_features)."""
    # BEGIN SOLUTION
    # HINT: The shapes first: the input's last dimension must equal the weight's in_features
    # HINT: (ValueError naming both shapes).
    # HINT:
    # HINT: Flatten all leading dimensions into rows so the whole batch is one matrix product (one
    # HINT: BLAS call), multiply by the transposed weight, add the bias if any (in place: the
    # HINT: product is a fresh array), and give back the leading dimensions.
    # HINT:
    # HINT: Record it as ONE op with LinearBackward, whose inputs are (x, weight) or (x, weight,
    # HINT: bias).
    if x.shape[-1:] != weight.shape[1:]:
        raise ValueError(
            f"linear: input of shape {x.shape} does not match weight of shape "
            f"{weight.shape} (expected last input dim {weight.shape[1]})"
        )
    x2 = x.data.reshape(-1, x.shape[-1])  # one big GEMM instead of one per batch item
    out = (x2 @ weight.data.T).reshape(x.shape[:-1] + (weight.shape[0],))
    if bias is None:
        return _op(out, (x, weight), LinearBackward)
    out += bias.data
    return _op(out, (x, weight, bias), LinearBackward)
    # END SOLUTION


def uniform_(shape: tuple[int, ...], bound: float) -> np.ndarray:
    """U(-bound, bound) samples from the default generator, float32."""
    # BEGIN SOLUTION
    # HINT: Samples in [-bound, bound) from the shared default generator (so manual_seed makes
    # HINT: initialisation repeatable), as float32.
    return _rng().uniform(-bound, bound, size=shape).astype(np.float32)
    # END SOLUTION


class Linear(Module):
    """Fully connected layer. Initialised like PyTorch: U(-1/sqrt(in), 1/sqrt(in))."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True) -> None:
        # BEGIN SOLUTION
        # HINT: Remember the sizes. PyTorch's initialisation: weight (out, in) and bias (out,) both
        # HINT: uniform in +-1/sqrt(in_features), which keeps the output's scale independent of the
        # HINT: width.
        # HINT:
        # HINT: Without bias, register the parameter as absent so the layer still has a `bias`
        # HINT: attribute.
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        bound = 1.0 / math.sqrt(in_features)
        self.weight = Parameter(uniform_((out_features, in_features), bound))
        if bias:
            self.bias = Parameter(uniform_((out_features,), bound))
        else:
            self.register_parameter("bias", None)
        # END SOLUTION

    def forward(self, x: Tensor) -> Tensor:
        # BEGIN SOLUTION
        # HINT: The layer is the functional form with its own weights.
        return linear(x, self.weight, self.bias)
        # END SOLUTION

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, " \
               f"bias={self.bias is not None}"


class Identity(Module):
    def forward(self, x: Tensor) -> Tensor:
        # BEGIN SOLUTION
        # HINT: Returns its input: a placeholder layer.
        return x
        # END SOLUTION


class Flatten(Module):
    """Flatten all dimensions from ``start_dim`` on (default: keep the batch dimension)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Tensor) -> Tensor:
        # BEGIN SOLUTION
        # HINT: Flatten between the stored dims (the batch dimension is kept by default).
        return x.flatten(self.start_dim, self.end_dim)
        # END SOLUTION


class ReLU(Module):
    def forward(self, x: Tensor) -> Tensor:
        # BEGIN SOLUTION
        # HINT: Each activation layer calls the functional activation from module 03.
        return A.relu(x)
        # END SOLUTION


class LeakyReLU(Module):
    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x: Tensor) -> Tensor:
        # BEGIN SOLUTION
        # HINT: The functional form with the stored slope.
        return A.leaky_relu(x, self.negative_slope)
        # END SOLUTION


class Sigmoid(Module):
    def forward(self, x: Tensor) -> Tensor:
        # BEGIN SOLUTION
        # HINT: As ReLU.
        return A.sigmoid(x)
        # END SOLUTION


class Tanh(Module):
    def forward(self, x: Tensor) -> Tensor:
        # BEGIN SOLUTION
        # HINT: As ReLU.
        return A.tanh(x)
        # END SOLUTION


class GELU(Module):
    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        # BEGIN SOLUTION
        # HINT: The functional GELU with the stored approximation.
        return A.gelu(x, self.approximate)
        # END SOLUTION


class Softmax(Module):
    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        # BEGIN SOLUTION
        # HINT: Softmax along the stored dim.
        return A.softmax(x, self.dim)
        # END SOLUTION


class LogSoftmax(Softmax):
    def forward(self, x: Tensor) -> Tensor:
        # BEGIN SOLUTION
        # HINT: log_softmax along the stored dim (the stable one, not log of softmax).
        return A.log_softmax(x, self.dim)
        # END SOLUTION
