"""Federated rounds, training under a round policy and on-device fleets against hand-checkable
cases and simulations."""

import math

import numpy as np
import pytest
from mlsysim.errors import InvalidInputError

import mlsysim


def test_single_client_round_is_the_median_client():
    r = mlsysim.federated_round(10e6, 1, uplink_bytes_per_s=1e6, downlink_bytes_per_s=5e6,
                                compute_s=30.0, spread=0.0)
    # 10 MB down at 5 MB/s + 30 s + 10 MB up at 1 MB/s
    assert r.median_client_s == pytest.approx(2 + 30 + 10)
    assert r.round_s == pytest.approx(r.median_client_s)  # identical clients: no tail


def test_waiting_for_more_clients_waits_for_slower_ones():
    t = [mlsysim.federated_round(10e6, k, 1e6, 5e6, 30.0).round_s for k in (10, 100, 1000)]
    assert t[0] < t[1] < t[2]


def test_overselection_cuts_the_straggler_tail():
    plain = mlsysim.federated_round(10e6, 100, 1e6, 5e6, 30.0, spread=0.8)
    over = mlsysim.federated_round(10e6, 100, 1e6, 5e6, 30.0, spread=0.8, overselect=0.3)
    assert over.selected == 130
    assert over.round_s < plain.round_s
    assert over.server_egress_bytes == pytest.approx(130 * 10e6)


def test_no_spread_means_no_stragglers():
    r = mlsysim.federated_round(10e6, 500, 1e6, 5e6, 30.0, spread=0.0)
    assert r.straggler_factor == 1.0


def test_compression_shrinks_the_upload_only():
    a = mlsysim.federated_round(10e6, 10, 1e6, 5e6, 30.0)
    b = mlsysim.federated_round(10e6, 10, 1e6, 5e6, 30.0, compression=10.0)
    assert b.upload_s == pytest.approx(a.upload_s / 10)
    assert b.download_s == a.download_s
    assert b.server_ingress_bytes == pytest.approx(a.server_ingress_bytes / 10)


def test_dropout_without_overselection_cannot_complete():
    r = mlsysim.federated_round(10e6, 100, 1e6, 5e6, 30.0, dropout=0.2)
    assert not r.complete
    assert mlsysim.federated_round(10e6, 100, 1e6, 5e6, 30.0, dropout=0.2, overselect=0.3).complete


def test_bad_federated_inputs_name_the_field():
    with pytest.raises(InvalidInputError, match="dropout"):
        mlsysim.federated_round(10e6, 10, 1e6, 5e6, 30.0, dropout=1.0)
    with pytest.raises(InvalidInputError, match="compression"):
        mlsysim.federated_round(10e6, 10, 1e6, 5e6, 30.0, compression=0.5)
    with pytest.raises(InvalidInputError, match="clients"):
        mlsysim.federated_round(10e6, 0, 1e6, 5e6, 30.0)


def test_rounds_within_a_night():
    r = mlsysim.federated_round(10e6, 1, 1e6, 5e6, 30.0, spread=0.0)  # 42 s rounds
    assert mlsysim.rounds_within(420.0, r) == 10


def test_device_training_costs_more_than_inference():
    full = mlsysim.device_training_memory("MobileNetV2")
    last = mlsysim.device_training_memory("MobileNetV2", trainable="last")
    bias = mlsysim.device_training_memory("MobileNetV2", trainable="bias")
    assert full.total_bytes > 2 * full.inference_bytes
    assert last.total_bytes < full.total_bytes and bias.total_bytes < full.total_bytes
    # the classifier of MobileNetV2: 1,280 inputs stored in fp32
    assert last.stored_activation_bytes == pytest.approx(1280 * 4)
    adam = mlsysim.device_training_memory("MobileNetV2", optimizer="adam")
    assert adam.optimizer_bytes == pytest.approx(2 * full.gradient_bytes)


def test_device_training_rejects_non_cnn_and_bad_options():
    with pytest.raises(InvalidInputError, match="model"):
        mlsysim.device_training_memory("GPT-2")
    with pytest.raises(InvalidInputError, match="trainable"):
        mlsysim.device_training_memory("MobileNetV2", trainable="head")


def test_update_coverage_is_geometric():
    assert mlsysim.update_coverage(1, 0.5) == pytest.approx(0.5)
    assert mlsysim.update_coverage(3, 0.5) == pytest.approx(0.875)


def test_ota_rollout_days_and_bytes():
    r = mlsysim.ota_rollout(1e6, 20e6, 0.5, stages=(0.01, 0.1, 1.0), soak_days=2, target=0.75)
    # two soaks of 2 days, then ln(0.25)/ln(0.5) = 2 days of check-ins
    assert r.days_to_target == pytest.approx(2 * 2 + 2)
    assert r.total_egress_bytes == pytest.approx(20e12)
    assert r.peak_day_egress_bytes == pytest.approx(0.9 * 1e6 * 0.5 * 20e6)
    with pytest.raises(InvalidInputError, match="stages"):
        mlsysim.ota_rollout(1e6, 20e6, 0.5, stages=(0.5, 0.1, 1.0))
    assert not math.isnan(mlsysim.ota_rollout(1e6, 20e6, 1.0).days_to_target)


@pytest.mark.parametrize("k, over, drop, spread", [(100, 0.3, 0.1, 0.6), (100, 0.0, 0.0, 0.6),
                                                   (1000, 0.0, 0.0, 0.6), (30, 0.0, 0.0, 1.0)],
                         ids=["overselected", "wait-for-100", "wait-for-1000", "wide-spread"])
def test_round_time_matches_a_monte_carlo_of_lognormal_clients(k, over, drop, spread):
    # Draw client times, keep each with probability 1 - dropout, take the k-th fastest report:
    # the order-statistic approximation should land within a few percent of the simulated mean.
    rng = np.random.default_rng(0)
    r = mlsysim.federated_round(10e6, k, 1e6, 5e6, 30.0, spread=spread, overselect=over,
                                dropout=drop)
    times = []
    for _ in range(2000):
        t = r.median_client_s * np.exp(spread * rng.standard_normal(r.selected))
        alive = np.sort(t[rng.random(r.selected) >= drop])
        if alive.size >= k:
            times.append(alive[k - 1])
    assert np.mean(times) == pytest.approx(r.round_s, rel=0.08)


# --- training under a round policy: the same order statistics, closed at a deadline ---


def test_without_over_selection_dropouts_run_every_round_to_the_deadline():
    r = mlsysim.federated_training(100, 0.0, 1800, dropout=0.1)
    assert r.invited == 100 and r.deadline_share > 0.99
    assert r.mean_round_s == pytest.approx(1800 + 30)
    assert 85 < r.mean_reports < 93  # about 90% of the invited phones report


def test_a_far_deadline_closes_the_round_at_the_chapters_order_statistic():
    # no drop-outs and a deadline no round reaches: the close time is federated_round's
    r = mlsysim.federated_training(100, 0.3, 1e9, 300, 0.6, dropout=0.0, server_s=0)
    closed = mlsysim.federated_round(1.0, 100, 1e9, 1e9, 300, 0.6, 0.3)
    assert r.mean_round_s == pytest.approx(closed.round_s, rel=1e-9)
    assert r.deadline_share < 1e-9 and r.mean_reports == pytest.approx(100)
    assert r.wasted_share == pytest.approx(1 - 100 / 130)


def test_too_few_reports_abandon_rounds_and_rounds_follow_the_batch_law():
    starved = mlsysim.federated_training(100, 0.0, 300, median_client_s=600)
    assert starved.failed_share == pytest.approx(1.0) and math.isinf(starved.hours_to_target)
    ok = mlsysim.federated_training(100, 1.0, 3600, rounds_min=300, critical_cohort=100)
    # McCandlish et al. 2018: steps = S_min (1 + B_crit / B), with B = 100 reports
    assert ok.failed_share < 1e-9 and ok.rounds_to_target == pytest.approx(600, rel=1e-6)
    assert ok.hours_to_target == pytest.approx(600 * ok.mean_round_s / 3600)


def test_bad_policy_inputs_name_the_field():
    with pytest.raises(InvalidInputError, match="dropout"):
        mlsysim.federated_training(100, dropout=1.0)
    with pytest.raises(InvalidInputError, match="min_fraction"):
        mlsysim.federated_training(100, min_fraction=0.0)
    with pytest.raises(InvalidInputError, match="clients"):
        mlsysim.federated_training(0)


def _simulate_policy(k, over, deadline, median, spread, dropout, need, rounds=4000):
    """Seeded rounds of lognormal clients with random drop-outs, closed at min(deadline, k-th)."""
    rng = np.random.default_rng(1)
    m = math.ceil(k * (1 + over) - 1e-9)
    t = median * np.exp(spread * rng.standard_normal((rounds, m)))
    t[rng.random((rounds, m)) < dropout] = np.inf
    t.sort(axis=1)
    close = np.minimum(t[:, k - 1], deadline)
    reports = np.minimum((t <= close[:, None]).sum(axis=1), k)
    return close.mean(), reports.mean(), (close >= deadline).mean(), (reports < need).mean()


@pytest.mark.parametrize("k, over, deadline, spread, dropout", [
    (100, 0.5, 3600, 0.8, 0.1), (100, 0.1, 1800, 0.8, 0.1), (50, 0.3, 900, 0.4, 0.2),
    (200, 0.0, 600, 1.2, 0.05)], ids=["ample", "barely-covered", "tight-deadline", "no-over"])
def test_policy_matches_a_monte_carlo_of_deadline_rounds(k, over, deadline, spread, dropout):
    # the closed forms (order statistics averaged over binomial survivors) against simulation
    r = mlsysim.federated_training(k, over, deadline, 300, spread, dropout, server_s=0)
    close, reports, at_deadline, failed = _simulate_policy(k, over, deadline, 300, spread,
                                                           dropout, math.ceil(0.8 * k))
    assert r.mean_round_s == pytest.approx(close, rel=0.05)
    assert r.mean_reports == pytest.approx(reports, rel=0.02)
    assert r.deadline_share == pytest.approx(at_deadline, abs=0.04)
    assert r.failed_share == pytest.approx(failed, abs=0.04)
