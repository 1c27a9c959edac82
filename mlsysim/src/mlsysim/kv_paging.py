"""KV-cache allocation in an LLM server, simulated step by step: reservation versus paging.

Whatever memory the weights leave is a pool of KV-cache slots, one per token of context. How a
server hands them out decides how many requests decode together:

- `reserve`: each admitted request reserves room for its prompt plus the most tokens it may
  generate, because its final length is unknown; most of that room is never used;
- `paged`: PagedAttention (Kwon et al. 2023, "Efficient Memory Management for Large Language
  Model Serving with PagedAttention", SOSP) hands out fixed blocks of `block_tokens` as the
  sequence grows, so only the last block of each sequence is partly empty. Admission looks at
  current lengths, so the pool can run dry as sequences grow: the newest sequence is then
  preempted, its blocks freed and its work recomputed later (vLLM's recompute policy). A
  `watermark` (a share of blocks kept free at admission) trades batch size for preemptions.

The server is kept saturated (a queue always waits), so the results are its capacity: the
mean number of sequences decoding together, the share of reserved slots holding no token
(fragmentation), and preemptions per 1,000 finished requests."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ._units import ResultMixin, check_positive
from .errors import InvalidInputError
from .memory import kv_cache_bytes, model_size_bytes
from .registry import Hardware, Model, hardware, model

#: Share of device memory kept for activations and the runtime (as `serve` assumes).
RESERVE = 0.10
POLICIES = ("reserve", "paged")


@dataclass(frozen=True)
class KvPaging(ResultMixin):
    """A KV-cache allocation policy's capacity on one workload."""

    policy: str
    block_tokens: int
    pool_tokens: int
    kv_bytes_per_token: float
    mean_batch: float
    fragmentation: float
    preemptions_per_1k: float
    recomputed_share: float
    finished: int

    _units = {"kv_bytes_per_token": "B"}


def kv_pool_tokens(m: Model | str, hw: Hardware | str, gpus: int = 1,
                   precision: str = "fp16") -> tuple[int, float]:
    """(tokens of KV cache the pool holds, bytes per token): device memory x (1 - RESERVE)
    minus the weights, over the per-token KV bytes (`kv_cache_bytes` of one token)."""
    m, h = model(m), hardware(hw)
    gpus = check_positive("gpus", gpus, integer=True)
    per_token = float(kv_cache_bytes(m, 1, 1, precision))
    free = h.memory_bytes * gpus * (1 - RESERVE) - model_size_bytes(m, precision)
    if free <= 0:
        raise InvalidInputError("gpus", f"{m.name}'s weights do not fit in {gpus} x {h.name}")
    return int(free // per_token), per_token


class _Pool:
    """Running sequences (id, context length, blocks held) and the free blocks."""

    def __init__(self, blocks: int, block: int, policy: str, max_out: int) -> None:
        self.free, self.block, self.policy, self.max_out = blocks, block, policy, max_out
        self.ids = np.zeros(0, int)
        self.ctx = np.zeros(0, int)
        self.held = np.zeros(0, int)

    def blocks_for(self, ctx: int) -> int:
        """Blocks a sequence of `ctx` tokens is given at admission."""
        if self.policy == "reserve":
            return ctx + self.max_out  # block = 1 token: room for the longest answer
        return -(-(ctx + 1) // self.block)  # the prompt plus the first new token

    def admit(self, j: int, ctx: int, headroom: int) -> bool:
        need = self.blocks_for(ctx)
        if need + headroom > self.free:
            return False
        self.free -= need
        self.ids, self.ctx = np.append(self.ids, j), np.append(self.ctx, ctx)
        self.held = np.append(self.held, need)
        return True

    def drop(self, keep: np.ndarray) -> None:
        self.free += int(self.held[~keep].sum())
        self.ids, self.ctx, self.held = self.ids[keep], self.ctx[keep], self.held[keep]


def _step(p: _Pool, queue: list[int]) -> tuple[int, int]:
    """One decode step: grow every sequence by a token, preempting the newest while the pool
    cannot give each sequence that needs one a new block. Returns (preemptions, tokens lost)."""
    preempted = lost = 0
    while True:
        grow = (p.ctx + 1 > p.held * p.block) if p.policy == "paged" else np.zeros(len(p.ids), bool)
        if grow.sum() <= p.free:
            break
        queue.insert(0, int(p.ids[-1]))
        lost += int(p.ctx[-1])
        preempted += 1
        keep = np.ones(len(p.ids), bool)
        keep[-1] = False
        p.drop(keep)
    p.free -= int(grow.sum())
    p.held = p.held + grow
    p.ctx = p.ctx + 1
    return preempted, lost


@lru_cache(maxsize=256)
def _simulate(pool: int, policy: str, block: int, prompt: int, mean_out: int, max_out: int,
              max_batch: int, watermark: float, steps: int, seed: int) -> tuple[float, ...]:
    rng = np.random.default_rng(seed)
    n = steps * 4 + 1000  # more requests than the run can take
    prompts = rng.integers(prompt // 2, prompt * 3 // 2 + 1, n)
    outs = np.clip(np.ceil(rng.exponential(mean_out, n)), 1, max_out).astype(int)
    done = np.zeros(n, int)  # tokens generated so far (kept across a preemption)
    p = _Pool(pool // block, block, policy, max_out)
    headroom = int(watermark * (pool // block)) if policy == "paged" else 0
    queue, nxt = [], 0
    batch = tokens = slots = 0.0
    preempt = finished = lost = generated = 0
    for _ in range(steps):
        while len(p.ids) < max_batch:  # admit the oldest waiting request while it fits
            j = queue.pop(0) if queue else nxt
            nxt += j == nxt
            if not p.admit(j, int(prompts[j] + done[j]), headroom):
                queue.insert(0, j)
                break
        k, x = _step(p, queue)
        preempt, lost = preempt + k, lost + x
        done[p.ids] += 1
        generated += len(p.ids)
        batch += len(p.ids)
        tokens += p.ctx.sum()
        slots += p.held.sum() * block
        end = done[p.ids] >= outs[p.ids]
        finished += int(end.sum())
        p.drop(~end)
    return (batch / steps, 1 - tokens / slots if slots else 0.0,
            1000 * preempt / max(finished, 1), lost / max(generated, 1), float(finished))


def simulate_kv_paging(m: Model | str, hw: Hardware | str, policy: str = "paged",
                       block_tokens: int = 16, prompt_len: int = 1024, mean_output: int = 512,
                       max_output: int = 2048, gpus: int = 1, precision: str = "fp16",
                       max_batch: int = 512, watermark: float = 0.01, steps: int = 2000,
                       seed: int = 0) -> KvPaging:
    """Run a saturated server for `steps` decode steps under one of `POLICIES`.

    Prompts are uniform in [P/2, 3P/2] for P = `prompt_len`; outputs exponential with mean
    `mean_output`, capped at `max_output` (what `reserve` must set aside). Seeded, cached."""
    if policy not in POLICIES:
        raise InvalidInputError("policy", f"unknown policy {policy!r}; one of {', '.join(POLICIES)}")
    block = check_positive("block_tokens", block_tokens, integer=True)
    prompt = check_positive("prompt_len", prompt_len, integer=True)
    mean_out = check_positive("mean_output", mean_output, integer=True)
    max_out = check_positive("max_output", max_output, integer=True)
    max_batch = check_positive("max_batch", max_batch, integer=True)
    steps = check_positive("steps", steps, integer=True)
    if not 0 <= watermark < 0.5:
        raise InvalidInputError("watermark", f"must be in [0, 0.5), got {watermark!r}")
    pool, per_token = kv_pool_tokens(m, hw, gpus, precision)
    longest = prompt * 3 // 2 + max_out
    if longest > pool:
        raise InvalidInputError("prompt_len", f"one request of up to {longest:,} tokens exceeds "
                                f"the KV pool of {pool:,} tokens")
    r = _simulate(pool, policy, block if policy == "paged" else 1, prompt, mean_out, max_out,
                  max_batch, float(watermark), steps, int(seed))
    return KvPaging(policy, block if policy == "paged" else 0, pool, per_token, r[0], r[1],
                    r[2], r[3], int(r[4]))
