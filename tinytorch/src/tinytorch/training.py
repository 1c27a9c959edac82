"""The training loop (module 07): forward, loss, backward, step - and honest evaluation.

Written once here so milestones and the capstone share the same, tested loop: mode switching
(train/eval), gradient zeroing, optional clipping and schedules, and evaluation under
``no_grad`` so no graph is built when only predictions are needed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .autograd import no_grad
from .nn.module import Module
from .nn.utils import clip_grad_norm_
from .optim import Optimizer
from .tensor import Tensor

__all__ = ["History", "evaluate", "fit", "train_epoch"]


def train_epoch(model: Module, loader: Iterable[Any], loss_fn: Callable[..., Tensor],
                optimizer: Optimizer, clip_norm: float | None = None,
                scheduler: Any = None) -> float:
    """One pass over ``loader``; returns the mean training loss (weighted by batch size)."""
    # BEGIN SOLUTION
    # HINT: Switch to training mode. For each batch, the five beats of training: forget old
    # HINT: gradients, forward and loss, backward, clip if asked, optimiser step, then the
    # HINT: scheduler if any (schedulers here count steps, not epochs).
    # HINT:
    # HINT: Return the average loss weighted by batch size: a short last batch must count less.
    # HINT: Take the loss as a Python float so no graph is kept alive.
    model.train()
    total, count = 0.0, 0
    for inputs, targets in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        if clip_norm is not None:
            clip_grad_norm_(model.parameters(), clip_norm)
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        n = len(targets)
        total += float(loss.item()) * n
        count += n
    return total / max(count, 1)
    # END SOLUTION


@no_grad()
def evaluate(model: Module, loader: Iterable[Any],
             loss_fn: Callable[..., Tensor] | None = None) -> dict[str, float]:
    """Accuracy (for class-id targets) and mean loss, in eval mode and without a graph."""
    # BEGIN SOLUTION
    # HINT: Evaluation mode (dropout off, batch norm on running statistics); no graph is recorded
    # HINT: (the decorator).
    # HINT:
    # HINT: For each batch sum the loss times the batch size and, when targets are class ids and
    # HINT: the output has one more axis, count the correct argmax predictions.
    # HINT:
    # HINT: Go back to training mode, then report n, accuracy and the mean loss (the last two only
    # HINT: when there was data, the loss only with a loss function).
    model.eval()
    correct, total, loss_sum = 0, 0, 0.0
    for inputs, targets in loader:
        out = model(inputs)
        t = targets.data if isinstance(targets, Tensor) else np.asarray(targets)
        if loss_fn is not None:
            loss_sum += float(loss_fn(out, targets).item()) * len(t)
        if t.dtype.kind in "iu" and out.ndim == t.ndim + 1:
            correct += int((out.data.argmax(axis=-1) == t).sum())
        total += len(t)
    model.train()
    result = {"n": float(total)}
    if total:
        result["accuracy"] = correct / total
        if loss_fn is not None:
            result["loss"] = loss_sum / total
    return result
    # END SOLUTION


@dataclass
class History:
    """Per-epoch figures of a ``fit`` run."""

    train_loss: list[float] = field(default_factory=list)
    val: list[dict[str, float]] = field(default_factory=list)


def fit(model: Module, train_loader: Iterable[Any], loss_fn: Callable[..., Tensor],
        optimizer: Optimizer, epochs: int, val_loader: Iterable[Any] | None = None,
        clip_norm: float | None = None, scheduler: Any = None) -> History:
    """Train for ``epochs`` passes, evaluating after each when ``val_loader`` is given."""
    # BEGIN SOLUTION
    # HINT: One train_epoch per epoch, recording its loss, and an evaluation on the validation
    # HINT: loader after each epoch when one is given.
    hist = History()
    for _ in range(epochs):
        hist.train_loss.append(train_epoch(model, train_loader, loss_fn, optimizer,
                                           clip_norm, scheduler))
        if val_loader is not None:
            hist.val.append(evaluate(model, val_loader, loss_fn))
    return hist
    # END SOLUTION
