"""Transformers (module 13): attention + MLP blocks, stacked into a small GPT.

A block does two things, each wrapped in a residual connection: attention mixes information
ACROSS positions, the MLP transforms each position on its own. Pre-norm (LayerNorm before each
sub-layer, as in GPT-2) keeps the residual stream an untouched sum, which is why deep stacks
train stably. The GPT adds token and position embeddings below the blocks and a linear "head"
to vocabulary logits above them; ``generate`` samples one token at a time.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..activations import softmax
from ..autograd import no_grad
from ..tensor import Generator, Tensor, _rng
from .attention import MultiheadAttention
from .embedding import Embedding, LearnedPositionalEmbedding, SinusoidalPositionalEncoding
from .linear import GELU, Linear
from .module import Module, ModuleList, Sequential
from .normalization import Dropout, LayerNorm

__all__ = ["GPT", "TransformerBlock"]

KV = tuple[Tensor, Tensor]


class TransformerBlock(Module):
    """Pre-norm block: x + attn(ln1(x)), then + mlp(ln2(x)); the MLP widens by ``mlp_ratio``."""

    def __init__(self, d_model: int, num_heads: int, mlp_ratio: int = 4,
                 dropout: float = 0.0) -> None:
        # BEGIN SOLUTION
        # HINT: Pre-norm layout: a LayerNorm before attention and another before the MLP. The MLP
        # HINT: widens to mlp_ratio * d_model, applies GELU, comes back to d_model and ends with
        # HINT: dropout.
        super().__init__()
        self.ln1 = LayerNorm(d_model)
        self.attn = MultiheadAttention(d_model, num_heads, dropout=dropout)
        self.ln2 = LayerNorm(d_model)
        self.mlp = Sequential(Linear(d_model, mlp_ratio * d_model), GELU(),
                              Linear(mlp_ratio * d_model, d_model), Dropout(dropout))
        # END SOLUTION

    def forward(self, x: Tensor, attn_mask: Any = None, is_causal: bool = True,
                past_kv: KV | None = None, use_cache: bool = False) -> Any:
        # BEGIN SOLUTION
        # HINT: Two residual steps. First x plus attention of the normalised x (pass the mask, the
        # HINT: causal flag and the cache through; with use_cache attention returns a pair). Then x
        # HINT: plus the MLP of the normalised new x.
        # HINT:
        # HINT: The residual stream itself is never normalised: that is what lets gradients flow
        # HINT: straight down a deep stack. With use_cache return the block's present (k, v) too.
        a = self.attn(self.ln1(x), attn_mask=attn_mask, is_causal=is_causal,
                      past_kv=past_kv, use_cache=use_cache)
        present = None
        if use_cache:
            a, present = a
        x = x + a
        x = x + self.mlp(self.ln2(x))
        return (x, present) if use_cache else x
        # END SOLUTION


class GPT(Module):
    """A decoder-only language model: embeddings, ``num_layers`` causal blocks, a final norm
    and a linear head to ``vocab_size`` logits."""

    def __init__(self, vocab_size: int, context_length: int = 64, d_model: int = 128,
                 num_heads: int = 4, num_layers: int = 2, dropout: float = 0.0,
                 positional: str = "learned") -> None:
        # BEGIN SOLUTION
        # HINT: Only "learned" and "sinusoidal" positions exist (ValueError otherwise).
        # HINT:
        # HINT: The parts in order: token embedding (scaled down to small values, as GPT-2 starts),
        # HINT: positional embedding of the chosen kind, dropout, a ModuleList of blocks, a final
        # HINT: LayerNorm and a bias-free head to vocabulary logits.
        super().__init__()
        if positional not in ("learned", "sinusoidal"):
            raise ValueError(f"GPT: positional must be 'learned' or 'sinusoidal', "
                             f"got {positional!r}")
        self.vocab_size, self.context_length = vocab_size, context_length
        self.token_emb = Embedding(vocab_size, d_model)
        self.token_emb.weight.data *= 0.02  # small start, as GPT-2 does
        self.pos_emb = (LearnedPositionalEmbedding(context_length, d_model)
                        if positional == "learned"
                        else SinusoidalPositionalEncoding(context_length, d_model))
        self.drop = Dropout(dropout)
        self.blocks = ModuleList([TransformerBlock(d_model, num_heads, dropout=dropout)
                                  for _ in range(num_layers)])
        self.ln_f = LayerNorm(d_model)
        self.head = Linear(d_model, vocab_size, bias=False)
        # END SOLUTION

    def forward(self, idx: Tensor | np.ndarray, past_kvs: list[KV] | None = None,
                use_cache: bool = False) -> Any:
        """(B, T) token ids -> (B, T, vocab) logits; with caching also the new (k, v) list."""
        # BEGIN SOLUTION
        # HINT: Ids may be a Tensor or array, (T,) or (B, T). With a cache the new tokens start at
        # HINT: the position after the cached ones (the cached keys' length). A sequence past the
        # HINT: context length is a ValueError saying both numbers.
        # HINT:
        # HINT: Token embeddings plus positions (from that start), dropout, every block causally
        # HINT: (each with its own cache entry, collecting the new ones), final norm, head.
        ids = np.asarray(idx.data if isinstance(idx, Tensor) else idx)
        if ids.ndim == 1:
            ids = ids[None, :]
        start = 0 if not past_kvs else past_kvs[0][0].shape[2]
        if start + ids.shape[1] > self.context_length:
            raise ValueError(f"GPT: sequence of {start + ids.shape[1]} tokens is longer than "
                             f"the context length {self.context_length}")
        x = self.drop(self.pos_emb(self.token_emb(ids), start=start))
        presents: list[KV] = []
        for i, block in enumerate(self.blocks):
            past = past_kvs[i] if past_kvs else None
            x = block(x, is_causal=True, past_kv=past, use_cache=use_cache)
            if use_cache:
                x, kv = x
                presents.append(kv)
        logits = self.head(self.ln_f(x))
        return (logits, presents) if use_cache else logits
        # END SOLUTION

    @no_grad()
    def generate(self, idx: Tensor | np.ndarray, max_new_tokens: int, temperature: float = 1.0,
                 top_k: int | None = None, generator: Generator | None = None,
                 seed: int | None = None) -> Tensor:
        """Extend each row of ``idx`` (B, T) by ``max_new_tokens`` sampled tokens.

        temperature 0 means greedy (argmax); ``top_k`` keeps only the k likeliest tokens.
        The context is cropped to the last ``context_length`` tokens (no cache: module 18
        adds one through ``forward(past_kvs=..., use_cache=True)``).
        """
        # BEGIN SOLUTION
        # HINT: Validate temperature (>= 0) and top_k (>= 1). Work on int64 ids as (B, T).
        # HINT:
        # HINT: Generation is inference: evaluation mode for the loop, and afterwards restore
        # HINT: whatever mode the model was in, even if something raised.
        # HINT:
        # HINT: Each step: run the model on at most the last context_length tokens, keep only the
        # HINT: last position's logits, sample one id per row, append it. Return the ids as a
        # HINT: Tensor.
        # HINT:
        # HINT: Each message names the argument ("temperature", "top_k") and the bad value.
        if temperature < 0:
            raise ValueError(f"generate: temperature must be >= 0, got {temperature}")
        if top_k is not None and top_k < 1:
            raise ValueError(f"generate: top_k must be >= 1, got {top_k}")
        rng = _rng(generator, seed)
        ids = np.asarray(idx.data if isinstance(idx, Tensor) else idx, dtype=np.int64)
        if ids.ndim == 1:
            ids = ids[None, :]
        was_training = self.training
        self.eval()
        try:
            for _ in range(max_new_tokens):
                logits = self(ids[:, -self.context_length:]).data[:, -1, :]
                nxt = sample_next(logits, temperature, top_k, rng)
                ids = np.concatenate([ids, nxt[:, None]], axis=1)
        finally:
            self.train(was_training)
        return Tensor(ids)
        # END SOLUTION


def sample_next(logits: np.ndarray, temperature: float, top_k: int | None,
                rng: np.random.Generator) -> np.ndarray:
    """One token id per row of (B, V) logits: greedy, or sampled after temperature/top-k."""
    # BEGIN SOLUTION
    # HINT: Temperature 0 is greedy: the argmax of each row.
    # HINT:
    # HINT: Otherwise divide the logits by the temperature (lower = sharper). With top_k,
    # HINT: everything below each row's k-th largest logit becomes -inf (find the k-th largest
    # HINT: without sorting the whole row). Softmax in float64.
    # HINT:
    # HINT: Sample all rows at once by inverse CDF: one uniform draw per row against the cumulative
    # HINT: probabilities; guard against rounding pushing the draw past the last token.
    if temperature == 0:
        return logits.argmax(axis=-1)
    z = logits / temperature
    if top_k is not None and top_k < z.shape[-1]:
        kth = np.partition(z, -top_k, axis=-1)[:, -top_k][:, None]
        z = np.where(z < kth, -np.inf, z)
    probs = softmax(Tensor(z, dtype=np.float64), axis=-1).data
    cdf = np.cumsum(probs, axis=-1)
    u = rng.random((z.shape[0], 1)) * cdf[:, -1:]
    return np.minimum((cdf < u).sum(axis=-1), z.shape[-1] - 1)
    # END SOLUTION
