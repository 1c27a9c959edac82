"""Milestones: landmarks of ML history, rerun with the learner's own TinyTorch.

Milestones live in ``tito`` rather than ``tinytorch`` on purpose: when a learner runs one, their
workspace package shadows ``tinytorch``, so anything inside the reference package would vanish.
Each milestone is a module with ``run(seed) -> Result``; the datasets are generated in
:mod:`tito.milestones.data` (never downloaded).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from ..errors import TitoError


@dataclass(frozen=True)
class Milestone:
    name: str
    year: int
    title: str
    target: str
    requires: tuple[int, ...]
    module: str  # dotted module path holding run(seed)

    def run(self, seed: int = 0) -> Result:
        """Import the milestone lazily (it imports tinytorch) and run it."""
        return importlib.import_module(self.module).run(seed)


@dataclass
class Result:
    """What a milestone reached, and whether that meets its stated target."""

    passed: bool
    metrics: dict[str, float]
    table: list[dict[str, object]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


_F = (1, 2, 3, 4, 5, 6, 7)  # foundation: tensor .. training
MILESTONES: dict[str, Milestone] = {
    m.name: m
    for m in [
        Milestone("perceptron", 1957, "Rosenblatt's perceptron",
                  "100% training accuracy on linearly separable points", _F,
                  "tito.milestones.m1957_perceptron"),
        Milestone("xor", 1969, "The XOR problem (Minsky & Papert)",
                  "a single layer stays <= 75% on XOR; a hidden layer reaches 100%", _F,
                  "tito.milestones.m1969_xor"),
        Milestone("mlp", 1986, "Backpropagation: an MLP on 8x8 digits",
                  ">= 90% test accuracy on generated 8x8 digits", _F,
                  "tito.milestones.m1986_mlp"),
        Milestone("lenet", 1998, "LeNet-style CNN on digits",
                  ">= 90% test accuracy on generated 16x16 digits", (*_F, 8),
                  "tito.milestones.m1998_lenet"),
        Milestone("transformer", 2017, "Attention is all you need",
                  ">= 95% token accuracy reversing sequences; a char LM whose loss falls",
                  (*_F, 9, 10, 11, 12, 13), "tito.milestones.m2017_transformer"),
        Milestone("mlperf", 2018, "MLPerf-style optimisation",
                  "int8 + pruning keeps accuracy within 3 points at <= 30% size; "
                  "KV-cache >= 2x faster for 64 tokens",
                  (*_F, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20),
                  "tito.milestones.m2018_mlperf"),
    ]
}


class MilestoneError(TitoError):
    """Unknown milestone name."""


def find_milestone(key: str) -> Milestone:
    """Accept a name (``xor``) or a year (``1969``)."""
    k = key.strip().lower()
    for m in MILESTONES.values():
        if k in (m.name, str(m.year)):
            return m
    known = ", ".join(f"{m.year} ({m.name})" for m in MILESTONES.values())
    raise MilestoneError(f"no milestone '{key}' (known: {known})")
