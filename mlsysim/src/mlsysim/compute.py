"""FLOP counts, the roofline, and per-operator analysis of transformer layers.

Conventions (stated because published figures differ on them): a multiply-add is 2 FLOPs;
the attention term counts the full (non-causal) score matrix, as Kaplan et al. 2020,
Narayanan et al. 2021 and Chowdhery et al. 2022 (PaLM's MFU) do; the input embedding lookup
costs no FLOPs but the output projection (LM head) does, tied or not."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._units import (
    ArrayLike,
    ResultMixin,
    check_positive,
    norm_precision,
    precision_bytes,
    seconds,
    si,
)
from .errors import InvalidInputError
from .memory import expected_experts
from .registry import Hardware, Model, hardware, model


def _matmul_params(m: Model) -> float:
    """Parameters that take part in a matrix multiply for each token (active experts only)."""
    p = m.active_params - m.embedding_params
    if m.tied and m.kind == "transformer" and not m.vit:
        p += m.vocab * m.d_model  # the tied head is still a matmul per token
    return float(p)


def _attn_dims(m: Model) -> tuple[int, int]:
    """(total query/key width, total value width) summed over heads."""
    if m.mla:
        qk = m.mla["qk_nope_head_dim"] + m.mla["qk_rope_head_dim"]
        return m.heads * qk, m.heads * m.mla["v_head_dim"]
    return m.heads * m.head_dim, m.heads * m.head_dim


def forward_flops(m: Model | str, tokens: ArrayLike, seq_len: ArrayLike | None = None) -> ArrayLike:
    """Forward-pass FLOPs for `tokens` tokens; with `seq_len`, add attention over that context."""
    m = model(m)
    tokens = check_positive("tokens", tokens)
    if m.cnn is not None:
        return m.cnn.flops * np.asarray(tokens) if isinstance(tokens, np.ndarray) else m.cnn.flops * tokens
    f = 2.0 * _matmul_params(m) * tokens
    if seq_len is not None:
        seq_len = check_positive("seq_len", seq_len)
        qk, v = _attn_dims(m)
        f = f + 2.0 * tokens * m.n_layers * seq_len * (qk + v)
    return f


def flops_per_inference(m: Model | str) -> float:
    """FLOPs of one forward pass: one image for a CNN or ViT, one token for a language model.

    Lives here, not on `Model`: the registry holds data and the cost models read it, so the
    registry never imports them."""
    m = model(m)
    if m.cnn is not None:
        return float(m.cnn.flops)
    if m.vit is not None:
        return float(forward_flops(m, m.vit_tokens, seq_len=m.vit_tokens))
    return float(forward_flops(m, 1))


def inference_flops(m: Model | str, tokens: ArrayLike, seq_len: ArrayLike | None = None) -> ArrayLike:
    """FLOPs to run `tokens` tokens (or images, for a CNN) forward; 2N per token plus attention."""
    return forward_flops(m, tokens, seq_len)


def training_flops(m: Model | str, tokens: ArrayLike, seq_len: ArrayLike | None = None,
                   recompute: str = "none") -> ArrayLike:
    """Training FLOPs: forward + backward = 3x forward (the classic 6 N D without `seq_len`).

    recompute='full' adds one more forward pass (hardware FLOPs, as in HFU); 'selective'
    adds only the attention-score recomputation (Korthikanti et al. 2022)."""
    m = model(m)
    base = 3.0 * forward_flops(m, tokens, seq_len)
    if recompute == "none":
        return base
    if recompute == "full":
        return base + forward_flops(m, tokens, seq_len)
    if recompute == "selective":
        if seq_len is None or m.cnn is not None:
            return base
        qk, v = _attn_dims(m)
        return base + 2.0 * tokens * m.n_layers * seq_len * (qk + v)
    raise InvalidInputError("recompute", f"{recompute!r} is not one of none, selective, full")


# --------------------------------------------------------------------------- roofline
@dataclass(frozen=True)
class Roofline(ResultMixin):
    """Roofline verdict for a kernel (or array of kernels) on one device."""

    hardware: str
    precision: str
    flops: ArrayLike
    bytes: ArrayLike
    intensity: ArrayLike
    ridge_point: float
    attainable_flops: ArrayLike
    time_s: ArrayLike
    bound: str | np.ndarray

    _units = {"flops": "FLOP", "bytes": "B", "attainable_flops": "FLOP/s", "time_s": "s",
              "intensity": "FLOP/B"}


def ridge_point(hw: Hardware | str, precision: str = "bf16") -> float:
    """Arithmetic intensity (FLOP/byte) where the memory and compute roofs meet."""
    return hardware(hw).ridge_point(precision)


def roofline(hw: Hardware | str, flops: ArrayLike, bytes: ArrayLike,
             precision: str = "bf16") -> Roofline:
    """Attainable FLOP/s = min(peak, intensity x bandwidth); time = max(compute, memory) time.

    The ideal-machine bound: real kernels reach a fraction of it, which train()/serve() model
    with calibrated efficiencies."""
    h = hardware(hw)
    peak = h.peak(precision)
    flops = check_positive("flops", flops, allow_zero=True)
    nbytes = check_positive("bytes", bytes)
    intensity = np.asarray(flops, dtype=float) / np.asarray(nbytes, dtype=float)
    attain = np.minimum(peak, intensity * h.memory_bw)
    t = np.maximum(np.asarray(flops) / peak, np.asarray(nbytes) / h.memory_bw)
    bound = np.where(intensity >= h.ridge_point(precision), "compute", "memory")
    if np.ndim(intensity) == 0:
        return Roofline(h.name, norm_precision(precision), float(flops), float(nbytes),
                        float(intensity), h.ridge_point(precision), float(attain), float(t),
                        str(bound))
    return Roofline(h.name, norm_precision(precision), np.asarray(flops, float),
                    np.asarray(nbytes, float), intensity, h.ridge_point(precision), attain, t,
                    bound)


# --------------------------------------------------------------------------- operators
@dataclass(frozen=True)
class Op:
    """One operator of a transformer layer (already multiplied by the number of layers)."""

    name: str
    flops: float
    bytes: float
    intensity: float
    time_s: float
    bound: str


@dataclass(frozen=True)
class TransformerOps(ResultMixin):
    """Per-operator roofline of a transformer forward pass on one device."""

    model: str
    hardware: str
    phase: str
    batch: int
    seq_len: int
    precision: str
    ops: tuple[Op, ...]
    total_flops: float
    total_bytes: float
    time_s: float
    compute_bound_fraction: float

    _units = {"total_flops": "FLOP", "total_bytes": "B", "time_s": "s"}

    def __str__(self) -> str:
        lines = [f"{self.model} {self.phase} on {self.hardware}, batch {self.batch}, "
                 f"seq {self.seq_len}, {self.precision}",
                 f"  {'operator':<16}{'FLOPs':>12}{'bytes':>12}{'FLOP/B':>9}{'time':>11}  bound"]
        for o in self.ops:
            lines.append(f"  {o.name:<16}{si(o.flops):>12}{si(o.bytes, 'B'):>12}"
                         f"{o.intensity:>9.1f}{seconds(o.time_s):>11}  {o.bound}")
        lines.append(f"  total time {seconds(self.time_s)}; "
                     f"{self.compute_bound_fraction:.0%} of it compute-bound")
        return "\n".join(lines)


def layer_op_table(m: Model, tokens: ArrayLike, ctx: ArrayLike, b: float, tp: ArrayLike = 1,
                   decode: bool = False, fused_attention: bool = True, *, causal: bool = True,
                   wb: float | None = None, kvb: float | None = None,
                   shapes: list[tuple] | None = None, seq_parallel: bool = False,
                   dropout: bool = False) -> tuple[list[str], list[ArrayLike], list[ArrayLike]]:
    """FLOPs and bytes of each operator of ONE layer, per tensor-parallel rank.

    `tokens` = tokens processed in this pass (batch x new tokens), `ctx` = context length each
    query attends to, `b` = bytes per activation element, `wb` per weight (weight-only
    quantisation stores weights narrower than activations), `kvb` per cached key/value. A
    causal prefill (the default) computes only the lower triangle of the score matrix, half
    the attention FLOPs; decode attends to the whole cache. Arrays broadcast, so the
    training-plan search evaluates a whole grid of (micro-batch, tp) in one call. When
    `shapes` is a list it receives one entry per operator for `mlsysim.efficiency`:
    ("gemm", M, N, K), ("attention",) or ("memory",). With `seq_parallel` (Megatron's
    sequence parallelism) the norms and residual adds are split over the `tp` ranks too.
    `dropout` (training with attention dropout, as Megatron-LM's default 0.1): an unfused
    attention drops out the probabilities in a kernel of its own, one more round trip of the
    score matrix plus its 1-byte mask; a fused kernel draws the mask on chip for free."""
    r = _OpRows(tokens, tp, b, b if wb is None else wb, [] if shapes is None else shapes)
    kvb = b if kvb is None else kvb
    tri = 0.5 if causal and not decode else 1.0
    d = m.d_model
    sp = tp if seq_parallel else 1  # norms/residuals: sharded along the sequence or not
    qk, v = _attn_dims(m)
    kv_w, qkv_w = _kv_width(m, qk)
    r.elementwise("norm_attn", tokens * d / sp, rw=2.0, flops_per=5.0)
    _attention_projections(r, m, qk, kv_w, qkv_w)
    # attention core, per head sharded by tp. Fused (FlashAttention-style, the default): the
    # score matrix never leaves on-chip memory, so only Q, K, V and the output move. Unfused:
    # scores, softmax and context are three kernels and the s x s matrix round-trips DRAM.
    if fused_attention:
        _fused_attention(r, m, ctx, qk, v, kv_w, kvb, tri, decode)
    else:
        _unfused_attention(r, m, ctx, qk, v, kv_w, kvb, decode, dropout)
    r.gemm("out_proj", v, d)
    r.elementwise("residual_attn", tokens * d / sp, rw=3.0, flops_per=1.0)
    r.elementwise("norm_mlp", tokens * d / sp, rw=2.0, flops_per=5.0)
    n_dense = m.moe.get("first_dense", 0) if m.moe else m.n_layers
    if n_dense:
        _dense_mlp(r, m, n_dense)
    if m.moe:
        _moe_mlp(r, m, n_dense)
    r.elementwise("residual_mlp", tokens * d / sp, rw=3.0, flops_per=1.0)
    return r.names, r.fl, r.by


class _OpRows:
    """The operator table `layer_op_table` assembles: parallel lists of names, FLOPs, bytes
    and (for `mlsysim.efficiency`) shapes, plus the pass's sizes every row needs."""

    __slots__ = ("tokens", "tp", "b", "wb", "shapes", "names", "fl", "by")

    def __init__(self, tokens: ArrayLike, tp: ArrayLike, b: float, wb: float,
                 shapes: list[tuple]) -> None:
        self.tokens, self.tp, self.b, self.wb, self.shapes = tokens, tp, b, wb, shapes
        self.names: list[str] = []
        self.fl: list[ArrayLike] = []
        self.by: list[ArrayLike] = []

    def add(self, name: str, shape: tuple, flops: ArrayLike, nbytes: ArrayLike) -> None:
        self.names.append(name)
        self.shapes.append(shape)
        self.fl.append(flops)
        self.by.append(nbytes)

    def gemm(self, name: str, k: float, n: float, weights_scale: float = 1.0) -> None:
        # [tokens x k] @ [k x n] sharded n/tp (column) or k/tp (row): same FLOPs and weight bytes
        tokens, tp, b = self.tokens, self.tp, self.b
        self.names.append(name)  # appended here, not through add(): this runs once per row
        self.shapes.append(("gemm", tokens, n / tp, k))
        self.fl.append(2.0 * tokens * k * n / tp)
        self.by.append(b * (tokens * k + tokens * n / tp) + self.wb * weights_scale * k * n / tp)

    def elementwise(self, name: str, elems: ArrayLike, rw: float = 2.0,
                    flops_per: float = 5.0) -> None:
        self.names.append(name)
        self.shapes.append(("memory",))
        self.fl.append(flops_per * elems)
        self.by.append(self.b * rw * elems)

    def scale_from(self, start: int, share: float) -> None:
        """Weight the rows from `start` on by `share` (the fraction of layers that have them)."""
        if share != 1:
            fl, by = self.fl, self.by
            for i in range(start, len(fl)):
                fl[i] = fl[i] * share
                by[i] = by[i] * share


def _kv_width(m: Model, qk: float) -> tuple[float, float]:
    """Width of the cached keys and values per token (`kv_w`, also what decode reads) and of
    the fused QKV projection; MLA caches a compressed latent plus a shared rope key."""
    if m.mla:
        kv_w = m.mla["kv_lora_rank"] + m.mla["qk_rope_head_dim"]
        return kv_w, qk + kv_w  # the second is unused for MLA: its projections are listed one by one
    kv_w = 2 * m.kv_heads * m.head_dim
    return kv_w, qk + kv_w


def _attention_projections(r: _OpRows, m: Model, qk: float, kv_w: float, qkv_w: float) -> None:
    """The input projections of attention: one fused QKV GEMM, or MLA's low-rank chain."""
    d = m.d_model
    if not m.mla:
        r.gemm("qkv_proj", d, qkv_w)
        return
    # low-rank projections: x -> q latent -> heads; x -> kv latent (+ shared rope key);
    # latent -> per-head keys and values (absorbed into the query/output in decode)
    ml = m.mla
    qr = ml.get("q_lora_rank") or 0
    if qr:
        r.gemm("q_down", d, qr)
        r.gemm("q_up", qr, qk)
    else:
        r.gemm("q_proj", d, qk)
    r.gemm("kv_down", d, kv_w)
    r.gemm("kv_up", ml["kv_lora_rank"], m.heads * (ml["qk_nope_head_dim"] + ml["v_head_dim"]))


def _fused_attention(r: _OpRows, m: Model, ctx: ArrayLike, qk: float, v: float,
                     kv_read: float, kvb: float, tri: float, decode: bool) -> None:
    """One fused attention kernel: scores stay on chip; a causal prefill does half the work."""
    tokens, tp, b = r.tokens, r.tp, r.b
    flops = tri * (2.0 * tokens * ctx * (qk + v) / tp + 5.0 * tokens * ctx * m.heads / tp)
    if decode:
        nbytes = b * tokens * (qk + v) / tp + kvb * tokens * ctx * kv_read / tp
    else:
        nbytes = b * tokens * (2 * qk + 2 * v) / tp
    r.add("attention", ("attention",), flops, nbytes)


def _unfused_attention(r: _OpRows, m: Model, ctx: ArrayLike, qk: float, v: float,
                       kv_read: float, kvb: float, decode: bool, dropout: bool = False) -> None:
    """Scores, softmax and context as three kernels; masking happens after the full score
    matrix is computed, so there is no causal saving."""
    tokens, tp, b = r.tokens, r.tp, r.b
    # per head [tokens x head_dim] @ [head_dim x ctx]
    if decode:
        nbytes = (b * (tokens * qk / tp + tokens * ctx * m.heads / tp)
                  + kvb * tokens * ctx * kv_read / 2 / tp)
    else:
        nbytes = b * (2 * tokens * qk / tp + tokens * ctx * m.heads / tp)
    r.add("attn_scores", ("gemm", tokens * m.heads / tp, ctx, qk / m.heads),
          2.0 * tokens * ctx * qk / tp, nbytes)
    r.elementwise("softmax", tokens * ctx * m.heads / tp, rw=2.0, flops_per=5.0)
    if dropout:  # read the probabilities, write them and a 1-byte keep-mask (half an element)
        r.elementwise("attn_dropout", tokens * ctx * m.heads / tp, rw=2.0 + 0.5 * 2.0 / r.b,
                      flops_per=2.0)
    # per head [tokens x ctx] @ [ctx x head_dim]
    if decode:
        nbytes = (b * (tokens * ctx * m.heads / tp + tokens * v / tp)
                  + kvb * tokens * ctx * kv_read / 2 / tp)
    else:
        nbytes = b * (tokens * ctx * m.heads / tp + 2 * tokens * v / tp)
    r.add("attn_context", ("gemm", tokens * m.heads / tp, v / m.heads, ctx),
          2.0 * tokens * ctx * v / tp, nbytes)


def _dense_mlp(r: _OpRows, m: Model, n_dense: int) -> None:
    """The dense MLP (every layer of a dense model; the first few layers of some MoE models,
    weighted by their share of the layers so the caller can multiply by n_layers)."""
    d = m.d_model
    start = len(r.fl)
    r.gemm("mlp_up", d, (2 if m.gated else 1) * m.ffn)
    r.elementwise("activation", r.tokens * m.ffn / r.tp, rw=3.0 if m.gated else 2.0)
    r.gemm("mlp_down", m.ffn, d)
    r.scale_from(start, n_dense / m.n_layers)


def _moe_mlp(r: _OpRows, m: Model, n_dense: int) -> None:
    """The router and expert MLPs of a mixture-of-experts layer, weighted by the MoE layers'
    share; the weights touched are the expected distinct experts the batch routes to."""
    tokens, tp, b, wb, d = r.tokens, r.tp, r.b, r.wb, m.d_model
    share = 1 - n_dense / m.n_layers
    ef = m.moe.get("ffn", m.ffn)
    k_act = m.moe["top_k"] + m.moe.get("shared", 0)
    # weights touched: the expected distinct experts the batch routes to (memory.py)
    touched = (expected_experts(m.moe["experts"], m.moe["top_k"], tokens)
               + m.moe.get("shared", 0)) / k_act
    up = (2 if m.gated else 1) * ef
    start = len(r.fl)
    r.gemm("router", d, m.moe["experts"])
    per_expert = tokens * k_act / np.maximum(touched * k_act, 1)  # rows each expert GEMM gets
    r.add("moe_up", ("gemm", per_expert, up / tp, d), 2.0 * tokens * k_act * d * up / tp,
          b * (tokens * d + tokens * k_act * up / tp) + wb * touched * k_act * d * up / tp)
    r.elementwise("expert_activation", tokens * k_act * ef / tp, rw=3.0 if m.gated else 2.0)
    r.add("moe_down", ("gemm", per_expert, d, ef / tp), 2.0 * tokens * k_act * ef * d / tp,
          b * (tokens * k_act * ef / tp + tokens * d) + wb * touched * k_act * ef * d / tp)
    r.scale_from(start, share)


def transformer_ops(m: Model | str, seq_len: int, batch: int = 1,
                    hw: Hardware | str = "H100", precision: str = "bf16",
                    phase: str = "prefill", fused_attention: bool = True) -> TransformerOps:
    """Operator-by-operator roofline of a transformer forward pass (all layers + LM head).

    phase='prefill' processes `seq_len` tokens per sequence; phase='decode' generates one token
    per sequence against a KV cache of `seq_len` tokens. Shows which operators are
    memory-bound: in decode nearly all of them are, which is why serving is bandwidth-limited.
    fused_attention=False shows the pre-FlashAttention picture where the score matrix
    round-trips memory."""
    m, h = model(m), hardware(hw)
    if m.kind != "transformer" or m.vit is not None and phase == "decode":
        raise InvalidInputError("model", f"{m.name} is not a decoder transformer")
    seq_len = check_positive("seq_len", seq_len, integer=True)
    batch = check_positive("batch", batch, integer=True)
    if phase not in ("prefill", "decode"):
        raise InvalidInputError("phase", f"{phase!r} is not prefill or decode")
    b = precision_bytes(precision)
    peak, bw = h.peak(precision), h.memory_bw
    decode = phase == "decode"
    tokens = batch * (1 if decode else seq_len)
    names, fl, by = layer_op_table(m, tokens, seq_len, b, 1, decode, fused_attention)
    L = m.n_layers
    fl = [float(x) * L for x in fl]
    by = [float(x) * L for x in by]
    if m.vocab:
        names.append("lm_head")
        fl.append(2.0 * tokens * m.d_model * m.vocab if decode else 2.0 * batch * m.d_model * m.vocab)
        rows = tokens if decode else batch
        by.append(b * (rows * m.d_model + m.d_model * m.vocab + rows * m.vocab))
    ops = []
    ridge = peak / bw
    for n, f, y in zip(names, fl, by, strict=True):
        t = max(f / peak, y / bw)
        ops.append(Op(n, f, y, f / y, t, "compute" if f / y >= ridge else "memory"))
    total_t = sum(o.time_s for o in ops)
    cb = sum(o.time_s for o in ops if o.bound == "compute") / total_t
    return TransformerOps(m.name, h.name, phase, batch, seq_len, norm_precision(precision),
                          tuple(ops), sum(fl), sum(by), total_t, cb)
