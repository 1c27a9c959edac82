"""Inside one training step: memory over time, pipeline bubbles and fine-tuning budgets.

`training_memory` gives the per-GPU footprint as four totals. Teaching why the peak sits where it
does needs the same terms laid out over the step: weights and optimizer state stay resident,
activations pile up layer by layer during the forward pass, and the backward pass frees them in
reverse while it allocates gradients. The timeline here is built from `training_memory`'s own
per-layer activation formula (Korthikanti et al. 2022) and state bytes, under stated
assumptions: parameters spread evenly over the blocks (embeddings included), gradients freed
after the update (PyTorch's `zero_grad(set_to_none=True)`), no logits, workspace or allocator
slack (the $M_{temp}$ term), and a time axis in forward-layer units with backward twice as long.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._units import ResultMixin, check_positive, precision_bytes
from .errors import InvalidInputError
from .memory import activation_bytes_per_layer, state_bytes, training_memory
from .registry import Model, model

#: Bits per parameter of QLoRA's 4-bit NormalFloat base weights with double quantization:
#: 4 bits plus 8/64 + 32/(64*256) bits of quantization constants (Dettmers et al., NeurIPS 2023).
NF4_BITS_PER_PARAM = 4 + 8 / 64 + 32 / (64 * 256)


@dataclass(frozen=True)
class StepTimeline(ResultMixin):
    """Live bytes per GPU at each event of one step; `phase` names what happens at each point."""

    time: np.ndarray          # forward-layer units: a forward layer 1, a backward layer 2 (3 with recompute)
    live_bytes: np.ndarray
    phase: tuple[str, ...]    # "start", "forward", "backward", "update" per point
    resident_bytes: float     # weights + optimizer state, present all step
    peak_bytes: float
    peak_time: float
    peak_phase: str

    _units = {"resident_bytes": "B", "peak_bytes": "B", "peak_time": ""}


def step_memory_timeline(m: Model | str, seq_len: int = 2048, micro_batch: int = 1,
                         precision: str = "bf16", optimizer: str = "adam",
                         recompute: str = "none", fused_attention: bool = False) -> StepTimeline:
    """Live memory of one unsharded training step, event by event (see the module docstring).

    Forward: each block adds its saved activations. Backward, last block first: a block first
    rebuilds its internals if `recompute='full'` (held only while that block runs), allocates its
    gradients, then frees its activations. Update: gradients are freed after the optimizer step."""
    m = model(m)
    if m.kind != "transformer" or m.vit is not None:
        raise InvalidInputError("model", f"{m.name}: the step timeline models decoder transformers")
    wb, gb, ob = state_bytes(optimizer, precision, True)
    scale = precision_bytes(precision) / 2.0
    kept = float(activation_bytes_per_layer(m, seq_len, micro_batch, 1, recompute,
                                            False, fused_attention)) * scale
    inner = float(activation_bytes_per_layer(m, seq_len, micro_batch, 1, "none",
                                             False, fused_attention)) * scale
    rebuilt = inner if recompute == "full" else 0.0
    L = m.n_layers
    resident = m.params * (wb + ob)
    grad_layer = m.params * gb / L
    t, live, phase = [0.0], [resident], ["start"]
    for i in range(1, L + 1):
        t.append(float(i))
        live.append(resident + i * kept)
        phase.append("forward")
    bw = 3.0 if recompute == "full" else 2.0
    for j in range(L):
        acts = (L - j) * kept
        grads = j * grad_layer
        start = L + j * bw
        t.append(start)
        live.append(resident + acts + grads + rebuilt + grad_layer)
        phase.append("backward")
        t.append(start + bw)
        live.append(resident + acts - kept + grads + grad_layer)
        phase.append("backward")
    t.append(L + L * bw + 1.0)
    live.append(resident)
    phase.append("update")
    arr = np.asarray(live)
    k = int(np.argmax(arr))
    return StepTimeline(np.asarray(t), arr, tuple(phase), float(resident), float(arr[k]),
                        float(t[k]), phase[k])


@dataclass(frozen=True)
class PipelineSchedule(ResultMixin):
    """Who does what, slot by slot, in one synchronous pipeline step (GPipe or 1F1B).

    `slots` holds (stage, start, micro-batch, 'F' or 'B'); a forward takes one time unit and a
    backward two. Both schedules idle each stage for (p-1)(1+2) units, so the bubble fraction of
    the step is (p-1)/(m+p-1) for either; 1F1B's gain is memory: a stage holds at most p
    micro-batches' activations instead of m (Narayanan et al. 2019; Huang et al. 2019)."""

    stages: int
    micro_batches: int
    kind: str
    slots: tuple[tuple[int, float, int, str], ...]
    step_time: float
    bubble_fraction: float
    max_in_flight: int


def bubble_fraction(stages: int, micro_batches: int) -> float:
    """Share of a pipeline step each stage spends idle: (p-1)/(m+p-1)."""
    p = check_positive("stages", stages, integer=True)
    mb = check_positive("micro_batches", micro_batches, integer=True)
    return (p - 1) / (mb + p - 1)


def pipeline_schedule(stages: int, micro_batches: int, kind: str = "1f1b") -> PipelineSchedule:
    """Simulate a GPipe (all forwards, then all backwards) or 1F1B schedule event by event.

    Each stage runs its queue of operations in order; an operation starts when the stage is
    free and its input is ready (the previous stage's forward, or the next stage's backward)."""
    p = check_positive("stages", stages, integer=True)
    mb = check_positive("micro_batches", micro_batches, integer=True)
    if kind not in ("gpipe", "1f1b"):
        raise InvalidInputError("kind", f"{kind!r} is not 'gpipe' or '1f1b'")
    order = [_stage_order(s, p, mb, kind) for s in range(p)]
    done: dict[tuple[int, int, str], float] = {}
    free, pos, slots = [0.0] * p, [0] * p, []
    while any(pos[s] < len(order[s]) for s in range(p)):
        progressed = False
        for s in range(p):
            if pos[s] == len(order[s]):
                continue
            i, op = order[s][pos[s]]
            dep = (s - 1, i, "F") if op == "F" else ((s + 1, i, "B") if s < p - 1 else (s, i, "F"))
            if op == "F" and s == 0:
                ready = 0.0
            elif dep in done:
                ready = done[dep]
            else:
                continue
            start = max(free[s], ready)
            free[s] = start + (1.0 if op == "F" else 2.0)
            done[(s, i, op)] = free[s]
            slots.append((s, start, i, op))
            pos[s] += 1
            progressed = True
        if not progressed:  # pragma: no cover - the orders above never deadlock
            raise InvalidInputError("kind", "schedule deadlocked")
    in_flight = max(_max_in_flight(order[s]) for s in range(p))
    return PipelineSchedule(p, mb, kind, tuple(slots), max(free), bubble_fraction(p, mb),
                            in_flight)


def _stage_order(s: int, p: int, mb: int, kind: str) -> list[tuple[int, str]]:
    if kind == "gpipe":
        return [(i, "F") for i in range(mb)] + [(i, "B") for i in range(mb)]
    warm = min(p - s - 1, mb)
    seq = [(i, "F") for i in range(warm)]
    f, b = warm, 0
    while b < mb:
        if f < mb:
            seq.append((f, "F"))
            f += 1
        seq.append((b, "B"))
        b += 1
    return seq


def _max_in_flight(seq: list[tuple[int, str]]) -> int:
    n = best = 0
    for _, op in seq:
        n += 1 if op == "F" else -1
        best = max(best, n)
    return best


@dataclass(frozen=True)
class FinetuneMemory(ResultMixin):
    """Per-GPU memory of full fine-tuning, LoRA or QLoRA on one GPU, split by term."""

    method: str
    trainable_params: float
    base_weights_bytes: float
    trainable_state_bytes: float   # gradients + optimizer state (+ master copy) of what is trained
    activations_bytes: float
    total_bytes: float

    _units = {"trainable_params": "", "base_weights_bytes": "B", "trainable_state_bytes": "B",
              "activations_bytes": "B", "total_bytes": "B"}


def lora_params(m: Model | str, rank: int) -> float:
    """Trainable parameters of rank-`rank` adapters on every linear layer of every block:
    r (d_in + d_out) per matrix (Hu et al. 2022 adapt W_q and W_v; QLoRA adapts all)."""
    m = model(m)
    r = check_positive("rank", rank, integer=True)
    d, kv = m.d_model, (m.kv_heads or m.heads) * (m.head_dim or m.d_model // m.heads)
    q_o = 2 * (d + m.heads * (m.head_dim or d // m.heads))
    k_v = 2 * (d + kv)
    mlp = (3 if m.gated else 2) * (d + m.ffn)
    return float(m.n_layers * r * (q_o + k_v + mlp))


def finetune_memory(m: Model | str, method: str = "lora", rank: int = 16, seq_len: int = 2048,
                    micro_batch: int = 1, recompute: str = "full",
                    fused_attention: bool = True) -> FinetuneMemory:
    """Memory of fine-tuning on one GPU with bf16 compute and Adam.

    full: 16 bytes per parameter (`training_memory`). lora: frozen bf16 base (2 bytes) plus 16
    bytes per adapter parameter. qlora: the base's block weights in 4-bit NF4 with double
    quantization (`NF4_BITS_PER_PARAM`), embeddings kept in bf16. Activations are the same in
    all three: gradients must flow back through the frozen layers to reach the adapters."""
    m = model(m)
    if method not in ("full", "lora", "qlora"):
        raise InvalidInputError("method", f"{method!r} is not full, lora or qlora")
    full = training_memory(m, "bf16", "adam", seq_len=seq_len, micro_batch=micro_batch,
                           recompute=recompute, fused_attention=fused_attention)
    act = float(full.activations_bytes)
    if method == "full":
        state = float(full.grads_bytes + full.optimizer_bytes)
        return FinetuneMemory(method, float(m.params), float(full.weights_bytes), state, act,
                              float(full.total_bytes))
    n_tr = lora_params(m, rank)
    if method == "lora":
        base = 2.0 * m.params
    else:
        emb = float(m.embedding_params)
        base = (m.params - emb) * NF4_BITS_PER_PARAM / 8 + 2.0 * emb
    state = 16.0 * n_tr
    return FinetuneMemory(method, n_tr, base, state, act, base + state + act)
