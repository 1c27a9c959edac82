"""Benchmarking (module 19): numbers you can trust, and choosing among trade-offs.

A single timing is an anecdote. A benchmark fixes the inputs, warms up, repeats, reports robust
statistics (median and 90th percentile rather than the mean, which one hiccup can drag) and
states what was measured. When variants trade accuracy against size and speed, no single one is
"best"; the Pareto frontier is the set of variants that no other variant beats on every axis.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class LatencyStats:
    """Latency summary in milliseconds over ``samples`` timed runs."""

    samples: tuple[float, ...]

    @property
    def median_ms(self) -> float:
        return float(np.median(self.samples))

    @property
    def p90_ms(self) -> float:
        return float(np.percentile(self.samples, 90))

    @property
    def mean_ms(self) -> float:
        return float(np.mean(self.samples))

    @property
    def std_ms(self) -> float:
        return float(np.std(self.samples))


def benchmark(fn: Callable[[], Any], warmup: int = 3, repeats: int = 20,
              clock: Callable[[], float] = time.perf_counter) -> LatencyStats:
    """Run ``fn`` ``warmup`` times untimed, then ``repeats`` times timed with ``clock``.

    ``clock`` is injectable so the harness itself can be tested with a deterministic clock.
    """
    if repeats < 1 or warmup < 0:
        raise ValueError(f"need repeats >= 1 and warmup >= 0, got {repeats}, {warmup}")
    # BEGIN SOLUTION
    # HINT: call fn warmup times; then for each repeat read the clock before and after
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeats):
        t0 = clock()
        fn()
        samples.append((clock() - t0) * 1e3)
    return LatencyStats(tuple(samples))
    # END SOLUTION


def pareto_front(points: Any, maximize: Sequence[bool]) -> np.ndarray:
    """Indices of the non-dominated rows of ``points`` (n, d), in input order.

    Row i is dominated if some row j is at least as good on every objective and strictly better
    on one. Vectorised: one (n, n, d) comparison instead of a double loop.
    """
    p = np.asarray(points, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] != len(maximize):
        raise ValueError(f"points must be (n, {len(maximize)}), got shape {p.shape}")
    # BEGIN SOLUTION
    # HINT: flip the sign of minimised objectives so "bigger is better" everywhere;
    # HINT: better_eq[j, i] = all(p[j] >= p[i]); strictly[j, i] = any(p[j] > p[i])
    signs = np.where(np.asarray(maximize, dtype=bool), 1.0, -1.0)
    q = p * signs
    ge = (q[:, None, :] >= q[None, :, :]).all(axis=2)
    gt = (q[:, None, :] > q[None, :, :]).any(axis=2)
    dominated = (ge & gt).any(axis=0)
    return np.flatnonzero(~dominated)
    # END SOLUTION


@dataclass
class Entry:
    """One model variant: what it scores, what it weighs and how long it takes."""

    name: str
    accuracy: float
    size_bytes: int
    latency: LatencyStats
    extra: dict[str, float] = field(default_factory=dict)


def evaluate_variant(name: str, predict: Callable[[Any], Any], x: Any, y: Any, size_bytes: int,
                     warmup: int = 2, repeats: int = 10) -> Entry:
    """Accuracy of ``predict(x)`` (argmax of logits vs labels) and its latency on ``x``."""
    logits = predict(x)
    arr = np.asarray(getattr(logits, "data", logits))
    labels = np.asarray(getattr(y, "data", y))
    acc = float((arr.argmax(axis=-1) == labels).mean())
    return Entry(name, acc, int(size_bytes), benchmark(lambda: predict(x), warmup, repeats))


def pareto_entries(entries: Sequence[Entry]) -> list[Entry]:
    """Entries on the accuracy (max) / size (min) / median latency (min) frontier."""
    pts = [[e.accuracy, e.size_bytes, e.latency.median_ms] for e in entries]
    return [entries[i] for i in pareto_front(pts, (True, False, False))]


def report(entries: Sequence[Entry]) -> str:
    """A table of every variant, with a star on the Pareto-optimal ones."""
    front = {id(e) for e in pareto_entries(entries)} if entries else set()
    lines = [f"{'variant':<22}{'accuracy':>9}{'KiB':>10}{'median ms':>11}{'p90 ms':>9}  pareto"]
    for e in entries:
        lines.append(f"{e.name:<22}{e.accuracy:>9.4f}{e.size_bytes / 1024:>10.1f}"
                     f"{e.latency.median_ms:>11.3f}{e.latency.p90_ms:>9.3f}  "
                     f"{'*' if id(e) in front else ''}")
    return "\n".join(lines)
