"""Module 19 tests: the harness measures what it claims, and the frontier is exactly right."""

import numpy as np
import pytest
from tinytorch.benchmarking import (
    Entry,
    LatencyStats,
    benchmark,
    evaluate_variant,
    pareto_entries,
    pareto_front,
    report,
)

import tinytorch as tt
from tinytorch import nn


class FakeClock:
    """A clock that advances by a scripted amount per call to the benchmarked function."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_warmup_runs_are_not_timed_and_repeats_are():
    clock = FakeClock()
    durations = iter([5.0, 5.0] + [0.001 * k for k in range(1, 11)])
    calls = []

    def fn():
        calls.append(1)
        clock.now += next(durations)

    stats = benchmark(fn, warmup=2, repeats=10, clock=clock)
    assert len(calls) == 12 and len(stats.samples) == 10
    assert stats.samples == pytest.approx(tuple(float(k) for k in range(1, 11)))  # ms


def test_median_and_p90_ignore_a_single_outlier_unlike_the_mean():
    stats = LatencyStats(tuple([1.0] * 19 + [1000.0]))
    assert stats.median_ms == 1.0
    assert stats.p90_ms == 1.0
    assert stats.mean_ms > 50


def test_p90_is_the_ninetieth_percentile():
    stats = LatencyStats(tuple(float(v) for v in range(1, 101)))
    assert stats.p90_ms == pytest.approx(90.1)
    assert stats.median_ms == pytest.approx(50.5)


def test_benchmark_rejects_zero_repeats():
    with pytest.raises(ValueError):
        benchmark(lambda: None, repeats=0)


def test_pareto_front_of_a_hand_made_example():
    # accuracy (max), size (min)
    pts = [[0.90, 100], [0.95, 400], [0.85, 150], [0.90, 120], [0.99, 400], [0.80, 50]]
    assert pareto_front(pts, (True, False)).tolist() == [0, 4, 5]


def test_duplicates_are_both_kept_and_a_single_point_is_optimal():
    assert pareto_front([[1, 1], [1, 1]], (True, True)).tolist() == [0, 1]
    assert pareto_front([[3, 4, 5]], (True, False, False)).tolist() == [0]


def test_pareto_front_matches_a_brute_force_check_on_random_points():
    rng = np.random.default_rng(19)
    for _ in range(20):
        pts = rng.integers(0, 6, size=(int(rng.integers(1, 30)), 3)).astype(float)
        maximize = (True, False, False)
        q = pts * np.array([1, -1, -1])
        expected = [i for i in range(len(q)) if not any(
            np.all(q[j] >= q[i]) and np.any(q[j] > q[i]) for j in range(len(q)))]
        assert pareto_front(pts, maximize).tolist() == expected


def test_pareto_front_checks_the_number_of_objectives():
    with pytest.raises(ValueError):
        pareto_front([[1, 2, 3]], (True, False))


def test_evaluating_a_model_reports_accuracy_size_and_latency():
    tt.manual_seed(0)
    model = nn.Linear(4, 3)
    x = tt.randn(50, 4)
    y = model(x).data.argmax(axis=-1)
    y_half = y.copy()
    y_half[:25] = (y_half[:25] + 1) % 3
    entry = evaluate_variant("linear", model, x, y_half, size_bytes=60, repeats=5)
    assert entry.accuracy == pytest.approx(0.5)
    assert entry.size_bytes == 60 and len(entry.latency.samples) == 5


def test_report_stars_exactly_the_pareto_variants():
    def e(name, acc, size, ms):
        return Entry(name, acc, size, LatencyStats((ms,)))

    entries = [e("fp32", 0.97, 4000, 2.0), e("int8", 0.96, 1000, 1.0),
               e("bloated", 0.95, 5000, 3.0), e("tiny", 0.80, 500, 0.5)]
    assert [x.name for x in pareto_entries(entries)] == ["fp32", "int8", "tiny"]
    lines = report(entries).splitlines()
    starred = [ln.split()[0] for ln in lines[1:] if ln.rstrip().endswith("*")]
    assert starred == ["fp32", "int8", "tiny"]
