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
    # BEGIN SOLUTION
    # HINT: Each functional activation is a thin door onto the Tensor method of the same name
    # HINT: (module 01 did the maths, module 02 the gradient).
    return x.relu()
    # END SOLUTION


def sigmoid(x: Tensor) -> Tensor:
    """1 / (1 + e^-x): squashes to (0, 1), e.g. a probability."""
    # BEGIN SOLUTION
    # HINT: As relu(): hand over to the tensor's own stable sigmoid.
    return x.sigmoid()
    # END SOLUTION


def tanh(x: Tensor) -> Tensor:
    """Squashes to (-1, 1); zero-centred, unlike sigmoid."""
    # BEGIN SOLUTION
    # HINT: As relu().
    return x.tanh()
    # END SOLUTION


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """ReLU with a small slope for negative inputs, so no unit goes permanently silent."""
    # BEGIN SOLUTION
    # HINT: Positive inputs pass unchanged, negative ones are scaled by the slope (as a number in
    # HINT: the input's dtype, so float32 stays float32).
    # HINT:
    # HINT: Record it with the backward class below, saving the slope.
    return _op(np.where(x.data > 0, x.data, x.data * np.asarray(negative_slope, x.dtype)),
               (x,), _LeakyReluBackward, slope=negative_slope)
    # END SOLUTION


class _LeakyReluBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        # BEGIN SOLUTION
        # HINT: The slope of leaky ReLU is 1 where the input was positive and `slope` elsewhere;
        # HINT: scale the upstream gradient accordingly, in its own dtype.
        x = self.inputs[0].data
        return (np.where(x > 0, grad, grad * np.asarray(self.saved["slope"], grad.dtype)),)
        # END SOLUTION


# --------------------------------------------------------------------------- softmax
def _stable_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    # BEGIN SOLUTION
    # HINT: exp of a logit of 1000 overflows to inf, and inf/inf is nan. Softmax does not change if
    # HINT: you subtract the same number from every entry along the axis, so subtract the maximum:
    # HINT: the largest exponent becomes e^0 = 1 and nothing overflows.
    # HINT:
    # HINT: Then normalise by the sum along the same axis (keep the dimension so it broadcasts
    # HINT: back). Work in place where you can: this runs in every attention layer.
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    e /= e.sum(axis=axis, keepdims=True)
    return e
    # END SOLUTION


class SoftmaxBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        # BEGIN SOLUTION
        # HINT: The Jacobian of softmax is diag(y) - y y^T for each row y. Never build it (it is n
        # HINT: x n per row): multiply it by the upstream gradient on paper first and you get an
        # HINT: expression with one element-wise product, one sum along the axis and one
        # HINT: subtraction. Use the saved output y.
        y, axis = self.out, self.saved["axis"]
        return (y * (grad - (grad * y).sum(axis=axis, keepdims=True)),)
        # END SOLUTION


def softmax(x: Tensor, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """Probabilities along ``axis``: exp(x) / sum(exp(x)), computed without overflow."""
    # BEGIN SOLUTION
    # HINT: Accept axis or dim, compute the stable softmax of the data, and record it as one op
    # HINT: with its closed-form backward (saving the axis) instead of the five ops a composition
    # HINT: would record.
    axis = axis if dim is None else dim
    return _op(_stable_softmax(x.data, axis), (x,), SoftmaxBackward, axis=axis)
    # END SOLUTION


class LogSoftmaxBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        # BEGIN SOLUTION
        # HINT: log_softmax(x) = x - logsumexp(x). Its derivative applied to g: g minus softmax(x)
        # HINT: times the sum of g along the axis, and softmax(x) is simply the exponential of the
        # HINT: saved output.
        axis = self.saved["axis"]
        return (grad - np.exp(self.out) * grad.sum(axis=axis, keepdims=True),)
        # END SOLUTION


def log_softmax(x: Tensor, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """log(softmax(x)) as x - logsumexp(x): exact even where softmax underflows to 0."""
    # BEGIN SOLUTION
    # HINT: Why not log(softmax(x))? softmax underflows to exactly 0 for a very negative logit and
    # HINT: log(0) is -inf; the direct form stays finite.
    # HINT:
    # HINT: Shift by the row maximum (as in softmax), then subtract the log of the sum of
    # HINT: exponentials of the shifted values, keeping the reduced axis so shapes broadcast.
    axis = axis if dim is None else dim
    d = x.data
    shifted = d - d.max(axis=axis, keepdims=True)
    out = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    return _op(out, (x,), LogSoftmaxBackward, axis=axis)
    # END SOLUTION


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
    # BEGIN SOLUTION
    # HINT: numpy has no erf. Abramowitz & Stegun formula 7.1.26: for a = |z| and t = 1 / (1 + p
    # HINT: a), erf(a) is about 1 - (a1 t + a2 t^2 + a3 t^3 + a4 t^4 + a5 t^5) e^(-a^2), with p =
    # HINT: 0.3275911, a1 = 0.254829592, a2 = -0.284496736, a3 = 1.421413741, a4 = -1.453152027, a5
    # HINT: = 1.061405429.
    # HINT:
    # HINT: erf is odd: restore the sign of z at the end. Evaluate the polynomial from the highest
    # HINT: coefficient down (Horner). Return e^(-z^2) as well: GELU's backward needs it.
    # HINT:
    # HINT: Performance: this runs on every activation of every MLP, so reuse buffers in place
    # HINT: (numpy's out=). Edge case: a 0-d input; in-place ops need at least one dimension, so
    # HINT: work on a 1-D view and give back the original shape.
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
    # END SOLUTION


def erf(x: np.ndarray) -> np.ndarray:
    """The error function, vectorised, to float32 accuracy (see ``_erf_and_gauss``)."""
    # BEGIN SOLUTION
    # HINT: The public erf is the first of the pair the helper returns.
    return _erf_and_gauss(np.asarray(x))[0]
    # END SOLUTION


class GeluBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        # BEGIN SOLUTION
        # HINT: GELU is x Phi(x) with Phi the standard normal CDF, so its derivative is Phi(x) + x
        # HINT: phi(x), with phi(x) = e^(-x^2/2) / sqrt(2 pi). Both pieces were saved by the
        # HINT: forward pass (the CDF and the Gaussian factor).
        # HINT:
        # HINT: The tanh form: differentiate 0.5 x (1 + tanh(u)) with u = sqrt(2/pi) (x + 0.044715
        # HINT: x^3), reusing the saved tanh(u). Do the erf branch in place: it runs for every MLP
        # HINT: activation.
        x = self.inputs[0].data
        if self.saved["approximate"] == "tanh":
            t = self.saved["t"]
            d_inner = _SQRT_2_OVER_PI * (1.0 + 3 * 0.044715 * x * x)
            return (grad * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * d_inner),)
        cdf, gauss = self.saved["cdf"], self.saved["gauss"]
        d = x * gauss
        d *= _INV_SQRT_2PI
        d += cdf
        d *= grad
        return (d,)
        # END SOLUTION


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x): a smooth ReLU ("none" uses erf; "tanh" is GPT-2's approximation)."""
    # BEGIN SOLUTION
    # HINT: Only "none" (exact, via erf) and "tanh" (GPT-2's approximation) exist; anything else is
    # HINT: a ValueError naming the value.
    # HINT:
    # HINT: Exact form: Phi(x) = (1 + erf(x / sqrt 2)) / 2 and the output is x Phi(x); keep Phi(x)
    # HINT: and the Gaussian factor for backward. Tanh form: 0.5 x (1 + tanh(sqrt(2/pi)(x +
    # HINT: 0.044715 x^3))), keep the tanh. Keep the input's dtype; record GeluBackward with what
    # HINT: it needs.
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    d = x.data
    if approximate == "tanh":
        t = np.tanh(_SQRT_2_OVER_PI * (d + 0.044715 * d ** 3))
        out = 0.5 * d * (1.0 + t)
        return _op(out.astype(d.dtype, copy=False), (x,), GeluBackward, approximate="tanh",
                   t=t)
    cdf, gauss = _erf_and_gauss(d * _INV_SQRT_2)
    cdf += 1.0
    cdf *= 0.5
    out = d * cdf
    return _op(out, (x,), GeluBackward, approximate="none", cdf=cdf, gauss=gauss)
    # END SOLUTION
