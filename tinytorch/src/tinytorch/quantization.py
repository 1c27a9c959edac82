"""Quantization (module 16): store and compute with 8-bit integers instead of 32-bit floats.

An int8 weight takes a quarter of the bytes of a float32 one, so a quantized model is about 4x
smaller and moves 4x less data per forward pass — usually the bottleneck of inference. The cost
is rounding error. Affine quantization maps a float range [lo, hi] onto the 256 int8 codes:

    q = clip(round(x / scale) + zero_point, -128, 127),    x ~ scale * (q - zero_point)

Weights get one (scale, zero_point) per output channel, because rows of a weight matrix can
differ in range by orders of magnitude; activations get one per tensor, calibrated by running
representative data through the float model and recording the range each layer sees.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .autograd import no_grad
from .nn.linear import Linear
from .nn.module import Module
from .profiler import model_size_bytes
from .tensor import Tensor

QMIN, QMAX = -128, 127


def _np(x: Any) -> np.ndarray:
    # BEGIN SOLUTION
    # HINT: Tensors or arrays in, a float32 array out.
    return np.asarray(x.data if isinstance(x, Tensor) else x, dtype=np.float32)
    # END SOLUTION


def affine_params(lo: np.ndarray | float, hi: np.ndarray | float,
                  symmetric: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(scale, zero_point) mapping [lo, hi] onto int8; works elementwise on arrays of ranges.

    The range is widened to include 0 so that zero (padding, ReLU outputs, pruned weights) is
    represented exactly. Symmetric mode uses zero_point 0 and [-max|x|, max|x|].
    """
    # BEGIN SOLUTION
    # HINT: The range has already been widened to contain 0 (so zero is exact). Map it onto the 256
    # HINT: int8 codes.
    # HINT:
    # HINT: Symmetric (weights): the zero point is 0 and the scale makes the larger of |lo| and
    # HINT: |hi| land on 127. Affine (activations): the scale spreads hi - lo over all 255 steps,
    # HINT: and the zero point is the code that represents 0.0, rounded and kept inside the int8
    # HINT: range.
    # HINT:
    # HINT: Works elementwise, so one call handles every channel's range at once. Edge case: an
    # HINT: all-zero tensor has a zero range; never divide by a zero scale (use a tiny positive
    # HINT: floor). Return float32 scales and int32 zero points.
    lo = np.minimum(np.asarray(lo, dtype=np.float64), 0.0)
    hi = np.maximum(np.asarray(hi, dtype=np.float64), 0.0)
    if symmetric:
        scale = np.maximum(np.maximum(-lo, hi) / QMAX, 1e-12)
        zero = np.zeros_like(scale)
    else:
        scale = np.maximum((hi - lo) / (QMAX - QMIN), 1e-12)
        zero = np.clip(np.round(QMIN - lo / scale), QMIN, QMAX)
    return scale.astype(np.float32), zero.astype(np.int32)
    # END SOLUTION


def quantize(x: Any, scale: np.ndarray | float, zero_point: np.ndarray | int) -> np.ndarray:
    """Float values to int8 codes (scale and zero_point broadcast against ``x``)."""
    # BEGIN SOLUTION
    # HINT: Scale down, round to the nearest code, shift by the zero point, clip to [QMIN, QMAX]
    # HINT: (values outside the calibrated range saturate), store as int8. Scale and zero point
    # HINT: broadcast, so per-channel parameters with kept dimensions just work.
    q = np.round(_np(x) / scale) + zero_point
    return np.clip(q, QMIN, QMAX).astype(np.int8)
    # END SOLUTION


def dequantize(q: np.ndarray, scale: np.ndarray | float, zero_point: np.ndarray | int) -> np.ndarray:
    """int8 codes back to (approximate) float32 values."""
    # BEGIN SOLUTION
    # HINT: The inverse map, approximately: scale times (code minus zero point). Subtract in a
    # HINT: wider integer type first: int8 minus a zero point overflows silently.
    return (scale * (q.astype(np.int32) - zero_point)).astype(np.float32)
    # END SOLUTION


def quantize_per_tensor(x: Any, symmetric: bool = False) -> tuple[np.ndarray, float, int]:
    """One scale/zero-point for the whole tensor, from its min and max."""
    # BEGIN SOLUTION
    # HINT: One range for the whole tensor: its min and max give one scale and zero point. Return
    # HINT: the codes and the two numbers as plain Python values.
    a = _np(x)
    scale, zero = affine_params(a.min(), a.max(), symmetric)
    return quantize(a, scale, zero), float(scale), int(zero)
    # END SOLUTION


def quantize_per_channel(w: Any, axis: int = 0,
                         symmetric: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One scale/zero-point per slice along ``axis`` (per output channel for weights)."""
    # BEGIN SOLUTION
    # HINT: One range per slice along `axis` (per output channel of a weight): take min and max
    # HINT: over every OTHER axis, keeping dimensions so the parameters broadcast back against the
    # HINT: weight; negative axes count from the end.
    # HINT:
    # HINT: Why per channel: one row with large weights would otherwise force a coarse scale on
    # HINT: every row, and small rows would round to a handful of codes.
    a = _np(w)
    others = tuple(i for i in range(a.ndim) if i != axis % a.ndim)
    lo = a.min(axis=others, keepdims=True)
    hi = a.max(axis=others, keepdims=True)
    scale, zero = affine_params(lo, hi, symmetric)
    return quantize(a, scale, zero), scale, zero
    # END SOLUTION


class MinMaxObserver:
    """Tracks the running min and max of everything it has seen (for calibration)."""

    def __init__(self) -> None:
        # BEGIN SOLUTION
        # HINT: Nothing seen yet: the running minimum starts at +infinity and the maximum at
        # HINT: -infinity, so the first observation replaces both.
        self.lo = np.inf
        self.hi = -np.inf
        # END SOLUTION

    def observe(self, x: Any) -> None:
        # BEGIN SOLUTION
        # HINT: Widen the running range to include this batch's minimum and maximum (as Python
        # HINT: floats).
        a = _np(x)
        self.lo = min(self.lo, float(a.min()))
        self.hi = max(self.hi, float(a.max()))
        # END SOLUTION

    def params(self) -> tuple[float, int]:
        # BEGIN SOLUTION
        # HINT: An observer that never saw data cannot produce parameters: RuntimeError telling the
        # HINT: learner to run calibration batches. Otherwise the affine parameters of the observed
        # HINT: range, as a Python float and int.
        if not np.isfinite(self.lo):
            raise RuntimeError("observer has seen no data: run calibration batches first")
        scale, zero = affine_params(self.lo, self.hi)
        return float(scale), int(zero)
        # END SOLUTION


def integer_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Exact integer product of int8-range matrices, returned as int32.

    numpy has no fast integer GEMM (its integer matmul is a plain loop, ~50x slower than BLAS).
    Every partial sum here is an integer below 2**24 in magnitude whenever
    k * 255 * 128 < 2**24, and float32 represents all such integers exactly, so the float32 BLAS
    call then computes the SAME integers an int8 accelerator would — just on float hardware.
    """
    # BEGIN SOLUTION
    # HINT: An int8 accelerator multiplies int8 codes and accumulates in int32; numpy's integer
    # HINT: matmul is a slow plain loop.
    # HINT:
    # HINT: The trick: float32 represents every integer up to 2^24 exactly. If k * 255 * 128 stays
    # HINT: below 2^24, every partial sum does too, so a float32 BLAS product gives exactly the
    # HINT: same integers; convert to int32 afterwards. Otherwise fall back to an exact int64
    # HINT: product.
    k = a.shape[-1]
    if k * 255 * 128 < 2**24:
        return (a.astype(np.float32) @ b.astype(np.float32)).astype(np.int32)
    return a.astype(np.int64) @ b.astype(np.int64)
    # END SOLUTION


class QuantizedLinear(Module):
    """A Linear layer with int8 per-channel weights and int8 per-tensor inputs.

    The matmul runs on integers accumulated in int32, exactly as int8 hardware does; one
    float rescale per output channel at the end turns the sums back into activations.
    """

    def __init__(self, linear: Linear, input_scale: float, input_zero: int) -> None:
        # BEGIN SOLUTION
        # HINT: Copy the sizes, quantize the weight per output channel (symmetric), and keep the
        # HINT: int8 codes and the per-channel scales (flattened to (out,)) as buffers, not
        # HINT: Parameters: nothing here trains. Keep a copy of the float bias (or None) and the
        # HINT: input's calibrated scale and zero point.
        super().__init__()
        self.in_features, self.out_features = linear.in_features, linear.out_features
        q, scale, _ = quantize_per_channel(linear.weight.data, axis=0, symmetric=True)
        self.register_buffer("qweight", Tensor(q))  # int8 (out, in)
        self.register_buffer("weight_scale", Tensor(scale.reshape(-1)))  # float32 (out,)
        bias = None if linear.bias is None else Tensor(linear.bias.data.copy())
        self.register_buffer("bias", bias)
        self.input_scale, self.input_zero = float(input_scale), int(input_zero)
        # END SOLUTION

    def forward(self, x: Tensor) -> Tensor:
        # BEGIN SOLUTION
        # HINT: The int8 pipeline, as the hardware runs it: quantize the input with the calibrated
        # HINT: input parameters and remove its zero point (in int32), multiply by the transposed
        # HINT: int8 weight with integer accumulation.
        # HINT:
        # HINT: One float rescale per output channel brings the integer sums back to real values:
        # HINT: the input scale times each channel's weight scale (the weight's zero point is 0
        # HINT: because it is symmetric). Add the float bias; return a float32 Tensor.
        qx = quantize(x, self.input_scale, self.input_zero).astype(np.int32) - self.input_zero
        acc = integer_matmul(qx, self.qweight.data.T)
        y = acc.astype(np.float32) * (self.input_scale * self.weight_scale.data)
        if self.bias is not None:
            y = y + self.bias.data
        return Tensor(y.astype(np.float32))
        # END SOLUTION

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, int8"


def calibrate(model: Module, batches: Iterable[Any]) -> dict[str, MinMaxObserver]:
    """Run ``batches`` through the float model, recording the input range of every Linear."""
    # BEGIN SOLUTION
    # HINT: Static quantization needs each Linear's INPUT range. For every Linear in the model,
    # HINT: wrap its forward (on the instance) so it shows its input to a fresh observer, keyed by
    # HINT: the layer's dotted name.
    # HINT:
    # HINT: Run the batches through the model without recording a graph (make each batch a Tensor),
    # HINT: and restore every original forward afterwards even if a batch fails. Return the
    # HINT: observers. Careful with closures in a loop: each wrapper must capture ITS observer and
    # HINT: original forward.
    observers: dict[str, MinMaxObserver] = {}
    wrapped: list[Module] = []
    for name, mod in model.named_modules():
        if isinstance(mod, Linear):
            obs = observers[name] = MinMaxObserver()
            original = mod.forward

            def watching(x: Any, *a: Any, _o: MinMaxObserver = obs, _f: Callable = original,
                         **k: Any) -> Any:
                _o.observe(x)
                return _f(x, *a, **k)

            object.__setattr__(mod, "forward", watching)
            wrapped.append(mod)
    try:
        with no_grad():
            for batch in batches:
                model(batch if isinstance(batch, Tensor) else Tensor(batch))
    finally:
        for mod in wrapped:
            object.__delattr__(mod, "forward")
    return observers
    # END SOLUTION


def quantize_model(model: Module, calibration_batches: Iterable[Any]) -> Module:
    """A copy of ``model`` with every Linear replaced by a calibrated QuantizedLinear."""
    # BEGIN SOLUTION
    # HINT: Calibrate on the float model, then deep-copy it (the original stays usable for
    # HINT: comparison). Replace every observed Linear in the copy by a QuantizedLinear with that
    # HINT: layer's input parameters.
    # HINT:
    # HINT: Replace it in place in the parent's child registry: assigning a new attribute would
    # HINT: move the child to the end of a Sequential and reorder the network. Return the copy in
    # HINT: eval mode.
    observers = calibrate(model, calibration_batches)
    qmodel = copy.deepcopy(model)
    modules = dict(qmodel.named_modules())
    for name, obs in observers.items():
        parent_name, _, child = name.rpartition(".")
        parent = modules[parent_name]
        scale, zero = obs.params()
        q = QuantizedLinear(modules[name], scale, zero)
        # replace in place: re-assigning would move the child to the end of a Sequential
        parent._modules[child] = q
        object.__setattr__(parent, child, q)
    return qmodel.eval()
    # END SOLUTION


@dataclass(frozen=True)
class QuantizationReport:
    size_fp32: int
    size_int8: int
    accuracy_fp32: float
    accuracy_int8: float

    @property
    def compression(self) -> float:
        # BEGIN SOLUTION
        # HINT: How many times smaller the int8 model is.
        return self.size_fp32 / self.size_int8
        # END SOLUTION

    @property
    def accuracy_drop(self) -> float:
        # BEGIN SOLUTION
        # HINT: How much accuracy quantization cost (positive means worse).
        return self.accuracy_fp32 - self.accuracy_int8
        # END SOLUTION

    def table(self) -> str:
        # BEGIN SOLUTION
        # HINT: A three-line table (model, bytes, accuracy for fp32 and int8) and a summary line
        # HINT: with the compression factor and the signed accuracy change.
        return (f"{'model':<8}{'bytes':>10}{'accuracy':>10}\n"
                f"{'fp32':<8}{self.size_fp32:>10}{self.accuracy_fp32:>10.4f}\n"
                f"{'int8':<8}{self.size_int8:>10}{self.accuracy_int8:>10.4f}\n"
                f"{self.compression:.2f}x smaller, accuracy change {-self.accuracy_drop:+.4f}")
        # END SOLUTION


def accuracy(model: Module, x: Any, y: Any) -> float:
    """Fraction of rows whose argmax logit equals the integer label."""
    # BEGIN SOLUTION
    # HINT: Run the model without a graph, compare each row's argmax with the integer label and
    # HINT: return the fraction that match as a float.
    with no_grad():
        logits = model(x if isinstance(x, Tensor) else Tensor(x))
    labels = np.asarray(y.data if isinstance(y, Tensor) else y)
    return float((logits.data.argmax(axis=-1) == labels).mean())
    # END SOLUTION


def quantization_report(model: Module, qmodel: Module, x: Any, y: Any) -> QuantizationReport:
    """Size and accuracy of the float model next to its quantized copy."""
    # BEGIN SOLUTION
    # HINT: Measure both models the same way: stored bytes and accuracy on the same data.
    return QuantizationReport(model_size_bytes(model), model_size_bytes(qmodel),
                              accuracy(model, x, y), accuracy(qmodel, x, y))
    # END SOLUTION
