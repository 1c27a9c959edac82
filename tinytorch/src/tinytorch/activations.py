"""Activation functions (module 03): the non-linearities that make depth worth having.

A stack of linear layers is still one linear map; an element-wise non-linearity between them
is what lets a network bend its decision boundary. ReLU, sigmoid and tanh are single Tensor
ops already (module 01 forward, module 02 backward). The functions here are the ones where a
naive composition is slow or numerically fragile:

* softmax / log_softmax: exp of a large logit overflows, so subtract the row maximum first
  (it cancels in the ratio); each is ONE op with a closed-form backward instead of five.
* GELU: the smooth ReLU used by transformers, with an exact (erf) and a tanh form.
"""

from __future__ import annotations

import numpy as np

from .autograd import Function
from .tensor import Tensor, _op


def relu(x: Tensor) -> Tensor:
    """max(x, 0): cheap, and its gradient does not vanish for positive inputs."""
    return x.relu()


def sigmoid(x: Tensor) -> Tensor:
    """1 / (1 + e^-x): squashes to (0, 1), e.g. a probability."""
    return x.sigmoid()


def tanh(x: Tensor) -> Tensor:
    """Squashes to (-1, 1); zero-centred, unlike sigmoid."""
    return x.tanh()


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """ReLU with a small slope for negative inputs, so no unit goes permanently silent."""
    return _op(np.where(x.data > 0, x.data, x.data * np.asarray(negative_slope, x.dtype)),
               (x,), _LeakyReluBackward, slope=negative_slope)


class _LeakyReluBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        x = self.inputs[0].data
        return (np.where(x > 0, grad, grad * np.asarray(self.saved["slope"], grad.dtype)),)


# --------------------------------------------------------------------------- softmax
def _stable_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    # BEGIN SOLUTION
    # HINT: subtract the max along `axis` (keepdims=True) before exponentiating, so the
    # HINT: largest exponent is e^0 = 1 and nothing overflows; then divide by the row sum
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    e /= e.sum(axis=axis, keepdims=True)
    return e
    # END SOLUTION


class SoftmaxBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        y, axis = self.out, self.saved["axis"]
        # BEGIN SOLUTION
        # HINT: the Jacobian of softmax is diag(y) - y y^T, so dx = y * (g - sum(g * y))
        # HINT: with the sum along `axis` (keepdims=True) - no matrix is ever built
        return (y * (grad - (grad * y).sum(axis=axis, keepdims=True)),)
        # END SOLUTION


def softmax(x: Tensor, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """Probabilities along ``axis``: exp(x) / sum(exp(x)), computed without overflow."""
    axis = axis if dim is None else dim
    return _op(_stable_softmax(x.data, axis), (x,), SoftmaxBackward, axis=axis)


class LogSoftmaxBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        axis = self.saved["axis"]
        # BEGIN SOLUTION
        # HINT: log_softmax = x - logsumexp(x); its backward is g - softmax(x) * sum(g)
        # HINT: and softmax(x) = exp(out)
        return (grad - np.exp(self.out) * grad.sum(axis=axis, keepdims=True),)
        # END SOLUTION


def log_softmax(x: Tensor, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """log(softmax(x)) as x - logsumexp(x): exact even where softmax underflows to 0."""
    axis = axis if dim is None else dim
    d = x.data
    # BEGIN SOLUTION
    # HINT: shifted = x - max(x); out = shifted - log(sum(exp(shifted)))
    shifted = d - d.max(axis=axis, keepdims=True)
    out = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    # END SOLUTION
    return _op(out, (x,), LogSoftmaxBackward, axis=axis)


# --------------------------------------------------------------------------- GELU
_SQRT_2_OVER_PI = float(np.sqrt(2.0 / np.pi))
_INV_SQRT_2 = float(1.0 / np.sqrt(2.0))
_INV_SQRT_2PI = float(1.0 / np.sqrt(2.0 * np.pi))


def _erf_and_gauss(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """erf(z) and exp(-z^2), vectorised (numpy has no erf): Abramowitz & Stegun 7.1.26.

    Absolute error below 1.5e-7, i.e. at float32 resolution, which is all GELU needs. The
    Gaussian factor exp(-z^2) is computed anyway, and GELU's backward reuses it. Every step
    works in place on three buffers: this runs on every activation of every MLP.
    """
    shape = np.shape(z)
    z = np.atleast_1d(z)  # a 0-d input would decay to a numpy scalar, which has no out=
    a = np.abs(z)
    t = a * 0.3275911
    t += 1.0
    np.reciprocal(t, out=t)
    poly = t * 1.061405429
    for c in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        poly += c
        poly *= t
    np.square(a, out=a)
    np.negative(a, out=a)
    gauss = np.exp(a, out=a)
    poly *= gauss
    np.subtract(1.0, poly, out=poly)
    return np.copysign(poly, z, out=poly).reshape(shape), gauss.reshape(shape)


def erf(x: np.ndarray) -> np.ndarray:
    """The error function, vectorised, to float32 accuracy (see ``_erf_and_gauss``)."""
    return _erf_and_gauss(np.asarray(x))[0]


class GeluBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        x = self.inputs[0].data
        if self.saved["approximate"] == "tanh":
            t = self.saved["t"]
            d_inner = _SQRT_2_OVER_PI * (1.0 + 3 * 0.044715 * x * x)
            return (grad * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * d_inner),)
        cdf, gauss = self.saved["cdf"], self.saved["gauss"]
        # BEGIN SOLUTION
        # HINT: gelu(x) = x * Phi(x), so the derivative is Phi(x) + x * phi(x), with Phi the
        # HINT: normal CDF (saved as cdf) and phi(x) = exp(-x^2/2)/sqrt(2 pi) (gauss is the exp)
        d = x * gauss
        d *= _INV_SQRT_2PI
        d += cdf
        d *= grad
        return (d,)
        # END SOLUTION


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x): a smooth ReLU ("none" uses erf; "tanh" is GPT-2's approximation)."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    d = x.data
    if approximate == "tanh":
        t = np.tanh(_SQRT_2_OVER_PI * (d + 0.044715 * d ** 3))
        out = 0.5 * d * (1.0 + t)
        return _op(out.astype(d.dtype, copy=False), (x,), GeluBackward, approximate="tanh",
                   t=t)
    # BEGIN SOLUTION
    # HINT: Phi(x) = 0.5 * (1 + erf(x / sqrt 2)); out = x * Phi(x). Keep Phi(x) and the
    # HINT: Gaussian factor exp(-x^2/2) that _erf_and_gauss returns: backward needs both.
    cdf, gauss = _erf_and_gauss(d * _INV_SQRT_2)
    cdf += 1.0
    cdf *= 0.5
    out = d * cdf
    # END SOLUTION
    return _op(out, (x,), GeluBackward, approximate="none", cdf=cdf, gauss=gauss)
