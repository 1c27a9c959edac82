"""Memory models: weights at a precision, the KV cache, and training memory per GPU.

Training memory follows Rajbhandari et al. 2020 (ZeRO) for model states and Korthikanti
et al. 2022 for activations, so the book's worked examples can be checked against them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._units import ArrayLike, ResultMixin, check_positive, norm_precision, precision_bytes
from .errors import InvalidInputError
from .registry import Model, model


def model_size_bytes(m: Model | str, precision: str = "fp16") -> float:
    """Bytes to store every parameter at `precision` (int4 = half a byte per weight)."""
    m = model(m)
    return m.params * precision_bytes(precision)


def kv_cache_bytes(m: Model | str, seq_len: ArrayLike, batch: ArrayLike = 1,
                   precision: str = "fp16") -> ArrayLike:
    """KV-cache bytes for `batch` sequences of `seq_len` tokens.

    MHA/GQA/MQA store keys and values for each KV head: 2 x layers x kv_heads x head_dim per
    token. MLA (DeepSeek-V2/V3) stores one compressed latent plus the shared RoPE key:
    layers x (kv_lora_rank + rope_dim) per token, which is why it is so much smaller."""
    m = model(m)
    if m.kind != "transformer" or m.vit is not None:
        raise InvalidInputError("model", f"{m.name} has no KV cache (not a decoder transformer)")
    seq_len = check_positive("seq_len", seq_len, integer=True)
    batch = check_positive("batch", batch, integer=True)
    if m.mla:
        per_token = m.n_layers * (m.mla["kv_lora_rank"] + m.mla["qk_rope_head_dim"])
    else:
        per_token = 2 * m.n_layers * m.kv_heads * m.head_dim
    return per_token * precision_bytes(precision) * seq_len * batch


# bytes per parameter of (weights, grads, optimizer states) for each optimizer and precision
def state_bytes(optimizer: str, precision: str, master_weights: bool) -> tuple[float, float, float]:
    p = precision_bytes(precision)
    opt = optimizer.lower().replace("-", "").replace("_", "").replace("+", "")
    slots = {"sgd": 0, "sgdmomentum": 1, "momentum": 1, "adam": 2, "adamw": 2}
    if opt not in slots:
        raise InvalidInputError("optimizer", f"{optimizer!r} is not one of sgd, sgd+momentum, adam")
    mixed = p < 4
    master = 4.0 if (mixed and master_weights) else 0.0
    state = 4.0 * slots[opt] + master  # optimizer moments kept in fp32
    return p, p, state


def model_states(m: Model, wb: float, gb: float, ob: float, zero_stage: int, dp, tp, pp, ep):
    """(params per GPU, weight, gradient, optimizer bytes per GPU); unvalidated, vectorised.

    Model parallelism (tp x pp) splits every parameter; expert parallelism also splits the
    experts; ZeRO then divides states by dp by stage."""
    if m.moe:
        ef = m.moe.get("ffn", m.ffn)
        expert = (3 if m.gated else 2) * m.d_model * ef
        n_moe = m.n_layers - m.moe.get("first_dense", 0)
        expert_total = n_moe * m.moe["experts"] * expert
        per_gpu = ((m.params - expert_total) + expert_total / ep) / (tp * pp)
    else:
        per_gpu = m.params / (tp * pp)
    weights = per_gpu * wb / (dp if zero_stage >= 3 else 1.0)
    grads = per_gpu * gb / (dp if zero_stage >= 2 else 1.0)
    opt = per_gpu * ob / (dp if zero_stage >= 1 else 1.0)
    return per_gpu, weights, grads, opt


@dataclass(frozen=True)
class TrainingMemory(ResultMixin):
    """Per-GPU training memory, split the way the ZeRO paper does, plus activations."""

    weights_bytes: ArrayLike
    grads_bytes: ArrayLike
    optimizer_bytes: ArrayLike
    activations_bytes: ArrayLike
    total_bytes: ArrayLike
    params_per_gpu: ArrayLike
    bytes_per_param: float
    capacity_bytes: float | None = None
    feasible: bool | np.ndarray = True
    reason: str = ""

    _units = {"weights_bytes": "B", "grads_bytes": "B", "optimizer_bytes": "B",
              "activations_bytes": "B", "total_bytes": "B", "params_per_gpu": "",
              "capacity_bytes": "B"}


def activation_bytes_per_layer(m: Model, seq_len: ArrayLike, micro_batch: ArrayLike,
                               tp: ArrayLike = 1, recompute: str = "none",
                               sequence_parallel: bool = False,
                               fused_attention: bool = False, dropout: bool = True) -> ArrayLike:
    """Korthikanti et al. 2022, eq. 1-6: activation bytes of one layer for one micro-batch.

    The paper's 34 = 11 (attention) + 19 (MLP) + 4 (norms) assumes a 4h GeLU MLP; we scale the
    MLP part by the model's actual FFN width (and gated FFNs keep one more tensor), and the
    stored keys and values by the grouped-query share of heads.
    `dropout=False` (models trained without dropout, as most LLMs now are) drops the two 1-byte
    keep-masks of the attention and MLP output dropouts (2 sbh) and, unfused, the score
    matrix's mask (as/h); the default keeps the paper's formula."""
    s, b, h = seq_len, micro_batch, m.d_model
    a = m.heads
    f_ratio = (m.moe.get("ffn", m.ffn) * (m.moe["top_k"] + m.moe.get("shared", 0)) if m.moe
               else m.ffn) / h
    mlp = 2 + 4 * f_ratio * (1.5 if m.gated else 1.0) + 1
    masks = 0 if dropout else 2  # the two output-dropout keep-masks, 1 byte per element
    # attention keeps its input (2), Q (2), K and V (2 each, times the grouped-query share
    # kv_heads / heads), the projection's input (2) and a mask (1): 11 for multi-head
    g = 1.0 if m.mla else (m.kv_heads or a) / a
    attn = 7 + 4 * g
    linear = attn + mlp + 4 - masks  # attention linear part + MLP + norms (34 for GPT)
    score = (5 if dropout else 4) * a * s / h  # softmax, its dropout mask, attention over V
    if recompute == "full":
        return 2.0 * s * b * h / (tp if sequence_parallel else 1)
    if recompute not in ("none", "selective"):
        raise InvalidInputError("recompute", f"{recompute!r} is not one of none, selective, full")
    # fused (FlashAttention-style) kernels never store the score matrix: same as selective
    score_part = 0.0 if (recompute == "selective" or fused_attention) else score
    if sequence_parallel:
        return s * b * h * (linear + score_part) / tp
    # without SP the norms and dropouts (10 sbh) are replicated on every TP rank
    rep = 10 - masks
    return s * b * h * (rep + (linear - rep) / tp + score_part / tp)


def training_memory(m: Model | str, precision: str = "bf16", optimizer: str = "adam",
                    zero_stage: int = 0, dp: ArrayLike = 1, tp: ArrayLike = 1, pp: ArrayLike = 1,
                    ep: ArrayLike = 1, seq_len: ArrayLike = 2048, micro_batch: ArrayLike = 1,
                    recompute: str = "none", sequence_parallel: bool = False,
                    master_weights: bool = True, fsdp: bool = False,
                    capacity_bytes: float | None = None, batch: ArrayLike | None = None,
                    activation_checkpointing: bool | None = None,
                    fused_attention: bool = False) -> TrainingMemory:
    """Per-GPU memory of training: weights, gradients, optimizer state and activations.

    Mixed-precision Adam costs 2 + 2 + 12 = 16 bytes/param (fp32 master + two moments);
    ZeRO stage 1 shards the optimizer state, 2 adds gradients, 3 (= FSDP) adds weights across
    the `dp` ranks. Activations are for the first pipeline stage under 1F1B, which keeps `pp`
    micro-batches in flight: L/pp layers x pp micro-batches = L layers' worth.
    `batch` is an alias of micro_batch; activation_checkpointing=True means recompute='full'.
    fused_attention=True (FlashAttention) drops the s x s score tensors, the 5as/h term.
    The default False reproduces the paper's formulas; train() passes True."""
    m = model(m)
    if batch is not None:
        micro_batch = batch
    if activation_checkpointing:
        recompute = "full"
    if fsdp:
        zero_stage = 3
    _check_training_args(m, precision, zero_stage, dp, tp, pp, ep, seq_len, micro_batch)
    wb, gb, ob = state_bytes(optimizer, precision, master_weights)
    per_gpu, weights, grads, opt = model_states(m, wb, gb, ob, zero_stage, dp, tp, pp, ep)
    act = _activation_total(m, precision, tp, seq_len, micro_batch, recompute,
                            sequence_parallel, fused_attention)
    total = weights + grads + opt + act
    feasible: bool | np.ndarray = True
    reason = ""
    if capacity_bytes is not None:
        feasible = total <= capacity_bytes
        if np.ndim(total) == 0:
            feasible = bool(feasible)
            if not feasible:
                reason = (f"needs {total / 1e9:,.0f} GB per GPU, has {capacity_bytes / 1e9:,.0f} GB")
    scalar = np.ndim(total) == 0
    cv = (lambda x: float(x)) if scalar else (lambda x: np.asarray(x, dtype=float))
    return TrainingMemory(cv(weights), cv(grads), cv(opt), cv(act), cv(total), cv(per_gpu),
                          wb + gb + ob, capacity_bytes, feasible, reason)


def _check_training_args(m: Model, precision: str, zero_stage: int, dp: ArrayLike,
                         tp: ArrayLike, pp: ArrayLike, ep: ArrayLike, seq_len: ArrayLike,
                         micro_batch: ArrayLike) -> None:
    """Reject a precision, ZeRO stage or degree `training_memory` cannot model; scalar tp and
    pp must split a transformer's heads and layers evenly."""
    norm_precision(precision)
    if isinstance(zero_stage, bool) or zero_stage not in (0, 1, 2, 3):
        raise InvalidInputError("zero_stage", f"must be 0, 1, 2 or 3, got {zero_stage!r}")
    for name, val in (("dp", dp), ("tp", tp), ("pp", pp), ("ep", ep), ("seq_len", seq_len),
                      ("micro_batch", micro_batch)):
        check_positive(name, val, integer=True)
    if m.kind == "transformer" and np.ndim(tp) == 0 and np.ndim(pp) == 0:
        if m.heads % int(tp):
            raise InvalidInputError("tp", f"{m.name} has {m.heads} heads, not divisible by tp={tp}")
        if m.n_layers % int(pp):
            raise InvalidInputError("pp", f"{m.name} has {m.n_layers} layers, not divisible by pp={pp}")


def _activation_total(m: Model, precision: str, tp: ArrayLike, seq_len: ArrayLike,
                      micro_batch: ArrayLike, recompute: str, sequence_parallel: bool,
                      fused_attention: bool) -> ArrayLike:
    """Activation bytes held per GPU for the whole model: per-layer formulas for a decoder
    transformer or a ViT (over its patch tokens), stored layer outputs for a CNN."""
    if m.kind == "transformer" and m.vit is None:
        act = activation_bytes_per_layer(m, seq_len, micro_batch, tp, recompute,
                                         sequence_parallel, fused_attention) * m.n_layers
        return act * precision_bytes(precision) / 2.0  # the paper's constants assume 2-byte tensors
    if m.cnn is not None:
        return 2.0 * sum(x.out_elems for x in m.cnn.layers) * micro_batch * precision_bytes(precision)
    return activation_bytes_per_layer(m, m.vit_tokens, micro_batch, tp, recompute,
                                      sequence_parallel, fused_attention) * m.n_layers


def expected_experts(experts: int, top_k: int, tokens: ArrayLike) -> ArrayLike:
    """Expected number of distinct routed experts a batch of `tokens` tokens touches.

    Each token picks `top_k` of `experts` distinct experts; under uniform routing a given
    expert is in one token's set with probability k/E, so it is missed by all T independent
    tokens with probability (1 - k/E)^T, and by linearity the expected count touched is
    E (1 - (1 - k/E)^T). One token touches k; a large batch touches nearly all E (a decode
    batch of 8 on Mixtral's 8 experts, top-2, touches 7.2 on average, not 8 x 2 = 16)."""
    t = np.asarray(tokens, dtype=float)
    return experts * (1.0 - (1.0 - top_k / experts) ** t)
