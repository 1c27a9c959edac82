"""Expected cost of inference that adapts its compute to the input: early exits and cascades.

A static network spends the same FLOPs on every input. Dynamic inference lets easy inputs leave
early, either through classifier heads attached partway through one network (early exits) or by
trying a small model first and escalating only the inputs it is unsure about to a larger one
(a cascade). Both save compute only in expectation, and both add fixed overheads (exit heads,
the small model's pass) that every input pays. These functions give that expectation, so a
design can be judged before it is built: what fraction of inputs must exit early, or stay in
the small model, for the scheme to beat simply running the big network."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._units import ArrayLike, ResultMixin, check_positive
from .errors import InvalidInputError


@dataclass(frozen=True)
class EarlyExitCost(ResultMixin):
    """Expected compute of a network with exit heads, against the same network without them."""

    expected_flops: ArrayLike
    full_flops: float  # every stage, no exit heads: the static network
    head_flops: ArrayLike  # expected FLOPs spent in exit heads alone
    speedup: ArrayLike  # full_flops / expected_flops (below 1 means the exits cost more)

    _units = {"expected_flops": "FLOP", "full_flops": "FLOP", "head_flops": "FLOP"}


@dataclass(frozen=True)
class CascadeCost(ResultMixin):
    """Expected compute of a model cascade, against running only its last (largest) model."""

    expected_flops: ArrayLike
    largest_flops: float
    saving: ArrayLike  # 1 - expected / largest; negative when the cascade costs more
    break_even_escalation: float  # two-stage cascades: escalation rate at which saving is 0

    _units = {"expected_flops": "FLOP", "largest_flops": "FLOP"}


def _fractions(field: str, value, stages: int) -> np.ndarray:
    arr = np.asarray(value, float)
    if arr.shape[-1:] != (stages,):
        raise InvalidInputError(field, f"needs one value per stage ({stages}), got shape {arr.shape}")
    if np.any(arr < 0) or np.any(arr > 1) or np.any(np.isnan(arr)):
        raise InvalidInputError(field, "every fraction must lie in [0, 1]")
    return arr


def early_exit_cost(stage_flops: ArrayLike, exit_fractions: ArrayLike,
                    head_flops: float = 0.0) -> EarlyExitCost:
    """Expected FLOPs per input when `exit_fractions[k]` of all inputs leave after stage `k`.

    Stage `k` runs for every input that has not yet exited; an exit head of `head_flops` runs
    after every stage but the last. The last fraction is whatever remains, so `exit_fractions`
    may be given for all stages (summing to at most 1) with the remainder leaving at the end.
    Leading axes broadcast, so a sweep over exit rates is one call."""
    c = np.atleast_1d(check_positive("stage_flops", stage_flops))
    if c.ndim != 1:
        raise InvalidInputError("stage_flops", "must be a 1-D list of per-stage FLOPs")
    p = _fractions("exit_fractions", exit_fractions, c.size)
    if np.any(p.sum(axis=-1) > 1 + 1e-9):
        raise InvalidInputError("exit_fractions", "fractions exiting must sum to at most 1")
    h = float(check_positive("head_flops", head_flops, allow_zero=True))
    # fraction of inputs that reach stage k: everyone, minus those who left at earlier exits
    reach = 1.0 - np.concatenate([np.zeros(p.shape[:-1] + (1,)), np.cumsum(p, -1)[..., :-1]], -1)
    heads = np.ones(c.size)
    heads[-1] = 0.0  # the last stage has the ordinary classifier, counted in its FLOPs
    expected = (reach * (c + h * heads)).sum(-1)
    head_part = (reach * h * heads).sum(-1)
    return EarlyExitCost(_out(expected), float(c.sum()), _out(head_part),
                         _out(c.sum() / expected))


def cascade_cost(model_flops: ArrayLike, escalation: ArrayLike) -> CascadeCost:
    """Expected FLOPs per input of a cascade that escalates `escalation[k]` of the inputs
    reaching model `k` to model `k+1` (one value per hand-off, so one fewer than models).

    Every input pays for the first model; escalated inputs pay again for each larger one, so a
    cascade wins only if the small models are cheap and confident often enough."""
    c = np.atleast_1d(check_positive("model_flops", model_flops))
    if c.ndim != 1 or c.size < 2:
        raise InvalidInputError("model_flops", "a cascade needs at least two models")
    e = _fractions("escalation", escalation, c.size - 1)
    reach = np.concatenate([np.ones(e.shape[:-1] + (1,)), np.cumprod(e, -1)], -1)
    expected = (reach * c).sum(-1)
    largest = float(c[-1])
    even = float(1 - c[0] / c[1]) if c.size == 2 else float("nan")
    return CascadeCost(_out(expected), largest, _out(1 - expected / largest), even)


def _out(x) -> ArrayLike:
    return float(x) if np.ndim(x) == 0 else np.asarray(x)
