"""All-to-all on fabric designs: the injection, leaf-uplink and bisection bounds."""

import pytest

import mlsysim
from mlsysim import InvalidInputError


def test_full_bisection_fat_tree_runs_at_the_nics_speed():
    r = mlsysim.alltoall_on_fabric(1e9, 1024, "fat-tree 1:1")
    assert r.fabric_s == pytest.approx(r.injection_s)
    assert r.injection_s == pytest.approx(1023 / 1024 * 1e9 / 50e9)  # IB-NDR, 50 GB/s a way
    assert r.time_s == pytest.approx(r.injection_s + 1023 * 5e-6)


def test_oversubscription_slows_the_exchange_by_about_r():
    full = mlsysim.alltoall_on_fabric(1e9, 4096, "fat-tree 1:1")
    over = mlsysim.alltoall_on_fabric(1e9, 4096, "fat-tree 4:1")
    assert 3.5 < over.fabric_s / full.fabric_s < 4.0  # r (n - h) / n with h = 51 GPUs a leaf
    assert over.bound == "fabric" and over.switches < full.switches
    assert over.power_w < full.power_w


def test_torus_is_bisection_bound_and_has_no_switches():
    assert mlsysim.torus_dims(4096) == (16, 16, 16)
    assert mlsysim.torus_dims(1024) == (8, 8, 16)
    t = mlsysim.alltoall_on_fabric(1e9, 4096, "3-D torus")
    # bisection 2 N / 16 links of 50/6 GB/s; N x S / 4 bytes cross it
    assert t.bisection_bw == pytest.approx(2 * 4096 / 16 * 50e9 / 6)
    assert t.fabric_s == pytest.approx(4096 * 1e9 / 4 / t.bisection_bw)
    assert t.switches == 0 and t.bound == "fabric"


def test_rail_optimised_adds_only_an_nvlink_hop():
    rail = mlsysim.alltoall_on_fabric(1e9, 1024, "rail-optimised")
    full = mlsysim.alltoall_on_fabric(1e9, 1024, "fat-tree 1:1")
    assert full.time_s < rail.time_s < 1.1 * full.time_s
    with pytest.raises(InvalidInputError, match="whole nodes"):
        mlsysim.alltoall_on_fabric(1e9, 12, "rail-optimised")


def test_unknown_design_is_refused():
    with pytest.raises(InvalidInputError, match="unknown fabric design"):
        mlsysim.alltoall_on_fabric(1e9, 64, "butterfly")
