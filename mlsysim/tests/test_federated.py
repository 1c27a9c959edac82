"""Federated rounds and on-device fleets against hand-checkable cases."""

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
