"""Compression: what quantization and pruning do to size, speed and (a proxy for) quality.

Size and speed follow from bytes: a decode step at batch 1 streams every stored weight, so it
takes max(FLOPs / peak, bytes / bandwidth). Quality cannot be predicted without data, so we
give a transparent proxy instead: the relative RMS error the compression introduces in a
layer's weights, assuming Gaussian weights (a standard first-order model, e.g. Banner et al.
2019 for clipped uniform quantization). Read it as "how much noise", not as accuracy."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from statistics import NormalDist

import numpy as np

from ._units import ResultMixin, check_positive
from .errors import InvalidInputError
from .registry import Hardware, Model, hardware, model

_STD = NormalDist()
#: Metadata of 2:4 structured sparsity: a 2-bit position per kept value (NVIDIA Ampere format).
STRUCTURED_INDEX_BITS = 2.0
#: Unstructured sparsity stored as a bitmask over all positions (one bit per weight).
BITMASK_BITS = 1.0


@cache
def quantization_error(bits: int) -> float:
    """Relative RMS error of symmetric uniform quantization of N(0, 1) weights to `bits`,
    with the clipping range chosen to minimise it (clipping noise + rounding noise)."""
    bits = int(check_positive("bits", bits, integer=True))
    if bits >= 16:
        return 0.0
    levels = 2 ** bits - 1
    c = np.linspace(0.5, 8.0, 600)  # clip at c standard deviations
    tail = 1.0 - np.array([_STD.cdf(x) for x in c])
    pdf = np.exp(-c * c / 2) / math.sqrt(2 * math.pi)
    clip = 2.0 * ((1 + c * c) * tail - c * pdf)
    step = 2.0 * c / levels
    return float(math.sqrt(float(np.min(clip + step * step / 12.0))))


def pruning_error(sparsity: float) -> float:
    """Relative RMS error of magnitude pruning a fraction `sparsity` of N(0, 1) weights: the
    square root of the energy in the pruned (smallest) weights."""
    s = float(sparsity)
    if not 0.0 <= s < 1.0:
        raise InvalidInputError("sparsity", f"must be in [0, 1), got {sparsity!r}")
    if s == 0.0:
        return 0.0
    t = _STD.inv_cdf((1.0 + s) / 2.0)
    removed = s - 2.0 * t * math.exp(-t * t / 2) / math.sqrt(2 * math.pi)
    return math.sqrt(max(removed, 0.0))


@dataclass(frozen=True)
class CompressionResult(ResultMixin):
    """A model compressed to `bits` per weight with a fraction `sparsity` pruned."""

    model: str
    hardware: str
    bits: int
    sparsity: float
    structured: bool
    size_bytes: float
    fp16_size_bytes: float
    compression: float  # fp16 size / compressed size
    decode_step_s: float  # one token at batch 1
    fp16_decode_step_s: float
    speedup: float
    weight_error: float  # relative RMS error of the weights (quality proxy)
    weight_snr_db: float
    fits: bool
    reason: str

    _units = {"size_bytes": "B", "fp16_size_bytes": "B", "decode_step_s": "s",
              "fp16_decode_step_s": "s"}


def compressed_size_bytes(m: Model | str, bits: int, sparsity: float = 0.0,
                          structured: bool = False) -> float:
    """Bytes to store the weights: kept values at `bits` plus the index metadata sparsity
    needs (a bitmask when unstructured, 2-bit positions for 2:4 structured)."""
    m = model(m)
    bits = int(check_positive("bits", bits, integer=True))
    pruning_error(sparsity)  # validates the range
    if structured and sparsity not in (0.0, 0.5):
        raise InvalidInputError("sparsity", "2:4 structured sparsity keeps exactly half "
                                "the weights (sparsity 0.5)")
    kept = m.params * (1.0 - sparsity)
    index_bits = 0.0
    if sparsity > 0:
        index_bits = kept * STRUCTURED_INDEX_BITS if structured else m.params * BITMASK_BITS
    return (kept * bits + index_bits) / 8.0


def compress(m: Model | str, hw: Hardware | str, bits: int = 16, sparsity: float = 0.0,
             structured: bool = False) -> CompressionResult:
    """Size, batch-1 decode speed and weight-error proxy of a quantized and pruned model.

    Unstructured sparsity shrinks storage (and bytes streamed) but not the dense matrix
    multiply; 2:4 structured sparsity also halves the multiply on hardware that supports it.
    `fits` compares the compressed weights with the device's memory."""
    m, h = model(m), hardware(hw)
    if bits not in (4, 8, 16):
        raise InvalidInputError("bits", f"choose 4, 8 or 16 bits per weight, got {bits!r}")
    size = compressed_size_bytes(m, bits, sparsity, structured)
    fp16 = compressed_size_bytes(m, 16)
    fmt = {16: "fp16", 8: "int8", 4: "int4"}[bits]
    try:
        peak = h.peak(fmt)
    except InvalidInputError:
        peak = h.peak("fp16") if "fp16" in h.flops else max(h.flops.values())
    flops = 2.0 * m.active_params * (0.5 if structured and sparsity == 0.5 else 1.0)
    step = max(flops / peak, size / h.memory_bw)
    fp16_peak = h.flops.get("fp16", h.flops.get("bf16", max(h.flops.values())))
    fp16_step = max(2.0 * m.active_params / fp16_peak, fp16 / h.memory_bw)
    eq, ep = quantization_error(bits), pruning_error(sparsity)
    err = math.sqrt(eq * eq * (1.0 - ep * ep) + ep * ep)
    snr = float("inf") if err == 0 else -20.0 * math.log10(err)
    fits = size <= h.memory_bytes
    reason = "" if fits else (f"weights need {size / 1e9:,.2f} GB, {h.name} has "
                              f"{h.memory_bytes / 1e9:,.1f} GB")
    return CompressionResult(m.name, h.name, bits, float(sparsity), structured, size, fp16,
                             fp16 / size, step, fp16_step, fp16_step / step, err, snr, fits,
                             reason)
