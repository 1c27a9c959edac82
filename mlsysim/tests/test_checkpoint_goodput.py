"""Checkpoint plans: synchronous saves pay the write, asynchronous ones pay the drain on failure."""

import numpy as np
import pytest

import mlsysim
from mlsysim import InvalidInputError


def test_synchronous_plan_is_first_order_young_daly():
    s = 5e12
    p = mlsysim.checkpoint_plan(s, 16384, 200e9, 1800)
    assert p.blocking_s == pytest.approx(25.0) and p.persist_s == pytest.approx(25.0)
    mtbf = mlsysim.fleet_mtbf(16384) * 3600
    ref = mlsysim.training_goodput(mtbf, 25.0, 600.0, 1800)
    assert p.goodput == pytest.approx(ref.goodput)
    # the grid optimum sits at Young-Daly's sqrt(2 C M) when C << M
    assert p.best_interval_s == pytest.approx(mlsysim.young_daly_interval(25.0, mtbf), rel=0.01)


def test_asynchronous_stalls_only_for_the_snapshot_but_loses_the_drain():
    s = 5e12
    sync = mlsysim.checkpoint_plan(s, 16384, 200e9, 300)
    asyn = mlsysim.checkpoint_plan(s, 16384, 200e9, 300, asynchronous=True)
    assert asyn.blocking_s == pytest.approx(s / 16384 / 31.5e9)
    assert asyn.lost_work == pytest.approx((150 + 25.0) / asyn.mtbf_s)
    assert asyn.goodput > sync.goodput and asyn.best_goodput > sync.best_goodput


def test_a_drain_longer_than_the_interval_stalls_the_next_snapshot():
    p = mlsysim.checkpoint_plan(6e12, 1024, 10e9, 120, asynchronous=True)  # 600 s drain
    assert p.checkpoint_overhead == pytest.approx((p.blocking_s + 600 - 120) / 120)


def test_curve_matches_the_plan_and_checks_input():
    taus = np.array([300.0, 1800.0])
    curve = mlsysim.checkpoint_goodput_curve(1e12, 4096, 100e9, taus, True)
    for t, g in zip(taus, curve, strict=True):
        assert g == pytest.approx(mlsysim.checkpoint_plan(1e12, 4096, 100e9, t, True).goodput)
    with pytest.raises(InvalidInputError):
        mlsysim.checkpoint_plan(1e12, 0, 100e9, 600)
