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
        # BEGIN SOLUTION
        # HINT: Keep one Tensor per array given (convert arrays and lists). An empty call is a
        # HINT: ValueError, and so are arrays of different lengths (say all the lengths): example i
        # HINT: is row i of EVERY array, so they must line up.
        if not tensors:
            raise ValueError("TensorDataset: needs at least one array")
        self.tensors = [t if isinstance(t, Tensor) else Tensor(np.asarray(t)) for t in tensors]
        lengths = {len(t) for t in self.tensors}
        if len(lengths) != 1:
            sizes = ", ".join(str(len(t)) for t in self.tensors)
            raise ValueError(f"TensorDataset: arrays have different lengths ({sizes})")
        # END SOLUTION

    def __len__(self) -> int:
        # BEGIN SOLUTION
        # HINT: The number of examples: the length of any of the arrays.
        return len(self.tensors[0])
        # END SOLUTION

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        # BEGIN SOLUTION
        # HINT: Example i is the tuple of row i of every array, as Tensors that do not track
        # HINT: gradients.
        return tuple(Tensor._wrap(t.data[index]) for t in self.tensors)
        # END SOLUTION

    def get_batch(self, indices: np.ndarray) -> tuple[Tensor, ...]:
        """All examples of a batch in one indexing operation per array."""
        # BEGIN SOLUTION
        # HINT: A whole batch in ONE fancy-indexing operation per array (an index array picks many
        # HINT: rows at once) instead of a Python loop over examples.
        return tuple(Tensor._wrap(t.data[indices]) for t in self.tensors)
        # END SOLUTION


def default_collate(samples: Sequence[Any]) -> Any:
    """Stack a list of examples into a batch: tuples field by field, arrays along a new axis."""
    # BEGIN SOLUTION
    # HINT: Turn a list of examples into one batch. Tuples or lists are collated field by field
    # HINT: (images with images, labels with labels) into a tuple; Tensors are stacked along a new
    # HINT: first axis; anything else (numbers) becomes one Tensor.
    first = samples[0]
    if isinstance(first, tuple | list):
        return tuple(default_collate([s[i] for s in samples]) for i in range(len(first)))
    if isinstance(first, Tensor):
        return Tensor._wrap(np.stack([s.data for s in samples]))
    arr = np.asarray(samples)
    return Tensor(arr)
    # END SOLUTION


class DataLoader:
    """Iterate over a dataset in mini-batches, optionally shuffled and dropping the last
    incomplete batch."""

    def __init__(self, dataset: Dataset, batch_size: int = 1, shuffle: bool = False,
                 drop_last: bool = False, generator: Generator | None = None,
                 seed: int | None = None,
                 collate_fn: Callable[[Sequence[Any]], Any] | None = None) -> None:
        # BEGIN SOLUTION
        # HINT: A batch size below 1 is a ValueError. Keep the options; without a collate function
        # HINT: use the default one.
        # HINT:
        # HINT: Shuffling uses a private random stream, so other random draws (dropout,
        # HINT: initialisation) cannot change the batch order: from the given generator or seed,
        # HINT: otherwise seeded once from the default generator (so manual_seed still makes the
        # HINT: whole run repeatable).
        if batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be >= 1, got {batch_size}")
        self.dataset, self.batch_size = dataset, batch_size
        self.shuffle, self.drop_last = shuffle, drop_last
        self.collate_fn = collate_fn or default_collate
        # a private stream: other random draws cannot change the order of batches
        self._rng = _rng(generator, seed) if (generator or seed is not None) else \
            np.random.default_rng(_rng().integers(2**63))
        # END SOLUTION

    def __len__(self) -> int:
        # BEGIN SOLUTION
        # HINT: How many batches one epoch gives: n / batch_size rounded down when the short last
        # HINT: batch is dropped, rounded up otherwise.
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        # END SOLUTION

    def batch_indices(self) -> list[np.ndarray]:
        """The index arrays of one epoch (reshuffled on every call when shuffle=True)."""
        # BEGIN SOLUTION
        # HINT: One epoch's order: a fresh permutation of the example indices when shuffling (new
        # HINT: each epoch), the identity otherwise.
        # HINT:
        # HINT: Cut the order into consecutive pieces of batch_size; the last piece may be shorter,
        # HINT: and drop_last drops it (only if it is actually short). Edge cases: an empty
        # HINT: dataset, and n an exact multiple of the batch size.
        n = len(self.dataset)
        order = self._rng.permutation(n) if self.shuffle else np.arange(n)
        stops = range(0, n, self.batch_size)
        batches = [order[i:i + self.batch_size] for i in stops]
        if self.drop_last and batches and len(batches[-1]) < self.batch_size:
            batches.pop()
        return batches
        # END SOLUTION

    def __iter__(self) -> Iterator[Any]:
        # BEGIN SOLUTION
        # HINT: Use the dataset's one-shot batch method when it has one and no custom collate
        # HINT: function was given (the fast path); otherwise fetch the examples one by one and
        # HINT: collate them. A generator function fits here.
        fast = hasattr(self.dataset, "get_batch") and self.collate_fn is default_collate
        for idx in self.batch_indices():
            if fast:
                yield self.dataset.get_batch(idx)
            else:
                yield self.collate_fn([self.dataset[int(i)] for i in idx])
        # END SOLUTION
