"""LLM serving: prefill (compute-bound), decode (bandwidth-bound), KV-cache limits.

TTFT = time to prefill the prompt batch; TPOT = one decode step at the mean context length
(prompt + half the output), each the operator-roofline time with calibrated efficiencies,
plus tensor-parallel all-reduces when the model is split over `gpus`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._units import ResultMixin, check_positive, norm_precision, precision_bytes
from .compute import layer_op_table
from .efficiency import device_efficiency, op_times
from .errors import InvalidInputError
from .memory import kv_cache_bytes, model_size_bytes
from .network import allreduce_time, cluster
from .registry import Hardware, Model, hardware, model
from .train import efficiency

ArrayLike = float | np.ndarray
#: memory kept free for activations, the runtime and fragmentation when sizing the KV cache
SERVING_RESERVE = 0.10


@dataclass(frozen=True)
class ServeResult(ResultMixin):
    """Latency, throughput and memory of serving one batch."""

    model: str
    hardware: str
    gpus: int
    precision: str
    batch: ArrayLike
    prompt_len: int
    output_len: int
    ttft_s: ArrayLike
    tpot_s: ArrayLike
    tokens_per_s: ArrayLike
    request_latency_s: ArrayLike
    weights_bytes: float
    kv_cache_bytes: ArrayLike
    memory_capacity_bytes: float
    max_batch: int
    decode_bound: str | np.ndarray
    feasible: bool | np.ndarray
    reason: str

    _units = {"ttft_s": "s", "tpot_s": "s", "tokens_per_s": "tok/s", "request_latency_s": "s",
              "weights_bytes": "B", "kv_cache_bytes": "B", "memory_capacity_bytes": "B"}


def _pass_time(m: Model, h: Hardware, tokens, ctx, b: float, gpus: int, decode: bool,
               precision: str, gpus_per_node: int | None = None, wb: float | None = None,
               kvb: float | None = None):
    """Seconds of one forward pass over `tokens` tokens attending to `ctx`, split over the
    cluster's GPUs by tensor parallelism; also returns whether the pass is memory-bound.
    Tensor parallelism past one node pays the scale-out fabric (hierarchical all-reduce)."""
    eff = efficiency(h.name)
    wb = b if wb is None else wb
    shapes: list[tuple] = []
    names, fl, by = layer_op_table(m, tokens, ctx, b, gpus, decode, shapes=shapes, wb=wb, kvb=kvb)
    gemm = [i for i, s in enumerate(shapes) if s[0] == "gemm"]
    t_c = sum(fl[i] for i in gemm) / h.peak(precision)
    t_m = sum(by[i] for i in gemm) / h.memory_bw
    # the LM head: one GEMM over the rows that need logits (every new token in decode)
    rows = tokens if decode else tokens / (max(ctx, 1) if np.ndim(ctx) == 0 else np.maximum(ctx, 1))
    shapes.append(("gemm", rows, m.vocab / gpus, m.d_model))
    fl.append(2.0 * rows * m.d_model * m.vocab / gpus)
    by.append(b * rows * (m.d_model + m.vocab / gpus) + wb * m.d_model * m.vocab / gpus)
    times = op_times(h, precision, shapes, fl, by)
    t = sum(times[:-1]) * m.n_layers + times[-1] + device_efficiency(h).step_s
    if gpus > 1:
        cl = cluster(h, gpus, gpus_per_node=gpus_per_node)
        # two all-reduces of the activations per layer; dividing the bytes by the network
        # efficiency scales the bandwidth term only, as the calibration intends
        msg = tokens * m.d_model * b / eff["network"]
        # each all-reduce is a kernel too: it pays the device's launch gap
        t = t + 2 * m.n_layers * (allreduce_time(msg, cl) + device_efficiency(h).launch_s)
    if np.ndim(t_m) == 0 and np.ndim(t_c) == 0:
        return t, "memory" if t_m > t_c else "compute"
    return t, np.where(t_m > t_c, "memory", "compute")


def serve(m: Model | str, hw: Hardware | str, batch: ArrayLike = 1, prompt_len: int = 512,
          output_len: int = 256, precision: str = "fp16", gpus: int = 1,
          kv_precision: str | None = None, gpus_per_node: int | None = None) -> ServeResult:
    """Predict TTFT, TPOT and throughput for `batch` concurrent requests (array = sweep).

    Infeasible batches (weights + KV cache above memory) come back feasible=False with the
    reason, and max_batch tells the largest batch that fits; so does a prompt plus output
    longer than the model's context window. `kv_precision` defaults to the compute precision
    (fp16 for int8/int4 weight-only quantisation). The `gpus` split the model by tensor
    parallelism in nodes of `gpus_per_node` (default: the vendor's node, 8 for datacenter
    GPUs); past one node the all-reduces cross the scale-out network."""
    m, h = model(m), hardware(hw)
    if m.kind != "transformer" or m.vit is not None or not m.vocab:
        raise InvalidInputError("model", f"serve() models decoder LLMs; {m.name} is not one")
    batch = check_positive("batch", batch, integer=True)
    prompt_len = check_positive("prompt_len", prompt_len, integer=True)
    output_len = check_positive("output_len", output_len, integer=True)
    gpus = check_positive("gpus", gpus, integer=True)
    precision = norm_precision(precision)
    h.peak(precision)
    if m.heads % gpus:
        raise InvalidInputError("gpus", f"{m.name} has {m.heads} heads, not divisible by gpus={gpus}")
    # the KV cache follows the compute format, except integer weight-only quantisation,
    # whose activations (and so keys/values) stay in fp16
    kvp = kv_precision or ("fp16" if precision in ("int8", "int4") else precision)
    precision_bytes(kvp, "kv_precision")
    wb = precision_bytes(precision)
    # weight-only int4/int8 keep FP16 activations; the KV cache has its own format
    b = 2.0 if precision in ("int8", "int4", "fp8") else wb  # activations stay 16-bit
    kvb = precision_bytes(kvp)
    weights = model_size_bytes(m, precision)
    ctx_final = prompt_len + output_len
    kv = kv_cache_bytes(m, ctx_final, batch, kvp)
    cap = h.memory_bytes * gpus
    usable = cap * (1 - SERVING_RESERVE)
    kv_one = kv_cache_bytes(m, ctx_final, 1, kvp)
    max_batch = int(max(0, (usable - weights) // kv_one))
    ttft, _ = _pass_time(m, h, batch * prompt_len, prompt_len, b, gpus, False, precision,
                         gpus_per_node, wb, kvb)
    tpot, bound = _pass_time(m, h, batch, prompt_len + output_len / 2, b, gpus, True, precision,
                             gpus_per_node, wb, kvb)
    feasible = (weights + kv) <= usable
    reason = ""
    if m.max_seq and ctx_final > m.max_seq:
        feasible = np.zeros(np.shape(batch), dtype=bool) if np.ndim(batch) else False
        reason = (f"prompt_len + output_len = {ctx_final:,} tokens exceed {m.name}'s context "
                  f"window of {m.max_seq:,} tokens")
    elif np.ndim(feasible) == 0:
        feasible = bool(feasible)
        if not feasible:
            if weights > usable:
                reason = (f"weights need {weights / 1e9:,.1f} GB, {gpus} x {h.name} has "
                          f"{usable / 1e9:,.1f} GB usable")
            else:
                reason = (f"weights {weights / 1e9:,.1f} GB + KV cache {kv / 1e9:,.1f} GB exceed "
                          f"{usable / 1e9:,.1f} GB usable; max batch is {max_batch}")
    elif not feasible.all():
        reason = f"batches above {max_batch} exceed memory"
    tps = batch / tpot
    lat = ttft + output_len * tpot
    scalar = np.ndim(ttft) == 0
    f = float if scalar else (lambda x: np.asarray(x, dtype=float))
    return ServeResult(m.name, h.name, gpus, precision, batch, prompt_len, output_len, f(ttft),
                       f(tpot), f(tps), f(lat), float(weights), f(kv), float(cap), max_batch,
                       str(bound) if scalar else bound, feasible, reason)
