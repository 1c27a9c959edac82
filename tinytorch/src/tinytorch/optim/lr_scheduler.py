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
        # BEGIN SOLUTION
        # HINT: Anything but an Optimizer is a TypeError naming its type. Remember each group's
        # HINT: starting lr (all later values are multiples of it), start counting at step 0 and
        # HINT: apply the step-0 value right away.
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: expected an Optimizer, got "
                            f"{type(optimizer).__name__}")
        self.optimizer = optimizer
        self.base_lrs = [g["lr"] for g in optimizer.param_groups]
        self.last_epoch = 0
        self._apply()
        # END SOLUTION

    def factor(self, step: int) -> float:
        raise NotImplementedError

    def _apply(self) -> None:
        # BEGIN SOLUTION
        # HINT: Set every group's lr to its base lr times the schedule's factor at the current step
        # HINT: count: a closed form of the step, so restarting at step k gives exactly the same
        # HINT: value.
        f = self.factor(self.last_epoch)
        for group, base in zip(self.optimizer.param_groups, self.base_lrs, strict=True):
            group["lr"] = base * f
        # END SOLUTION

    def step(self) -> None:
        """Advance one step (call after optimizer.step())."""
        # BEGIN SOLUTION
        # HINT: Count one more step and apply the new value.
        self.last_epoch += 1
        self._apply()
        # END SOLUTION

    def get_last_lr(self) -> list[float]:
        # BEGIN SOLUTION
        # HINT: The current lr of each group, in order.
        return [g["lr"] for g in self.optimizer.param_groups]
        # END SOLUTION


class StepLR(LRScheduler):
    """Multiply the lr by ``gamma`` every ``step_size`` steps."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        # BEGIN SOLUTION
        # HINT: A step_size below 1 is a ValueError. Store the settings BEFORE the base constructor
        # HINT: runs: it applies the schedule immediately.
        if step_size < 1:
            raise ValueError(f"StepLR: step_size must be >= 1, got {step_size}")
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer)
        # END SOLUTION

    def factor(self, step: int) -> float:
        # BEGIN SOLUTION
        # HINT: gamma raised to the number of complete step_size periods so far.
        return self.gamma ** (step // self.step_size)
        # END SOLUTION


class CosineAnnealingLR(LRScheduler):
    """Half a cosine from the base lr down to ``eta_min`` over ``T_max`` steps.

    Past ``T_max`` the cosine continues (rising again), exactly as PyTorch's schedule does;
    set ``T_max`` to the total number of steps to avoid that.
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:  # noqa: N803
        # BEGIN SOLUTION
        # HINT: As StepLR: validate T_max (at least 1), store, then call the base constructor.
        if T_max < 1:
            raise ValueError(f"CosineAnnealingLR: T_max must be >= 1, got {T_max}")
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer)
        # END SOLUTION

    def _apply(self) -> None:
        # BEGIN SOLUTION
        # HINT: Half a cosine: at step 0 the base lr, at T_max the floor eta_min, smoothly in
        # HINT: between (cos goes from 1 to -1). The floor is an absolute lr, not a factor, so
        # HINT: write each group's lr directly. Past T_max the cosine simply continues, as in
        # HINT: PyTorch.
        c = (1.0 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2.0
        for group, base in zip(self.optimizer.param_groups, self.base_lrs, strict=True):
            group["lr"] = self.eta_min + (base - self.eta_min) * c
        # END SOLUTION


class LinearLR(LRScheduler):
    """Scale linearly from ``start_factor`` to ``end_factor`` over ``total_iters`` steps
    (the usual warm-up: start_factor small, end_factor 1)."""

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0 / 3,
                 end_factor: float = 1.0, total_iters: int = 5) -> None:
        # BEGIN SOLUTION
        # HINT: Store the start and end factors and the length (at least 1 step), then the base
        # HINT: constructor.
        self.start, self.end, self.total = start_factor, end_factor, max(total_iters, 1)
        super().__init__(optimizer)
        # END SOLUTION

    def factor(self, step: int) -> float:
        # BEGIN SOLUTION
        # HINT: Move in a straight line from the start factor to the end factor over `total` steps,
        # HINT: then stay at the end factor.
        s = min(step, self.total)
        return self.start + (self.end - self.start) * s / self.total
        # END SOLUTION


class LambdaLR(LRScheduler):
    """Any schedule: ``lr = base_lr * fn(step)``."""

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float]) -> None:
        # BEGIN SOLUTION
        # HINT: Store the user's function, then the base constructor.
        self.fn = lr_lambda
        super().__init__(optimizer)
        # END SOLUTION

    def factor(self, step: int) -> float:
        # BEGIN SOLUTION
        # HINT: The user's function of the step, as a float.
        return float(self.fn(step))
        # END SOLUTION


def warmup_cosine(optimizer: Optimizer, warmup_steps: int, total_steps: int,
                  min_factor: float = 0.0) -> LambdaLR:
    """Linear warm-up from 0 to the base lr, then cosine decay to ``min_factor * base``."""

    # BEGIN SOLUTION
    # HINT: Build the factor as a function of the step and hand it to LambdaLR.
    # HINT:
    # HINT: Warm-up: a linear ramp that reaches 1 at the end of warm-up and is already above 0 at
    # HINT: step 0 (a zero lr wastes a step).
    # HINT:
    # HINT: Afterwards: the fraction of the remaining span completed (capped at 1), mapped through
    # HINT: half a cosine from 1 down to min_factor. Guard the span against being zero.
    def fn(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        span = max(total_steps - warmup_steps, 1)
        t = min(step - warmup_steps, span) / span
        return min_factor + (1 - min_factor) * 0.5 * (1 + math.cos(math.pi * t))

    return LambdaLR(optimizer, fn)
    # END SOLUTION
