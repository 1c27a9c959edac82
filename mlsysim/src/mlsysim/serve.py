"""LLM serving: prefill (compute-bound), decode (bandwidth-bound), KV-cache limits, at scale.

TTFT = time to prefill the prompt batch; TPOT = one decode step at the mean context length
(prompt + half the output), each the sum of the operators' times from the efficiency model,
plus tensor-parallel all-reduces (over the scale-out fabric once a TP group leaves its node).
On top of one replica: pipeline stages across nodes, replicas behind a router (Erlang-C
queueing), chunked prefill, prefill/decode disaggregation, speculative decoding, and MoE
decode reading only the experts a batch is expected to touch."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from . import efficiency as _efficiency
from ._units import ArrayLike, ResultMixin, check_positive, norm_precision, precision_bytes
from .compute import layer_op_table
from .efficiency import device_efficiency, kv_read_factor, op_times
from .errors import InvalidInputError
from .memory import kv_cache_bytes, model_size_bytes
from .network import Cluster, allreduce_time, cluster
from .registry import Hardware, Model, hardware, model
from .scheduling import erlang_c_prob

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
    tp: int = 1
    pp: int = 1
    replicas: int = 1
    total_gpus: int = 1
    stage_transfer_s: ArrayLike = 0.0
    kv_transfer_s: ArrayLike = 0.0
    tokens_per_step: float = 1.0
    queue_wait_s: ArrayLike = 0.0
    utilisation: ArrayLike = 0.0
    tpot_max_s: ArrayLike = 0.0

    _units = {"stage_transfer_s": "s", "kv_transfer_s": "s", "queue_wait_s": "s", "tpot_max_s": "s", "ttft_s": "s", "tpot_s": "s", "tokens_per_s": "tok/s", "request_latency_s": "s",
              "weights_bytes": "B", "kv_cache_bytes": "B", "memory_capacity_bytes": "B"}


@dataclass(frozen=True)
class _Setup:
    """A validated serving request: the model, the device and how one replica is split."""

    m: Model
    h: Hardware
    precision: str
    tp: int
    pp: int
    cl: Cluster   # one replica's GPUs in nodes (stage boundaries may cross them)
    b: float      # bytes per activation element
    wb: float     # bytes per weight
    kvp: str      # KV-cache format
    kv_reads: float = 1.0  # DRAM reads of each cached K/V per decode step (`kv_read_factor`)


@dataclass(frozen=True)
class _Pass:
    """One forward pass on one tensor-parallel group: all layers (with their TP
    all-reduces), the LM head, and whether the layers are memory-bound."""

    body: ArrayLike
    head: ArrayLike
    bound: str | np.ndarray


def _pass_parts(m: Model, h: Hardware, tokens, ctx, b: float, gpus: int, decode: bool,
                precision: str, gpus_per_node: int | None = None, wb: float | None = None,
                kvb: float | None = None) -> _Pass:
    """Seconds of one forward pass over `tokens` tokens attending to `ctx`, split over
    `gpus` by tensor parallelism; past one node the all-reduces cross the scale-out fabric
    (`_tp_allreduce`)."""
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
    # the runtime's per-pass work (scheduling, sampling), a fixed part and one per sequence
    # (`rows`: one per sequence in decode and prefill alike), joins the layers' time, so a
    # pipeline spreads it over its stages and a token pays it once, not once per stage
    e = device_efficiency(h)
    t = sum(times[:-1]) * m.n_layers + e.step_s + e.seq_s * rows
    head = times[-1]
    if gpus > 1:
        cl = _cluster(h, gpus, gpus_per_node)
        # two all-reduces of the activations per layer (one when attention and MLP run side
        # by side and their partial sums are added before a single reduction); dividing the
        # bytes by the network efficiency scales the bandwidth term only
        msg = tokens * m.d_model * b / e.network
        n_ar = 1 if m.parallel_block else 2
        # each all-reduce is a kernel too: it pays the device's launch gap
        t = t + n_ar * m.n_layers * (_tp_allreduce(msg, cl) + e.launch_s)
    if np.ndim(t_m) == 0 and np.ndim(t_c) == 0:
        return _Pass(t, head, "memory" if t_m > t_c else "compute")
    return _Pass(t, head, np.where(t_m > t_c, "memory", "compute"))


def _tp_allreduce(msg, cl: Cluster):
    """Seconds of one tensor-parallel all-reduce of the activations.

    Inside a node: a ring over the scale-up link. Past one node the group is one flat ring
    through both nodes, as a runtime's single tensor-parallel communicator runs it (the
    same model `train()` uses): each of its 2(n-1) steps waits for the slowest hop, a
    scale-out NIC at network latency, so a layer's all-reduce costs microseconds of
    InfiniBand latency per rank where NVLink costs a fraction of one. The activations of
    one layer (KB in decode, a few MB in prefill) are too small to spread over every NIC
    of the node, which is what a hierarchical all-reduce of gradients relies on."""
    if cl.nodes == 1:
        return allreduce_time(msg, cl)
    return allreduce_time(msg, cl.gpus, cl.inter, algorithm="ring")


@lru_cache(maxsize=256)
def _cluster(h: Hardware, gpus: int, gpus_per_node: int | None) -> Cluster:
    """Clusters are immutable and rebuilt on every call otherwise (fabric look-ups by name):
    serve() is called on every slider move, so build each one once."""
    return cluster(h, gpus, gpus_per_node=gpus_per_node)


def _pass_time(m: Model, h: Hardware, tokens, ctx, b: float, gpus: int, decode: bool,
               precision: str, gpus_per_node: int | None = None, wb: float | None = None,
               kvb: float | None = None):
    """(seconds, bound) of a whole forward pass on one tensor-parallel group."""
    p = _pass_parts(m, h, tokens, ctx, b, gpus, decode, precision, gpus_per_node, wb, kvb)
    return p.body + p.head, p.bound


def _run(s: _Setup, tokens, ctx, decode: bool, m: Model | None = None) -> _Pass:
    """One pass of the replica's model (or the draft `m`) on one TP group; scalar requests
    are memoised, since labs re-ask the same pass whenever another slider moves."""
    if np.ndim(tokens) == 0 and np.ndim(ctx) == 0:
        # fitted values being overridden (calibration) are part of the key, so a fit never
        # reads a pass priced with other values
        fitting = tuple(sorted((f, tuple(sorted(v.items())))
                               for f, v in _efficiency._OVERRIDES.items()))
        return _run_cached(s, float(tokens), float(ctx), decode, m, fitting)
    return _run_uncached(s, tokens, ctx, decode, m)


@lru_cache(maxsize=4096)
def _run_cached(s: _Setup, tokens: float, ctx: float, decode: bool, m: Model | None,
                fitting: tuple) -> _Pass:
    return _run_uncached(s, tokens, ctx, decode, m)


def _run_uncached(s: _Setup, tokens, ctx, decode: bool, m: Model | None = None) -> _Pass:
    return _pass_parts(m or s.m, s.h, tokens, ctx, s.b, s.tp, decode, s.precision,
                       s.cl.gpus_per_node, s.wb, precision_bytes(s.kvp) * s.kv_reads)


def _hops(s: _Setup, nbytes) -> ArrayLike:
    """Seconds of the pp-1 stage-to-stage activation sends of one pass: inside a node over
    the scale-up link, between nodes over the scale-out fabric (one NIC per GPU, so a
    stage's `tp` GPUs each send 1/tp of the activations)."""
    if s.pp == 1:
        return 0.0
    per_node = max(s.cl.gpus_per_node // s.tp, 1)
    cross = -(-s.pp // per_node) - 1
    net = device_efficiency(s.h).network
    send = lambda f: f.latency_s + nbytes / s.tp / (f.bw_per_direction * net)  # noqa: E731
    return (s.pp - 1 - cross) * send(s.cl.intra) + cross * send(s.cl.inter)


def _decode_step(s: _Setup, batch, ctx) -> tuple[ArrayLike, ArrayLike, str | np.ndarray]:
    """(TPOT, stage-transfer seconds, bound) of one decode step for every sequence.

    With `pp` stages the batch runs as min(batch, pp) micro-batches: once there are pp of
    them every stage is always busy (no bubble), and a micro-batch's next token comes after
    it passed all pp stages: TPOT = pp x slowest stage + the pp-1 sends. The slowest stage
    holds ceil(layers/pp) layers and, as the last one, the LM head."""
    n_mb = min(batch, s.pp) if np.ndim(batch) == 0 else np.minimum(batch, s.pp)
    p = _run(s, batch / n_mb, ctx, True)
    if s.pp == 1:
        return p.body + p.head, 0.0, p.bound
    stage = p.body * -(-s.m.n_layers // s.pp) / s.m.n_layers + p.head
    hops = _hops(s, batch / n_mb * s.m.d_model * s.b)
    return s.pp * stage + hops, hops, p.bound


def _weight_stream(s: _Setup, m: Model | None = None) -> float:
    """Seconds to read one GPU's share of the weights once (what two passes fused into one
    iteration stop paying twice)."""
    m = m or s.m
    return m.params * s.wb / (s.tp * s.pp) / (s.h.memory_bw * device_efficiency(s.h).memory)


def _fused(t_a, t_b, t_w):
    """Two passes run as one iteration read the weights once: t_a + t_b - t_w, but never
    less than either pass alone."""
    return np.maximum(np.maximum(t_a, t_b), t_a + t_b - t_w)


def _chunked(s: _Setup, batch, prompt_len: int, output_len: int, chunk: int, t_dec):
    """(TTFT, mean TPOT, slowest TPOT) under chunked prefill (Agrawal et al. 2024,
    Sarathi-Serve, OSDI).

    Each iteration runs the batch's decode tokens plus one `chunk` of a prompt. A prompt
    needs ceil(P/chunk) iterations: TTFT = that x iteration time. In steady state the batch
    brings batch x P prompt tokens per `output_len` iterations, so a share
    f = min(1, batch P / (output_len chunk)) of the decode steps carry a chunk:
    TPOT = f x iteration + (1 - f) x pure decode, and the steps that carry a chunk take the
    whole iteration. Bigger chunks: lower TTFT, slower chunk-carrying steps (the TPOT tail)."""
    pre = _run(s, float(chunk), prompt_len / 2, False)
    t_iter = _fused(t_dec, pre.body + pre.head, _weight_stream(s))
    ttft = np.ceil(prompt_len / chunk) * t_iter
    share = np.minimum(1.0, batch * prompt_len / (output_len * chunk))
    return ttft, share * t_iter + (1 - share) * t_dec, t_iter


def tokens_per_verify(acceptance: float, draft_len: int) -> float:
    """Expected tokens one verification step yields, Leviathan et al. 2023 ("Fast Inference
    from Transformers via Speculative Decoding", ICML), eq. 1: each of the `draft_len` (γ)
    drafted tokens is accepted with probability α until the first rejection, and the target
    adds one token of its own: (1 - α^(γ+1)) / (1 - α); γ + 1 when α = 1."""
    if acceptance >= 1.0:
        return float(draft_len + 1)
    return (1 - acceptance ** (draft_len + 1)) / (1 - acceptance)


def _speculative(s: _Setup, draft: Model, batch, ctx, acceptance: float, draft_len: int, t_dec):
    """(TPOT, tokens per step): γ decode steps of the draft, then one target pass checking
    γ+1 tokens per sequence (the decode step fused with a γ-token prefill-like pass), all
    divided by the expected tokens per step."""
    d = _run(s, batch, ctx, True, draft)
    verify = _run(s, batch * draft_len, ctx, False)
    t_verify = _fused(t_dec, verify.body + verify.head, _weight_stream(s))
    tau = tokens_per_verify(acceptance, draft_len)
    return (draft_len * (d.body + d.head) + t_verify) / tau, tau


def _kv_transfer(s: _Setup, batch, prompt_len: int, prefill_gpus: int) -> ArrayLike:
    """Seconds to move the prompts' KV cache from the prefill pool to the decode pool over
    the scale-out fabric, every GPU of the smaller pool sending on its own NIC (as in
    DistServe, Zhong et al. 2024, OSDI)."""
    nbytes = kv_cache_bytes(s.m, prompt_len, batch, s.kvp)
    f = s.cl.inter
    lanes = min(prefill_gpus, s.tp * s.pp)
    return f.latency_s + nbytes / (lanes * f.bw_per_direction * device_efficiency(s.h).network)


def erlang_c_wait(rate: float, servers: ArrayLike, service_s: ArrayLike) -> ArrayLike:
    """Mean wait in queue of an M/M/c queue (Erlang C): Poisson arrivals at `rate`, `servers`
    slots each busy `service_s` per request. Offered load a = rate x service; Erlang B by
    its recursion B_k = a B_{k-1} / (k + a B_{k-1}), then C = c B / (c - a (1 - B)) and
    W = C x service / (c - a). Infinite when a >= c (the queue grows without bound)."""
    c = np.asarray(servers, dtype=float)
    a = rate * np.asarray(service_s, dtype=float)
    ok = a < c
    w = np.where(ok, erlang_c_prob(c, a) * service_s / np.where(ok, c - a, 1.0), np.inf)
    return float(w) if np.ndim(w) == 0 else w


def _setup(m: Model | str, hw: Hardware | str, gpus: int, pp: int, precision: str,
           kv_precision: str | None, gpus_per_node: int | None,
           attention_kernel: str = "gqa_shared") -> _Setup:
    """Validate the model, device and split of one replica (`gpus` = tp x pp)."""
    m, h = model(m), hardware(hw)
    if m.kind != "transformer" or m.vit is not None or not m.vocab:
        raise InvalidInputError("model", f"serve() models decoder LLMs; {m.name} is not one")
    gpus = check_positive("gpus", gpus, integer=True)
    pp = check_positive("pp", pp, integer=True)
    if gpus % pp:
        raise InvalidInputError("pp", f"pp={pp} does not divide gpus={gpus} (gpus = tp x pp)")
    if pp > m.n_layers:
        raise InvalidInputError("pp", f"pp={pp} stages but {m.name} has {m.n_layers} layers")
    tp = gpus // pp
    if m.heads % tp:
        raise InvalidInputError("gpus", f"{m.name} has {m.heads} heads, not divisible by "
                                f"tensor parallelism gpus/pp={tp}")
    precision = norm_precision(precision)
    h.peak(precision)
    # the KV cache follows the compute format, except integer weight-only quantisation,
    # whose activations (and so keys/values) stay in fp16
    kvp = kv_precision or ("fp16" if precision in ("int8", "int4") else precision)
    precision_bytes(kvp, "kv_precision")
    wb = precision_bytes(precision)
    # weight-only int4/int8 keep FP16 activations; the KV cache has its own format
    b = 2.0 if precision in ("int8", "int4", "fp8") else wb  # activations stay 16-bit
    reads = kv_read_factor(h, m.heads, m.kv_heads, attention_kernel) if not m.mla else 1.0
    return _Setup(m, h, precision, tp, pp, _cluster(h, gpus, gpus_per_node), b, wb, kvp, reads)


def _check_options(s: _Setup, chunk_size, prefill_gpus, draft, acceptance, draft_len,
                   replicas, rate) -> Model | None:
    """Validate the at-scale options; return the draft model (or None)."""
    check_positive("replicas", replicas, integer=True)
    if rate is not None:
        check_positive("rate", rate)
    if chunk_size is not None:
        check_positive("chunk_size", chunk_size, integer=True)
    if prefill_gpus is not None:
        check_positive("prefill_gpus", prefill_gpus, integer=True)
        if s.m.heads % prefill_gpus:
            raise InvalidInputError("prefill_gpus", f"{s.m.name} has {s.m.heads} heads, not "
                                    f"divisible by prefill_gpus={prefill_gpus}")
        if chunk_size is not None:
            raise InvalidInputError("chunk_size", "chunked prefill and prefill/decode "
                                    "disaggregation are alternatives; give one")
    if (chunk_size is not None or draft is not None) and s.pp > 1:
        raise InvalidInputError("pp", "chunked prefill and speculative decoding are modelled "
                                "on tensor-parallel replicas only (pp=1)")
    if draft is None:
        return None
    d = model(draft)
    if d.kind != "transformer" or not d.vocab or d.vocab != s.m.vocab:
        raise InvalidInputError("draft", f"the draft must be a decoder LLM with {s.m.name}'s "
                                f"vocabulary ({s.m.vocab:,} tokens); {d.name} is not")
    if not 0.0 <= acceptance <= 1.0:
        raise InvalidInputError("acceptance", f"must be between 0 and 1, got {acceptance!r}")
    check_positive("draft_len", draft_len, integer=True)
    return d


def _memory(s: _Setup, batch, ctx_final: int, draft: Model | None):
    """(weights, KV cache, capacity, usable bytes, max batch) of one replica: the target's
    weights split over tp x pp GPUs (and the draft's, if any) plus every sequence's cache."""
    gpus = s.tp * s.pp
    weights = model_size_bytes(s.m, s.precision) + (
        model_size_bytes(draft, s.precision) if draft else 0.0)
    kv_one = kv_cache_bytes(s.m, ctx_final, 1, s.kvp) + (
        kv_cache_bytes(draft, ctx_final, 1, s.kvp) if draft else 0.0)
    cap = s.h.memory_bytes * gpus
    usable = cap * (1 - SERVING_RESERVE)
    return weights, kv_one * batch, cap, usable, int(max(0, (usable - weights) // kv_one))


def _verdict(s: _Setup, batch, ctx_final: int, mem, prefill_fits: bool, wait) -> tuple:
    """(feasible, reason): the context window, then weights, KV cache, the prefill pool, and
    an arrival rate beyond what the replicas can serve."""
    weights, kv, _, usable, max_batch = mem
    shape = np.shape(batch)
    no = np.zeros(shape, dtype=bool) if shape else False
    if s.m.max_seq and ctx_final > s.m.max_seq:
        return no, (f"prompt_len + output_len = {ctx_final:,} tokens exceed {s.m.name}'s "
                    f"context window of {s.m.max_seq:,} tokens")
    if weights > usable:
        return no, (f"weights need {weights / 1e9:,.1f} GB, {s.tp * s.pp} x {s.h.name} has "
                    f"{usable / 1e9:,.1f} GB usable")
    if not prefill_fits:
        return no, "the prefill pool cannot hold the weights and the batch's prompts"
    feasible = (weights + kv) <= usable
    queue_ok = np.isfinite(wait)
    if np.ndim(feasible) == 0:
        if not feasible:
            return False, (f"weights {weights / 1e9:,.1f} GB + KV cache {kv / 1e9:,.1f} GB "
                           f"exceed {usable / 1e9:,.1f} GB usable; max batch is {max_batch}")
        if not queue_ok:
            return False, "the arrival rate exceeds what the replicas can serve"
        return True, ""
    if not feasible.all():
        return feasible & queue_ok, f"batches above {max_batch} exceed memory"
    return feasible & queue_ok, "" if queue_ok.all() else "some batches cannot keep up with the rate"


def serve(m: Model | str, hw: Hardware | str, batch: ArrayLike = 1, prompt_len: int = 512,
          output_len: int = 256, precision: str = "fp16", gpus: int = 1,
          kv_precision: str | None = None, gpus_per_node: int | None = None, *, pp: int = 1,
          replicas: int = 1, rate: float | None = None, chunk_size: int | None = None,
          prefill_gpus: int | None = None, draft: Model | str | None = None,
          acceptance: float = 0.8, draft_len: int = 4,
          attention_kernel: str = "gqa_shared") -> ServeResult:
    """Predict TTFT, TPOT and throughput for `batch` concurrent requests (array = sweep).

    One replica uses `gpus` GPUs: `pp` pipeline stages of gpus/pp-way tensor parallelism, in
    nodes of `gpus_per_node` (default: the vendor's node, 8 for datacenter GPUs); past one
    node the all-reduces and stage sends cross the scale-out network. `replicas` copies sit
    behind a router: throughput adds up, latency is one replica's, and with an arrival
    `rate` (requests/s) each replica is an M/M/c queue with `batch` slots (`erlang_c_wait`).
    `chunk_size` turns on chunked prefill (`_chunked`); `prefill_gpus` runs prefill on a
    separate pool and ships the KV cache (`_kv_transfer`); `draft` turns on speculative
    decoding with per-token `acceptance` and `draft_len` drafted tokens (`tokens_per_verify`).
    Infeasible batches (weights + KV cache above memory, a context past the model's window,
    a rate the replicas cannot serve) come back feasible=False with the reason; max_batch
    tells the largest batch that fits. `kv_precision` defaults to the compute precision
    (fp16 for int8/int4 weight-only quantisation). `attention_kernel` is the runtime's decode
    attention: `gqa_shared` (reads each grouped K/V head once, e.g. TensorRT-LLM's XQA,
    FlashDecoding) or `per_head` (re-reads it per query head; `efficiency.kv_read_factor`)."""
    s = _setup(m, hw, gpus, pp, precision, kv_precision, gpus_per_node, attention_kernel)
    batch = check_positive("batch", batch, integer=True)
    prompt_len = check_positive("prompt_len", prompt_len, integer=True)
    output_len = check_positive("output_len", output_len, integer=True)
    d = _check_options(s, chunk_size, prefill_gpus, draft, acceptance, draft_len, replicas, rate)
    ctx = prompt_len + output_len / 2
    tpot, hops, bound = _decode_step(s, batch, ctx)
    pre = _run(s, batch * prompt_len, prompt_len, False)
    ttft = pre.body + pre.head + _hops(s, batch * prompt_len * s.m.d_model * s.b)
    t_dec, tau, kv_move, prefill_fits = tpot, 1.0, 0.0, True
    tpot_max = tpot
    if chunk_size is not None:
        ttft, tpot, tpot_max = _chunked(s, batch, prompt_len, output_len, chunk_size, t_dec)
    if d is not None:
        tpot, tau = _speculative(s, d, batch, ctx, acceptance, draft_len, t_dec)
        tpot_max = tpot
    if prefill_gpus is not None:
        ttft = _pass_time(s.m, s.h, batch * prompt_len, prompt_len, s.b, prefill_gpus, False,
                          s.precision, gpus_per_node, s.wb, precision_bytes(s.kvp))[0]
        kv_move = _kv_transfer(s, batch, prompt_len, prefill_gpus)
        need = model_size_bytes(s.m, s.precision) + kv_cache_bytes(s.m, prompt_len, batch, s.kvp)
        prefill_fits = bool(np.all(need <= s.h.memory_bytes * prefill_gpus * (1 - SERVING_RESERVE)))
    service = ttft + kv_move + output_len * tpot
    wait = erlang_c_wait(rate / replicas, batch, service) if rate is not None else 0.0
    mem = _memory(s, batch, prompt_len + output_len, d)
    feasible, reason = _verdict(s, batch, prompt_len + output_len, mem, prefill_fits, wait)
    tps = replicas * batch / tpot
    if prefill_gpus is not None:  # the prefill pool admits `batch` requests per TTFT
        tps = np.minimum(tps, replicas * batch * output_len / ttft)
    util = rate * service / (replicas * batch) if rate is not None else 0.0
    total = replicas * (s.tp * s.pp + (prefill_gpus or 0))
    f = float if np.ndim(ttft) == 0 and np.ndim(tpot) == 0 else (
        lambda x: np.asarray(x, dtype=float))
    return ServeResult(
        s.m.name, s.h.name, s.tp * s.pp, s.precision, batch, prompt_len, output_len, f(ttft),
        f(tpot), f(tps), f(service + wait), float(mem[0]), f(mem[1]), float(mem[2]), mem[4],
        str(bound) if np.ndim(bound) == 0 else bound, feasible, reason, tp=s.tp, pp=s.pp,
        replicas=replicas, total_gpus=total, stage_transfer_s=f(hops),
        kv_transfer_s=f(kv_move), tokens_per_step=float(tau), queue_wait_s=f(wait),
        utilisation=f(util), tpot_max_s=f(tpot_max))
