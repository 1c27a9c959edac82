"""Distributed training step model: data, tensor, pipeline, context and expert parallelism.

The step is built from the same operator table as transformer_ops (so a memory-bound
layernorm costs what the roofline says) plus alpha-beta collectives:
  stage time per micro-batch = layers on the stage x (fwd + bwd [+ recompute] + TP + CP + EP)
                               [+ LM head on the last stage]
  pipeline time = (m + (pp-1)/v) x slowest stage        (1F1B bubble (pp-1)/m, /v interleaved)
  step = pipeline + point-to-point + exposed DP gradient sync + optimizer update + offload.
Memory per GPU is the heavier of the first stage (1F1B keeps pp micro-batches in flight) and
the last (its logits), plus allocator fragmentation and the runtime's fixed share.
Every function here is written on numpy arrays so train() with tp/pp/dp=None evaluates the
whole candidate grid in one vectorised pass and picks the fastest plan that fits in memory."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._units import ResultMixin, check_positive, norm_precision, precision_bytes
from .compute import _attn_dims, _matmul_params, layer_op_table
from .efficiency import device_efficiency, op_times
from .errors import InvalidInputError
from .memory import activation_bytes_per_layer, model_states, state_bytes
from .network import Cluster
from .registry import Hardware, Model, model

_RECOMPUTE = ("none", "selective", "full")


def efficiency(hw_name: str) -> dict[str, float]:
    """Fitted (gemm, memory, network) fractions of a device; the full model, shape and
    precision included, is `mlsysim.efficiency` (this summary stays for older callers)."""
    e = device_efficiency(hw_name)
    return {"gemm": e.gemm, "memory": e.memory, "network": e.network}


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
    cp: int = 1
    cp_comm_s: float = 0.0
    offload_s: float = 0.0

    _units = {"step_time_s": "s", "total_time_s": "s", "gpu_hours": "",
              "tokens_per_s_per_gpu": "tok/s", "achieved_flops_per_gpu": "FLOP/s",
              "memory_per_gpu_bytes": "B", "memory_capacity_bytes": "B", "compute_s": "s",
              "bubble_s": "s", "tp_comm_s": "s", "pp_comm_s": "s", "dp_comm_exposed_s": "s",
              "ep_comm_s": "s", "cp_comm_s": "s", "offload_s": "s"}

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
class Plan:
    """The degrees of one or many training plans (numpy arrays broadcast against each other).

    `cp` is context parallelism: each of `cp` ranks holds `seq_len / cp` tokens of every
    sequence and gathers the others' keys and values for attention."""

    tp: np.ndarray
    pp: np.ndarray
    dp: np.ndarray
    micro_batch: np.ndarray
    recompute: np.ndarray
    ep: np.ndarray
    cp: np.ndarray


@dataclass(frozen=True)
class Options:
    """Choices that hold for every plan of one evaluation (scalars, not searched)."""

    precision: str = "bf16"
    virtual_stages: int = 1
    zero_stage: int = 1
    sequence_parallel: bool = True
    overlap: bool = True
    optimizer: str = "adam"
    tp_overlap: float = 0.0
    uneven_stages: bool = False
    offload_optimizer: bool = False
    offload_activations: bool = False
    fused_attention: bool = True
    dropout: bool = False
    fp32_grad_reduce: bool = False
    dualpipe: bool = False


@dataclass(frozen=True)
class PlanCost:
    """What `evaluate_plans` returns: one array entry per plan (seconds, bytes, FLOPs)."""

    step: np.ndarray
    compute: np.ndarray
    bubble: np.ndarray
    tp: np.ndarray
    pp: np.ndarray
    dp: np.ndarray
    ep: np.ndarray
    cp: np.ndarray
    offload: np.ndarray
    mem: np.ndarray
    model_flops: float
    hw_flops: np.ndarray
    microbatches: np.ndarray


#: memory the CUDA runtime holds outside the allocator: the context with its kernels loaded
#: (~0.5 GB), cuBLAS/cuDNN workspaces and NCCL channel buffers (an estimate, not fitted)
RUNTIME_BYTES = 1.5e9
#: caching-allocator fragmentation: blocks reserved but not reusable, as a share of live
#: tensors (an estimate, not fitted; with RUNTIME_BYTES it keeps the ~8% headroom of an
#: 80 GB GPU that the model kept before these overheads were named one by one)
FRAGMENTATION = 0.07
#: bytes per logit of the loss: the forward reads the 16-bit logits and writes fp32
#: log-probabilities, the backward reads those and writes the 16-bit gradient (a fused
#: softmax cross-entropy touches each logit no fewer times): (2 + 4) + (4 + 2)
LOGIT_BYTES = 12.0
#: host-memory bandwidth one GPU's CPU optimizer gets: a two-socket DDR5 server (~300 GB/s)
#: shared by 8 GPUs (an estimate, used only by `offload_optimizer`)
HOST_BW_PER_GPU = 40e9


def stage_layers(n_layers: int, pp, uneven: bool):
    """(first, middle, last) stage layer counts for `pp` stages.

    Even: every stage holds layers/pp. Uneven (Grattafiori et al. 2024, "The Llama 3 Herd of
    Models": 126 layers on 16 stages): middle stages hold ceil(layers/pp) and the first and
    last share the rest, so the last stage, which also runs the LM head, carries fewer
    layers. A plan is impossible when the rest leaves the first or last stage empty."""
    pp = np.asarray(pp, dtype=float)
    if not uneven:
        c = n_layers / pp
        return c, c, c
    c = np.ceil(n_layers / pp)
    rest = n_layers - c * np.maximum(pp - 2, 0)
    first = np.where(pp > 1, np.ceil(rest / 2), n_layers)
    last = np.where(pp > 1, rest - first, n_layers)
    return first, c, last


def _kv_width(m: Model) -> int:
    """Elements of keys and values cached per token per layer (MLA: its latent)."""
    if m.mla:
        return m.mla["kv_lora_rank"] + m.mla["qk_rope_head_dim"]
    return 2 * m.kv_heads * m.head_dim


def _layer_compute(m: Model, h: Hardware, plan: Plan, seq_len: int, b: float, opts: Options):
    """(fwd+bwd[+recompute] seconds of one layer, forward seconds, LM head fwd+bwd) for one
    micro-batch on one rank: `seq_len / cp` query tokens attending to the whole sequence.

    A sweep of many plans has few distinct (tp, micro_batch, cp, recompute): each is priced
    once and the answers are spread back over the plans."""
    if np.size(plan.tp) > 64 or np.size(plan.micro_batch) > 64:
        cols = np.broadcast_arrays(plan.tp, plan.micro_batch, plan.cp, plan.recompute)
        key = ((cols[0].astype(np.int64) * 4096 + cols[1]) * 4096 + cols[2]) * 4 + cols[3]
        uniq, first, inv = np.unique(key.ravel(), return_index=True, return_inverse=True)
        if uniq.size < key.size // 4:
            one = np.asarray(1)
            sub = Plan(cols[0].ravel()[first], one, one, cols[1].ravel()[first],
                       cols[3].ravel()[first], one, cols[2].ravel()[first])
            parts = _layer_compute_each(m, h, sub, seq_len, b, opts)
            return tuple(np.reshape(np.broadcast_to(x, uniq.shape)[inv], key.shape)
                         for x in parts)
    return _layer_compute_each(m, h, plan, seq_len, b, opts)


def _layer_compute_each(m: Model, h: Hardware, plan: Plan, seq_len: int, b: float,
                        opts: Options):
    tokens = plan.micro_batch * seq_len / plan.cp
    shapes: list[tuple] = []
    precision = opts.precision
    # FP8 training runs only the GEMMs in FP8: activations between kernels stay BF16
    ba = 2.0 if b < 2 else b
    names, fl, by = layer_op_table(m, tokens, seq_len, ba, plan.tp,
                                   fused_attention=opts.fused_attention, wb=b, shapes=shapes,
                                   seq_parallel=opts.sequence_parallel, dropout=opts.dropout)
    if m.vocab:  # the LM head joins the table: one pass of the efficiency model prices all
        shapes.append(("gemm", tokens, m.vocab / plan.tp, m.d_model))
        fl.append(2.0 * tokens * m.d_model * m.vocab / plan.tp)
        by.append(ba * tokens * (m.d_model + m.vocab / plan.tp) + b * m.d_model * m.vocab / plan.tp)
    if m.vocab:  # softmax cross-entropy over the logits: memory-bound, forward and backward
        shapes.append(("memory",))
        fl.append(0.0)
        by.append(LOGIT_BYTES * tokens * m.vocab / plan.tp)
    t_ops = op_times(h, precision, shapes, fl, by, training=True)
    t_head = (t_ops.pop() + 3 * t_ops.pop()) if m.vocab else 0.0
    t_fwd = sum(t_ops)
    t_attn = sum(t for n, t in zip(names, t_ops, strict=True)
                 if n in ("attention", "attn_scores", "softmax", "attn_dropout", "attn_context"))
    rc = plan.recompute.astype(int)
    # a fused (FlashAttention) backward recomputes the scores it never stored: 5 matmuls to
    # the forward's 2, 2.5x the forward's work where other kernels take 2x (Dao 2023)
    bwd_extra = 0.5 * t_attn if opts.fused_attention else 0.0
    t_layer = 3 * t_fwd + bwd_extra + np.choose(rc, [np.zeros_like(t_fwd), t_attn, t_fwd])
    return t_layer, t_fwd, t_head


def _links(cl: Cluster, group_inside):
    """(bandwidth, latency) a collective sees: scale-up inside a node, scale-out across."""
    net = device_efficiency(cl.hardware).network
    bw = np.where(group_inside, cl.intra.bw_per_direction * net, cl.inter.bw_per_direction * net)
    return bw, np.where(group_inside, cl.intra.latency_s, cl.inter.latency_s)


def _layer_comm(m: Model, cl: Cluster, plan: Plan, seq_len: int, b: float, tp_overlap: float):
    """Per-layer, per-micro-batch seconds of (TP all-reduces, CP key/value gathers, EP
    all-to-alls). Megatron's TP: 2 all-reduces forward, 2 backward, +2 under full recompute.
    CP (all-gather flavour, as Llama 3 used): keys/values gathered forward, their gradients
    reduce-scattered backward. EP: 2 all-to-alls forward and 2 backward per MoE layer."""
    tp, cp, ep = plan.tp, plan.cp, plan.ep
    full = plan.recompute == 2
    tokens = plan.micro_batch * seq_len / cp
    gpn = cl.gpus_per_node
    bw, lat = _links(cl, tp <= gpn)
    per = 0.5 if m.parallel_block else 1.0  # parallel attention + MLP: one reduction, not two
    t_tp = (1 - tp_overlap) * per * (4 + 2 * full) * _ring(tokens * m.d_model * b, tp, bw, lat)
    kv = plan.micro_batch * seq_len * _kv_width(m) * b / tp
    bw, lat = _links(cl, tp * cp <= gpn)
    t_cp = (2 + full) * _gather(kv, cp, bw, lat)
    if not m.moe:
        return t_tp, t_cp, 0.0 * tp
    share = (m.n_layers - m.moe.get("first_dense", 0)) / m.n_layers
    bw, _ = _links(cl, ep * tp <= gpn)
    a2a = tokens * m.d_model * b * m.moe["top_k"] / tp
    return t_tp, t_cp, 4 * _gather(a2a, ep, bw, cl.inter.latency_s) * share


def _dp_sync(cl: Cluster, plan: Plan, grad_bytes, zero_stage: int, m_count, param_bytes):
    """Seconds of the gradient all-reduce over the `dp x cp` replicas of each weight:
    reduce-scatter and all-gather inside a node, ring across nodes (hierarchical); ZeRO-3
    adds a parameter all-gather (`param_bytes`, the compute format) for the forward and the
    backward of every micro-batch, hierarchical too: each node's GPUs fetch disjoint
    eighths of the remote shards over their own NICs, then exchange them over the scale-up
    links, so the scale-out fabric carries each byte into a node once, not once per GPU."""
    group = plan.dp * plan.cp
    gpn = cl.gpus_per_node
    local = np.minimum(np.maximum(gpn // np.minimum(plan.tp * plan.pp, gpn), 1), group)
    nodes = np.ceil(group / local)
    bw_in, lat_in = _links(cl, True)
    bw_out, lat_out = _links(cl, False)
    t = 2 * _gather(grad_bytes, local, bw_in, lat_in) + _ring(grad_bytes / local, nodes, bw_out,
                                                             lat_out)
    if zero_stage >= 3:
        gather = _gather(param_bytes, local, bw_in, lat_in) + _gather(param_bytes / local, nodes,
                                                                      bw_out, lat_out)
        t = t + 2 * m_count * gather
    return t


def _memory(m: Model, plan: Plan, opts: Options, seq_len: int, b: float, layers, states):
    """Peak bytes per GPU: the heavier of the first stage (most micro-batches in flight under
    1F1B) and the last (the LM head's logits, kept in the compute format plus an fp32 copy
    for the loss), plus fragmentation and the runtime's fixed share."""
    first, mid, last = layers
    per = opts.sequence_parallel
    act = np.choose(plan.recompute.astype(int), [
        activation_bytes_per_layer(m, seq_len / plan.cp, plan.micro_batch, plan.tp, name, per,
                                   True, opts.dropout) * b / 2.0 for name in _RECOMPUTE])
    w, g, o = states
    if opts.offload_optimizer:
        o = 0.0 * o
    # DualPipe feeds micro-batches from both ends: one more in flight, and each GPU keeps a
    # second copy of its stage's weights for the other direction
    in_flight = np.where(opts.offload_activations, 2.0 / np.maximum(first, 1),
                         plan.pp + (1 if opts.dualpipe else 0))
    even = m.n_layers / plan.pp
    w_copies = w * (2.0 if opts.dualpipe else 1.0)
    first_mem = (w_copies + g + o) * np.maximum(first, mid) / even + act * first * in_flight
    logits = plan.micro_batch * seq_len / plan.cp * m.vocab / plan.tp * (b + 4.0)
    last_mem = (w + g + o) * last / even + act * np.where(opts.offload_activations, 2.0,
                                                          last) + logits
    return np.maximum(first_mem, last_mem) * (1 + FRAGMENTATION) + RUNTIME_BYTES, act


def _offload_time(cl: Cluster, plan: Plan, opts: Options, act_layer, t_fwd, layers, states,
                  m_count):
    """Exposed seconds of host offload over the GPU's host link (PCIe). Activations: each
    micro-batch's stored activations go out in the forward and come back in the backward,
    hidden behind that stage's compute when the link keeps up. Optimizer (ZeRO-Offload):
    gradients out, updated weights back, and a CPU update streaming the states."""
    from .registry import fabric

    t = 0.0 * plan.tp
    if not (opts.offload_activations or opts.offload_optimizer):
        return t
    link = fabric(cl.hardware.host_link or "PCIe4").bw_per_direction
    if opts.offload_activations:
        move = act_layer * layers[1] / link
        stage_fwd = layers[1] * t_fwd
        t = t + m_count * (np.maximum(0.0, move - stage_fwd) + np.maximum(0.0, move - 2 * stage_fwd))
    if opts.offload_optimizer:
        w, g, o = states
        shard = plan.dp * plan.cp if opts.zero_stage >= 1 else 1
        t = t + (g + w) / shard / link + 2 * (o + g / shard + w / shard) / HOST_BW_PER_GPU
    return t


def _flops(m: Model, global_batch: int, seq_len: int, rc):
    """(model FLOPs, hardware FLOPs with recomputation) of one step, as MFU/HFU count them."""
    tokens_step = global_batch * seq_len
    qk, vw = _attn_dims(m)
    attn_fwd = 2.0 * tokens_step * m.n_layers * seq_len * (qk + vw)
    model_flops = 3.0 * (2.0 * _matmul_params(m) * tokens_step + attn_fwd)
    return model_flops, model_flops + np.choose(rc.astype(int), [0.0, attn_fwd, model_flops / 3])


def evaluate_plans(m: Model, cl: Cluster, global_batch: int, seq_len: int, plan: Plan,
                   opts: Options = Options()) -> PlanCost:
    """Vectorised core: every field of `plan` may be an array (they broadcast).

    stage = layers on the stage x (layer fwd+bwd + TP + CP + EP per layer) [+ LM head on
    the last]; pipeline = (m + (pp-1)/v) x slowest stage (1F1B, interleaved /v);
    step = pipeline + point-to-point + exposed DP sync + optimizer + exposed offload."""
    h: Hardware = cl.hardware
    b = precision_bytes(opts.precision)
    v = opts.virtual_stages
    m_count = global_batch / (plan.dp * plan.micro_batch)
    t_layer, t_fwd, t_head = _layer_compute(m, h, plan, seq_len, b, opts)
    t_tp, t_cp, t_ep = _layer_comm(m, cl, plan, seq_len, b, opts.tp_overlap)
    layers = stage_layers(m.n_layers, plan.pp, opts.uneven_stages)
    first, mid, last = layers
    # DualPipe (DeepSeek-AI 2024) overlaps each chunk's expert all-to-alls and pipeline sends
    # with another chunk's compute: they leave the critical path
    t_ep = 0.0 * t_ep if opts.dualpipe else t_ep
    per_layer = t_layer + t_tp + t_cp + t_ep
    t_stage = np.maximum(np.maximum(first, mid) * per_layer, last * per_layer + t_head)
    slowest = np.where(np.maximum(first, mid) * per_layer > last * per_layer + t_head,
                       np.maximum(first, mid), last)
    t_bubble = (plan.pp - 1) / v * t_stage
    if opts.dualpipe:
        # its bubble, (PP/2 - 1)(F&B + B - 3W) in the report's notation, with a forward F, a
        # full backward B = 2F and its weight half W = F: (PP/2 - 1) x 2F, 2/3 of a stage
        t_bubble = np.maximum(plan.pp / 2 - 1, 0) * (2.0 / 3.0) * t_stage
    t_pipe = m_count * t_stage + t_bubble
    p2p = plan.micro_batch * seq_len / plan.cp * m.d_model * b / plan.tp
    bw, _ = _links(cl, plan.tp * plan.cp * plan.pp <= cl.gpus_per_node)
    t_pp = np.where((plan.pp > 1) & (not opts.dualpipe), 2 * v * (m_count + plan.pp - 1)
                    * (cl.inter.latency_s + p2p / bw), 0.0)
    wb, gb, ob = state_bytes(opts.optimizer, opts.precision, True)
    params_gpu, w, g, o = model_states(m, wb, gb, ob, opts.zero_stage,
                                       (plan.dp * plan.cp).astype(float), plan.tp, plan.pp, plan.ep)
    # gradients are reduced in the compute format, or in fp32 where the framework accumulates
    # and reduces them in fp32 (Megatron-LM does for bf16)
    t_dp = _dp_sync(cl, plan, params_gpu * (4.0 if opts.fp32_grad_reduce else b),
                    opts.zero_stage, m_count, params_gpu * b)
    window = ((2.0 / 3.0) * t_stage * (m_count if opts.zero_stage >= 3 else 1)
              if opts.overlap else 0.0)
    # a collective hidden behind compute still takes SMs and memory bandwidth from it: the
    # fitted share `contention` of its hidden time shows up as slower compute
    t_hidden = np.minimum(t_dp, window) * device_efficiency(h).contention
    t_dp = np.maximum(0.0, t_dp - window)
    shard = plan.dp * plan.cp if opts.zero_stage >= 1 else 1
    mem, act = _memory(m, plan, opts, seq_len, b, layers, (w, g, o))
    t_off = _offload_time(cl, plan, opts, act, t_fwd, layers, (w, g, o), m_count)
    bw_mem = h.memory_bw * device_efficiency(h).memory
    t_opt = 0.0 if opts.offload_optimizer else 2 * (o + w + g) / bw_mem / shard
    model_flops, hw_flops = _flops(m, global_batch, seq_len, plan.recompute)
    busy = m_count + (plan.pp - 1) / v
    return PlanCost(
        step=t_pipe + t_pp + t_dp + t_hidden + t_opt + t_off,
        compute=np.maximum(np.maximum(first, mid) * t_layer, last * t_layer + t_head) * m_count,
        bubble=t_bubble, tp=slowest * t_tp * busy, pp=t_pp, dp=t_dp,
        ep=slowest * t_ep * m_count, cp=slowest * t_cp * busy, offload=t_off, mem=mem,
        model_flops=model_flops, hw_flops=hw_flops, microbatches=m_count)


def _divisors(n: int) -> list[int]:
    return [k for k in range(1, n + 1) if n % k == 0]


def _check_plan_args(m: Model, n: int, seq_len: int, degrees: dict[str, int | None],
                     v: int, uneven: bool) -> None:
    """Reject degrees that can never describe a plan, naming the real cause (not the batch)."""
    _check_degrees_divide_cluster(n, degrees)
    tp, pp, dp, cp, ep = (degrees[k] for k in ("tp", "pp", "dp", "cp", "ep"))
    _check_degrees_split_model(m, seq_len, tp, pp, cp, uneven)
    _check_degree_products(n, tp, pp, dp, cp)
    _check_experts_and_stages(m, pp, ep, v, uneven)


def _check_degrees_divide_cluster(n: int, degrees: dict[str, int | None]) -> None:
    """Each given degree is a positive whole number that divides the cluster's `n` GPUs."""
    for name, val in degrees.items():
        if val is not None:
            check_positive(name, val, integer=True)
    for name in ("tp", "pp", "dp", "cp"):
        val = degrees[name]
        if val is not None and n % val:
            raise InvalidInputError(name, f"{name}={val} does not divide the cluster's {n} GPUs"
                                    + (f" (it needs at least {val})" if val > n else ""))


def _check_degrees_split_model(m: Model, seq_len: int, tp: int | None, pp: int | None,
                               cp: int | None, uneven: bool) -> None:
    """tp splits the heads, pp the layers (leaving no stage empty), cp the sequence."""
    if tp is not None and m.heads % tp:
        raise InvalidInputError("tp", f"{m.name} has {m.heads} attention heads, not divisible by tp={tp}")
    if pp is not None and m.n_layers % pp and not uneven:
        raise InvalidInputError("pp", f"{m.name} has {m.n_layers} layers, not divisible by pp={pp}"
                                " (uneven_stages=True lets the first and last stages hold fewer)")
    if pp is not None and uneven and pp > 1 and stage_layers(m.n_layers, pp, True)[2] < 1:
        raise InvalidInputError("pp", f"{m.n_layers} layers leave the last of {pp} stages empty")
    if cp is not None and seq_len % cp:
        raise InvalidInputError("cp", f"seq_len={seq_len} is not divisible by cp={cp}")


def _check_degree_products(n: int, tp: int | None, pp: int | None, dp: int | None,
                           cp: int | None) -> None:
    """The model-parallel degrees together divide the cluster; all four given fill it exactly."""
    fixed = [x for x in (tp, pp, cp) if x is not None]
    if len(fixed) > 1 and n % int(np.prod(fixed)):
        raise InvalidInputError("gpus", f"{n} GPUs are not divisible by the product of the "
                                f"model-parallel degrees ({int(np.prod(fixed))})")
    if None not in (tp, pp, dp, cp) and tp * pp * dp * cp != n:
        raise InvalidInputError("dp", f"tp*cp*pp*dp={tp * pp * dp * cp} must equal the "
                                f"cluster's {n} GPUs")


def _check_experts_and_stages(m: Model, pp: int | None, ep: int | None, v: int,
                              uneven: bool) -> None:
    """ep splits the experts (only a mixture-of-experts model has any); virtual stages split
    each pipeline stage's layers."""
    if ep is not None and not m.moe and ep != 1:
        raise InvalidInputError("ep", f"{m.name} has no experts; expert parallelism needs ep=1")
    if m.moe and ep is not None and m.moe["experts"] % ep:
        raise InvalidInputError("ep", f"{m.moe['experts']} experts are not divisible by ep={ep}")
    if v > 1 and pp is not None and not uneven and (m.n_layers // pp) % v:
        raise InvalidInputError("virtual_stages", f"layers per stage ({m.n_layers // pp}) not divisible by {v}")


def _candidates(m: Model, cl: Cluster, global_batch: int, seq_len: int,
                degrees: dict[str, int | None], v: int, uneven: bool):
    """Every (tp, pp, micro_batch, recompute, ep, cp) plan the request leaves open, with the
    data-parallel degree that fills the cluster; (plan, lists searched) or (None, lists)."""
    n = cl.gpus
    tp, pp, cp, ep = (degrees[k] for k in ("tp", "pp", "cp", "ep"))
    tps = [tp] if tp else [t for t in _divisors(n) if m.heads % t == 0 and t <= max(cl.gpus_per_node, 1)]
    L = m.n_layers
    pps = [pp] if pp else [p for p in _divisors(n) if p <= L and (
        (L % p == 0 and (L // p) % v == 0) if not uneven
        else (p == 1 or stage_layers(L, p, True)[2] >= 1) and int(np.ceil(L / p)) % v == 0)]
    mbs = [degrees["micro_batch"]] if degrees["micro_batch"] else [1, 2, 4, 8]
    rcs = [_RECOMPUTE.index(degrees["recompute"])] if degrees["recompute"] else [0, 1, 2]
    eps = [ep] if ep is not None else (
        [e for e in _divisors(m.moe["experts"]) if e <= n] if m.moe else [1])
    cps = [cp] if cp else [c for c in (1, 2, 4, 8) if n % c == 0 and seq_len % c == 0]
    T, P, MB, RC, E, C = (a.ravel() for a in np.meshgrid(tps, pps, mbs, rcs, eps, cps, indexing="ij"))
    ok = n % (T * P * C) == 0
    D = np.where(ok, n // np.maximum(T * P * C, 1), 1)
    if degrees["dp"] is not None:
        ok &= D == degrees["dp"]
    ok &= (global_batch % (D * MB) == 0) & (D % E == 0)
    if not ok.any():
        return None, (tps, pps)
    return Plan(T[ok], P[ok], D[ok], MB[ok], RC[ok], E[ok], C[ok]), (tps, pps)


def train(m: Model | str, cl: Cluster, tokens: float, global_batch: int, seq_len: int,
          tp: int | None = None, pp: int | None = None, dp: int | None = None,
          precision: str = "bf16", micro_batch: int | None = None, recompute: str | None = None,
          ep: int | None = 1, schedule: str = "1f1b", virtual_stages: int = 1, zero_stage: int = 1,
          sequence_parallel: bool = True, overlap: bool = True, optimizer: str = "adam",
          uneven_stages: bool = False, tp_overlap: float = 0.0, cp: int | None = 1,
          offload_optimizer: bool = False, offload_activations: bool = False,
          fused_attention: bool = True, dropout: bool = False,
          fp32_grad_reduce: bool = False) -> TrainResult:
    """Predict a training run: step time, total time, GPU-hours, tokens/s per GPU, MFU/HFU.

    `global_batch` is in sequences of `seq_len` tokens. Leave tp/pp/dp (and micro_batch,
    recompute, cp, and ep for mixture-of-experts models) as None to search every valid plan
    at once and return the fastest one that fits in memory; an impossible request returns
    feasible=False with the reason. uneven_stages=True lets the pipeline's first and last
    stages hold fewer layers (see `stage_layers`), in the search too. `cp` splits every
    sequence over that many GPUs (context parallelism). offload_optimizer keeps optimizer
    states in host memory with a CPU update (ZeRO-Offload); offload_activations parks
    stored activations in host memory between forward and backward; both pay the host link.
    tp_overlap in [0, 1] is the fraction of tensor-parallel communication hidden behind
    compute (0 by default, which is what the calibration run did). fused_attention=False
    prices attention as runs before FlashAttention (2022) did: the score matrix through DRAM;
    with dropout=True (attention dropout, Megatron-LM's default) that matrix makes one more
    round trip through a dropout kernel. fp32_grad_reduce=True all-reduces the gradients in
    fp32 (Megatron-LM accumulates and reduces bf16 runs' gradients in fp32).
    schedule="dualpipe" is DeepSeek-V3's bidirectional pipeline (DeepSeek-AI 2024): expert
    all-to-alls and pipeline sends hidden behind compute, a bubble of (pp/2 - 1) x 2
    forwards, one more micro-batch in flight and a second copy of each stage's weights."""
    m = model(m)
    opts, degrees = _train_args(m, cl, tokens, global_batch, seq_len, locals())
    plan, (tps, pps) = _candidates(m, cl, global_batch, seq_len, degrees,
                                   opts.virtual_stages, uneven_stages)
    if plan is None:
        reason = _no_plan_reason(m, cl.gpus, global_batch, opts.virtual_stages, tps, pps, dp, tp, pp)
        return _infeasible(m, cl, opts.precision, reason, tp, pp, dp, ep or 1)
    r = evaluate_plans(m, cl, global_batch, seq_len, plan, opts)
    fits = r.mem <= cl.hardware.memory_bytes
    if not fits.any():
        i = int(np.argmin(r.mem))
        reason = (f"needs {r.mem[i] / 1e9:,.0f} GB per GPU at best (tp={plan.tp[i]}, "
                  f"pp={plan.pp[i]}, cp={plan.cp[i]}, micro_batch={plan.micro_batch[i]}, "
                  f"{_RECOMPUTE[plan.recompute[i]]} recompute), has "
                  f"{cl.hardware.memory_bytes / 1e9:,.0f} GB")
        return _infeasible(m, cl, opts.precision, reason, int(plan.tp[i]), int(plan.pp[i]),
                           int(plan.dp[i]), int(plan.ep[i]), mem=float(r.mem[i]))
    i = int(np.argmin(np.where(fits, r.step, np.inf)))
    return _result(m, cl, r, plan, i, tokens, global_batch, seq_len, opts.precision)


def _train_args(m: Model, cl: Cluster, tokens, global_batch, seq_len, a: dict):
    """Validate train()'s arguments; return its `Options` and the requested degrees."""
    if not isinstance(cl, Cluster):
        raise InvalidInputError("cluster", "pass mlsysim.cluster(hardware, gpus)")
    if m.kind != "transformer" or m.vit is not None:
        raise InvalidInputError("model", f"train() models decoder transformers; {m.name} is a {m.kind}")
    check_positive("tokens", tokens)
    check_positive("global_batch", global_batch, integer=True)
    seq_len = check_positive("seq_len", seq_len, integer=True)
    precision = norm_precision(a["precision"])
    cl.hardware.peak(precision)
    if a["schedule"] not in ("1f1b", "interleaved", "dualpipe"):
        raise InvalidInputError("schedule", f"{a['schedule']!r} is not 1f1b, interleaved or "
                                "dualpipe")
    v = (check_positive("virtual_stages", a["virtual_stages"], integer=True)
         if a["schedule"] == "interleaved" else 1)
    if not 0.0 <= a["tp_overlap"] <= 1.0:
        raise InvalidInputError("tp_overlap", f"must be between 0 and 1, got {a['tp_overlap']!r}")
    if a["recompute"] is not None and a["recompute"] not in _RECOMPUTE:
        raise InvalidInputError("recompute", f"{a['recompute']!r} is not one of {', '.join(_RECOMPUTE)}")
    check_zero_stage(a["zero_stage"])
    degrees = {k: a[k] for k in ("tp", "pp", "dp", "cp", "ep", "micro_batch")}
    degrees["recompute"] = a["recompute"]
    _check_plan_args(m, cl.gpus, seq_len, {k: degrees[k] for k in
                                           ("tp", "pp", "dp", "cp", "ep", "micro_batch")},
                     v, a["uneven_stages"])
    opts = Options(precision, v, a["zero_stage"], a["sequence_parallel"], a["overlap"],
                   a["optimizer"], a["tp_overlap"], a["uneven_stages"], a["offload_optimizer"],
                   a["offload_activations"], a["fused_attention"], bool(a["dropout"]),
                   bool(a["fp32_grad_reduce"]), a["schedule"] == "dualpipe")
    if opts.dualpipe and a["pp"] is not None and a["pp"] % 2:
        raise InvalidInputError("pp", f"DualPipe pairs stage i with stage pp-1-i on one GPU, so "
                                f"pp must be even, got {a['pp']}")
    return opts, degrees


def _result(m: Model, cl: Cluster, r: PlanCost, plan: Plan, i: int, tokens: float,
            global_batch: int, seq_len: int, precision: str) -> TrainResult:
    """The chosen plan `i` as a TrainResult (per-step seconds, MFU, memory)."""
    def at(x) -> float:
        return float(x[i]) if np.ndim(x) else float(x)

    n, st = cl.gpus, at(r.step)
    steps = tokens / (global_batch * seq_len)
    peak = cl.hardware.peak(precision)
    return TrainResult(
        m.name, cl.hardware.name, n, int(plan.tp[i]), int(plan.pp[i]), int(plan.dp[i]),
        int(plan.ep[i]), int(plan.micro_batch[i]), int(round(at(r.microbatches))),
        _RECOMPUTE[plan.recompute[i]], precision, st, st * steps, steps, st * steps * n / 3600.0,
        global_batch * seq_len / st / n, at(r.model_flops) / (st * n * peak),
        at(r.hw_flops) / (st * n * peak), at(r.hw_flops) / (st * n), at(r.mem),
        cl.hardware.memory_bytes, at(r.compute), at(r.bubble), at(r.tp), at(r.pp), at(r.dp),
        at(r.ep), True, "", cp=int(plan.cp[i]), cp_comm_s=at(r.cp), offload_s=at(r.offload))


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
    plan = Plan(tp, pp, dp, mb, rc, ep, np.asarray(1))
    r = evaluate_plans(m, cl, global_batch, seq_len, plan, Options(precision, zero_stage=zero_stage))
    peak = cl.hardware.peak(precision)
    feasible = valid & (r.mem <= cl.hardware.memory_bytes)
    step = np.where(valid, r.step, np.inf)
    mfu = np.where(valid, r.model_flops / (np.where(valid, r.step, 1.0) * cl.gpus * peak), 0.0)
    return {"step_time_s": step, "mfu": mfu, "memory_per_gpu_bytes": np.asarray(r.mem),
            "feasible": feasible, "compute_s": np.asarray(r.compute),
            "bubble_s": np.asarray(r.bubble), "tp_comm_s": np.asarray(r.tp),
            "pp_comm_s": np.asarray(r.pp), "dp_comm_exposed_s": np.asarray(r.dp)}
