"""Learning-rate schedules (module 07): the step size as a function of the step count.

A scheduler rewrites ``lr`` in the optimiser's param groups each time ``step()`` is called,
from a closed-form formula of the step count (so restarting from step k gives the same values
as running up to k).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from . import Optimizer

__all__ = ["CosineAnnealingLR", "LRScheduler", "LambdaLR", "LinearLR", "StepLR",
           "warmup_cosine"]


class LRScheduler:
    """Base class: subclasses give ``factor(step)``, the multiplier of each group's base lr."""

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: expected an Optimizer, got "
                            f"{type(optimizer).__name__}")
        self.optimizer = optimizer
        self.base_lrs = [g["lr"] for g in optimizer.param_groups]
        self.last_epoch = 0
        self._apply()

    def factor(self, step: int) -> float:
        raise NotImplementedError

    def _apply(self) -> None:
        f = self.factor(self.last_epoch)
        for group, base in zip(self.optimizer.param_groups, self.base_lrs, strict=True):
            group["lr"] = base * f

    def step(self) -> None:
        """Advance one step (call after optimizer.step())."""
        self.last_epoch += 1
        self._apply()

    def get_last_lr(self) -> list[float]:
        return [g["lr"] for g in self.optimizer.param_groups]


class StepLR(LRScheduler):
    """Multiply the lr by ``gamma`` every ``step_size`` steps."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        if step_size < 1:
            raise ValueError(f"StepLR: step_size must be >= 1, got {step_size}")
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer)

    def factor(self, step: int) -> float:
        return self.gamma ** (step // self.step_size)


class CosineAnnealingLR(LRScheduler):
    """Half a cosine from the base lr down to ``eta_min`` over ``T_max`` steps.

    Past ``T_max`` the cosine continues (rising again), exactly as PyTorch's schedule does;
    set ``T_max`` to the total number of steps to avoid that.
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:  # noqa: N803
        if T_max < 1:
            raise ValueError(f"CosineAnnealingLR: T_max must be >= 1, got {T_max}")
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer)

    def _apply(self) -> None:
        # BEGIN SOLUTION
        # HINT: lr = eta_min + (base - eta_min) * (1 + cos(pi * t / T_max)) / 2
        c = (1.0 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2.0
        for group, base in zip(self.optimizer.param_groups, self.base_lrs, strict=True):
            group["lr"] = self.eta_min + (base - self.eta_min) * c
        # END SOLUTION


class LinearLR(LRScheduler):
    """Scale linearly from ``start_factor`` to ``end_factor`` over ``total_iters`` steps
    (the usual warm-up: start_factor small, end_factor 1)."""

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0 / 3,
                 end_factor: float = 1.0, total_iters: int = 5) -> None:
        self.start, self.end, self.total = start_factor, end_factor, max(total_iters, 1)
        super().__init__(optimizer)

    def factor(self, step: int) -> float:
        s = min(step, self.total)
        return self.start + (self.end - self.start) * s / self.total


class LambdaLR(LRScheduler):
    """Any schedule: ``lr = base_lr * fn(step)``."""

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float]) -> None:
        self.fn = lr_lambda
        super().__init__(optimizer)

    def factor(self, step: int) -> float:
        return float(self.fn(step))


def warmup_cosine(optimizer: Optimizer, warmup_steps: int, total_steps: int,
                  min_factor: float = 0.0) -> LambdaLR:
    """Linear warm-up from 0 to the base lr, then cosine decay to ``min_factor * base``."""

    def fn(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        span = max(total_steps - warmup_steps, 1)
        t = min(step - warmup_steps, span) / span
        return min_factor + (1 - min_factor) * 0.5 * (1 + math.cos(math.pi * t))

    return LambdaLR(optimizer, fn)
