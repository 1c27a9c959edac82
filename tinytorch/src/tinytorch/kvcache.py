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
from .nn.attention import scaled_dot_product_attention
from .nn.transformer import GPT, sample_next
from .tensor import Generator, Tensor


def kv_cache_bytes(model: GPT, batch: int, seq_len: int, bytes_per_value: int = 4) -> int:
    """Memory the cache needs: K and V for every layer, position and model dimension."""
    # BEGIN SOLUTION
    # HINT: Count what the cache stores: a key AND a value vector of d_model numbers, for every
    # HINT: layer, every sequence in the batch and every position. Read d_model and the number of
    # HINT: layers from the model itself.
    d_model = model.token_emb.weight.shape[1]
    return 2 * len(model.blocks) * batch * seq_len * d_model * bytes_per_value
    # END SOLUTION


def _ids(idx: Tensor | np.ndarray) -> np.ndarray:
    # BEGIN SOLUTION
    # HINT: Prompt ids as int64 (B, T): a 1-D prompt is one sequence.
    ids = np.asarray(idx.data if isinstance(idx, Tensor) else idx, dtype=np.int64)
    return ids[None, :] if ids.ndim == 1 else ids
    # END SOLUTION


@no_grad()
def generate_cached(model: GPT, idx: Tensor | np.ndarray, max_new_tokens: int,
                    temperature: float = 0.0, top_k: int | None = None,
                    generator: Generator | None = None, seed: int | None = None) -> Tensor:
    """Like ``GPT.generate`` but with a KV cache: one prefill pass, then one token per step.

    The same sampling rule and random stream as ``generate`` are used, so with the same seed
    both produce the same tokens. Unlike ``generate`` the cache cannot slide: prompt plus new
    tokens must fit in the model's context length.
    """
    # BEGIN SOLUTION
    # HINT: Checks first: the cache cannot slide, so prompt plus new tokens must fit in the context
    # HINT: length (ValueError with the three numbers); temperature is not negative; seed and
    # HINT: generator are exclusive. Use the same random stream rule as GPT.generate so the same
    # HINT: seed gives the same tokens.
    # HINT:
    # HINT: Prefill: run the whole prompt once asking for the cache. Then each step: sample the
    # HINT: next token from the LAST position's logits (the shared sampling function), append it,
    # HINT: and feed ONLY that new token with the cache; the model places it at the right position
    # HINT: because the cache's length tells it where it is. Do not run the model after the final
    # HINT: token.
    # HINT:
    # HINT: Evaluation mode during generation, the previous mode restored afterwards even on error.
    # HINT: Return prompt and new tokens together as one (B, T + n) Tensor.
    # HINT:
    # HINT: The first message mentions the "context length".
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
        logits, past = model(ids, use_cache=True)
        out = [ids]
        for step in range(max_new_tokens):
            nxt = sample_next(logits.data[:, -1, :], temperature, top_k, rng)
            out.append(nxt[:, None])
            if step + 1 < max_new_tokens:
                logits, past = model(nxt[:, None], past_kvs=past, use_cache=True)
    finally:
        model.train(was_training)
    return Tensor(np.concatenate(out, axis=1))
    # END SOLUTION


class KVCache:
    """Pre-allocated keys and values for every layer: append writes in place, attend reads.

    ``GPT.forward(past_kvs=...)`` grows its cache with ``cat``, copying every stored key at
    every step. This cache allocates (layers, batch, heads, max_len, head_dim) once and writes
    each new position into it, so a step costs only the new keys. Every layer keeps its own
    position counter: a step appends to layer 0, then 1, ... and each layer's new queries sit
    at the positions just written.
    """

    def __init__(self, layers: int, batch: int, heads: int, max_len: int, head_dim: int,
                 dtype: Any = np.float32) -> None:
        # BEGIN SOLUTION
        # HINT: Check every size is at least 1 (ValueError naming the first that is not). One
        # HINT: buffer for keys and one for values, each (layers, batch, heads, max_len,
        # HINT: head_dim), allocated once as zeros; and one position counter per layer, all 0.
        sizes = {"layers": layers, "batch": batch, "heads": heads, "max_len": max_len,
                 "head_dim": head_dim}
        for name, size in sizes.items():
            if size < 1:
                raise ValueError(f"KVCache: {name} must be >= 1, got {size}")
        shape = (layers, batch, heads, max_len, head_dim)
        self.keys = np.zeros(shape, dtype=dtype)
        self.values = np.zeros(shape, dtype=dtype)
        self.lengths = [0] * layers
        # END SOLUTION

    @property
    def nbytes(self) -> int:
        """Memory held by the cache, whether filled or not (it is allocated up front)."""
        return int(self.keys.nbytes + self.values.nbytes)

    def append(self, layer: int, k: Tensor, v: Tensor) -> tuple[Tensor, Tensor]:
        """Store the keys and values of new positions (B, H, t, hd) for ``layer``; return the
        keys and values of ALL positions so far, (B, H, length, hd), as views of the buffer."""
        # BEGIN SOLUTION
        # HINT: The new keys go right after the ones already stored for this layer: positions
        # HINT: length .. length + t - 1. Check first, each a ValueError that names the problem:
        # HINT: the layer exists; k and v have the same shape; batch, heads and head_dim match
        # HINT: the buffer; and the positions fit (say how many are stored, how many arrive and
        # HINT: the maximum). Write both, advance this layer's counter, and return read-only
        # HINT: views of everything stored so far (no copy: that is the point of the cache).
        # HINT: Phrases the tests look for: "out of range" (layer), "must both be" (shapes),
        # HINT: "exceed max_len" (positions).
        if not 0 <= layer < len(self.lengths):
            raise ValueError(f"KVCache: layer {layer} out of range (cache has "
                             f"{len(self.lengths)} layers)")
        kd, vd = np.asarray(k.data), np.asarray(v.data)
        _, b, h, max_len, hd = self.keys.shape
        if kd.shape != vd.shape or kd.ndim != 4 or (kd.shape[0], kd.shape[1], kd.shape[3]) != (
                b, h, hd):
            raise ValueError(f"KVCache: keys {kd.shape} and values {vd.shape} must both be "
                             f"({b}, {h}, t, {hd})")
        start, t = self.lengths[layer], kd.shape[2]
        if start + t > max_len:
            raise ValueError(f"KVCache: {start} stored + {t} new positions exceed max_len "
                             f"{max_len}")
        self.keys[layer, :, :, start:start + t] = kd
        self.values[layer, :, :, start:start + t] = vd
        self.lengths[layer] = start + t
        keys, values = self.keys[layer, :, :, :start + t], self.values[layer, :, :, :start + t]
        keys.flags.writeable = values.flags.writeable = False
        return Tensor._wrap(keys), Tensor._wrap(values)
        # END SOLUTION

    def attend(self, layer: int, q: Tensor, k: Tensor, v: Tensor) -> Tensor:
        """Append ``k``, ``v`` for the new positions, then let the new queries ``q`` (B, H, t,
        hd) attend causally over every stored position. Returns (B, H, t, hd)."""
        # BEGIN SOLUTION
        # HINT: Append first, so each new query also sees its own key. The t queries are the
        # HINT: LAST t of the stored positions: query i sits at position length - t + i and may
        # HINT: see keys 0 .. length - t + i, which is exactly the causal mask of module 12 for
        # HINT: (t, length). Nothing here needs a gradient: it is inference.
        keys, values = self.append(layer, k, v)
        return scaled_dot_product_attention(q, keys, values, is_causal=True)
        # END SOLUTION


@dataclass(frozen=True)
class CacheComparison:
    new_tokens: int
    recompute_s: float
    cached_s: float
    identical: bool

    @property
    def speedup(self) -> float:
        # BEGIN SOLUTION
        # HINT: How many times faster cached generation was.
        return self.recompute_s / self.cached_s
        # END SOLUTION

    def table(self) -> str:
        # BEGIN SOLUTION
        # HINT: Seconds and milliseconds per token for both ways of generating, then a line with
        # HINT: the speed-up and whether the tokens were identical.
        return (f"{'generation':<12}{'seconds':>10}{'ms/token':>10}\n"
                f"{'recompute':<12}{self.recompute_s:>10.4f}"
                f"{1e3 * self.recompute_s / self.new_tokens:>10.3f}\n"
                f"{'kv-cache':<12}{self.cached_s:>10.4f}"
                f"{1e3 * self.cached_s / self.new_tokens:>10.3f}\n"
                f"speed-up {self.speedup:.2f}x, identical tokens: {self.identical}")
        # END SOLUTION


def compare_generation(model: GPT, prompt: Any, new_tokens: int, repeats: int = 3) -> CacheComparison:
    """Greedy generation with and without the cache: median times and whether tokens agree."""

    # BEGIN SOLUTION
    # HINT: Time greedy generation both ways with the same harness: one untimed warm-up call, then
    # HINT: `repeats` timed calls, the median kept, together with the tokens of the last call.
    # HINT:
    # HINT: Greedy decoding is deterministic, so the cache is correct only if both produce
    # HINT: IDENTICAL tokens: report that as well as both times.
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
    # END SOLUTION
