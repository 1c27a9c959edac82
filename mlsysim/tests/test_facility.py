"""Facility models: node and rack power, delivery losses, coolant flow, site capacity."""

import math

import pytest
from mlsysim.errors import InvalidInputError

import mlsysim


def test_node_power_matches_dgx_h100_nameplate():
    # the DGX H100 datasheet's 10.2 kW system maximum is what the default host share encodes
    n = mlsysim.node_power("H100")
    assert n.accelerator_w == 8 * 700
    assert n.node_w == pytest.approx(10_200, rel=0.01)


def test_node_power_scales_with_accelerator_draw_not_host():
    full, half = mlsysim.node_power("H100", power_fraction=1.0), mlsysim.node_power("H100", power_fraction=0.5)
    assert half.accelerator_w == full.accelerator_w / 2
    assert half.host_w == full.host_w


def test_rack_plan_is_limited_by_power_then_space():
    node = mlsysim.node_power("H100")
    assert mlsysim.rack_plan(node, 40_000).nodes == 3          # 40 kW / 10.2 kW
    assert mlsysim.rack_plan(node, 200_000, max_nodes=4).nodes == 4  # space limits
    r = mlsysim.rack_plan(node, 40_000)
    assert r.accelerators == 24
    assert r.heat_tons == pytest.approx(r.rack_w / 3516.85)


def test_rack_too_small_for_one_node_is_an_error():
    with pytest.raises(InvalidInputError, match="rack_budget_w"):
        mlsysim.rack_plan(mlsysim.node_power("B200"), 10_000)


def test_power_chain_multiplies_stage_efficiencies():
    c = mlsysim.power_chain(1000.0, (("a", 0.9), ("b", 0.5)))
    assert c.watts_after == (900.0, 450.0)
    assert c.efficiency == pytest.approx(0.45)
    default = mlsysim.power_chain(1e6)
    assert 0.7 < default.efficiency < 0.9
    with pytest.raises(InvalidInputError, match="chain"):
        mlsysim.power_chain(1000.0, (("bad", 1.2),))


def test_coolant_flow_water_carries_thousands_of_times_more_heat_than_air():
    air = mlsysim.coolant_flow(40_000, 15, "air")
    water = mlsysim.coolant_flow(40_000, 15, "water")
    assert air == pytest.approx(40_000 / (1.18 * 1005 * 15))
    assert 3000 < air / water < 4000
    with pytest.raises(InvalidInputError, match="coolant"):
        mlsysim.coolant_flow(1000, 10, "oil")


def test_site_capacity_divides_by_pue_and_node_power():
    node = mlsysim.node_power("H100")
    s = mlsysim.site_capacity(30e6, node, 40_000, pue=1.25, fabric_fraction=0.0)
    assert s.it_w == pytest.approx(24e6)
    assert s.nodes == math.floor(24e6 / node.node_w)
    assert s.racks == math.ceil(s.nodes / 3)
    assert s.accelerators == 8 * s.nodes
    worse = mlsysim.site_capacity(30e6, node, 40_000, pue=1.6, fabric_fraction=0.0)
    assert worse.accelerators < s.accelerators
    with pytest.raises(InvalidInputError, match="pue"):
        mlsysim.site_capacity(30e6, node, 40_000, pue=0.9)
