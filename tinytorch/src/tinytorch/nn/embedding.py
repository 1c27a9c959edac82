"""Embeddings and positions (module 11): from token ids to vectors a network can use.

A token id is a name, not a quantity: id 7 is not "more" than id 3. An embedding table gives
each id its own learned vector, and looking one up is just indexing a row. Attention is blind to
order, so position must be added in: either fixed sinusoids of many frequencies (Vaswani et al.,
2017), which need no training and give every offset a consistent signature, or a learned table
with one vector per position (GPT-2's choice), limited to the context length it was trained on.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from ..tensor import Tensor, _op, _rng
from .module import Module, Parameter

__all__ = ["Embedding", "LearnedPositionalEmbedding", "SinusoidalPositionalEncoding"]


def _ids(idx: Tensor | np.ndarray, num: int, who: str) -> np.ndarray:
    ids = np.asarray(idx.data if isinstance(idx, Tensor) else idx)
    if ids.dtype.kind not in "iu":
        if ids.dtype.kind == "f" and np.all(ids == np.round(ids)):
            ids = ids.astype(np.int64)
        else:
            raise TypeError(f"{who}: indices must be integers, got dtype {ids.dtype}")
    if ids.size and (ids.min() < 0 or ids.max() >= num):
        raise IndexError(f"{who}: index out of range: got ids from {ids.min()} to {ids.max()} "
                         f"for a table of {num} rows")
    return ids


class EmbeddingBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        ids = self.saved["ids"]
        w = self.inputs[0].data
        # BEGIN SOLUTION
        # HINT: row ids[i] received grad[i]; the same id can appear many times, so the
        # HINT: contributions must add up: np.add.at on a zero table of the weight's shape
        gw = np.zeros_like(w)
        np.add.at(gw, ids.reshape(-1), grad.reshape(-1, w.shape[1]))
        return (gw,)
        # END SOLUTION


def embedding(idx: Tensor | np.ndarray, weight: Tensor) -> Tensor:
    """Rows of ``weight`` for each integer id: (...) ids -> (..., dim) vectors."""
    ids = _ids(idx, weight.shape[0], "embedding")
    return _op(weight.data[ids], (weight,), EmbeddingBackward, ids=ids)


class Embedding(Module):
    """A learned table of ``num_embeddings`` vectors of size ``embedding_dim`` (init N(0, 1))."""

    def __init__(self, num_embeddings: int, embedding_dim: int) -> None:
        super().__init__()
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        w = _rng().standard_normal((num_embeddings, embedding_dim)).astype(np.float32)
        self.weight = Parameter(w)

    def forward(self, idx: Tensor | np.ndarray) -> Tensor:
        return embedding(idx, self.weight)

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}"


def sinusoidal_table(max_len: int, dim: int) -> np.ndarray:
    """PE[pos, 2i] = sin(pos / 10000^(2i/dim)), PE[pos, 2i+1] = cos(same), as float32."""
    # BEGIN SOLUTION
    # HINT: positions as a column (max_len, 1), frequencies 10000^(-2i/dim) as a row;
    # HINT: their product fills the even columns with sin and the odd columns with cos
    pos = np.arange(max_len, dtype=np.float64)[:, None]
    freq = np.exp(-np.log(10000.0) * np.arange(0, dim, 2, dtype=np.float64) / dim)
    table = np.zeros((max_len, dim), dtype=np.float64)
    table[:, 0::2] = np.sin(pos * freq)
    table[:, 1::2] = np.cos(pos * freq[: dim // 2])
    return table.astype(np.float32)
    # END SOLUTION


class SinusoidalPositionalEncoding(Module):
    """Adds fixed sinusoids to (B, T, dim) inputs; ``start`` offsets positions (for caching)."""

    def __init__(self, max_len: int, dim: int) -> None:
        super().__init__()
        self.max_len, self.dim = max_len, dim
        self.register_buffer("pe", Tensor(sinusoidal_table(max_len, dim)))

    def forward(self, x: Tensor, start: int = 0) -> Tensor:
        t = x.shape[-2]
        if start + t > self.max_len:
            raise ValueError(f"SinusoidalPositionalEncoding: positions up to {start + t} "
                             f"exceed max_len={self.max_len}")
        return x + self.pe.data[start:start + t]


class LearnedPositionalEmbedding(Module):
    """One learned vector per position, added to (B, T, dim) inputs (init N(0, 0.02))."""

    def __init__(self, max_len: int, dim: int) -> None:
        super().__init__()
        self.max_len, self.dim = max_len, dim
        self.weight = Parameter(_rng().normal(0.0, 0.02, (max_len, dim)).astype(np.float32))

    def forward(self, x: Tensor, start: int = 0) -> Tensor:
        t = x.shape[-2]
        if start + t > self.max_len:
            raise ValueError(f"LearnedPositionalEmbedding: positions up to {start + t} "
                             f"exceed the context length {self.max_len}")
        return x + self.weight[start:start + t]
