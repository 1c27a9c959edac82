"""The step ledger, host-bound check and loader stall of `mlsysim.performance`."""

import math

import numpy as np
import pytest
from mlsysim.performance import LEDGER_ITEMS

import mlsysim

CL = mlsysim.cluster("H100", 1024)
RUN = dict(tokens=1e12, global_batch=512, seq_len=8192, tp=8, pp=1, micro_batch=1)


@pytest.fixture(scope="module")
def plain():
    return mlsysim.train("Llama-3-70B", CL, **RUN, recompute="none")


def test_ledger_adds_up_to_the_step(plain):
    led = mlsysim.step_ledger(plain, jitter_s=0.05, data_stall_s=0.1, host_s=0.02)
    total = led.ideal_s + sum(s for _, s in led.losses())
    assert total == pytest.approx(led.step_s, rel=1e-6)
    assert [k for k, _ in led.losses()] == list(LEDGER_ITEMS)


def test_ledger_without_extra_losses_reproduces_the_plans_mfu(plain):
    led = mlsysim.step_ledger(plain)
    assert led.step_s == pytest.approx(plain.step_time_s)
    assert led.mfu == pytest.approx(plain.mfu)
    assert led.stragglers_s == led.data_s == led.host_s == 0.0


def test_straggler_loss_grows_with_jitter_as_sqrt_two_ln_n(plain):
    led = mlsysim.step_ledger(plain, jitter_s=0.1)
    assert led.stragglers_s == pytest.approx(0.1 * math.sqrt(2 * math.log(1024)))
    assert led.mfu < plain.mfu


def test_full_recompute_shows_up_as_recompute_loss(plain):
    full = mlsysim.train("Llama-3-70B", CL, **RUN, recompute="full")
    assert mlsysim.step_ledger(plain).recompute_s == pytest.approx(0.0, abs=1e-9)
    led = mlsysim.step_ledger(full)
    assert led.recompute_s == pytest.approx((full.hfu - full.mfu) * full.step_time_s)
    assert led.recompute_s > 0.1 * led.ideal_s


def test_turning_off_overlap_moves_time_into_communication(plain):
    off = mlsysim.train("Llama-3-70B", CL, **RUN, recompute="none", overlap=False)
    assert mlsysim.step_ledger(off).communication_s > mlsysim.step_ledger(plain).communication_s


def test_ledger_rejects_an_infeasible_plan_and_negative_losses(plain):
    bad = mlsysim.train("Llama-3-405B", mlsysim.cluster("H100", 8), tokens=1e9,
                        global_batch=8, seq_len=8192)
    with pytest.raises(mlsysim.InvalidInputError, match="infeasible"):
        mlsysim.step_ledger(bad)
    with pytest.raises(mlsysim.InvalidInputError, match="jitter_s"):
        mlsysim.step_ledger(plain, jitter_s=-1.0)
    with pytest.raises(mlsysim.InvalidInputError, match="result"):
        mlsysim.step_ledger("not a result")


def test_host_bound_eager_small_kernels_and_graph_replay_fixes_it():
    eager = mlsysim.host_bound(1000, 5e-3, host_s_per_kernel=10e-6)
    assert eager.bound == "host" and eager.step_s == pytest.approx(10e-3)
    assert eager.exposed_host_s == pytest.approx(5e-3)
    graph = mlsysim.host_bound(1000, 5e-3, graph=True)
    assert graph.bound == "device" and graph.step_s == pytest.approx(5e-3)


def test_host_bound_broadcasts_over_device_times():
    r = mlsysim.host_bound(100, np.array([1e-4, 1e-2]))
    assert list(r.bound) == ["host", "device"]
    with pytest.raises(mlsysim.InvalidInputError, match="kernels"):
        mlsysim.host_bound(0, 1e-3)


def test_loader_stall_with_and_without_prefetch():
    assert mlsysim.loader_stall(1.0, 100, 200) == 0.0           # 0.5 s of loading hides
    assert mlsysim.loader_stall(1.0, 100, 50) == pytest.approx(1.0)   # 2 s load, 1 s step
    assert mlsysim.loader_stall(1.0, 100, 200, prefetch=False) == pytest.approx(0.5)
    with pytest.raises(mlsysim.InvalidInputError, match="samples_per_s"):
        mlsysim.loader_stall(1.0, 100, 0)
