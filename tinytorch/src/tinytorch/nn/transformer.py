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
        super().__init__()
        self.ln1 = LayerNorm(d_model)
        self.attn = MultiheadAttention(d_model, num_heads, dropout=dropout)
        self.ln2 = LayerNorm(d_model)
        self.mlp = Sequential(Linear(d_model, mlp_ratio * d_model), GELU(),
                              Linear(mlp_ratio * d_model, d_model), Dropout(dropout))

    def forward(self, x: Tensor, attn_mask: Any = None, is_causal: bool = True,
                past_kv: KV | None = None, use_cache: bool = False) -> Any:
        # BEGIN SOLUTION
        # HINT: a = attention of ln1(x) (pass mask, causal flag and cache through);
        # HINT: x = x + a; x = x + mlp(ln2(x)); return x (and the present kv if use_cache)
        a = self.attn(self.ln1(x), attn_mask=attn_mask, is_causal=is_causal,
                      past_kv=past_kv, use_cache=use_cache)
        present = None
        if use_cache:
            a, present = a
        x = x + a
        x = x + self.mlp(self.ln2(x))
        # END SOLUTION
        return (x, present) if use_cache else x


class GPT(Module):
    """A decoder-only language model: embeddings, ``num_layers`` causal blocks, a final norm
    and a linear head to ``vocab_size`` logits."""

    def __init__(self, vocab_size: int, context_length: int = 64, d_model: int = 128,
                 num_heads: int = 4, num_layers: int = 2, dropout: float = 0.0,
                 positional: str = "learned") -> None:
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

    def forward(self, idx: Tensor | np.ndarray, past_kvs: list[KV] | None = None,
                use_cache: bool = False) -> Any:
        """(B, T) token ids -> (B, T, vocab) logits; with caching also the new (k, v) list."""
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

    @no_grad()
    def generate(self, idx: Tensor | np.ndarray, max_new_tokens: int, temperature: float = 1.0,
                 top_k: int | None = None, generator: Generator | None = None,
                 seed: int | None = None) -> Tensor:
        """Extend each row of ``idx`` (B, T) by ``max_new_tokens`` sampled tokens.

        temperature 0 means greedy (argmax); ``top_k`` keeps only the k likeliest tokens.
        The context is cropped to the last ``context_length`` tokens (no cache: module 18
        adds one through ``forward(past_kvs=..., use_cache=True)``).
        """
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


def sample_next(logits: np.ndarray, temperature: float, top_k: int | None,
                rng: np.random.Generator) -> np.ndarray:
    """One token id per row of (B, V) logits: greedy, or sampled after temperature/top-k."""
    if temperature == 0:
        return logits.argmax(axis=-1)
    # BEGIN SOLUTION
    # HINT: divide by the temperature; with top_k set everything below the k-th largest
    # HINT: logit to -inf; softmax; sample by comparing one uniform draw per row against the
    # HINT: cumulative probabilities (vectorised inverse-CDF sampling)
    z = logits / temperature
    if top_k is not None and top_k < z.shape[-1]:
        kth = np.partition(z, -top_k, axis=-1)[:, -top_k][:, None]
        z = np.where(z < kth, -np.inf, z)
    probs = softmax(Tensor(z, dtype=np.float64), axis=-1).data
    cdf = np.cumsum(probs, axis=-1)
    u = rng.random((z.shape[0], 1)) * cdf[:, -1:]
    return np.minimum((cdf < u).sum(axis=-1), z.shape[-1] - 1)
    # END SOLUTION
