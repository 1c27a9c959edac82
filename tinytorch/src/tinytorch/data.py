"""Datasets and the DataLoader (module 07): feed the model mini-batches.

Training on one example at a time wastes the vectorised maths; training on the whole dataset
at once gives one update per pass. Mini-batches sit in between. The DataLoader shuffles the
indices once per epoch (with its own seeded generator, so runs repeat exactly) and cuts them
into batches. For a ``TensorDataset`` a batch is ONE fancy-indexing operation on each array -
no per-example Python loop.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from .tensor import Generator, Tensor, _rng

__all__ = ["DataLoader", "Dataset", "TensorDataset", "default_collate"]


class Dataset:
    """Anything with ``__len__`` and ``__getitem__(i)`` returning one example."""

    def __len__(self) -> int:
        raise NotImplementedError

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError


class TensorDataset(Dataset):
    """Examples are rows of same-length arrays (e.g. images and labels)."""

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset: needs at least one array")
        self.tensors = [t if isinstance(t, Tensor) else Tensor(np.asarray(t)) for t in tensors]
        lengths = {len(t) for t in self.tensors}
        if len(lengths) != 1:
            sizes = ", ".join(str(len(t)) for t in self.tensors)
            raise ValueError(f"TensorDataset: arrays have different lengths ({sizes})")

    def __len__(self) -> int:
        return len(self.tensors[0])

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(Tensor._wrap(t.data[index]) for t in self.tensors)

    def get_batch(self, indices: np.ndarray) -> tuple[Tensor, ...]:
        """All examples of a batch in one indexing operation per array."""
        return tuple(Tensor._wrap(t.data[indices]) for t in self.tensors)


def default_collate(samples: Sequence[Any]) -> Any:
    """Stack a list of examples into a batch: tuples field by field, arrays along a new axis."""
    first = samples[0]
    if isinstance(first, tuple | list):
        return tuple(default_collate([s[i] for s in samples]) for i in range(len(first)))
    if isinstance(first, Tensor):
        return Tensor._wrap(np.stack([s.data for s in samples]))
    arr = np.asarray(samples)
    return Tensor(arr)


class DataLoader:
    """Iterate over a dataset in mini-batches, optionally shuffled and dropping the last
    incomplete batch."""

    def __init__(self, dataset: Dataset, batch_size: int = 1, shuffle: bool = False,
                 drop_last: bool = False, generator: Generator | None = None,
                 seed: int | None = None,
                 collate_fn: Callable[[Sequence[Any]], Any] | None = None) -> None:
        if batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be >= 1, got {batch_size}")
        self.dataset, self.batch_size = dataset, batch_size
        self.shuffle, self.drop_last = shuffle, drop_last
        self.collate_fn = collate_fn or default_collate
        # a private stream: other random draws cannot change the order of batches
        self._rng = _rng(generator, seed) if (generator or seed is not None) else \
            np.random.default_rng(_rng().integers(2**63))

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def batch_indices(self) -> list[np.ndarray]:
        """The index arrays of one epoch (reshuffled on every call when shuffle=True)."""
        n = len(self.dataset)
        # BEGIN SOLUTION
        # HINT: order = a permutation of range(n) when shuffling, else arange(n)
        # HINT: cut it every batch_size entries; drop a short final piece if drop_last
        order = self._rng.permutation(n) if self.shuffle else np.arange(n)
        stops = range(0, n, self.batch_size)
        batches = [order[i:i + self.batch_size] for i in stops]
        if self.drop_last and batches and len(batches[-1]) < self.batch_size:
            batches.pop()
        return batches
        # END SOLUTION

    def __iter__(self) -> Iterator[Any]:
        fast = hasattr(self.dataset, "get_batch") and self.collate_fn is default_collate
        for idx in self.batch_indices():
            if fast:
                yield self.dataset.get_batch(idx)
            else:
                yield self.collate_fn([self.dataset[int(i)] for i in idx])
