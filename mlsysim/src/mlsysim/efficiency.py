"""How long one kernel takes on one device: the achieved-efficiency model.

The roofline says what a kernel could do; this module says what it does. Four structural
effects, each a closed form, and a handful of fitted numbers per device family:

- GEMMs run in output tiles of `tile_m x tile_n`, scheduled in waves over the device's SMs
  (compute units): a shape that leaves a tile or a wave part-empty wastes that part. A short
  reduction (`K`) pays the pipeline's fill and drain. Efficiency = fitted peak fraction x tile
  x wave x K terms. FP8/INT8 GEMMs reach their own (fitted) fraction of the doubled peak;
  weight-only INT4 multiplies in FP16 after dequantising each weight (a fixed extra cost).
- Fused (FlashAttention-style) attention reaches its own fitted fraction `attention` of the
  16-bit peak (FlashAttention-2, Dao 2023, reports 50-73% of A100 peak in the forward pass,
  below what large GEMMs reach: the softmax and its rescaling run on the slower vector
  units between the matrix multiplies); it always runs at the 16-bit rate, also in FP8
  serving, so FP8 runs inform it as well as BF16 ones. Causal masking halving its work is
  counted in `compute.layer_op_table`.
- Memory-bound kernels reach the fitted bandwidth fraction only with enough bytes in flight:
  by Little's law a stream of `n` bytes gets `n / (n + bw x latency)` of it.
- Every kernel pays a fitted launch gap, and every forward pass of a serving runtime a fitted
  per-step overhead (batch scheduling, sampling, host work) plus a fitted share per sequence
  in the batch, `seq_s`: a Python runtime prepares inputs, samples and builds outputs
  sequence by sequence between steps (the vLLM team measured the GPU busy for well under half
  of a v0.5.3 step of Llama 3 8B on an H100: vLLM blog, "vLLM v0.6.0: 2.7x Throughput
  Improvement and 5x Latency Reduction", 2024-09-05). The values describe the runtime each
  family's calibration runs used: TensorRT-LLM's C++ runtime for the A100 and Hopper
  families, vLLM 0.6 for the MI300X.
- Decode attention over a grouped-query (GQA) cache depends on the runtime's kernel: a
  `gqa_shared` kernel reads each cached K/V head once for its whole group of query heads; a
  `per_head` kernel (one thread block per query head, as in TensorRT-LLM before its XQA
  kernel) reads it once per query head, and only a fitted fraction `kv_reuse` of those
  re-reads hit on-chip cache (`kv_read_factor`).

The fitted numbers live in `data/calibration.yaml`, written by `mlsysim calibrate`
(`validation.calibrate`) from the calibration cases only."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources

import numpy as np
import yaml

from ._units import ArrayLike, check_positive, norm_precision
from .errors import InvalidInputError
from .registry import Hardware, hardware

#: DRAM latency seen by a streaming kernel; bytes in flight needed = bandwidth x this
MEMORY_LATENCY_S = 0.5e-6
#: extra multiply-adds per weight element to dequantise INT4/INT8 weights to FP16 in the GEMM
DEQUANT_SHARE = 0.15
#: reduction steps a GEMM main loop needs to fill and drain its pipeline
K_OVERHEAD = 32
#: the parameters `mlsysim calibrate` fits, in order
FITTED = ("gemm", "fp8", "attention", "memory", "launch_s", "step_s", "seq_s", "kv_reuse",
          "train", "contention")
#: fitted once, on the family with both 16-bit serving and training runs, and shared: it
#: describes training frameworks, not a chip
SHARED = ("train", "contention")
#: decode-attention kernels a serving runtime may use (see `kv_read_factor`)
ATTENTION_KERNELS = ("gqa_shared", "per_head")


@dataclass(frozen=True)
class DeviceEfficiency:
    """Efficiency parameters of one device family (fitted ones marked in `FITTED`)."""

    family: str
    gemm: float       # fraction of BF16/FP16 peak large GEMMs reach
    fp8: float        # fraction of FP8/INT8 peak large GEMMs reach
    memory: float     # fraction of DRAM bandwidth long streams reach
    launch_s: float   # per-kernel launch and scheduling gap
    network: float    # fraction of link bandwidth collectives reach
    step_s: float = 0.0  # per forward pass of a serving runtime (scheduling, sampling)
    seq_s: float = 0.0  # per sequence per forward pass of a serving runtime (host work)
    attention: float = 0.56  # fraction of the 16-bit peak fused attention reaches
    kv_reuse: float = 0.0  # share of a per-head decode kernel's K/V re-reads served on chip
    train: float = 1.0  # training framework's compute rate over a serving runtime's (see op_times)
    contention: float = 0.0  # compute time lost per second of a collective hidden behind it
    tile_m: int = 128
    tile_n: int = 128


_OVERRIDES: dict[str, dict[str, float]] = {}


@cache
def _table() -> dict:
    text = resources.files("mlsysim").joinpath("data", "calibration.yaml").read_text()
    return yaml.safe_load(text)


def family_of(hw: Hardware | str) -> str:
    """The calibration family a device belongs to (`default` when it has none)."""
    return _family_of_name(hardware(hw).name)


@cache
def _family_of_name(name: str) -> str:
    key = name.upper().replace("-", "")
    for fam, vals in _table().get("families", {}).items():
        for member in vals.get("members", [fam]):
            if key.startswith(str(member).upper().replace("-", "")):
                return fam
    return "default"


def device_efficiency(hw: Hardware | str) -> DeviceEfficiency:
    """Efficiency parameters of `hw`: its family's fitted values over the defaults."""
    fam = family_of(hw)
    if not _OVERRIDES or fam not in _OVERRIDES:
        return _family_params(fam)
    return replace(_family_params(fam), **_OVERRIDES[fam])


@cache
def _family_params(fam: str) -> DeviceEfficiency:
    t = _table()
    vals = {**t["default"], **t.get("families", {}).get(fam, {})}
    vals.pop("members", None)
    return DeviceEfficiency(family=fam, **{k: vals[k] for k in
                                           ("gemm", "fp8", "memory", "launch_s", "network",
                                            "step_s", "seq_s", "attention", "kv_reuse", "train",
                                            "contention")},
                            **{k: int(vals[k]) for k in ("tile_m", "tile_n") if k in vals})


@contextmanager
def override(family: str, **values: float) -> Iterator[None]:
    """Temporarily replace fitted values of a family (used only while fitting)."""
    old = _OVERRIDES.get(family)
    _OVERRIDES[family] = {**(old or {}), **values}
    try:
        yield
    finally:
        if old is None:
            _OVERRIDES.pop(family, None)
        else:
            _OVERRIDES[family] = old


def kv_read_factor(hw: Hardware | str, heads: int, kv_heads: int,
                   kernel: str = "gqa_shared") -> float:
    """How many times decode attention reads each cached key/value from DRAM.

    A `gqa_shared` kernel loads a K/V head once and serves its whole group of
    `heads / kv_heads` query heads from on-chip memory: 1. A `per_head` kernel schedules one
    query head per thread block, so each block of a group streams the same K/V again; a
    fitted share `kv_reuse` of those `group - 1` re-reads hits L2 instead of DRAM:
    1 + (group - 1) x (1 - kv_reuse). Multi-head attention (group 1) reads once either way."""
    if kernel not in ATTENTION_KERNELS:
        raise InvalidInputError("attention_kernel", f"unknown decode attention kernel "
                                f"{kernel!r}; expected one of {', '.join(ATTENTION_KERNELS)}")
    group = heads / max(kv_heads, 1)
    if kernel == "gqa_shared" or group <= 1:
        return 1.0
    return 1.0 + (group - 1.0) * (1.0 - device_efficiency(hw).kv_reuse)


def compute_peak(hw: Hardware | str, precision: str) -> tuple[float, float]:
    """(peak FLOP/s the GEMMs use, fraction of it they reach) for `precision`.

    INT4 is weight-only: activations stay FP16, so the multiply runs at the FP16 peak and
    pays `DEQUANT_SHARE` to unpack the weights (never the INT8 peak)."""
    h, e = hardware(hw), device_efficiency(hw)
    p = norm_precision(precision)
    if p == "int4":
        half = h.flops.get("fp16") or h.flops.get("bf16") or h.peak("int4")
        return half, e.gemm / (1 + DEQUANT_SHARE)
    if p in ("fp8", "int8"):
        return h.peak(p), e.fp8
    if p in ("bf16", "fp16"):
        return h.peak(p), e.gemm
    return h.peak(p), e.gemm  # fp32/tf32: the same fraction (few published runs to fit)


def gemm_efficiency(hw: Hardware | str, m: ArrayLike, n: ArrayLike, k: ArrayLike,
                    precision: str = "bf16") -> ArrayLike:
    """Achieved fraction of peak of an `[m x k] @ [k x n]` GEMM (arrays broadcast).

    Tile quantisation pads `m` and `n` to the tile (small `m`, as in decode, gets the
    smallest power-of-two tile of at least 16 rows that holds it); wave quantisation charges
    the last, part-filled wave of tiles over the SMs (grids smaller than one wave are assumed
    split along `k`, as cuBLAS does, and lose nothing)."""
    h = hardware(hw)
    eff = _gemm_eff(h, device_efficiency(h), compute_peak(h, precision)[1], m, n, k)
    return float(eff) if np.ndim(eff) == 0 else eff


def _gemm_eff(h: Hardware, e: DeviceEfficiency, frac: float, m, n, k) -> np.ndarray:
    M, N, K = (np.maximum(np.asarray(x, dtype=float), 1.0) for x in (m, n, k))
    tm = np.minimum(e.tile_m, np.maximum(16.0, 2.0 ** np.ceil(np.log2(M))))
    pm, pn = np.ceil(M / tm), np.ceil(N / e.tile_n)
    tile = M * N / (pm * tm * pn * e.tile_n)
    tiles = pm * pn
    sm = float(h.sm_count or 0)
    if sm > 0:
        wave = np.where(tiles >= sm, tiles / (np.ceil(tiles / sm) * sm), 1.0)
    else:
        wave = 1.0
    return frac * tile * wave * K / (K + K_OVERHEAD)


def memory_efficiency(hw: Hardware | str, nbytes: ArrayLike) -> ArrayLike:
    """Achieved fraction of DRAM bandwidth for a kernel moving `nbytes` (Little's law)."""
    h = hardware(hw)
    n = np.asarray(nbytes, dtype=float)
    eff = device_efficiency(h).memory * n / (n + h.memory_bw * MEMORY_LATENCY_S)
    return float(eff) if np.ndim(eff) == 0 else eff


def gemm_time(hw: Hardware | str, m: ArrayLike, n: ArrayLike, k: ArrayLike,
              precision: str = "bf16", weight_bytes: float | None = None) -> ArrayLike:
    """Seconds for one `[m x k] @ [k x n]` GEMM: the slower of its compute at the shape's
    efficiency and its traffic at the access size's bandwidth, plus the launch gap."""
    h = hardware(hw)
    for name, v in (("m", m), ("n", n), ("k", k)):
        check_positive(name, v)
    from ._units import precision_bytes
    b = precision_bytes(precision) if norm_precision(precision) != "int4" else 2.0
    wb = precision_bytes(precision) if weight_bytes is None else weight_bytes
    flops = 2.0 * np.asarray(m, float) * n * k
    nbytes = b * (np.asarray(m, float) * k + np.asarray(m, float) * n) + wb * np.asarray(k, float) * n
    t = _kernel_time(h, flops, nbytes, gemm_efficiency(h, m, n, k, precision),
                     compute_peak(h, precision)[0])
    return float(t) if np.ndim(t) == 0 else t


def attention_time(hw: Hardware | str, tokens: ArrayLike, ctx: ArrayLike, heads: int,
                   head_dim: int, precision: str = "bf16", causal: bool = True,
                   fused: bool = True, decode: bool = False, kv_heads: int | None = None
                   ) -> ArrayLike:
    """Seconds of the attention core for `tokens` queries over `ctx` keys (all heads).

    Fused kernels keep scores on chip; unfused ones write the score matrix to DRAM three
    times (scores, softmax, context) and cannot skip the masked half."""
    from ._units import precision_bytes
    h = hardware(hw)
    b = 2.0 if norm_precision(precision) in ("int4", "int8", "fp8") else precision_bytes(precision)
    kv = kv_heads or heads
    tokens, ctx = np.asarray(tokens, float), np.asarray(ctx, float)
    work = 4.0 * tokens * ctx * heads * head_dim * (0.5 if causal and not decode and fused else 1)
    peak = h.flops.get("bf16") or h.flops.get("fp16") or h.peak(precision)
    kv_bytes = (2 * b * ctx * kv * head_dim * (tokens if decode else 1)) if decode else 0.0
    if fused:
        nbytes = b * 4 * tokens * heads * head_dim + kv_bytes
        eff = device_efficiency(h).attention
        t = _kernel_time(h, work, nbytes, eff, peak)
    else:
        scores = b * tokens * ctx * heads
        nbytes = b * 4 * tokens * heads * head_dim + kv_bytes + 4 * scores
        t = _kernel_time(h, work, nbytes, device_efficiency(h).gemm, peak) + 2 * device_efficiency(h).launch_s
    return float(t) if np.ndim(t) == 0 else t


def memory_bound_time(hw: Hardware | str, nbytes: ArrayLike) -> ArrayLike:
    """Seconds for a kernel that streams `nbytes` (an elementwise op, a norm, a cache read)."""
    h = hardware(hw)
    n = check_positive("nbytes", nbytes)
    t = _kernel_time(h, 0.0, n, 1.0, 1.0)
    return float(t) if np.ndim(t) == 0 else t


def _kernel_time(h: Hardware, flops: ArrayLike, nbytes: ArrayLike, compute_eff: ArrayLike,
                 peak: float, e: DeviceEfficiency | None = None) -> ArrayLike:
    e = e or device_efficiency(h)
    n = np.asarray(nbytes, dtype=float)
    # Little's law: n bytes reach n / (n + bw x latency) of the fitted bandwidth fraction
    t_mem = (n + h.memory_bw * MEMORY_LATENCY_S) / (h.memory_bw * e.memory)
    return np.maximum(np.asarray(flops) / (peak * compute_eff), t_mem) + e.launch_s


def op_times(hw: Hardware | str, precision: str, shapes: list[tuple], flops: list[ArrayLike],
             nbytes: list[ArrayLike], training: bool = False) -> list[ArrayLike]:
    """Seconds of each operator of a `compute.layer_op_table` (same order as its lists).

    GEMMs run at their precision's rate (the caller passes 16-bit activation bytes where
    only the GEMMs are low precision); attention always runs at the BF16/FP16 rate. All
    GEMMs are priced in one vectorised call, so a plan grid costs one pass.

    `training`: the compute-bound kernels of a training step reach the fitted fraction
    `train` of the rates a serving runtime's kernels reach: backward GEMMs read transposed
    operands, FlashAttention's backward pass runs below its forward (Dao 2023) and eager
    frameworks launch unfused kernels. (Collectives overlapping compute are priced apart,
    by the fitted `contention` in `train.evaluate_plans`.)"""
    h = hardware(hw)
    e = device_efficiency(h)
    peak, frac = compute_peak(h, precision)
    if training and e.train != 1.0:
        frac *= e.train
        e = replace(e, attention=e.attention * e.train)
    half = h.flops.get("bf16") or h.flops.get("fp16") or peak
    # the shapes derive from the same tokens/context as the FLOPs: scalar FLOPs, scalar plan
    if all(isinstance(x, float | int) for x in flops):
        return _op_times_scalar(h, e, peak, frac, half, shapes, flops, nbytes)
    if all(getattr(x, "size", 1) == 1 for x in flops):  # one plan held in 1-element arrays
        one = lambda x: x.item() if hasattr(x, "item") else x  # noqa: E731
        return _op_times_scalar(h, e, peak, frac, half,
                                [(sh[0], *map(one, sh[1:])) for sh in shapes],
                                [one(x) for x in flops], [one(x) for x in nbytes])
    out: list[ArrayLike] = [0.0] * len(shapes)
    gi = [i for i, sh in enumerate(shapes) if sh[0] == "gemm"]
    if gi:
        cols = np.broadcast_arrays(*[np.asarray(x, dtype=float) for i in gi
                                     for x in (*shapes[i][1:], flops[i], nbytes[i])])
        M, N, K, F, Y = (np.stack(cols[j::5]) for j in range(5))
        t = _kernel_time(h, F, Y, _gemm_eff(h, e, frac, M, N, K), peak, e)
        for row, i in enumerate(gi):
            out[i] = t[row] if t[row].ndim else float(t[row])
    mi = [i for i, sh in enumerate(shapes) if sh[0] == "memory"]
    if mi:  # all streaming kernels in one pass too
        t = _kernel_time(h, 0.0, np.stack(np.broadcast_arrays(
            *[np.asarray(nbytes[i], dtype=float) for i in mi])), 1.0, 1.0, e)
        for row, i in enumerate(mi):
            out[i] = t[row] if t[row].ndim else float(t[row])
    for i, sh in enumerate(shapes):
        if sh[0] == "attention":
            out[i] = _kernel_time(h, flops[i], nbytes[i], e.attention, half, e)
        elif sh[0] not in ("gemm", "memory"):
            raise InvalidInputError("shapes", f"unknown operator kind {sh[0]!r}")
    return out


def _op_times_scalar(h: Hardware, e: DeviceEfficiency, peak: float, frac: float, half: float,
                     shapes: list[tuple], flops: list, nbytes: list) -> list[float]:
    """`op_times` for one plan, in plain floats: the same formulas without numpy's per-call
    cost, which keeps one `serve()` under 0.1 ms."""
    bw = h.memory_bw * e.memory
    lat_bytes = h.memory_bw * MEMORY_LATENCY_S
    sm = h.sm_count or 0
    tile_m, tile_n, launch = e.tile_m, e.tile_n, e.launch_s
    attn_rate = half * e.attention
    out = []
    for sh, f, y in zip(shapes, flops, nbytes, strict=True):
        t_mem = (y + lat_bytes) / bw
        kind = sh[0]
        if kind == "gemm":
            _, M, N, K = sh
            M, N, K = max(M, 1.0), max(N, 1.0), max(K, 1.0)
            tm = tile_m if M >= tile_m else max(16.0, 2.0 ** math.ceil(math.log2(M)))
            pm, pn = math.ceil(M / tm), math.ceil(N / tile_n)
            eff = frac * M * N / (pm * tm * pn * tile_n) * K / (K + K_OVERHEAD)
            tiles = pm * pn
            if sm and tiles >= sm:
                eff *= tiles / (math.ceil(tiles / sm) * sm)
            t = f / (peak * eff)
            out.append((t if t > t_mem else t_mem) + launch)
        elif kind == "attention":
            t = f / attn_rate
            out.append((t if t > t_mem else t_mem) + launch)
        elif kind == "memory":
            out.append(t_mem + launch)
        else:
            raise InvalidInputError("shapes", f"unknown operator kind {kind!r}")
    return out
