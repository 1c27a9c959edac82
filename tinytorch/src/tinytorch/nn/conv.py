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
    # BEGIN SOLUTION
    # HINT: Sizes may be one int (the same for height and width) or a pair.
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))
    # END SOLUTION


def _out_size(size: int, k: int, s: int, p: int) -> int:
    # BEGIN SOLUTION
    # HINT: How many positions a window of size k fits at stride s in an input of `size` padded by
    # HINT: p on both sides: count the start positions. Check it on a 5-wide input, k = 3, s = 2, p
    # HINT: = 1 (answer 3).
    return (size + 2 * p - k) // s + 1
    # END SOLUTION


def _pad(x: np.ndarray, p: tuple[int, int], value: float = 0.0) -> np.ndarray:
    # BEGIN SOLUTION
    # HINT: Pad only the two spatial axes of (N, C, H, W), by p[0] rows and p[1] columns on each
    # HINT: side, with the given value (max pooling pads with -inf). No padding means no copy.
    if p == (0, 0):
        return x
    return np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])), constant_values=value)
    # END SOLUTION


def windows(x: np.ndarray, k: tuple[int, int], s: tuple[int, int]) -> np.ndarray:
    """Zero-copy view (N, C, Ho, Wo, kh, kw) of every kh x kw window at stride s."""
    # BEGIN SOLUTION
    # HINT: The heart of im2col, without copying a single pixel: a strided VIEW of shape (N, C, Ho,
    # HINT: Wo, kh, kw) where [n, c, i, j] is the window whose top-left corner is at (i*sh, j*sw).
    # HINT:
    # HINT: numpy's stride tricks give every stride-1 window of the last two axes at once; a stride
    # HINT: s keeps every s-th window position along each spatial axis.
    return sliding_window_view(x, k, axis=(2, 3))[:, :, ::s[0], ::s[1]]
    # END SOLUTION


def col2im(cols: np.ndarray, padded_shape: tuple[int, ...], k: tuple[int, int],
           s: tuple[int, int]) -> np.ndarray:
    """Adjoint of ``windows``: add each window's gradient, laid out (N, C, kh, kw, Ho, Wo),
    back onto the (padded) image.

    Windows overlap when stride < kernel, so contributions must ADD; looping over the kernel
    offsets (i, j) makes each addition a single strided slice of the whole batch.
    """
    # BEGIN SOLUTION
    # HINT: The adjoint of windows: each window's gradient, laid out (N, C, kh, kw, Ho, Wo), is
    # HINT: ADDED back to the pixels it came from. Windows overlap when the stride is smaller than
    # HINT: the kernel, so contributions add up.
    # HINT:
    # HINT: Do not loop over pixels. Loop over the kh x kw kernel offsets only: for offset (i, j)
    # HINT: the touched pixels form one strided slice of the image (every s-th row starting at i,
    # HINT: Ho of them; every s-th column starting at j), so each offset is one vectorised addition
    # HINT: over the whole batch.
    out = np.zeros(padded_shape, dtype=cols.dtype)
    ho, wo = cols.shape[4], cols.shape[5]
    for i in range(k[0]):
        for j in range(k[1]):
            out[:, :, i:i + s[0] * ho:s[0], j:j + s[1] * wo:s[1]] += cols[:, :, i, j]
    return out
    # END SOLUTION


def _unpad(x: np.ndarray, p: tuple[int, int]) -> np.ndarray:
    # BEGIN SOLUTION
    # HINT: Cut the padding off the two spatial axes again (the gradient of the padding itself is
    # HINT: discarded).
    if p == (0, 0):
        return x
    return x[:, :, p[0]:x.shape[2] - p[0], p[1]:x.shape[3] - p[1]]
    # END SOLUTION


def _check_4d(name: str, x: Tensor) -> None:
    # BEGIN SOLUTION
    # HINT: Convolution and pooling expect (N, C, H, W): anything else is a ValueError naming the
    # HINT: op and the shape it got.
    if x.ndim != 4:
        raise ValueError(f"{name}: expected input of shape (N, C, H, W), got {x.shape}")
    # END SOLUTION


# --------------------------------------------------------------------------- convolution
class Conv2dBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        # BEGIN SOLUTION
        # HINT: Forward was, for each image n, out[n] = W2 @ cols[n] (+ bias), with W2 the weight
        # HINT: as (O, C*kh*kw) and cols[n] (C*kh*kw, Ho*Wo) saved.
        # HINT:
        # HINT: Shapes give the answers. dW2 must be (O, C*kh*kw): from g[n] (O, Ho*Wo) and
        # HINT: cols[n], summed over the batch. dcols[n] must be (C*kh*kw, Ho*Wo): from W2 and
        # HINT: g[n]. The bias gradient is g summed over everything but the channel.
        # HINT:
        # HINT: dcols goes back onto the padded image through col2im (reshape it to (N, C, kh, kw,
        # HINT: Ho, Wo) first), and the padding comes off. Skip what is not needed; batched matmul
        # HINT: does all images at once.
        w = self.inputs[1]
        cols = self.saved["cols"]  # (N, C*kh*kw, Ho*Wo)
        n, o, ho, wo = grad.shape
        g = grad.reshape(n, o, ho * wo)
        w2 = w.data.reshape(o, -1)
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
        return (gx, gw, gb) if len(self.inputs) > 2 else (gx, gw)
        # END SOLUTION


def conv2d(x: Tensor, weight: Tensor, bias: Tensor | None = None,
           stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0) -> Tensor:
    """2-D cross-correlation (what every framework calls convolution) via im2col + matmul."""
    # BEGIN SOLUTION
    # HINT: Validate: a 4-D input, its channel count equal to the weight's in-channels, and a
    # HINT: kernel that fits inside the padded input (each a ValueError with both shapes).
    # HINT:
    # HINT: im2col: pad, take the window view, reorder it so each window becomes one COLUMN of
    # HINT: length C*kh*kw (N, C*kh*kw, Ho*Wo), and the whole convolution is one batched matrix
    # HINT: product with the weight as (O, C*kh*kw). The result is already channels-first; add the
    # HINT: bias per output channel and reshape to (N, O, Ho, Wo).
    # HINT:
    # HINT: Save the columns (backward reuses them), the padded shape, stride and padding.
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
    cols = windows(xp, (kh, kw), s).transpose(0, 1, 4, 5, 2, 3).reshape(n, c * kh * kw, ho * wo)
    out = np.matmul(weight.data.reshape(o, -1), cols)
    if bias is not None:
        out += bias.data[:, None]
    out = out.reshape(n, o, ho, wo)
    parents = (x, weight) if bias is None else (x, weight, bias)
    return _op(out, parents, Conv2dBackward, cols=cols, padded_shape=xp.shape, stride=s,
               padding=p)
    # END SOLUTION


class Conv2d(Module):
    """Learned filters over (N, C, H, W) images; weight (out, in, kh, kw) as in PyTorch."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int],
                 stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0,
                 bias: bool = True) -> None:
        # BEGIN SOLUTION
        # HINT: Normalise kernel, stride and padding to pairs and store them. Initialise like
        # HINT: PyTorch: weight (out, in, kh, kw) and bias (out,) uniform in +-1/sqrt(fan_in),
        # HINT: where fan_in = in_channels * kh * kw. Without bias, register it as absent.
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
        # END SOLUTION

    def forward(self, x: Tensor) -> Tensor:
        # BEGIN SOLUTION
        # HINT: The layer is the functional convolution with its own weights and settings.
        return conv2d(x, self.weight, self.bias, self.stride, self.padding)
        # END SOLUTION

    def extra_repr(self) -> str:
        # BEGIN SOLUTION
        # HINT: Show the channels, kernel size, stride and padding, as PyTorch prints a Conv2d.
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}")
        # END SOLUTION


# --------------------------------------------------------------------------- pooling
class MaxPoolBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        # BEGIN SOLUTION
        # HINT: Each output received its value from exactly one input in its window (the saved
        # HINT: argmax), so its gradient goes there and nowhere else.
        # HINT:
        # HINT: Build a one-hot over the kh*kw positions of every window carrying the gradient,
        # HINT: reorder it to the (N, C, kh, kw, Ho, Wo) layout col2im expects (overlapping windows
        # HINT: add), then cut the padding off.
        idx, k, s = self.saved["argmax"], self.saved["kernel"], self.saved["stride"]
        n, c, ho, wo = grad.shape
        win = np.zeros((n, c, ho, wo, k[0] * k[1]), dtype=grad.dtype)
        np.put_along_axis(win, idx[..., None], grad[..., None], axis=-1)
        win = win.reshape(n, c, ho, wo, k[0], k[1]).transpose(0, 1, 4, 5, 2, 3)
        gx = col2im(win, self.saved["padded_shape"], k, s)
        return (_unpad(gx, self.saved["padding"]),)
        # END SOLUTION


def max_pool2d(x: Tensor, kernel_size: int | tuple[int, int],
               stride: int | tuple[int, int] | None = None,
               padding: int | tuple[int, int] = 0) -> Tensor:
    """Largest value of each window (padding counts as -inf, as in PyTorch)."""
    # BEGIN SOLUTION
    # HINT: The stride defaults to the kernel size (non-overlapping windows). Pad with -inf so
    # HINT: padding never wins.
    # HINT:
    # HINT: Take the window view, flatten each window, find the position of its maximum, and read
    # HINT: the values there. Save those positions: the backward pass routes the gradient through
    # HINT: them.
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
    # END SOLUTION


class AvgPoolBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        # BEGIN SOLUTION
        # HINT: Every input of a window receives an equal share (1 / (kh*kw)) of that window's
        # HINT: gradient. Broadcast the shares into the (N, C, kh, kw, Ho, Wo) layout without
        # HINT: copying and let col2im add the overlaps; then cut the padding off.
        k, s = self.saved["kernel"], self.saved["stride"]
        share = grad / np.asarray(k[0] * k[1], dtype=grad.dtype)
        cols = np.broadcast_to(share[:, :, None, None], grad.shape[:2] + k + grad.shape[2:])
        gx = col2im(cols, self.saved["padded_shape"], k, s)
        return (_unpad(gx, self.saved["padding"]),)
        # END SOLUTION


def avg_pool2d(x: Tensor, kernel_size: int | tuple[int, int],
               stride: int | tuple[int, int] | None = None,
               padding: int | tuple[int, int] = 0) -> Tensor:
    """Mean of each window (zero padding is counted in the mean, as PyTorch's default)."""
    # BEGIN SOLUTION
    # HINT: As max_pool2d, but each output is the mean of its window (zero padding counts in the
    # HINT: mean, PyTorch's default); keep the input's dtype in the mean.
    _check_4d("avg_pool2d", x)
    k = _pair(kernel_size)
    s = _pair(stride) if stride is not None else k
    p = _pair(padding)
    xp = _pad(x.data, p)
    out = windows(xp, k, s).mean(axis=(-2, -1), dtype=xp.dtype)
    return _op(out, (x,), AvgPoolBackward, kernel=k, stride=s, padding=p,
               padded_shape=xp.shape)
    # END SOLUTION


class MaxPool2d(Module):
    def __init__(self, kernel_size: int | tuple[int, int],
                 stride: int | tuple[int, int] | None = None,
                 padding: int | tuple[int, int] = 0) -> None:
        # BEGIN SOLUTION
        # HINT: Store the kernel size, stride and padding.
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        # END SOLUTION

    def forward(self, x: Tensor) -> Tensor:
        # BEGIN SOLUTION
        # HINT: The functional max pooling with the stored settings.
        return max_pool2d(x, self.kernel_size, self.stride, self.padding)
        # END SOLUTION

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride or self.kernel_size}"


class AvgPool2d(MaxPool2d):
    def forward(self, x: Tensor) -> Tensor:
        # BEGIN SOLUTION
        # HINT: The functional average pooling with the stored settings.
        return avg_pool2d(x, self.kernel_size, self.stride, self.padding)
        # END SOLUTION
