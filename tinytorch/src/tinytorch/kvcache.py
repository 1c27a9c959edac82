"""KV caching (module 18): generate each new token without recomputing the whole prefix.

Autoregressive generation calls the model once per new token. Without a cache, step t runs the
full network over all t tokens again, although the keys and values of the first t-1 positions
are exactly what the previous step computed (causal attention means earlier positions never see
later ones). With a cache each step feeds ONE token, appends its key and value to the cache and
attends over the stored ones: generating n tokens costs O(n) token-passes instead of O(n^2).
The price is memory: 2 (K and V) x layers x positions x d_model numbers per sequence.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from .autograd import no_grad
from .nn.transformer import GPT, sample_next
from .tensor import Generator, Tensor


def kv_cache_bytes(model: GPT, batch: int, seq_len: int, bytes_per_value: int = 4) -> int:
    """Memory the cache needs: K and V for every layer, position and model dimension."""
    # BEGIN SOLUTION
    # HINT: 2 * layers * batch * seq_len * d_model * bytes_per_value
    d_model = model.token_emb.weight.shape[1]
    return 2 * len(model.blocks) * batch * seq_len * d_model * bytes_per_value
    # END SOLUTION


def _ids(idx: Tensor | np.ndarray) -> np.ndarray:
    ids = np.asarray(idx.data if isinstance(idx, Tensor) else idx, dtype=np.int64)
    return ids[None, :] if ids.ndim == 1 else ids


@no_grad()
def generate_cached(model: GPT, idx: Tensor | np.ndarray, max_new_tokens: int,
                    temperature: float = 0.0, top_k: int | None = None,
                    generator: Generator | None = None, seed: int | None = None) -> Tensor:
    """Like ``GPT.generate`` but with a KV cache: one prefill pass, then one token per step.

    The same sampling rule and random stream as ``generate`` are used, so with the same seed
    both produce the same tokens. Unlike ``generate`` the cache cannot slide: prompt plus new
    tokens must fit in the model's context length.
    """
    ids = _ids(idx)
    if ids.shape[1] + max_new_tokens > model.context_length:
        raise ValueError(
            f"generate_cached: {ids.shape[1]} prompt + {max_new_tokens} new tokens exceed the "
            f"context length {model.context_length}"
        )
    if temperature < 0:
        raise ValueError(f"generate_cached: temperature must be >= 0, got {temperature}")
    if seed is not None and generator is not None:
        raise ValueError("pass either seed= or generator=, not both")
    rng = generator.rng if generator is not None else (
        np.random.default_rng(seed) if seed is not None else Generator().rng)
    was_training = model.training
    model.eval()
    try:
        # BEGIN SOLUTION
        # HINT: prefill: logits, past = model(ids, use_cache=True); keep a list out = [ids];
        # HINT: each step: nxt = sample_next(logits.data[:, -1, :], temperature, top_k, rng),
        # HINT: out.append(nxt[:, None]), then feed ONLY that token with past_kvs=past
        logits, past = model(ids, use_cache=True)
        out = [ids]
        for step in range(max_new_tokens):
            nxt = sample_next(logits.data[:, -1, :], temperature, top_k, rng)
            out.append(nxt[:, None])
            if step + 1 < max_new_tokens:
                logits, past = model(nxt[:, None], past_kvs=past, use_cache=True)
        # END SOLUTION
    finally:
        model.train(was_training)
    return Tensor(np.concatenate(out, axis=1))


@dataclass(frozen=True)
class CacheComparison:
    new_tokens: int
    recompute_s: float
    cached_s: float
    identical: bool

    @property
    def speedup(self) -> float:
        return self.recompute_s / self.cached_s

    def table(self) -> str:
        return (f"{'generation':<12}{'seconds':>10}{'ms/token':>10}\n"
                f"{'recompute':<12}{self.recompute_s:>10.4f}"
                f"{1e3 * self.recompute_s / self.new_tokens:>10.3f}\n"
                f"{'kv-cache':<12}{self.cached_s:>10.4f}"
                f"{1e3 * self.cached_s / self.new_tokens:>10.3f}\n"
                f"speed-up {self.speedup:.2f}x, identical tokens: {self.identical}")


def compare_generation(model: GPT, prompt: Any, new_tokens: int, repeats: int = 3) -> CacheComparison:
    """Greedy generation with and without the cache: median times and whether tokens agree."""

    def timed(fn: Any) -> tuple[float, np.ndarray]:
        fn()  # warm-up
        times, out = [], None
        for _ in range(repeats):
            t0 = time.perf_counter()
            out = fn()
            times.append(time.perf_counter() - t0)
        return float(np.median(times)), out.data

    t_re, a = timed(lambda: model.generate(prompt, new_tokens, temperature=0.0))
    t_kv, b = timed(lambda: generate_cached(model, prompt, new_tokens, temperature=0.0))
    return CacheComparison(new_tokens, t_re, t_kv, bool(np.array_equal(a, b)))
