"""Training helpers shared by the milestones, written against TinyTorch's public API only.

Milestones run on whichever ``tinytorch`` is first on ``sys.path`` (the learner's or the
reference), so they use nothing beyond what the modules they require export.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def accuracy(model: Any, x: np.ndarray, y: np.ndarray, batch: int = 512) -> float:
    """Fraction of correct argmax predictions, evaluated without building a graph."""
    import tinytorch as tt

    model.eval()
    correct = 0
    with tt.no_grad():
        for i in range(0, len(x), batch):
            logits = model(tt.Tensor(x[i : i + batch])).data
            correct += int((logits.argmax(axis=-1) == y[i : i + batch]).sum())
    model.train()
    return correct / len(x)


def train_classifier(model: Any, x: np.ndarray, y: np.ndarray, epochs: int, lr: float,
                     batch_size: int = 64, seed: int = 0,
                     after_step: Callable[[], None] | None = None) -> list[float]:
    """Mini-batch Adam on cross-entropy; returns the mean loss of every epoch."""
    import tinytorch as tt
    from tinytorch import nn

    opt = tt.optim.Adam(model.parameters(), lr=lr)
    rng = np.random.default_rng(seed)
    losses = []
    model.train()
    for _ in range(epochs):
        order = rng.permutation(len(x))
        total = 0.0
        for i in range(0, len(x), batch_size):
            idx = order[i : i + batch_size]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(tt.Tensor(x[idx])), y[idx])
            loss.backward()
            opt.step()
            if after_step is not None:
                after_step()
            total += float(loss.item()) * len(idx)
        losses.append(total / len(x))
    return losses
