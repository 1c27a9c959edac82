"""Attention (module 12): every position looks at every other and takes what is relevant.

Each position emits a query ("what am I looking for"), a key ("what do I offer") and a value
("what I hand over"). Scores are query-key dot products scaled by 1/sqrt(d) (so their variance
does not grow with d and the softmax does not saturate); the softmax of a row says how much of
each value to mix in. A causal mask hides the future so a language model cannot peek at the
token it must predict.

``scaled_dot_product_attention`` is one fused op: forward keeps only the attention
probabilities, and backward is four batched matmuls plus the softmax rule - instead of six graph
nodes and their intermediates. ``MultiheadAttention`` accepts ``past_kv`` and returns
``present_kv`` so generation can reuse the keys and values of earlier tokens (module 18).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from ..autograd import Function
from ..tensor import Generator, Tensor, _op, _rng, cat
from .linear import Linear, linear, uniform_
from .module import Module, Parameter

__all__ = ["MultiheadAttention"]


def causal_mask(tq: int, tk: int | None = None) -> np.ndarray:
    """Boolean (tq, tk) mask, True where query i must NOT see key j (cached, read-only).

    With a cache the queries are the LAST tq of tk positions, so query i sits at absolute
    position tk - tq + i and may see keys 0..tk - tq + i.
    """
    # BEGIN SOLUTION
    # HINT: Without a cache the queries and keys are the same positions (tk = tq). Hand over to the
    # HINT: cached builder.
    return _causal_mask(tq, tq if tk is None else tk)
    # END SOLUTION


@functools.lru_cache(maxsize=64)
def _causal_mask(tq: int, tk: int) -> np.ndarray:
    # BEGIN SOLUTION
    # HINT: Masks are rebuilt for every layer and every step otherwise: build it once per (tq, tk),
    # HINT: then make the array read-only, because every caller shares the same object.
    mask = _build_causal_mask(tq, tk)
    mask.flags.writeable = False  # shared between calls: nobody may modify it
    return mask
    # END SOLUTION


def _build_causal_mask(tq: int, tk: int) -> np.ndarray:
    """The mask itself: query i (at position tk - tq + i) may not see keys after it."""
    # BEGIN SOLUTION
    # HINT: True marks a key the query may NOT see. Without a cache query i sees keys 0..i:
    # HINT: everything strictly above the diagonal is hidden.
    # HINT:
    # HINT: With a cache the tq queries are the LAST tq of tk positions, so query i sits at
    # HINT: absolute position tk - tq + i: the diagonal of allowed keys shifts right by the number
    # HINT: of cached positions. Check (tq, tk) = (1, 5): one query that sees all five keys.
    return np.triu(np.ones((tq, tk), dtype=bool), k=1 + tk - tq)
    # END SOLUTION


class AttentionBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        # BEGIN SOLUTION
        # HINT: Forward: S = scale * Q K^T, P = softmax(S) along the keys, out = P' V where P' is P
        # HINT: times the dropout mask if any (saved as drop).
        # HINT:
        # HINT: Work backwards with shapes (B, H, Tq, Tk) for P and S: dV comes from P' and the
        # HINT: gradient; dP' from the gradient and V, then through the dropout mask to dP; dS
        # HINT: through the softmax rule of module 03 using the saved P; dQ and dK from dS and the
        # HINT: other of K, Q, both times the scale.
        # HINT:
        # HINT: Four batched matrix products plus the softmax rule; "transpose" means swapping the
        # HINT: last two axes only. Masked entries have P = 0, so they get no gradient
        # HINT: automatically.
        q, k, v = (t.data for t in self.inputs)
        probs, scale, drop = self.saved["probs"], self.saved["scale"], self.saved["drop"]
        used = probs if drop is None else probs * drop  # the weights that multiplied V
        gv = np.swapaxes(used, -1, -2) @ grad if self.needs[2] else None
        dp = grad @ np.swapaxes(v, -1, -2)
        if drop is not None:
            dp *= drop
        ds = probs * (dp - (dp * probs).sum(axis=-1, keepdims=True))
        ds *= np.asarray(scale, dtype=ds.dtype)
        gq = ds @ k if self.needs[0] else None
        gk = np.swapaxes(ds, -1, -2) @ q if self.needs[1] else None
        return gq, gk, gv
        # END SOLUTION


def scaled_dot_product_attention(q: Tensor, k: Tensor, v: Tensor, mask: np.ndarray | None = None,
                                 is_causal: bool = False, dropout_p: float = 0.0,
                                 generator: Generator | None = None,
                                 return_weights: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """softmax(Q K^T / sqrt(d) with masked entries at -inf) @ V over the last two axes.

    ``mask`` is boolean, True where attention is NOT allowed (broadcast over batch and heads).
    ``dropout_p`` drops attention weights (inverted dropout, as PyTorch does); pass it only in
    training.
    """
    # BEGIN SOLUTION
    # HINT: Validate: q and k share the last dimension, k and v the sequence length (ValueError
    # HINT: naming all three shapes); dropout_p in [0, 1).
    # HINT:
    # HINT: Scores are q k^T over the last two axes times 1/sqrt(d) (so their spread does not grow
    # HINT: with d). A causal flag adds the causal mask for (Tq, Tk) on top of any given mask
    # HINT: (either may hide a key); hidden scores become -inf so softmax gives them exactly 0.
    # HINT:
    # HINT: Stable softmax along the keys (subtract the row max; reuse the score buffer, this is
    # HINT: the memory-hungry part), optional inverted dropout on the probabilities, then mix the
    # HINT: values. Record ONE op with AttentionBackward, saving the probabilities, the scale and
    # HINT: the dropout mask; optionally return the weights actually used too.
    if q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise ValueError(f"scaled_dot_product_attention: q {q.shape}, k {k.shape} and v "
                         f"{v.shape} do not fit (q and k need the same last dim, k and v the "
                         f"same length)")
    if not 0.0 <= dropout_p < 1.0:
        raise ValueError(f"scaled_dot_product_attention: dropout_p must be in [0, 1), "
                         f"got {dropout_p}")
    scale = 1.0 / math.sqrt(q.shape[-1])
    scores = np.matmul(q.data, np.swapaxes(k.data, -1, -2))
    scores *= np.asarray(scale, dtype=scores.dtype)
    if is_causal:
        cm = causal_mask(q.shape[-2], k.shape[-2])
        mask = cm if mask is None else (mask | cm)
    if mask is not None:
        scores = np.where(mask, -np.inf, scores)
    scores -= scores.max(axis=-1, keepdims=True)
    probs = np.exp(scores, out=scores)
    probs /= probs.sum(axis=-1, keepdims=True)
    drop = None
    used = probs
    if dropout_p > 0.0:
        keep = _rng(generator).random(probs.shape, dtype=np.float32) >= dropout_p
        drop = keep.astype(probs.dtype) * np.asarray(1.0 / (1.0 - dropout_p), probs.dtype)
        used = probs * drop
    out = used @ v.data
    result = _op(out, (q, k, v), AttentionBackward, probs=probs, scale=scale, drop=drop)
    if return_weights:
        return result, Tensor(used)
    return result
    # END SOLUTION


class MultiheadAttention(Module):
    """Self-attention with ``num_heads`` heads over (B, T, embed_dim) inputs.

    Parameters mirror PyTorch's ``nn.MultiheadAttention``: ``in_proj_weight`` (3E, E) and
    ``in_proj_bias`` produce q, k, v in one matmul; ``out_proj`` mixes the heads.
    """

    def __init__(self, embed_dim: int, num_heads: int, bias: bool = True,
                 dropout: float = 0.0) -> None:
        # BEGIN SOLUTION
        # HINT: Validate dropout and that embed_dim splits evenly into heads (ValueError with both
        # HINT: numbers).
        # HINT:
        # HINT: Parameters follow PyTorch's layout so weights can be copied: one (3E, E) input
        # HINT: projection producing q, k and v in one matmul (Xavier-uniform, bound sqrt(6 /
        # HINT: (fan_in + fan_out))), its bias at zeros, and an output projection (a Linear) whose
        # HINT: bias also starts at zero.
        # HINT:
        # HINT: The second message contains the word "divisible".
        super().__init__()
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"MultiheadAttention: dropout must be in [0, 1), got {dropout}")
        if embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim {embed_dim} is not divisible by "
                             f"num_heads {num_heads}")
        self.embed_dim, self.num_heads = embed_dim, num_heads
        self.head_dim = embed_dim // num_heads
        bound = math.sqrt(6.0 / (embed_dim + 3 * embed_dim))  # Xavier-uniform on (3E, E)
        self.in_proj_weight = Parameter(uniform_((3 * embed_dim, embed_dim), bound))
        if bias:
            self.in_proj_bias = Parameter(np.zeros(3 * embed_dim, dtype=np.float32))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias)
        if bias:
            self.out_proj.bias.data[:] = 0.0
        self.dropout = dropout
        # END SOLUTION

    def _split_heads(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        # BEGIN SOLUTION
        # HINT: One projection to (B, T, 3E), then view it as (B, T, 3, H, hd) and move axes so
        # HINT: that q, k and v each come out as (B, H, T, hd): heads become a batch dimension for
        # HINT: the attention matmuls.
        b, t, _ = x.shape
        qkv = linear(x, self.in_proj_weight, self.in_proj_bias)        # (B, T, 3E)
        qkv = qkv.reshape(b, t, 3, self.num_heads, self.head_dim).permute(2, 0, 3, 1, 4)
        return qkv[0], qkv[1], qkv[2]                                  # each (B, H, T, hd)
        # END SOLUTION

    def forward(self, x: Tensor, attn_mask: np.ndarray | Tensor | None = None,
                is_causal: bool = False, past_kv: tuple[Tensor, Tensor] | None = None,
                use_cache: bool = False) -> Tensor | tuple[Tensor, tuple[Tensor, Tensor]]:
        """Attend over ``x`` (B, T, E); with ``past_kv`` the cached keys/values come first.

        Returns the output, or ``(output, (k, v))`` when ``use_cache`` - the keys and values
        of all positions so far, to pass as ``past_kv`` next time.
        """
        # BEGIN SOLUTION
        # HINT: Check the input is (B, T, E) with this layer's E (ValueError with the shape).
        # HINT: Project and split into heads.
        # HINT:
        # HINT: With past_kv, the cached keys and values come first along the sequence axis (axis
        # HINT: 2), so the new queries attend to everything so far; the causal mask then needs tq <
        # HINT: tk, which is why it takes both lengths.
        # HINT:
        # HINT: A mask may be a Tensor or an array: make it boolean. Dropout only in training.
        # HINT: Merge the heads back to (B, T, E) and apply the output projection. With use_cache
        # HINT: also return the full (k, v) for next time.
        if x.ndim != 3 or x.shape[-1] != self.embed_dim:
            raise ValueError(f"MultiheadAttention: expected (B, T, {self.embed_dim}) input, "
                             f"got {x.shape}")
        b, t, _ = x.shape
        q, k, v = self._split_heads(x)
        if past_kv is not None:
            k = cat([past_kv[0], k], axis=2)
            v = cat([past_kv[1], v], axis=2)
        mask = attn_mask.data if isinstance(attn_mask, Tensor) else attn_mask
        if mask is not None:
            mask = np.asarray(mask, dtype=bool)
        p = self.dropout if self.training else 0.0
        out = scaled_dot_product_attention(q, k, v, mask=mask, is_causal=is_causal, dropout_p=p)
        out = self.out_proj(out.permute(0, 2, 1, 3).reshape(b, t, self.embed_dim))
        return (out, (k, v)) if use_cache else out
        # END SOLUTION

    def extra_repr(self) -> str:
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}"
