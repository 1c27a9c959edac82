"""Gang-scheduling simulation: conservation, queueing near capacity, and what each policy trades."""

import pytest

import mlsysim
from mlsysim import InvalidInputError


def test_a_light_load_is_served_at_once_and_utilisation_matches_the_load():
    r = mlsysim.simulate_gang_scheduling(1024, 0.3, "fifo", "small jobs")
    assert r.mean_wait_s < 60
    assert r.utilisation == pytest.approx(0.3, abs=0.03)  # work in = work done


def test_waits_explode_as_load_approaches_capacity():
    waits = [mlsysim.simulate_gang_scheduling(512, load, "fifo", "large gangs").mean_wait_s
             for load in (0.5, 0.7, 0.9)]
    assert waits[0] < waits[1] < waits[2]
    assert waits[2] > 5 * waits[1]


def test_backfilling_cuts_the_mean_wait_and_easy_protects_the_largest_gangs():
    fifo, ff, easy = (mlsysim.simulate_gang_scheduling(512, 0.78, p, "large gangs")
                      for p in ("fifo", "first-fit", "easy"))
    assert ff.mean_wait_s < easy.mean_wait_s < fifo.mean_wait_s
    assert easy.largest_mean_wait_s < ff.largest_mean_wait_s
    assert ff.idle_while_waiting < fifo.idle_while_waiting
    assert fifo.largest_job_gpus == 128


def test_overload_caps_utilisation_below_one():
    r = mlsysim.simulate_gang_scheduling(512, 1.5, "fifo", "large gangs")
    assert 0.8 < r.utilisation < 1.0


def test_bad_inputs_are_refused():
    with pytest.raises(InvalidInputError, match="whole nodes"):
        mlsysim.simulate_gang_scheduling(100, 0.5)
    with pytest.raises(InvalidInputError, match="128-GPU jobs"):
        mlsysim.simulate_gang_scheduling(64, 0.5, mix="large gangs")
    with pytest.raises(InvalidInputError, match="unknown policy"):
        mlsysim.simulate_gang_scheduling(512, 0.5, "lottery")
