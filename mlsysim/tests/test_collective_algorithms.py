"""collective_cost and straggler_step_time: the step/byte counts of each algorithm, the
bus-bandwidth convention, and agreement with the existing allreduce_time model."""

import math

import pytest

import mlsysim
from mlsysim import InvalidInputError


def test_ring_allreduce_matches_allreduce_time():
    c = mlsysim.collective_cost("allreduce", 1e9, 64, "IB-NDR", "ring")
    assert c.seconds == pytest.approx(mlsysim.allreduce_time(1e9, 64, "IB-NDR", algorithm="ring"))
    assert c.steps == 126 and c.bytes_per_gpu == pytest.approx(2 * 63 / 64 * 1e9)


def test_halving_doubling_same_bytes_fewer_steps_than_ring():
    ring = mlsysim.collective_cost("allreduce", 1e6, 1024, "IB-NDR", "ring")
    rhd = mlsysim.collective_cost("allreduce", 1e6, 1024, "IB-NDR", "halving-doubling")
    assert rhd.bytes_per_gpu == pytest.approx(ring.bytes_per_gpu)
    assert rhd.steps == 20 and ring.steps == 2046
    assert rhd.seconds < ring.seconds / 10


def test_busbw_of_large_ring_allreduce_approaches_link_rate():
    link = mlsysim.fabric("NVLink4")
    c = mlsysim.collective_cost("allreduce", 8e9, 8, link, "ring")
    assert c.busbw == pytest.approx(link.bw_per_direction, rel=0.01)
    assert c.algbw == pytest.approx(c.busbw * 8 / 14)
    small = mlsysim.collective_cost("allreduce", 8e3, 8, link, "ring")
    assert small.busbw < 0.1 * link.bw_per_direction


def test_recursive_doubling_wins_only_for_tiny_messages():
    tiny = [mlsysim.collective_cost("allreduce", 1e3, 64, "IB-NDR", a).seconds
            for a in ("recursive-doubling", "ring")]
    big = [mlsysim.collective_cost("allreduce", 1e9, 64, "IB-NDR", a).seconds
           for a in ("recursive-doubling", "ring")]
    assert tiny[0] < tiny[1] and big[0] > 2 * big[1]


@pytest.mark.parametrize("op,alg,n", [("allreduce", "tree", 6), ("gather", "ring", 8),
                                      ("allreduce", "ring", 1)], ids=["not-pow2", "unknown-op", "one-gpu"])
def test_bad_inputs_name_the_field(op, alg, n):
    with pytest.raises(InvalidInputError) as e:
        mlsysim.collective_cost(op, 1e6, n, "IB-NDR", alg)
    assert e.value.field in ("n", "algorithm")


def test_straggler_bound_grows_with_log_n():
    assert mlsysim.straggler_step_time(1.0, 0.0, 4096) == 1.0
    t = mlsysim.straggler_step_time(1.0, 0.05, 1024)
    assert t == pytest.approx(1.0 + 0.05 * math.sqrt(2 * math.log(1024)))
    assert mlsysim.straggler_step_time(1.0, 0.05, 16384) > t
    with pytest.raises(InvalidInputError):
        mlsysim.straggler_step_time(1.0, -0.1, 8)
