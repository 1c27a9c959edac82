"""Batch-size limits of data parallelism: the gradient-noise-scale model of large-batch training.

McCandlish et al. 2018 ("An Empirical Model of Large-Batch Training", arXiv:1812.06162) model
the trade between optimizer steps S and training examples E needed to reach a given loss as
(S / S_min - 1)(E / E_min - 1) = 1, with the critical batch B_crit = E_min / S_min, about the
gradient noise scale. A run at batch B then needs S = S_min (1 + B_crit / B) steps and
E = E_min (1 + B / B_crit) examples: below B_crit, more batch buys fewer steps almost for free;
above it, each doubling of batch wastes examples while saving few steps."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._units import ArrayLike, ResultMixin, check_positive


@dataclass(frozen=True)
class LargeBatch(ResultMixin):
    """Cost of training at `batch` relative to the ideal limits, for a critical batch `b_crit`.

    `steps_factor` is S / S_min (>= 1: how many more optimizer steps than infinitely large
    batches would need); `examples_factor` is E / E_min (>= 1: how many more examples than
    infinitely small batches would need); `step_efficiency` and `data_efficiency` are their
    inverses."""

    batch: ArrayLike
    b_crit: float
    steps_factor: ArrayLike
    examples_factor: ArrayLike
    step_efficiency: ArrayLike
    data_efficiency: ArrayLike


def large_batch(batch: ArrayLike, b_crit: float) -> LargeBatch:
    """Steps and examples needed at `batch` for critical batch `b_crit` (any unit, the same for
    both: sequences or tokens): S/S_min = 1 + b_crit/batch, E/E_min = 1 + batch/b_crit
    (McCandlish et al. 2018)."""
    b = np.asarray(check_positive("batch", batch), dtype=float)
    bc = float(check_positive("b_crit", b_crit))
    steps = 1.0 + bc / b
    examples = 1.0 + b / bc

    def out(x: np.ndarray) -> ArrayLike:
        return float(x) if np.ndim(x) == 0 else x

    return LargeBatch(out(b), bc, out(steps), out(examples), out(1.0 / steps), out(1.0 / examples))
