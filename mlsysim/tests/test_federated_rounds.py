"""Federated rounds: drop-outs without over-selection run rounds to the deadline."""

import math

import pytest

import mlsysim
from mlsysim import InvalidInputError


def test_without_over_selection_dropouts_run_every_round_to_the_deadline():
    r = mlsysim.federated_rounds(100, 0.0, 1800, dropout=0.1)
    assert r.invited == 100 and r.deadline_share > 0.99
    assert r.mean_round_s == pytest.approx(1800 + 30)
    assert 85 < r.mean_reports < 93  # about 90% of the invited phones report


def test_over_selection_makes_the_round_an_order_statistic():
    r = mlsysim.federated_rounds(100, 0.5, 3600, median_client_s=300, spread=0.8,
                                 dropout=0.1)
    # the 100th of about 135 live reports: near the 74th percentile of the log-normal
    q = 100 / (150 * 0.9 + 1)
    z = math.sqrt(2) * _erfinv(2 * q - 1)
    assert r.mean_round_s - 30 == pytest.approx(300 * math.exp(0.8 * z), rel=0.1)
    assert r.wasted_share == pytest.approx(1 - 100 / 150, abs=0.01)


def _erfinv(y: float) -> float:
    lo, hi = -5.0, 5.0
    for _ in range(80):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if math.erf(mid) < y else (lo, mid)
    return lo


def test_too_few_reports_abandon_rounds_and_rounds_follow_the_batch_law():
    starved = mlsysim.federated_rounds(100, 0.0, 300, median_client_s=600)
    assert starved.failed_share == 1.0 and math.isinf(starved.hours_to_target)
    ok = mlsysim.federated_rounds(100, 1.0, 3600, rounds_min=300, critical_cohort=100)
    assert ok.failed_share == 0 and ok.rounds_to_target == pytest.approx(600, rel=0.01)


def test_bad_inputs_are_refused():
    with pytest.raises(InvalidInputError, match="dropout"):
        mlsysim.federated_rounds(100, dropout=1.0)
    with pytest.raises(InvalidInputError):
        mlsysim.federated_rounds(0)


@pytest.mark.parametrize("over, dropout, spread", [(0.5, 0.1, 0.8), (0.3, 0.0, 0.5),
                                                   (1.0, 0.2, 1.2)])
def test_monte_carlo_round_agrees_with_the_chapters_order_statistic(over, dropout, spread):
    # with no deadline the simulated round is the k-th report, which `federated_round`
    # (the edge chapter's model) approximates in closed form
    sim = mlsysim.federated_rounds(100, over, 1e7, 300, spread, dropout, server_s=0)
    closed = mlsysim.federated_round(1.0, 100, 1e9, 1e9, 300, spread, over, dropout)
    assert sim.mean_round_s == pytest.approx(closed.round_s, rel=0.03)
