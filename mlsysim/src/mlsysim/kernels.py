"""Operator-level costs: one layer at a time, and chains of elementwise kernels fused or not.

The whole-model functions (forward_flops, transformer_ops) answer "how much"; these answer
"why": what a dense, convolutional or attention layer costs in parameters, FLOPs, bytes and
activation memory, and how much traffic a fused kernel saves. Conventions as in compute.py:
a multiply-add is 2 FLOPs; every tensor is read or written once from device memory (no reuse
across kernels), which is what an unfused framework does."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._units import ArrayLike, ResultMixin, check_positive, norm_precision, precision_bytes
from .errors import InvalidInputError
from .registry import Hardware, hardware

#: Host-side cost of launching one GPU kernel, seconds. CUDA launches cost a few microseconds
#: (NVIDIA, CUDA C++ Best Practices Guide); an order-of-magnitude default, measure yours.
DEFAULT_LAUNCH_S = 5e-6


@dataclass(frozen=True)
class LayerCost(ResultMixin):
    """Cost of one layer's forward pass for a batch (arrays broadcast over the inputs)."""

    kind: str
    precision: str
    params: ArrayLike
    flops: ArrayLike
    weight_bytes: ArrayLike
    activation_bytes: ArrayLike  # tensors this layer produces that backward keeps
    bytes_moved: ArrayLike  # weights + inputs + outputs (+ attention scores), once each
    intensity: ArrayLike

    _units = {"flops": "FLOP", "weight_bytes": "B", "activation_bytes": "B",
              "bytes_moved": "B", "intensity": "FLOP/B"}


def _cost(kind: str, precision: str, params, flops, act_elems, in_elems, extra_elems=0.0
          ) -> LayerCost:
    b = precision_bytes(precision)
    wb = np.asarray(params, dtype=float) * b
    moved = wb + b * (np.asarray(in_elems, float) + np.asarray(act_elems, float)
                      + np.asarray(extra_elems, float))
    flops = np.asarray(flops, dtype=float)
    out = (np.asarray(params, float), flops, wb, b * np.asarray(act_elems, float), moved,
           flops / moved)
    if all(np.ndim(x) == 0 for x in out):
        out = tuple(float(x) for x in out)
    return LayerCost(kind, norm_precision(precision), *out)


def dense_layer(in_features: ArrayLike, out_features: ArrayLike, batch: ArrayLike = 1,
                precision: str = "bf16", bias: bool = True) -> LayerCost:
    """A fully connected layer y = x W + b applied to `batch` input vectors.

    Each weight is used once per input row, so intensity grows with the batch: one row is
    matrix-vector work (about 1 FLOP per weight byte in bf16), many rows matrix-matrix."""
    i = check_positive("in_features", in_features, integer=True)
    o = check_positive("out_features", out_features, integer=True)
    n = check_positive("batch", batch, integer=True)
    params = np.asarray(i, float) * o + (o if bias else 0)
    return _cost("dense", precision, params, 2.0 * n * np.asarray(i, float) * o,
                 np.asarray(n, float) * o, np.asarray(n, float) * i)


def conv2d_layer(height: ArrayLike, width: ArrayLike, in_channels: ArrayLike,
                 out_channels: ArrayLike, kernel: ArrayLike = 3, stride: ArrayLike = 1,
                 batch: ArrayLike = 1, precision: str = "bf16",
                 depthwise: bool = False) -> LayerCost:
    """A 2-D convolution ('same' padding) on `batch` images of height x width x in_channels.

    A standard convolution reuses every weight at every output position, so even one image
    is matrix-matrix work; a depthwise one (out_channels = in_channels, one filter per
    channel) does k*k multiply-adds per output value and is usually memory-bound."""
    h = check_positive("height", height, integer=True)
    w = check_positive("width", width, integer=True)
    cin = check_positive("in_channels", in_channels, integer=True)
    cout = check_positive("out_channels", out_channels, integer=True)
    k = check_positive("kernel", kernel, integer=True)
    s = check_positive("stride", stride, integer=True)
    n = check_positive("batch", batch, integer=True)
    if depthwise and np.any(np.asarray(cin) != np.asarray(cout)):
        raise InvalidInputError("out_channels", "a depthwise convolution keeps the channel "
                                "count (out_channels must equal in_channels)")
    ho, wo = np.ceil(np.asarray(h, float) / s), np.ceil(np.asarray(w, float) / s)
    k2 = np.asarray(k, float) ** 2
    params = k2 * cout if depthwise else k2 * np.asarray(cin, float) * cout
    macs_per_out = k2 if depthwise else k2 * cin
    outs = np.asarray(n, float) * ho * wo * cout
    return _cost("depthwise conv" if depthwise else "conv", precision, params + cout,
                 2.0 * outs * macs_per_out, outs, np.asarray(n, float) * h * w * cin)


def attention_layer(seq_len: ArrayLike, d_model: ArrayLike, heads: ArrayLike,
                    batch: ArrayLike = 1, precision: str = "bf16") -> LayerCost:
    """Multi-head self-attention (Q, K, V and output projections plus the score matrix).

    Projections scale with tokens x d^2; scores and context with batch x heads x seq^2 x head
    width, so long sequences make attention's FLOPs and (unfused) memory quadratic."""
    s = check_positive("seq_len", seq_len, integer=True)
    d = check_positive("d_model", d_model, integer=True)
    h = check_positive("heads", heads, integer=True)
    n = check_positive("batch", batch, integer=True)
    if np.any(np.asarray(d) % np.asarray(h)):
        raise InvalidInputError("heads", "d_model must be divisible by the number of heads")
    tokens = np.asarray(n, float) * s
    d = np.asarray(d, float)
    params = 4 * d * d + 4 * d
    scores = np.asarray(n, float) * h * np.asarray(s, float) ** 2
    flops = 2.0 * tokens * 4 * d * d + 2.0 * 2 * tokens * np.asarray(s, float) * d
    # kept for backward: Q, K, V, context, output (5 x tokens x d) and the softmax scores
    acts = 5 * tokens * d + scores
    # the unfused score matrix is written and read back once more (softmax)
    return _cost("attention", precision, params, flops, acts, tokens * d, extra_elems=scores)


@dataclass(frozen=True)
class FusionResult(ResultMixin):
    """A chain of elementwise operations run as separate kernels or as one fused kernel."""

    hardware: str
    precision: str
    elements: ArrayLike
    ops: ArrayLike
    flops: ArrayLike
    unfused_bytes: ArrayLike
    fused_bytes: ArrayLike
    unfused_time_s: ArrayLike
    fused_time_s: ArrayLike
    launch_s: float
    speedup: ArrayLike
    unfused_launch_share: ArrayLike  # fraction of unfused time spent launching kernels
    bound: str | np.ndarray  # what limits the fused kernel: "memory", "compute" or "launch"

    _units = {"flops": "FLOP", "unfused_bytes": "B", "fused_bytes": "B",
              "unfused_time_s": "s", "fused_time_s": "s", "launch_s": "s"}


def elementwise_chain(hw: Hardware | str, elements: ArrayLike, ops: ArrayLike,
                      precision: str = "bf16", flops_per_op: float = 1.0,
                      launch_s: float = DEFAULT_LAUNCH_S) -> FusionResult:
    """Time `ops` elementwise operations over a tensor of `elements` values, unfused vs fused.

    Unfused, each op is its own kernel: it reads its input from device memory and writes its
    output back (2 x elements x bytes each) and pays one launch. Fused, the chain reads once,
    keeps intermediates in registers and writes once, with one launch. Each kernel takes
    max(compute, memory) time on the roofline (the tensor peak is an upper bound for
    elementwise arithmetic, which is memory-bound in practice)."""
    h = hardware(hw)
    n = np.asarray(check_positive("elements", elements, integer=True), dtype=float)
    k = np.asarray(check_positive("ops", ops, integer=True), dtype=float)
    check_positive("flops_per_op", flops_per_op)
    check_positive("launch_s", launch_s, allow_zero=True)
    b = precision_bytes(precision)
    peak, bw = h.peak(precision), h.memory_bw
    per_op_bytes = 2.0 * n * b
    per_op_flops = flops_per_op * n
    kernel_t = np.maximum(per_op_flops / peak, per_op_bytes / bw)
    unfused_t = k * (kernel_t + launch_s)
    fused_work = np.maximum(k * per_op_flops / peak, per_op_bytes / bw)
    fused_t = fused_work + launch_s
    bound = np.where(launch_s > fused_work, "launch",
                     np.where(k * per_op_flops / peak > per_op_bytes / bw, "compute", "memory"))
    out = (n, k, k * per_op_flops, k * per_op_bytes, per_op_bytes, unfused_t, fused_t)
    share = k * launch_s / unfused_t
    if all(np.ndim(x) == 0 for x in out):
        return FusionResult(h.name, norm_precision(precision), *(float(x) for x in out),
                            float(launch_s), float(unfused_t / fused_t), float(share),
                            str(bound))
    return FusionResult(h.name, norm_precision(precision), *out, float(launch_s),
                        unfused_t / fused_t, share, bound)
