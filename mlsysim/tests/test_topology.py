"""Topology models: switch and cable counts against the published closed forms, bisection
bandwidth, ECMP collision statistics and the oversubscribed all-to-all."""

import math

import pytest

import mlsysim
from mlsysim import InvalidInputError


def test_three_tier_fat_tree_matches_al_fares_counts():
    # Al-Fares et al. 2008: a k-ary fat-tree holds k^3/4 hosts with 5k^2/4 switches
    k = 48
    ft = mlsysim.fat_tree(k ** 3 // 4, radix=k)
    assert ft.tiers == 3
    assert ft.switches == 5 * k * k // 4
    assert ft.switch_links == 2 * k ** 3 // 4
    assert ft.bisection_bw == pytest.approx(ft.full_bisection_bw)


def test_one_more_host_needs_another_tier():
    k = 64
    assert mlsysim.fat_tree(k * k // 2, radix=k).tiers == 2
    assert mlsysim.fat_tree(k * k // 2 + 1, radix=k).tiers == 3


def test_oversubscription_cuts_bisection_and_switches():
    full = mlsysim.fat_tree(2048, radix=64, link="IB-NDR")
    over = mlsysim.fat_tree(2048, radix=64, link="IB-NDR", oversubscription=3)
    assert over.switches < full.switches
    assert over.bisection_bw == pytest.approx(full.bisection_bw / 3, rel=0.05)
    assert full.bisection_bw == pytest.approx(2048 / 2 * 50e9)


def test_fat_tree_rejects_bad_input():
    with pytest.raises(InvalidInputError, match="radix"):
        mlsysim.fat_tree(100, radix=7)
    with pytest.raises(InvalidInputError, match="oversubscription"):
        mlsysim.fat_tree(100, oversubscription=0.5)
    with pytest.raises(InvalidInputError, match="no uplink"):
        mlsysim.fat_tree(100, radix=8, oversubscription=1e18)
    with pytest.raises(InvalidInputError, match="tiers"):
        mlsysim.fat_tree(5000, radix=64, tiers=2)


def test_torus_bisection_and_hops():
    t = mlsysim.torus((16, 16, 16), 50e9)
    assert t.chips == 4096 and t.degree == 6 and t.links == 3 * 4096
    assert t.bisection_bw == pytest.approx(2 * 4096 / 16 * 50e9)
    assert t.diameter_hops == 24
    assert t.mean_hops == pytest.approx(12.0)
    # a longer ring halves the bisection for the same chip count
    assert mlsysim.torus((64, 8, 8), 50e9).bisection_bw < t.bisection_bw


def test_dragonfly_balanced_size():
    d = mlsysim.dragonfly(16, 8, 8)
    assert d.groups == 129 and d.hosts == 16 * 8 * 129 and d.radix == 31
    assert d.global_links == 129 * 128 // 2


def test_ecmp_tends_to_one_minus_one_over_e():
    e = mlsysim.ecmp(1024, 1024, trials=200)
    assert e.throughput_fraction == pytest.approx(1 - 1 / math.e, abs=0.01)
    assert e.slowdown > 3  # the busiest of 1,024 paths carries several flows
    one = mlsysim.ecmp(1, 8)
    assert one.throughput_fraction == pytest.approx(1.0) and one.slowdown == 1.0


def test_oversubscription_hurts_alltoall_not_small_jobs():
    kw = dict(nbytes=1e11, n=256, link="IB-NDR", hosts_per_leaf=32)
    t1 = mlsysim.oversubscribed_alltoall_time(oversubscription=1, **kw)
    t3 = mlsysim.oversubscribed_alltoall_time(oversubscription=3, **kw)
    assert t3 / t1 == pytest.approx(3 * (256 - 32) / 255, rel=0.02)
    # a job inside one leaf never touches the uplinks
    inside = dict(kw, n=32)
    assert mlsysim.oversubscribed_alltoall_time(oversubscription=4, **inside) == pytest.approx(
        mlsysim.oversubscribed_alltoall_time(oversubscription=1, **inside))
