"""Scheduling models against textbook values and hand-checkable cases."""

import math

import numpy as np
import pytest
from mlsysim.errors import InvalidInputError

import mlsysim


def test_erlang_c_single_server_is_utilisation():
    # For M/M/1 the probability of waiting equals rho.
    assert mlsysim.erlang_c(1, 0.7) == pytest.approx(0.7)


def test_erlang_c_two_servers_closed_form():
    # c=2: C = 2 rho^2 / (1 + rho); a=1 -> rho=0.5 -> 1/3.
    assert mlsysim.erlang_c(2, 1.0) == pytest.approx(1 / 3)


def test_mm1_wait_and_littles_law():
    q = mlsysim.mmc_queue(arrival_rate=0.8, service_s=1.0, servers=1)
    assert q.mean_wait_s == pytest.approx(0.8 / (1 - 0.8))  # rho / (mu - lambda)
    assert q.mean_in_system == pytest.approx(0.8 / 0.2)  # rho / (1 - rho)
    assert q.mean_in_system == pytest.approx(0.8 * q.mean_response_s)


def test_pooling_beats_partitioning():
    # One pool of 8 servers waits far less than 8 separate queues at the same utilisation.
    pooled = mlsysim.mmc_queue(7.2, 1.0, 8)
    split = mlsysim.mmc_queue(0.9, 1.0, 1)
    assert pooled.mean_wait_s < split.mean_wait_s / 5


def test_unstable_queue_rejected():
    with pytest.raises(InvalidInputError, match="offered_load"):
        mlsysim.mmc_queue(2.0, 1.0, 2)


def test_servers_for_wait_is_minimal():
    q = mlsysim.servers_for_wait(10.0, 1.0, 0.05)
    assert q.mean_wait_s <= 0.05
    assert mlsysim.mmc_queue(10.0, 1.0, q.servers - 1).mean_wait_s > 0.05


def test_fragmentation_single_node_jobs():
    f = mlsysim.fragmentation([3, 3, 2, 8], gpus_per_node=8, job_gpus=4)
    assert (f.free_gpus, f.placeable_jobs, f.stranded_gpus) == (16, 2, 8)


def test_fragmentation_multi_node_needs_whole_nodes():
    f = mlsysim.fragmentation([7, 7, 7, 7, 8, 8], gpus_per_node=8, job_gpus=16)
    assert f.placeable_jobs == 1 and f.stranded_gpus == 28
    with pytest.raises(InvalidInputError, match="job_gpus"):
        mlsysim.fragmentation([8, 8], 8, 12)
    with pytest.raises(InvalidInputError, match="free_per_node"):
        mlsysim.fragmentation([9], 8, 8)


def test_gang_reservation_harmonic():
    g = mlsysim.gang_reservation(4, 60.0)
    h4 = 1 + 1 / 2 + 1 / 3 + 1 / 4
    assert g.wait_s == pytest.approx(60 * h4)
    assert g.idle_gpu_s == pytest.approx(4 * (h4 - 1) * 60)
    assert mlsysim.gang_reservation(1, 60.0).idle_gpu_s == 0.0
    assert mlsysim.gang_reservation(512, 60.0).idle_fraction > 0.8


def test_preemption_notice_helps():
    base = mlsysim.preemption_cost(0.5, 3600, 60, 300)
    notice = mlsysim.preemption_cost(0.5, 3600, 60, 300, save_on_notice=True)
    assert base.lost_per_preemption_s == 300 + 1800
    assert base.goodput == pytest.approx(1 - 60 / 3600 - 0.5 / 3600 * 2100)
    assert notice.goodput > base.goodput
    assert mlsysim.preemption_cost(100, 3600, 60, 300).goodput == 0.0


def test_drf_paper_example():
    # Ghodsi et al. 2011: 9 CPUs, 18 GB; A <1 CPU, 4 GB>, B <3 CPU, 1 GB> -> A 3 tasks, B 2.
    a = mlsysim.drf([9, 18], [[1, 4], [3, 1]])
    assert np.allclose(a.tasks, [3, 2])
    assert np.allclose(a.dominant_shares, [2 / 3, 2 / 3])


def test_drf_user_outside_saturated_resource_continues():
    # User C only needs resource 2; after resource 1 fills, C keeps growing.
    a = mlsysim.drf([10, 10], [[1, 0], [1, 0], [0, 1]])
    assert np.allclose(a.tasks, [5, 5, 10])
    assert math.isclose(a.resource_use.min(), 1.0)
