"""The building around the accelerators: node and rack power, delivery losses, cooling and
how many accelerators a site's power can feed.

Every watt a server draws becomes heat the building must remove, and every watt reaching a
chip has already lost a few percent in transformers, UPSs and power supplies. The defaults
below are labelled assumptions with sources; sites differ, so every one is a parameter."""

from __future__ import annotations

from dataclasses import dataclass

from ._units import ResultMixin, check_positive
from .errors import InvalidInputError
from .registry import Hardware, hardware

#: Non-accelerator power of a node (CPUs, DRAM, NICs, switch chips, fans, drives) as a fraction
#: of its accelerators' TDP. NVIDIA's DGX H100 datasheet gives a 10.2 kW system maximum for
#: eight 700 W GPUs (5.6 kW), so the rest of the box is about 4.6 kW, 0.82 of the GPU total.
DEFAULT_HOST_FRACTION = 0.82

#: Power-delivery chain from the utility feed to the chip, (stage, efficiency). Assumptions
#: typical of modern sites (Barroso, Hoelzle and Ranganathan 2018, ch. 5): a medium-voltage
#: transformer ~99%, a double-conversion UPS ~96%, the rack PDU ~99%, an 80 PLUS Titanium
#: server supply ~96% and the on-board voltage regulators ~90%.
DEFAULT_POWER_CHAIN: tuple[tuple[str, float], ...] = (
    ("transformer", 0.99), ("UPS", 0.96), ("PDU", 0.99), ("server PSU", 0.96), ("VRM", 0.90),
)

#: Volumetric heat capacity (density x specific heat) of coolants, J per m^3 per K, near 25 C:
#: air 1.18 kg/m^3 x 1005 J/(kg K); water 997 kg/m^3 x 4181 J/(kg K).
COOLANT_J_PER_M3_K = {"air": 1.18 * 1005.0, "water": 997.0 * 4181.0}

#: Refrigeration ton (heat removal of 12,000 BTU/h) in watts.
WATTS_PER_TON = 3516.85


@dataclass(frozen=True)
class NodePower(ResultMixin):
    """Power of one server: its accelerators plus everything else in the box."""

    hardware: str
    accelerators: int
    accelerator_w: float
    host_w: float
    node_w: float

    _units = {"accelerator_w": "W", "host_w": "W", "node_w": "W"}


def node_power(hw: Hardware | str, gpus_per_node: int = 8, power_fraction: float = 1.0,
               host_fraction: float = DEFAULT_HOST_FRACTION) -> NodePower:
    """Node power = g x TDP x power_fraction + host, host = host_fraction x g x TDP.

    `power_fraction` = 1 is the nameplate figure a site must provision for; measured training
    draw is lower (see `energy`). The host share is charged at full load because CPUs, fans and
    switch chips do not throttle with the GPUs' kernels."""
    h = hardware(hw)
    g = check_positive("gpus_per_node", gpus_per_node, integer=True)
    check_positive("power_fraction", power_fraction)
    if power_fraction > 1:
        raise InvalidInputError("power_fraction", f"must be <= 1 (fraction of TDP), got {power_fraction}")
    check_positive("host_fraction", host_fraction, allow_zero=True)
    acc = g * h.tdp_w * power_fraction
    host = host_fraction * g * h.tdp_w
    return NodePower(h.name, g, acc, host, acc + host)


@dataclass(frozen=True)
class RackPlan(ResultMixin):
    """How many nodes a rack's power budget holds and the heat it must reject."""

    rack_budget_w: float
    node_w: float
    nodes: int
    accelerators: int
    rack_w: float
    heat_tons: float

    _units = {"rack_budget_w": "W", "node_w": "W", "rack_w": "W"}


def rack_plan(node: NodePower, rack_budget_w: float, max_nodes: int = 8) -> RackPlan:
    """Nodes per rack = min(floor(budget / node power), `max_nodes` that fit in the space).

    A rack whose budget cannot hold one node is a user error: the site must be re-provisioned
    or the node split."""
    if not isinstance(node, NodePower):
        raise InvalidInputError("node", "pass the NodePower returned by mlsysim.node_power()")
    check_positive("rack_budget_w", rack_budget_w)
    check_positive("max_nodes", max_nodes, integer=True)
    n = min(int(rack_budget_w // node.node_w), int(max_nodes))
    if n < 1:
        raise InvalidInputError("rack_budget_w", f"{rack_budget_w:,.0f} W cannot power one "
                                f"{node.node_w:,.0f} W node")
    w = n * node.node_w
    return RackPlan(float(rack_budget_w), node.node_w, n, n * node.accelerators, w,
                    w / WATTS_PER_TON)


@dataclass(frozen=True)
class PowerChain(ResultMixin):
    """Watts left after each stage of delivery, from the utility feed to the silicon."""

    stages: tuple[str, ...]
    watts_after: tuple[float, ...]
    input_w: float
    delivered_w: float
    efficiency: float

    _units = {"input_w": "W", "delivered_w": "W"}


def power_chain(input_w: float, chain: tuple[tuple[str, float], ...] = DEFAULT_POWER_CHAIN) -> PowerChain:
    """Delivered power = input x product of stage efficiencies (Barroso et al. 2018, ch. 5)."""
    check_positive("input_w", input_w)
    if not chain:
        raise InvalidInputError("chain", "give at least one (stage, efficiency) pair")
    left, after = float(input_w), []
    for name, eff in chain:
        if not 0 < eff <= 1:
            raise InvalidInputError("chain", f"stage {name!r} efficiency must be in (0, 1], got {eff}")
        left *= eff
        after.append(left)
    return PowerChain(tuple(n for n, _ in chain), tuple(after), float(input_w), left,
                      left / input_w)


def coolant_flow(heat_w: float, delta_t_k: float, coolant: str = "air") -> float:
    """Volume flow (m^3/s) that carries `heat_w` away at a temperature rise `delta_t_k`:
    Q = P / (rho c_p dT), the steady-state energy balance of the coolant stream."""
    check_positive("heat_w", heat_w, allow_zero=True)
    check_positive("delta_t_k", delta_t_k)
    if coolant not in COOLANT_J_PER_M3_K:
        raise InvalidInputError("coolant", f"unknown coolant {coolant!r} (choose from "
                                f"{', '.join(COOLANT_J_PER_M3_K)})")
    return heat_w / (COOLANT_J_PER_M3_K[coolant] * delta_t_k)


@dataclass(frozen=True)
class SiteCapacity(ResultMixin):
    """What a site's grid connection can feed: IT power after PUE, nodes, racks, accelerators."""

    facility_w: float
    pue: float
    it_w: float
    compute_w: float
    nodes: int
    racks: int
    accelerators: int

    _units = {"facility_w": "W", "it_w": "W", "compute_w": "W"}


def site_capacity(facility_w: float, node: NodePower, rack_budget_w: float, pue: float = 1.2,
                  fabric_fraction: float = 0.08, max_nodes: int = 8) -> SiteCapacity:
    """Accelerators a site can host when power, not floor space, is the limit.

    IT power = facility / PUE; compute power = IT / (1 + fabric_fraction), the rest feeding
    switches and storage (0.08 is an assumption); nodes = floor(compute / node power); racks =
    ceil(nodes / nodes per rack). PUE definition: The Green Grid (2012), Barroso et al. 2018."""
    check_positive("facility_w", facility_w)
    if pue < 1:
        raise InvalidInputError("pue", f"must be >= 1, got {pue}")
    check_positive("fabric_fraction", fabric_fraction, allow_zero=True)
    rack = rack_plan(node, rack_budget_w, max_nodes)
    it = facility_w / pue
    compute = it / (1 + fabric_fraction)
    nodes = int(compute // node.node_w)
    racks = -(-nodes // rack.nodes)
    return SiteCapacity(float(facility_w), float(pue), it, compute, nodes, racks,
                        nodes * node.accelerators)
