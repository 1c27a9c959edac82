"""Goodput has one formula (`training_goodput`, synchronous or asynchronous save);
`checkpoint_plan` only turns a checkpoint's size and bandwidths into the times it needs."""

import math

import numpy as np
import pytest

import mlsysim
from mlsysim import InvalidInputError


def test_synchronous_goodput_is_first_order_young_daly():
    # Young 1974 / Daly 2006: tau = sqrt(2 C M); goodput = 1 - C/tau - (tau/2 + R)/M
    m, c, r = 3 * 3600.0, 60.0, 600.0
    tau = math.sqrt(2 * c * m)  # 1,138.4 s
    g = mlsysim.training_goodput(m, c, r)
    assert g.interval_s == pytest.approx(tau)
    assert g.goodput == pytest.approx(1 - c / tau - (tau / 2 + r) / m)
    assert g.background_s == 0.0


def test_asynchronous_save_blocks_for_the_snapshot_but_loses_the_copy_in_flight():
    # CheckFreq (Mohan et al., FAST 2021): stall = snapshot, lost = (tau/2 + persist)/M
    g = mlsysim.training_goodput(36000.0, 2.0, 600.0, interval_s=300.0, background_s=25.0)
    assert g.checkpoint_overhead == pytest.approx(2.0 / 300)
    assert g.lost_work == pytest.approx((150 + 25) / 36000)
    assert g.goodput == pytest.approx(1 - 2 / 300 - (150 + 25 + 600) / 36000)


def test_a_copy_longer_than_the_interval_stalls_the_next_snapshot():
    g = mlsysim.training_goodput(36000.0, 1.0, 600.0, interval_s=120.0, background_s=600.0)
    assert g.checkpoint_overhead == pytest.approx((1.0 + 600 - 120) / 120)


def test_goodput_sweeps_intervals_and_never_goes_negative():
    taus = np.array([60.0, 1800.0, 1e6])
    g = mlsysim.training_goodput(3600.0, 60.0, 600.0, interval_s=taus)
    assert g.goodput.shape == (3,) and g.goodput[2] == 0.0
    assert g.goodput[1] == pytest.approx(mlsysim.training_goodput(3600.0, 60.0, 600.0, 1800.0).goodput)
    with pytest.raises(InvalidInputError, match="background_s"):
        mlsysim.training_goodput(3600.0, 60.0, background_s=-1.0)


@pytest.mark.parametrize("asynchronous", [False, True], ids=["synchronous", "asynchronous"])
def test_plan_feeds_the_goodput_formula_with_times_from_storage(asynchronous):
    s = 5e12
    p = mlsysim.checkpoint_plan(s, 16384, 200e9, 300, asynchronous)
    assert p.persist_s == pytest.approx(25.0)  # 5 TB at 200 GB/s
    snapshot = s / 16384 / 31.5e9  # each GPU's shard over half a PCIe 5.0 x16 link
    assert p.blocking_s == pytest.approx(snapshot if asynchronous else 25.0)
    ref = mlsysim.training_goodput(p.mtbf_s, p.blocking_s, 600.0, 300,
                                   25.0 if asynchronous else 0.0)
    assert p.goodput == pytest.approx(ref.goodput)


def test_best_interval_is_young_daly_for_a_cheap_synchronous_save():
    p = mlsysim.checkpoint_plan(5e12, 16384, 200e9, 1800)
    mtbf = mlsysim.fleet_mtbf(16384) * 3600
    assert p.best_interval_s == pytest.approx(mlsysim.young_daly_interval(25.0, mtbf), rel=0.01)
    asyn = mlsysim.checkpoint_plan(5e12, 16384, 200e9, 1800, asynchronous=True)
    assert asyn.best_goodput > p.best_goodput


def test_curve_matches_the_plan_and_checks_input():
    taus = np.array([300.0, 1800.0])
    curve = mlsysim.checkpoint_goodput_curve(1e12, 4096, 100e9, taus, True)
    for t, g in zip(taus, curve, strict=True):
        assert g == pytest.approx(mlsysim.checkpoint_plan(1e12, 4096, 100e9, t, True).goodput)
    with pytest.raises(InvalidInputError):
        mlsysim.checkpoint_plan(1e12, 0, 100e9, 600)
