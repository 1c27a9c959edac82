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
        # BEGIN SOLUTION
        # HINT: Each statistic is one numpy reduction over the samples, returned as a Python float.
        # HINT: The median is robust: one slow outlier does not move it.
        return float(np.median(self.samples))
        # END SOLUTION

    @property
    def p90_ms(self) -> float:
        # BEGIN SOLUTION
        # HINT: The 90th percentile: what a user sees on a bad (but not the worst) run.
        return float(np.percentile(self.samples, 90))
        # END SOLUTION

    @property
    def mean_ms(self) -> float:
        # BEGIN SOLUTION
        # HINT: The mean: sensitive to outliers, which is exactly why it is reported next to the
        # HINT: median.
        return float(np.mean(self.samples))
        # END SOLUTION

    @property
    def std_ms(self) -> float:
        # BEGIN SOLUTION
        # HINT: The spread of the samples.
        return float(np.std(self.samples))
        # END SOLUTION


def benchmark(fn: Callable[[], Any], warmup: int = 3, repeats: int = 20,
              clock: Callable[[], float] = time.perf_counter) -> LatencyStats:
    """Run ``fn`` ``warmup`` times untimed, then ``repeats`` times timed with ``clock``.

    ``clock`` is injectable so the harness itself can be tested with a deterministic clock.
    """
    # BEGIN SOLUTION
    # HINT: Validate repeats (at least 1) and warmup (not negative). Untimed warm-up runs first.
    # HINT: Then for each repeat read the INJECTED clock just before and just after the call (tests
    # HINT: pass a fake clock, so use only that one), in milliseconds. Return the samples as
    # HINT: LatencyStats.
    if repeats < 1 or warmup < 0:
        raise ValueError(f"need repeats >= 1 and warmup >= 0, got {repeats}, {warmup}")
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
    # BEGIN SOLUTION
    # HINT: Points are (n, d); the objectives list says which to maximise (ValueError if the shapes
    # HINT: disagree, showing the shape).
    # HINT:
    # HINT: Make every objective "bigger is better" by flipping the sign of the minimised ones. Row
    # HINT: i is dominated if some row j is at least as good everywhere and strictly better
    # HINT: somewhere.
    # HINT:
    # HINT: Vectorise: compare every pair at once with broadcasting ((n, 1, d) against (1, n, d)),
    # HINT: reduce over objectives, then over candidates j. Return the indices of non-dominated
    # HINT: rows in input order. Equal rows do not dominate each other.
    p = np.asarray(points, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] != len(maximize):
        raise ValueError(f"points must be (n, {len(maximize)}), got shape {p.shape}")
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
    # BEGIN SOLUTION
    # HINT: Accuracy: run the prediction once, take each row's argmax and compare with the labels
    # HINT: (either may be a Tensor). Latency: benchmark a call of predict on the same input.
    # HINT: Return both with the name and size as an Entry.
    logits = predict(x)
    arr = np.asarray(getattr(logits, "data", logits))
    labels = np.asarray(getattr(y, "data", y))
    acc = float((arr.argmax(axis=-1) == labels).mean())
    return Entry(name, acc, int(size_bytes), benchmark(lambda: predict(x), warmup, repeats))
    # END SOLUTION


def pareto_entries(entries: Sequence[Entry]) -> list[Entry]:
    """Entries on the accuracy (max) / size (min) / median latency (min) frontier."""
    # BEGIN SOLUTION
    # HINT: The three axes: accuracy (maximise), size and median latency (minimise). Keep the
    # HINT: entries whose rows are on the frontier.
    pts = [[e.accuracy, e.size_bytes, e.latency.median_ms] for e in entries]
    return [entries[i] for i in pareto_front(pts, (True, False, False))]
    # END SOLUTION


def report(entries: Sequence[Entry]) -> str:
    """A table of every variant, with a star on the Pareto-optimal ones."""
    # BEGIN SOLUTION
    # HINT: A header and one row per entry (name, accuracy, KiB, median and p90 ms) with a star in
    # HINT: the last column for Pareto-optimal entries; an empty list still gives a header.
    front = {id(e) for e in pareto_entries(entries)} if entries else set()
    lines = [f"{'variant':<22}{'accuracy':>9}{'KiB':>10}{'median ms':>11}{'p90 ms':>9}  pareto"]
    for e in entries:
        lines.append(f"{e.name:<22}{e.accuracy:>9.4f}{e.size_bytes / 1024:>10.1f}"
                     f"{e.latency.median_ms:>11.3f}{e.latency.p90_ms:>9.3f}  "
                     f"{'*' if id(e) in front else ''}")
    return "\n".join(lines)
    # END SOLUTION
