"""An all-to-all (the exchange of mixture-of-experts layers) on three fabric designs.

In an all-to-all every GPU sends a slice of its buffer to every other GPU, so, unlike a ring
all-reduce, most of the bytes cross the middle of the network. Three bounds decide its time,
and the largest wins:

- *injection*: each GPU pushes (n-1)/n of its `nbytes` through its own NIC;
- *fabric*: in a fat-tree whose leaves are oversubscribed r:1, the (n-h)/n of each GPU's bytes
  that leave its leaf share uplinks worth 1/r of the hosts' bandwidth
  (`oversubscribed_alltoall_time`); in a torus, uniform traffic must cross the bisection, a
  cut of 2N/k_max links, carrying N x nbytes / 4 bytes each way [Dally and Towles 2004];
- *latency*: n - 1 messages of alpha each.

A rail-optimised fabric wires GPU i of every node to rail switch i (the DGX SuperPOD layout);
a GPU reaches a peer on another rail by first moving the data over NVLink to the local GPU on
that rail (NCCL's PXN), so the all-to-all costs one NVLink hop plus a full-bisection rail.
Each rail is sized as its own `fat_tree` of the nodes."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ._units import ResultMixin, check_positive
from .errors import InvalidInputError
from .registry import Fabric, fabric
from .topology import TRANSCEIVER_POWER_W, fat_tree, oversubscribed_alltoall_time, torus

#: The designs `alltoall_on_fabric` knows, with what each one is.
DESIGNS = {
    "fat-tree 1:1": "folded Clos, full bisection",
    "fat-tree 2:1": "folded Clos, leaves oversubscribed 2:1",
    "fat-tree 4:1": "folded Clos, leaves oversubscribed 4:1",
    "rail-optimised": "GPU i of every node on rail i, NVLink hop to change rails",
    "3-D torus": "direct links between neighbours, no switches",
}


@dataclass(frozen=True)
class FabricAllToAll(ResultMixin):
    """Time of one all-to-all on a fabric design, which bound sets it, and what the fabric
    costs (switches, and power of switches plus optical transceivers)."""

    design: str
    gpus: int
    bytes_per_gpu: float
    injection_s: float
    fabric_s: float
    latency_s: float
    time_s: float
    bound: str
    bisection_bw: float
    switches: int
    power_w: float

    _units = {"bytes_per_gpu": "B", "injection_s": "s", "fabric_s": "s", "latency_s": "s",
              "time_s": "s", "bisection_bw": "B/s", "power_w": "W"}


def torus_dims(n: int) -> tuple[int, int, int]:
    """The most cube-like k1 x k2 x k3 = n with k1 <= k2 <= k3 (how a slice is carved)."""
    n = check_positive("n", n, integer=True)
    best = (1, 1, n)
    for a in range(1, round(n ** (1 / 3)) + 2):
        if n % a:
            continue
        for b in range(a, math.isqrt(n // a) + 1):
            if (n // a) % b == 0 and n // a // b >= b:
                c = n // a // b
                if c - a < best[2] - best[0]:
                    best = (a, b, c)
    return best


def alltoall_on_fabric(nbytes: float, gpus: int, design: str = "fat-tree 1:1",
                       link: Fabric | str = "IB-NDR", radix: int = 64, gpus_per_node: int = 8,
                       nvlink: Fabric | str = "NVLink4") -> FabricAllToAll:
    """All-to-all of `nbytes` per GPU across `gpus` GPUs on one of `DESIGNS`.

    Every design gives each GPU the same injection bandwidth, `link`'s per-direction rate
    (in the torus it is split evenly over the chip's 6 links), so only the topology differs.
    time = max(injection, fabric) + (n - 1) alpha."""
    nbytes = check_positive("nbytes", nbytes)
    n = check_positive("gpus", gpus, integer=True)
    if design not in DESIGNS:
        raise InvalidInputError("design", f"unknown fabric design {design!r}; one of "
                                f"{', '.join(DESIGNS)}")
    f = fabric(link)
    g = check_positive("gpus_per_node", gpus_per_node, integer=True)
    inject = (n - 1) / n * nbytes / f.bw_per_direction
    lat = (n - 1) * f.latency_s
    if design.startswith("fat-tree"):
        r = float(design.split()[1].split(":")[0])
        ft = fat_tree(n, radix, f, oversubscription=r)
        leaf = math.floor(radix * r / (r + 1))
        total = oversubscribed_alltoall_time(nbytes, n, f, leaf, r)
        fab_s, bisect, switches, power = total - lat, ft.bisection_bw, ft.switches, ft.power_w
    elif design == "rail-optimised":
        if n % g:
            raise InvalidInputError("gpus", f"a rail-optimised fabric needs whole nodes of {g}")
        rail = fat_tree(n // g, radix, f)
        hop = (g - 1) / g * (n - g) / n * nbytes / fabric(nvlink).bw_per_direction
        fab_s = (n - g) / n * nbytes / f.bw_per_direction + hop
        bisect, switches, power = g * rail.bisection_bw, g * rail.switches, g * rail.power_w
    else:
        t = torus(torus_dims(n), f.bw_per_direction / 6)
        fab_s = n * nbytes / 4 / t.bisection_bw if t.bisection_bw else 0.0
        bisect, switches, power = t.bisection_bw, 0, 2 * t.links * TRANSCEIVER_POWER_W
    bound = "latency" if lat > max(inject, fab_s) else (
        "fabric" if fab_s > inject * 1.001 else "injection")
    return FabricAllToAll(design, n, float(nbytes), inject, fab_s, lat,
                          max(inject, fab_s) + lat, bound, float(bisect), int(switches),
                          float(power))
