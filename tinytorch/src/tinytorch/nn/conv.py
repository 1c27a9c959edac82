"""Convolution and pooling (module 08): layers that know images are grids.

A convolution slides one small filter over every position. Written as loops that is six nested
``for``s and hopeless in Python. The standard trick is *im2col*: gather every receptive field
into one row of a matrix (numpy's ``sliding_window_view`` does it as a zero-copy strided view),
and the whole convolution becomes ONE matrix multiply - the BLAS call frameworks spend their
lives in. Backward scatters the column gradients back onto the image ("col2im"); the only
Python loop is over the kh*kw kernel offsets (25 for a 5x5 kernel), never over pixels.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..autograd import Function
from ..tensor import Tensor, _op
from .linear import uniform_
from .module import Module, Parameter

__all__ = ["AvgPool2d", "Conv2d", "MaxPool2d"]


def _pair(v: int | tuple[int, int]) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


def _out_size(size: int, k: int, s: int, p: int) -> int:
    return (size + 2 * p - k) // s + 1


def _pad(x: np.ndarray, p: tuple[int, int], value: float = 0.0) -> np.ndarray:
    if p == (0, 0):
        return x
    return np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])), constant_values=value)


def windows(x: np.ndarray, k: tuple[int, int], s: tuple[int, int]) -> np.ndarray:
    """Zero-copy view (N, C, Ho, Wo, kh, kw) of every kh x kw window at stride s."""
    # BEGIN SOLUTION
    # HINT: sliding_window_view(x, k, axis=(2, 3)) gives every stride-1 window;
    # HINT: keep every s-th one along the two output axes with [:, :, ::sh, ::sw]
    return sliding_window_view(x, k, axis=(2, 3))[:, :, ::s[0], ::s[1]]
    # END SOLUTION


def col2im(cols: np.ndarray, padded_shape: tuple[int, ...], k: tuple[int, int],
           s: tuple[int, int]) -> np.ndarray:
    """Adjoint of ``windows``: add each window's gradient, laid out (N, C, kh, kw, Ho, Wo),
    back onto the (padded) image.

    Windows overlap when stride < kernel, so contributions must ADD; looping over the kernel
    offsets (i, j) makes each addition a single strided slice of the whole batch.
    """
    out = np.zeros(padded_shape, dtype=cols.dtype)
    ho, wo = cols.shape[4], cols.shape[5]
    # BEGIN SOLUTION
    # HINT: for each kernel offset (i, j), the pixels touched are rows i, i+sh, ... (ho of them)
    # HINT: and columns j, j+sw, ...; add cols[:, :, i, j] into that strided slice
    for i in range(k[0]):
        for j in range(k[1]):
            out[:, :, i:i + s[0] * ho:s[0], j:j + s[1] * wo:s[1]] += cols[:, :, i, j]
    # END SOLUTION
    return out


def _unpad(x: np.ndarray, p: tuple[int, int]) -> np.ndarray:
    if p == (0, 0):
        return x
    return x[:, :, p[0]:x.shape[2] - p[0], p[1]:x.shape[3] - p[1]]


def _check_4d(name: str, x: Tensor) -> None:
    if x.ndim != 4:
        raise ValueError(f"{name}: expected input of shape (N, C, H, W), got {x.shape}")


# --------------------------------------------------------------------------- convolution
class Conv2dBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        w = self.inputs[1]
        cols = self.saved["cols"]  # (N, C*kh*kw, Ho*Wo)
        n, o, ho, wo = grad.shape
        g = grad.reshape(n, o, ho * wo)
        w2 = w.data.reshape(o, -1)
        # BEGIN SOLUTION
        # HINT: forward was out[n] = W2 @ cols[n] with W2 = w reshaped to (O, C*kh*kw), so
        # HINT: dW2 = sum over n of g[n] @ cols[n]^T,  dcols[n] = W2^T @ g[n],  db = sum of g;
        # HINT: dcols reshaped to (N, C, kh, kw, Ho, Wo) goes back onto the image with col2im
        gw = None
        if self.needs[1]:
            gw = np.matmul(g, cols.transpose(0, 2, 1)).sum(axis=0).reshape(w.data.shape)
        gb = g.sum(axis=(0, 2)) if len(self.inputs) > 2 and self.needs[2] else None
        gx = None
        if self.needs[0]:
            c, kh, kw = w.data.shape[1:]
            dcols = np.matmul(w2.T, g).reshape(n, c, kh, kw, ho, wo)
            gx = _unpad(col2im(dcols, self.saved["padded_shape"], (kh, kw), self.saved["stride"]),
                        self.saved["padding"])
        # END SOLUTION
        return (gx, gw, gb) if len(self.inputs) > 2 else (gx, gw)


def conv2d(x: Tensor, weight: Tensor, bias: Tensor | None = None,
           stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0) -> Tensor:
    """2-D cross-correlation (what every framework calls convolution) via im2col + matmul."""
    _check_4d("conv2d", x)
    s, p = _pair(stride), _pair(padding)
    o, c, kh, kw = weight.shape
    if x.shape[1] != c:
        raise ValueError(f"conv2d: input has {x.shape[1]} channels but the weight of shape "
                         f"{weight.shape} expects {c}")
    n, _, h, w = x.shape
    ho, wo = _out_size(h, kh, s[0], p[0]), _out_size(w, kw, s[1], p[1])
    if ho < 1 or wo < 1:
        raise ValueError(f"conv2d: kernel {(kh, kw)} is larger than the padded input {x.shape}")
    xp = _pad(x.data, p)
    # BEGIN SOLUTION
    # HINT: cols = windows(xp, (kh, kw), s) moved to (N, C, kh, kw, Ho, Wo) and reshaped to
    # HINT: (N, C*kh*kw, Ho*Wo); out = weight reshaped (O, C*kh*kw) @ cols, a batched matmul
    # HINT: giving (N, O, Ho*Wo) - already channels-first; add the bias per channel
    cols = windows(xp, (kh, kw), s).transpose(0, 1, 4, 5, 2, 3).reshape(n, c * kh * kw, ho * wo)
    out = np.matmul(weight.data.reshape(o, -1), cols)
    if bias is not None:
        out += bias.data[:, None]
    out = out.reshape(n, o, ho, wo)
    # END SOLUTION
    parents = (x, weight) if bias is None else (x, weight, bias)
    return _op(out, parents, Conv2dBackward, cols=cols, padded_shape=xp.shape, stride=s,
               padding=p)


class Conv2d(Module):
    """Learned filters over (N, C, H, W) images; weight (out, in, kh, kw) as in PyTorch."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int],
                 stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0,
                 bias: bool = True) -> None:
        super().__init__()
        kh, kw = _pair(kernel_size)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding = (kh, kw), _pair(stride), _pair(padding)
        bound = 1.0 / np.sqrt(in_channels * kh * kw)
        self.weight = Parameter(uniform_((out_channels, in_channels, kh, kw), bound))
        if bias:
            self.bias = Parameter(uniform_((out_channels,), bound))
        else:
            self.register_parameter("bias", None)

    def forward(self, x: Tensor) -> Tensor:
        return conv2d(x, self.weight, self.bias, self.stride, self.padding)

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}")


# --------------------------------------------------------------------------- pooling
class MaxPoolBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        idx, k, s = self.saved["argmax"], self.saved["kernel"], self.saved["stride"]
        n, c, ho, wo = grad.shape
        # BEGIN SOLUTION
        # HINT: each output's gradient goes to the one input that won its window:
        # HINT: one-hot it over the kh*kw window positions (put_along_axis), then col2im
        win = np.zeros((n, c, ho, wo, k[0] * k[1]), dtype=grad.dtype)
        np.put_along_axis(win, idx[..., None], grad[..., None], axis=-1)
        win = win.reshape(n, c, ho, wo, k[0], k[1]).transpose(0, 1, 4, 5, 2, 3)
        gx = col2im(win, self.saved["padded_shape"], k, s)
        # END SOLUTION
        return (_unpad(gx, self.saved["padding"]),)


def max_pool2d(x: Tensor, kernel_size: int | tuple[int, int],
               stride: int | tuple[int, int] | None = None,
               padding: int | tuple[int, int] = 0) -> Tensor:
    """Largest value of each window (padding counts as -inf, as in PyTorch)."""
    _check_4d("max_pool2d", x)
    k = _pair(kernel_size)
    s = _pair(stride) if stride is not None else k
    p = _pair(padding)
    xp = _pad(x.data, p, value=-np.inf)
    n, c = xp.shape[:2]
    win = windows(xp, k, s)
    ho, wo = win.shape[2], win.shape[3]
    flat = win.reshape(n, c, ho, wo, k[0] * k[1])
    idx = flat.argmax(axis=-1)
    out = np.take_along_axis(flat, idx[..., None], axis=-1)[..., 0]
    return _op(out, (x,), MaxPoolBackward, argmax=idx, kernel=k, stride=s, padding=p,
               padded_shape=xp.shape)


class AvgPoolBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        k, s = self.saved["kernel"], self.saved["stride"]
        share = grad / np.asarray(k[0] * k[1], dtype=grad.dtype)
        cols = np.broadcast_to(share[:, :, None, None], grad.shape[:2] + k + grad.shape[2:])
        gx = col2im(cols, self.saved["padded_shape"], k, s)
        return (_unpad(gx, self.saved["padding"]),)


def avg_pool2d(x: Tensor, kernel_size: int | tuple[int, int],
               stride: int | tuple[int, int] | None = None,
               padding: int | tuple[int, int] = 0) -> Tensor:
    """Mean of each window (zero padding is counted in the mean, as PyTorch's default)."""
    _check_4d("avg_pool2d", x)
    k = _pair(kernel_size)
    s = _pair(stride) if stride is not None else k
    p = _pair(padding)
    xp = _pad(x.data, p)
    out = windows(xp, k, s).mean(axis=(-2, -1), dtype=xp.dtype)
    return _op(out, (x,), AvgPoolBackward, kernel=k, stride=s, padding=p,
               padded_shape=xp.shape)


class MaxPool2d(Module):
    def __init__(self, kernel_size: int | tuple[int, int],
                 stride: int | tuple[int, int] | None = None,
                 padding: int | tuple[int, int] = 0) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    def forward(self, x: Tensor) -> Tensor:
        return max_pool2d(x, self.kernel_size, self.stride, self.padding)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride or self.kernel_size}"


class AvgPool2d(MaxPool2d):
    def forward(self, x: Tensor) -> Tensor:
        return avg_pool2d(x, self.kernel_size, self.stride, self.padding)
