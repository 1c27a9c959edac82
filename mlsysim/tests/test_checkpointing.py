"""Checkpoint cost, interruption probability, Daly's interval and replica availability."""

import math

import numpy as np
import pytest

import mlsysim
from mlsysim import InvalidInputError


def test_sync_checkpoint_is_limited_by_the_slower_of_storage_and_links():
    # 1 TB over 100 writers at 1 GB/s each: links give 100 GB/s, storage 500 GB/s -> 10 s
    c = mlsysim.checkpoint_cost(1e12, 100, 500e9, writer_bw=1e9)
    assert c.persist_s == pytest.approx(10.0)
    assert c.blocking_s == c.persist_s and c.snapshot_s == 0.0
    # with faster links the shared storage becomes the limit -> 2 s
    assert mlsysim.checkpoint_cost(1e12, 100, 500e9, writer_bw=50e9).persist_s == pytest.approx(2.0)


def test_async_checkpoint_blocks_only_for_the_snapshot():
    c = mlsysim.checkpoint_cost(1e12, 100, 500e9, snapshot_bw=50e9)
    assert c.bytes_per_writer == pytest.approx(1e10)
    assert c.blocking_s == pytest.approx(0.2)  # 10 GB per writer at 50 GB/s
    assert c.persist_s == pytest.approx(2.0)
    assert c.blocking_s < c.persist_s


def test_interruption_probability_matches_the_poisson_model_and_llama3():
    # Llama 3: 419 unexpected interruptions in 54 days on 16,384 GPUs -> about 7.8 a day
    p_hour = mlsysim.interruption_probability(16384, 1.0)
    assert p_hour == pytest.approx(1 - math.exp(-419 / (54 * 24)))
    ps = mlsysim.interruption_probability(np.array([8, 1024, 16384]), 24.0)
    assert np.all(np.diff(ps) > 0) and ps[-1] > 0.999
    assert mlsysim.interruption_probability(8, 0.0) == 0.0


def test_daly_interval_reduces_to_young_for_cheap_saves_and_caps_at_mtbf():
    m = 1e6
    assert mlsysim.daly_interval(1.0, m) == pytest.approx(mlsysim.young_daly_interval(1.0, m), rel=2e-3)
    assert mlsysim.daly_interval(3e6, m) == m
    # expensive saves: Daly's interval differs noticeably from Young's
    d, y = mlsysim.daly_interval(5e4, m), mlsysim.young_daly_interval(5e4, m)
    assert abs(d - y) / y > 0.01


def test_replica_availability_is_binomial():
    assert mlsysim.replica_availability(1, 1, 0.99) == pytest.approx(0.99)
    assert mlsysim.replica_availability(2, 1, 0.99) == pytest.approx(1 - 0.01**2)
    three_of_four = 0.99**4 + 4 * 0.99**3 * 0.01
    assert mlsysim.replica_availability(4, 3, 0.99) == pytest.approx(three_of_four)


@pytest.mark.parametrize("call", [
    lambda: mlsysim.checkpoint_cost(0, 8, 1e9),
    lambda: mlsysim.checkpoint_cost(1e9, 2.5, 1e9),
    lambda: mlsysim.interruption_probability(8, -1.0),
    lambda: mlsysim.replica_availability(2, 3, 0.9),
    lambda: mlsysim.replica_availability(3, 2, 1.5),
    lambda: mlsysim.daly_interval(10.0, 0.0),
])
def test_bad_input_is_a_clear_error(call):
    with pytest.raises(InvalidInputError):
        call()
