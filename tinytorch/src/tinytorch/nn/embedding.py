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
    # BEGIN SOLUTION
    # HINT: Ids may be a Tensor or array. They must be integers (whole-number floats are accepted
    # HINT: and converted; anything else is a TypeError naming the dtype) and inside the table
    # HINT: (IndexError saying the range found and the table size). Empty ids are fine.
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
    # END SOLUTION


class EmbeddingBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        # BEGIN SOLUTION
        # HINT: Row k of the table received the gradient of every position whose id was k. An id
        # HINT: can occur many times in a batch (the same word twice), and every occurrence must
        # HINT: ADD to the row: plain fancy assignment would keep only the last. Flatten ids and
        # HINT: gradient rows first; numpy has an unbuffered add for exactly this.
        ids = self.saved["ids"]
        w = self.inputs[0].data
        gw = np.zeros_like(w)
        np.add.at(gw, ids.reshape(-1), grad.reshape(-1, w.shape[1]))
        return (gw,)
        # END SOLUTION


def embedding(idx: Tensor | np.ndarray, weight: Tensor) -> Tensor:
    """Rows of ``weight`` for each integer id: (...) ids -> (..., dim) vectors."""
    # BEGIN SOLUTION
    # HINT: Validate the ids against the table size, then the lookup is fancy indexing of the
    # HINT: table's rows: (...) ids give (..., dim) vectors. Save the ids: backward scatters into
    # HINT: those rows.
    ids = _ids(idx, weight.shape[0], "embedding")
    return _op(weight.data[ids], (weight,), EmbeddingBackward, ids=ids)
    # END SOLUTION


class Embedding(Module):
    """A learned table of ``num_embeddings`` vectors of size ``embedding_dim`` (init N(0, 1))."""

    def __init__(self, num_embeddings: int, embedding_dim: int) -> None:
        # BEGIN SOLUTION
        # HINT: Store the sizes; the table is (num_embeddings, embedding_dim) drawn from N(0, 1)
        # HINT: with the default generator, as float32, and it is a Parameter.
        super().__init__()
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        w = _rng().standard_normal((num_embeddings, embedding_dim)).astype(np.float32)
        self.weight = Parameter(w)
        # END SOLUTION

    def forward(self, idx: Tensor | np.ndarray) -> Tensor:
        # BEGIN SOLUTION
        # HINT: The layer is the functional lookup in its own table.
        return embedding(idx, self.weight)
        # END SOLUTION

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}"


def sinusoidal_table(max_len: int, dim: int) -> np.ndarray:
    """PE[pos, 2i] = sin(pos / 10000^(2i/dim)), PE[pos, 2i+1] = cos(same), as float32."""
    # BEGIN SOLUTION
    # HINT: Row pos, column 2i holds sin(pos / 10000^(2i/dim)) and column 2i+1 the cosine of the
    # HINT: same angle: every position gets a unique signature of many frequencies.
    # HINT:
    # HINT: Vectorise it as an outer product of a column of positions and a row of frequencies
    # HINT: (computed through exp and log for accuracy). Compute in float64 and return float32.
    # HINT: Edge case: an odd dim has one more sine column than cosine columns.
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
        # BEGIN SOLUTION
        # HINT: Build the table once and keep it as a buffer (saved with the model, never trained).
        super().__init__()
        self.max_len, self.dim = max_len, dim
        self.register_buffer("pe", Tensor(sinusoidal_table(max_len, dim)))
        # END SOLUTION

    def forward(self, x: Tensor, start: int = 0) -> Tensor:
        # BEGIN SOLUTION
        # HINT: The sequence axis is the second to last. Positions start at `start` (a cache
        # HINT: generates one token at position t), and past max_len is a ValueError saying how far
        # HINT: it went. Add the table's rows for these positions; they broadcast over the batch.
        # HINT:
        # HINT: The message contains the word "exceed".
        t = x.shape[-2]
        if start + t > self.max_len:
            raise ValueError(f"SinusoidalPositionalEncoding: positions up to {start + t} "
                             f"exceed max_len={self.max_len}")
        return x + self.pe.data[start:start + t]
        # END SOLUTION


class LearnedPositionalEmbedding(Module):
    """One learned vector per position, added to (B, T, dim) inputs (init N(0, 0.02))."""

    def __init__(self, max_len: int, dim: int) -> None:
        # BEGIN SOLUTION
        # HINT: One learned vector per position, small N(0, 0.02) values (GPT-2's initialisation),
        # HINT: as a Parameter.
        super().__init__()
        self.max_len, self.dim = max_len, dim
        self.weight = Parameter(_rng().normal(0.0, 0.02, (max_len, dim)).astype(np.float32))
        # END SOLUTION

    def forward(self, x: Tensor, start: int = 0) -> Tensor:
        # BEGIN SOLUTION
        # HINT: As the sinusoidal encoding, but the rows come from the learned table through
        # HINT: indexing, so they receive gradients. Past the context length is a ValueError.
        # HINT:
        # HINT: The message contains the word "exceed".
        t = x.shape[-2]
        if start + t > self.max_len:
            raise ValueError(f"LearnedPositionalEmbedding: positions up to {start + t} "
                             f"exceed the context length {self.max_len}")
        return x + self.weight[start:start + t]
        # END SOLUTION
