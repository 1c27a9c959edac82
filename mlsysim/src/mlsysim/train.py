"""Distributed training step model: data, tensor, pipeline and expert parallelism.

The step is built from the same operator table as transformer_ops (so a memory-bound
layernorm costs what the roofline says) plus alpha-beta collectives:
  stage time per micro-batch = layers/pp x (fwd + bwd [+ recompute] + TP all-reduces)
  pipeline time = (m + (pp-1)/v) x stage time           (1F1B bubble (pp-1)/m, /v interleaved)
  step = pipeline + point-to-point + exposed DP gradient sync + optimizer update.
Every function here is written on numpy arrays so train() with tp/pp/dp=None evaluates the
whole candidate grid in one vectorised pass and picks the fastest plan that fits in memory."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import yaml

from ._units import ResultMixin, check_positive, norm_precision, precision_bytes
from .compute import _attn_dims, _matmul_params, layer_op_table
from .errors import InvalidInputError
from .memory import activation_bytes_per_layer, model_states, state_bytes
from .network import Cluster
from .registry import Hardware, Model, model

_RECOMPUTE = ("none", "selective", "full")
#: fraction of device memory usable by tensors (allocator fragmentation, CUDA context, NCCL buffers)
USABLE_MEMORY = 0.92


#: temporary per-device overrides, used only while fitting (validation.calibrate)
_OVERRIDES: dict[str, dict[str, float]] = {}


def efficiency(hw_name: str) -> dict[str, float]:
    """Calibrated (gemm, memory, network) efficiencies for a device (see calibration.yaml)."""
    if hw_name in _OVERRIDES:
        return {**_base_efficiency(hw_name), **_OVERRIDES[hw_name]}
    return _base_efficiency(hw_name)


@cache
def _base_efficiency(hw_name: str) -> dict[str, float]:
    text = resources.files("mlsysim").joinpath("data", "calibration.yaml").read_text()
    data = yaml.safe_load(text)
    eff = dict(data["default"])
    for fam, vals in data.get("families", {}).items():
        if hw_name.upper().startswith(fam.upper()) or hw_name.upper().replace("-", "").startswith(
            fam.upper().replace("-", "")
        ):
            eff.update(vals)
    return eff


@dataclass(frozen=True)
class TrainResult(ResultMixin):
    """Time, throughput and utilisation of one training configuration."""

    model: str
    hardware: str
    gpus: int
    tp: int
    pp: int
    dp: int
    ep: int
    micro_batch: int
    microbatches: int
    recompute: str
    precision: str
    step_time_s: float
    total_time_s: float
    steps: float
    gpu_hours: float
    tokens_per_s_per_gpu: float
    mfu: float
    hfu: float
    achieved_flops_per_gpu: float
    memory_per_gpu_bytes: float
    memory_capacity_bytes: float
    compute_s: float
    bubble_s: float
    tp_comm_s: float
    pp_comm_s: float
    dp_comm_exposed_s: float
    ep_comm_s: float
    feasible: bool
    reason: str

    _units = {"step_time_s": "s", "total_time_s": "s", "gpu_hours": "",
              "tokens_per_s_per_gpu": "tok/s", "achieved_flops_per_gpu": "FLOP/s",
              "memory_per_gpu_bytes": "B", "memory_capacity_bytes": "B", "compute_s": "s",
              "bubble_s": "s", "tp_comm_s": "s", "pp_comm_s": "s", "dp_comm_exposed_s": "s",
              "ep_comm_s": "s"}

    def __str__(self) -> str:
        if not self.feasible:
            return (f"TrainResult: {self.model} on {self.gpus} x {self.hardware}: INFEASIBLE "
                    f"({self.reason})")
        return super().__str__()


def _ring(nbytes, n, bw, lat):
    n = np.asarray(n, dtype=float)
    return np.where(n > 1, 2 * (n - 1) * lat + 2 * (n - 1) / np.maximum(n, 1) * nbytes / bw, 0.0)


def _gather(nbytes, n, bw, lat):
    n = np.asarray(n, dtype=float)
    return np.where(n > 1, (n - 1) * lat + (n - 1) / np.maximum(n, 1) * nbytes / bw, 0.0)


@dataclass(frozen=True)
class PlanArrays:
    """What `evaluate_plans` computes for every plan at once (arrays that broadcast together):
    step time and its parts (s), memory per GPU (B), FLOPs per step, micro-batches."""

    step: np.ndarray
    compute: np.ndarray
    bubble: np.ndarray
    tp: np.ndarray
    pp: np.ndarray
    dp: np.ndarray
    ep: np.ndarray
    mem: np.ndarray
    model_flops: np.ndarray
    hw_flops: np.ndarray
    m: np.ndarray


def evaluate_plans(m: Model, cl: Cluster, global_batch, seq_len, tp, pp, dp, micro_batch,
                   recompute_code, precision: str = "bf16", ep=1, virtual_stages: int = 1,
                   zero_stage: int = 1, sequence_parallel: bool = True,
                   overlap: bool = True, optimizer: str = "adam",
                   tp_overlap: float = 0.0) -> PlanArrays:
    """Vectorised core: every argument from `tp` to `recompute_code` may be an array (they
    broadcast). Returns arrays of step time, its parts, memory, and FLOPs per step."""
    h: Hardware = cl.hardware
    eff = efficiency(h.name)
    peak = h.peak(precision) * eff["gemm"]
    bw = h.memory_bw * eff["memory"]
    b = precision_bytes(precision)
    tp, pp, dp, mb, rc = (np.asarray(x) for x in (tp, pp, dp, micro_batch, recompute_code))
    ep = np.asarray(ep)
    s, d, L = seq_len, m.d_model, m.n_layers
    tokens_mb = mb * s
    m_count = global_batch / (dp * mb)

    # -- compute: one layer, one micro-batch, per TP rank (operator roofline, summed)
    names, fl, by = layer_op_table(m, tokens_mb, s, b, tp)
    t_ops = [np.maximum(f / peak, y / bw) for f, y in zip(fl, by, strict=True)]
    t_fwd = sum(t_ops)
    t_attn = sum(t for n, t in zip(names, t_ops, strict=True) if n in ("attention", "attn_scores",
                                                                      "softmax", "attn_context"))
    t_recompute = np.choose(rc.astype(int), [np.zeros_like(t_fwd), t_attn, t_fwd])
    t_layer = 3 * t_fwd + t_recompute
    # LM head (+ its backward) sits on the last stage, which sets the pipeline's pace
    t_head = 3 * 2.0 * tokens_mb * d * m.vocab / (tp * peak) if m.vocab else 0.0

    # -- tensor-parallel collectives: 2 all-reduces fwd + 2 bwd (+2 when recomputing fully)
    intra_bw = cl.intra.bw_per_direction * eff["network"]
    inter_bw = cl.inter.bw_per_direction * eff["network"]
    tp_bw = np.where(tp <= cl.gpus_per_node, intra_bw, inter_bw)
    tp_lat = np.where(tp <= cl.gpus_per_node, cl.intra.latency_s, cl.inter.latency_s)
    n_ar = 4 + 2 * (rc == 2)
    # tp_overlap: fraction hidden behind GEMMs by comm/compute overlap kernels (0 = Megatron 2021)
    t_tp_layer = (1 - tp_overlap) * n_ar * _ring(tokens_mb * d * b, tp, tp_bw, tp_lat)

    # -- expert parallelism: 2 all-to-alls fwd + 2 bwd per MoE layer, tokens x top_k routed
    if m.moe:
        n_moe = L - m.moe.get("first_dense", 0)
        ep_inside = ep * tp <= cl.gpus_per_node
        ep_bw = np.where(ep_inside, intra_bw, inter_bw)
        a2a = tokens_mb * d * b * m.moe["top_k"] / tp
        t_ep_layer = 4 * _gather(a2a, ep, ep_bw, cl.inter.latency_s) * n_moe / L
    else:
        t_ep_layer = 0.0 * tp

    lps = np.ceil(L / pp)  # layers on the slowest stage
    t_stage = lps * (t_layer + t_tp_layer + t_ep_layer) + t_head
    t_compute_only = (lps * t_layer + t_head) * m_count
    t_pipe = (m_count + (pp - 1) / virtual_stages) * t_stage
    bubble = (pp - 1) / virtual_stages * t_stage

    # -- pipeline point-to-point: activations of a micro-batch, scattered over the TP ranks
    pp_inside = tp * pp <= cl.gpus_per_node
    pp_bw = np.where(pp_inside, intra_bw, inter_bw)
    p2p = tokens_mb * d * b / tp
    t_pp = np.where(pp > 1, 2 * virtual_stages * (m_count + pp - 1) * (cl.inter.latency_s + p2p / pp_bw), 0.0)

    # -- data parallel gradient sync (bf16 gradients), hierarchical when a node holds peers
    wbytes, gbytes, obytes = state_bytes(optimizer, precision, True)
    params_gpu, w_mem, g_mem, o_mem = model_states(m, wbytes, gbytes, obytes, zero_stage,
                                                   dp.astype(float), tp, pp, ep)
    grad_bytes = params_gpu * b
    local = np.maximum(cl.gpus_per_node // np.minimum(tp * pp, cl.gpus_per_node), 1)
    local = np.minimum(local, dp)
    nodes = np.ceil(dp / local)
    t_dp = (2 * _gather(grad_bytes, local, intra_bw, cl.intra.latency_s)
            + _ring(grad_bytes / local, nodes, inter_bw, cl.inter.latency_s))
    if zero_stage >= 3:  # parameters gathered for forward and backward of every micro-batch
        t_dp = t_dp + 2 * m_count * _gather(grad_bytes, dp, np.where(nodes > 1, inter_bw, intra_bw),
                                            cl.inter.latency_s) / 2
    window = (2.0 / 3.0) * t_stage * (m_count if zero_stage >= 3 else 1) if overlap else 0.0
    t_dp_exposed = np.maximum(0.0, t_dp - window)

    # -- optimizer update: memory-bound sweep over this GPU's shard of the optimizer state
    opt_bytes = o_mem + w_mem + g_mem
    t_opt = 2 * opt_bytes / bw / (dp if zero_stage >= 1 else 1)

    step = t_pipe + t_pp + t_dp_exposed + t_opt

    # -- memory per GPU for each recompute choice
    act = [activation_bytes_per_layer(m, s, mb, tp, name, sequence_parallel, True)
           * L * b / 2.0 for name in _RECOMPUTE]
    act_sel = np.choose(rc.astype(int), act)
    total_mem = w_mem + g_mem + o_mem + act_sel

    tokens_step = global_batch * s
    qk, vw = _attn_dims(m)
    attn_fwd = 2.0 * tokens_step * L * s * (qk + vw)
    model_flops = 3.0 * (2.0 * _matmul_params(m) * tokens_step + attn_fwd)
    hw_flops = model_flops + np.choose(rc.astype(int), [0.0, attn_fwd, model_flops / 3])
    return PlanArrays(step=step, compute=t_compute_only, bubble=bubble,
                      tp=lps * t_tp_layer * (m_count + (pp - 1) / virtual_stages),
                      pp=t_pp, dp=t_dp_exposed, ep=lps * t_ep_layer * m_count, mem=total_mem,
                      model_flops=model_flops, hw_flops=hw_flops, m=m_count)


def _divisors(n: int) -> list[int]:
    return [k for k in range(1, n + 1) if n % k == 0]


def train(m: Model | str, cl: Cluster, tokens: float, global_batch: int, seq_len: int,
          tp: int | None = None, pp: int | None = None, dp: int | None = None,
          precision: str = "bf16", micro_batch: int | None = None, recompute: str | None = None,
          ep: int | None = 1, schedule: str = "1f1b", virtual_stages: int = 1, zero_stage: int = 1,
          sequence_parallel: bool = True, overlap: bool = True, optimizer: str = "adam",
          uneven_stages: bool = False, tp_overlap: float = 0.0) -> TrainResult:
    """Predict a training run: step time, total time, GPU-hours, tokens/s per GPU, MFU/HFU.

    `global_batch` is in sequences of `seq_len` tokens. Leave tp/pp/dp (and micro_batch,
    recompute, and ep for mixture-of-experts models) as None to search every valid plan at once and return the fastest one that
    fits in memory; an impossible request returns feasible=False with the reason.
    uneven_stages=True lets `pp` leave a remainder of layers (the slowest stage then holds
    ceil(layers/pp) layers), as Llama 3 405B did with 126 layers on 16 stages.
    tp_overlap in [0, 1] is the fraction of tensor-parallel communication hidden behind
    compute (0 by default, which is what the calibration run did)."""
    m = model(m)
    if not isinstance(cl, Cluster):
        raise InvalidInputError("cluster", "pass mlsysim.cluster(hardware, gpus)")
    if m.kind != "transformer" or m.vit is not None:
        raise InvalidInputError("model", f"train() models decoder transformers; {m.name} is a {m.kind}")
    tokens = check_positive("tokens", tokens)
    global_batch = check_positive("global_batch", global_batch, integer=True)
    seq_len = check_positive("seq_len", seq_len, integer=True)
    precision = norm_precision(precision)
    cl.hardware.peak(precision)
    if ep is not None:
        ep = check_positive("ep", ep, integer=True)
    if schedule not in ("1f1b", "interleaved"):
        raise InvalidInputError("schedule", f"{schedule!r} is not 1f1b or interleaved")
    v = check_positive("virtual_stages", virtual_stages, integer=True) if schedule == "interleaved" else 1
    if not 0.0 <= tp_overlap <= 1.0:
        raise InvalidInputError("tp_overlap", f"must be between 0 and 1, got {tp_overlap!r}")
    if recompute is not None and recompute not in _RECOMPUTE:
        raise InvalidInputError("recompute", f"{recompute!r} is not one of {', '.join(_RECOMPUTE)}")
    check_zero_stage(zero_stage)
    n = cl.gpus
    for name, val in (("tp", tp), ("pp", pp), ("dp", dp), ("micro_batch", micro_batch)):
        if val is not None:
            check_positive(name, val, integer=True)
    for name, val in (("tp", tp), ("pp", pp), ("dp", dp)):
        if val is not None and n % val:
            raise InvalidInputError(name, f"{name}={val} does not divide the cluster's {n} GPUs"
                                    + (f" (it needs at least {val})" if val > n else ""))
    if tp is not None and m.heads % tp:
        raise InvalidInputError("tp", f"{m.name} has {m.heads} attention heads, not divisible by tp={tp}")
    if pp is not None and m.n_layers % pp and not uneven_stages:
        raise InvalidInputError("pp", f"{m.name} has {m.n_layers} layers, not divisible by pp={pp}")
    if tp is not None and pp is not None and n % (tp * pp):
        raise InvalidInputError("gpus", f"{n} GPUs are not divisible by tp*pp={tp * pp}")
    if tp is not None and pp is not None and dp is not None and tp * pp * dp != n:
        raise InvalidInputError("dp", f"tp*pp*dp={tp * pp * dp} must equal the cluster's {n} GPUs")
    if ep is not None and not m.moe and ep != 1:
        raise InvalidInputError("ep", f"{m.name} has no experts; expert parallelism needs ep=1")
    if m.moe and ep is not None and m.moe["experts"] % ep:
        raise InvalidInputError("ep", f"{m.moe['experts']} experts are not divisible by ep={ep}")
    if v > 1 and pp is not None and not uneven_stages and (m.n_layers // pp) % v:
        raise InvalidInputError("virtual_stages", f"layers per stage ({m.n_layers // pp}) not divisible by {v}")

    # candidate grid (a single point when everything is given)
    tps = [tp] if tp else [t for t in _divisors(n) if m.heads % t == 0 and t <= max(cl.gpus_per_node, 1)]
    pps = [pp] if pp else [p for p in _divisors(m.n_layers) if n % p == 0 and (m.n_layers // p) % v == 0]
    mbs = [micro_batch] if micro_batch else [1, 2, 4, 8]
    rcs = [_RECOMPUTE.index(recompute)] if recompute else [0, 1, 2]
    if ep is not None:
        eps = [ep]
    else:  # search expert parallelism too: divisors of the expert count (1 for dense models)
        eps = [e for e in _divisors(m.moe["experts"]) if e <= n] if m.moe else [1]
    T, P, MB, RC, E = (a.ravel() for a in np.meshgrid(tps, pps, mbs, rcs, eps, indexing="ij"))
    ok = (n % (T * P) == 0)
    D = np.where(ok, n // np.maximum(T * P, 1), 1)
    if dp is not None:
        ok &= D == dp
    ok &= (global_batch % (D * MB) == 0)
    ok &= (D % E == 0)
    if not ok.any():
        reason = _no_plan_reason(m, n, global_batch, v, tps, pps, dp, tp, pp)
        return _infeasible(m, cl, precision, reason, tp, pp, dp, ep or 1)
    T, P, MB, RC, D, E = T[ok], P[ok], MB[ok], RC[ok], D[ok], E[ok]
    r = evaluate_plans(m, cl, global_batch, seq_len, T, P, D, MB, RC, precision, E, v,
                       zero_stage, sequence_parallel, overlap, optimizer, tp_overlap)
    cap = cl.hardware.memory_bytes
    fits = r.mem <= USABLE_MEMORY * cap
    if not fits.any():
        i = int(np.argmin(r.mem))
        reason = (f"needs {r.mem[i] / 1e9:,.0f} GB per GPU at best (tp={T[i]}, pp={P[i]}, "
                  f"dp={D[i]}, recompute={_RECOMPUTE[RC[i]]}), has {cap / 1e9:,.0f} GB")
        return _infeasible(m, cl, precision, reason, int(T[i]), int(P[i]), int(D[i]), int(E[i]),
                           mem=float(r.mem[i]))
    step = np.where(fits, r.step, np.inf)
    i = int(np.argmin(step))

    def at(key):
        x = getattr(r, key)
        return float(x[i]) if np.ndim(x) else float(x)

    st = at("step")
    steps = tokens / (global_batch * seq_len)
    total = st * steps
    peak = cl.hardware.peak(precision)
    return TrainResult(
        m.name, cl.hardware.name, n, int(T[i]), int(P[i]), int(D[i]), int(E[i]), int(MB[i]),
        int(round(at("m"))),
        _RECOMPUTE[RC[i]], precision, st, total, steps, total * n / 3600.0,
        global_batch * seq_len / st / n, at("model_flops") / (st * n * peak),
        at("hw_flops") / (st * n * peak), at("hw_flops") / (st * n), at("mem"), cap,
        at("compute"), at("bubble"), at("tp"), at("pp"), at("dp"), at("ep"), True, "",
    )


def _no_plan_reason(m: Model, n: int, global_batch: int, v: int, tps: list[int],
                    pps: list[int], dp: int | None, tp: int | None, pp: int | None) -> str:
    """Why no (tp, pp, dp, micro_batch) plan exists, naming the constraint that ruled all out:
    the pipeline depth (virtual stages), the tensor-parallel degree, or the batch."""
    if not pps:
        return (f"no pipeline depth gives every stage a multiple of virtual_stages={v} layers "
                f"({m.name} has {m.n_layers} layers on {n} GPUs)")
    if not tps:
        return f"no tensor-parallel degree divides both {m.heads} heads and {n} GPUs"
    if dp is not None and tp is not None and pp is not None:
        return f"global_batch={global_batch} is not divisible by dp={dp} x micro_batch"
    return (f"no (tp, pp, dp, micro_batch) plan divides {n} GPUs and global_batch="
            f"{global_batch} (dp x micro_batch must divide the batch)")


def check_zero_stage(zero_stage: object) -> int:
    """ZeRO has stages 0 (none) to 3 (weights sharded too); anything else is a mistake."""
    if isinstance(zero_stage, bool) or zero_stage not in (0, 1, 2, 3):
        raise InvalidInputError("zero_stage", f"must be 0, 1, 2 or 3, got {zero_stage!r}")
    return int(zero_stage)  # type: ignore[call-overload]


def _infeasible(m, cl, precision, reason, tp, pp, dp, ep, mem=0.0) -> TrainResult:
    return TrainResult(m.name, cl.hardware.name, cl.gpus, tp or 0, pp or 0, dp or 0, ep, 0, 0,
                       "", precision, float("inf"), float("inf"), 0.0, float("inf"), 0.0, 0.0,
                       0.0, 0.0, mem, cl.hardware.memory_bytes, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                       False, reason)




def train_sweep(m: Model | str, cl: Cluster, global_batch: int, seq_len: int, tp, pp, dp,
                micro_batch=1, recompute="none", precision: str = "bf16", ep=1,
                zero_stage: int = 1) -> dict[str, np.ndarray]:
    """Evaluate many training plans at once (arrays broadcast) for plots and labs.

    Returns arrays: step_time_s, mfu, memory_per_gpu_bytes, feasible (fits in memory and the
    degrees divide the cluster/batch), plus the time breakdown. No per-plan Python loop: a
    sweep of 100k plans takes a fraction of a second."""
    m = model(m)
    if not isinstance(cl, Cluster):
        raise InvalidInputError("cluster", "pass mlsysim.cluster(hardware, gpus)")
    global_batch = check_positive("global_batch", global_batch, integer=True)
    seq_len = check_positive("seq_len", seq_len, integer=True)
    precision = norm_precision(precision)
    cl.hardware.peak(precision)
    check_zero_stage(zero_stage)
    tp, pp, dp, mb, ep = (np.asarray(check_positive(n, v, integer=True)) for n, v in
                          (("tp", tp), ("pp", pp), ("dp", dp), ("micro_batch", micro_batch),
                           ("ep", ep)))
    if isinstance(recompute, str):
        if recompute not in _RECOMPUTE:
            raise InvalidInputError("recompute", f"{recompute!r} is not one of {', '.join(_RECOMPUTE)}")
        rc = np.asarray(_RECOMPUTE.index(recompute))
    else:
        rc = np.asarray(recompute)
        if not np.isin(rc, (0, 1, 2)).all():
            raise InvalidInputError("recompute", "codes must be 0 (none), 1 (selective), 2 (full)")
    try:
        np.broadcast_shapes(tp.shape, pp.shape, dp.shape, mb.shape, ep.shape, rc.shape)
    except ValueError:
        shapes = ", ".join(f"{k}{np.shape(x)}" for k, x in
                           (("tp", tp), ("pp", pp), ("dp", dp), ("micro_batch", mb), ("ep", ep),
                            ("recompute", rc)))
        raise InvalidInputError(
            "tp/pp/dp", f"the plan arrays must have one length (or broadcast): {shapes}"
        ) from None
    valid = ((tp * pp * dp == cl.gpus) & (m.heads % tp == 0) & (m.n_layers % pp == 0)
             & (global_batch % (dp * mb) == 0) & (dp % ep == 0))
    r = evaluate_plans(m, cl, global_batch, seq_len, tp, pp, dp, mb, rc, precision, ep, 1,
                       zero_stage)
    peak = cl.hardware.peak(precision)
    feasible = valid & (r.mem <= USABLE_MEMORY * cl.hardware.memory_bytes)
    step = np.where(valid, r.step, np.inf)
    mfu = np.where(valid, r.model_flops / (np.where(valid, r.step, 1.0) * cl.gpus * peak), 0.0)
    return {"step_time_s": step, "mfu": mfu, "memory_per_gpu_bytes": np.asarray(r.mem),
            "feasible": feasible, "compute_s": np.asarray(r.compute),
            "bubble_s": np.asarray(r.bubble), "tp_comm_s": np.asarray(r.tp),
            "pp_comm_s": np.asarray(r.pp), "dp_comm_exposed_s": np.asarray(r.dp)}
