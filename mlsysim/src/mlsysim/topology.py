"""Network topologies: what a fabric costs in switches, cables and power, and what it delivers.

The models are counting arguments on regular graphs, good to the first digit, which is what a
design review needs:

- `fat_tree`: a folded Clos network [Clos 1953; Leiserson 1985; Al-Fares et al. 2008] of
  identical `radix`-port switches, optionally oversubscribed at the leaf (down:up = r:1).
- `torus`: a k1 x k2 x ... wrap-around mesh, as TPU v4's 3-D ICI [Jouppi et al. 2023].
- `dragonfly`: groups of routers, all-to-all inside a group and one global link between each
  pair of groups [Kim, Dally, Scott and Abts 2008].
- `ecmp`: static hashing of flows onto equal-cost paths, the balls-into-bins view of why a
  few large flows collide [Hopps 2000, RFC 2992].
- `oversubscribed_alltoall_time`: an all-to-all whose cross-leaf share squeezes through
  oversubscribed uplinks; a ring all-reduce barely notices the same squeeze."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ._units import ResultMixin, check_positive
from .errors import InvalidInputError
from .registry import Fabric, fabric

#: Assumed electrical power of one switch ASIC box (W), of the order of the datasheets of
#: 64-port 400 Gb/s InfiniBand and Ethernet switches. An assumption: pass your own.
SWITCH_POWER_W = 1000.0
#: Assumed power of one pluggable optical transceiver (W), of the order of 400 Gb/s modules.
TRANSCEIVER_POWER_W = 12.0


@dataclass(frozen=True)
class FatTree(ResultMixin):
    """A folded Clos built for `hosts` endpoints: its size, and its bisection bandwidth in
    bytes/s per direction. `links` counts every cable (host links included); `power_w` counts
    switches plus two transceivers per switch-to-switch link (host links are assumed short
    copper or counted with the node)."""

    hosts: int
    radix: int
    tiers: int
    oversubscription: float
    max_hosts: int
    switches: int
    links: int
    switch_links: int
    bisection_bw: float
    full_bisection_bw: float
    power_w: float

    _units = {"bisection_bw": "B/s", "full_bisection_bw": "B/s", "power_w": "W"}

    @property
    def switches_per_host(self) -> float:
        return self.switches / self.hosts


def _fat_tree_capacity(radix: int, tiers: int, r: float) -> int:
    """Largest host count of a `tiers`-level folded Clos: 2 (k/2)^(t-1) leaves, each serving
    k r/(r+1) hosts (k/2 when r = 1, so a full-bisection tree holds 2 (k/2)^t hosts)."""
    down = math.floor(radix * r / (r + 1))
    if tiers == 1:
        return radix
    return int(2 * (radix // 2) ** (tiers - 1) * down)


def fat_tree(hosts: int, radix: int = 64, link: Fabric | str = "IB-NDR",
             oversubscription: float = 1.0, tiers: int | None = None,
             switch_power_w: float = SWITCH_POWER_W,
             transceiver_power_w: float = TRANSCEIVER_POWER_W) -> FatTree:
    """Size a fat-tree (folded Clos) of `radix`-port switches for `hosts` endpoints.

    Leaves split their ports r:1 between hosts and uplinks (r = `oversubscription`, 1 for full
    bisection); every tier above carries the leaves' uplink capacity U = H / r host-links. A
    middle tier needs 2U/k switches and the top tier U/k, so a full-bisection t-tier tree uses
    about (2t - 1) H / k switches and t H cables [Al-Fares et al. 2008 give 5k^2/4 switches
    for k^3/4 hosts at t = 3]. Bisection bandwidth is min(H, U)/2 links of `link`'s
    per-direction rate [Leiserson 1985]. `tiers` defaults to the fewest that fit."""
    hosts = check_positive("hosts", hosts, integer=True)
    radix = check_positive("radix", radix, integer=True)
    if radix < 4 or radix % 2:
        raise InvalidInputError("radix", f"must be an even number >= 4, got {radix}")
    r = float(check_positive("oversubscription", oversubscription))
    if r < 1:
        raise InvalidInputError("oversubscription", f"must be >= 1 (down:up ratio), got {r}")
    if math.floor(radix * r / (r + 1)) >= radix:
        raise InvalidInputError("oversubscription", f"{r:g}:1 leaves no uplink on a {radix}-port leaf")
    f = fabric(link)
    if tiers is None:
        tiers = next(t for t in range(1, 8) if _fat_tree_capacity(radix, t, r) >= hosts)
    tiers = check_positive("tiers", tiers, integer=True)
    cap = _fat_tree_capacity(radix, tiers, r)
    if cap < hosts:
        raise InvalidInputError("tiers", f"{tiers} tier(s) of {radix}-port switches hold at most "
                                         f"{cap:,} hosts, fewer than {hosts:,}")
    if tiers == 1:
        return FatTree(hosts, radix, 1, r, cap, 1, hosts, 0, hosts / 2 * f.bw_per_direction,
                       hosts / 2 * f.bw_per_direction, switch_power_w)
    down = math.floor(radix * r / (r + 1))
    leaves = -(-hosts // down)
    up = leaves * (radix - down)  # uplink cables leaving the leaf tier
    middle = (tiers - 2) * (-(-2 * up // radix))
    top = -(-up // radix)
    switches = leaves + middle + top
    switch_links = up * (tiers - 1)
    bisect = min(hosts, up) / 2 * f.bw_per_direction
    power = switches * switch_power_w + 2 * switch_links * transceiver_power_w
    return FatTree(hosts, radix, tiers, r, cap, switches, hosts + switch_links, switch_links,
                   bisect, hosts / 2 * f.bw_per_direction, power)


@dataclass(frozen=True)
class Torus(ResultMixin):
    """A wrap-around mesh: `dims` chips per dimension, `degree` links per chip, hop counts,
    and bisection bandwidth (bytes/s per direction) across a cut of the longest dimension."""

    dims: tuple[int, ...]
    chips: int
    degree: int
    links: int
    diameter_hops: int
    mean_hops: float
    bisection_bw: float

    _units = {"bisection_bw": "B/s"}


def torus(dims: tuple[int, ...] | list[int], link_bw: float) -> Torus:
    """A k1 x k2 x ... torus with `link_bw` bytes/s per direction on each link.

    Cutting the longest dimension k_max in half severs 2 N / k_max links (two per ring, thanks
    to the wrap-around), so bisection = 2 N / k_max x link_bw. Diameter = sum floor(k_i / 2);
    mean hop count of uniform traffic is sum of each ring's mean distance (about k_i / 4)
    [Dally and Towles 2004]."""
    dims_t = tuple(int(check_positive("dims", d, integer=True)) for d in dims)
    if not dims_t:
        raise InvalidInputError("dims", "give at least one dimension")
    link_bw = check_positive("link_bw", link_bw)
    n = int(np.prod(dims_t))
    degree = sum(2 if k > 2 else (1 if k == 2 else 0) for k in dims_t)
    links = sum(n if k > 2 else (n // 2 if k == 2 else 0) for k in dims_t)
    kmax = max(dims_t)
    cut = (2 if kmax > 2 else 1) * n // kmax if kmax > 1 else 0
    mean = sum(float(np.mean(np.minimum(np.arange(k), k - np.arange(k)))) for k in dims_t)
    return Torus(dims_t, n, degree, links, sum(k // 2 for k in dims_t), mean, cut * link_bw)


@dataclass(frozen=True)
class Dragonfly(ResultMixin):
    """A dragonfly of `groups` groups of `routers_per_group` routers, each router with
    `hosts_per_router` endpoints and `global_per_router` global links."""

    routers_per_group: int
    hosts_per_router: int
    global_per_router: int
    groups: int
    hosts: int
    routers: int
    radix: int
    global_links: int
    diameter_hops: int


def dragonfly(routers_per_group: int, hosts_per_router: int, global_per_router: int) -> Dragonfly:
    """The largest dragonfly of routers with a = `routers_per_group`, p = `hosts_per_router`,
    h = `global_per_router`: g = a h + 1 groups (one global link between every pair), N = a p g
    hosts, router radix p + (a - 1) + h, diameter 3 router-to-router hops (local, global,
    local) with minimal routing. Kim et al. (2008) balance the load with a = 2p = 2h."""
    a = check_positive("routers_per_group", routers_per_group, integer=True)
    p = check_positive("hosts_per_router", hosts_per_router, integer=True)
    h = check_positive("global_per_router", global_per_router, integer=True)
    g = a * h + 1
    return Dragonfly(a, p, h, g, a * p * g, a * g, p + a - 1 + h, g * (g - 1) // 2, 3)


@dataclass(frozen=True)
class Ecmp(ResultMixin):
    """Flows hashed onto equal-cost paths: the fraction of aggregate bandwidth delivered, the
    chance a given flow shares its path, and the expected load of the busiest path (how much
    slower the last flow of a collective finishes than with perfect spreading)."""

    flows: int
    paths: int
    throughput_fraction: float
    p_shared: float
    expected_max_load: float
    slowdown: float


@lru_cache(maxsize=128)
def _max_load(flows: int, paths: int, trials: int, seed: int) -> float:
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, paths, size=(trials, flows))
    counts = np.zeros((trials, paths), dtype=np.int32)
    np.add.at(counts, (np.arange(trials)[:, None], picks), 1)
    return float(counts.max(axis=1).mean())


def ecmp(flows: int, paths: int, trials: int = 2000, seed: int = 0) -> Ecmp:
    """Hash `flows` equal, long-lived flows uniformly onto `paths` equal-cost paths.

    Each path is busy with probability 1 - (1 - 1/P)^F, so with max-min sharing the fabric
    delivers P (1 - (1 - 1/P)^F) / min(F, P) of what perfect spreading would; for F = P large
    that tends to 1 - 1/e, about 63%. A flow shares its path with probability
    1 - (1 - 1/P)^(F-1). The busiest path's load (the slowest flow's share) is estimated by
    `trials` seeded draws; `slowdown` divides it by the ideal ceil(F / P)."""
    flows = check_positive("flows", flows, integer=True)
    paths = check_positive("paths", paths, integer=True)
    trials = check_positive("trials", trials, integer=True)
    q = 1 - 1 / paths
    busy = paths * (1 - q ** flows)
    maxload = _max_load(int(flows), int(paths), int(trials), int(seed))
    return Ecmp(flows, paths, busy / min(flows, paths), 1 - q ** (flows - 1), maxload,
                maxload / -(-flows // paths))


def oversubscribed_alltoall_time(nbytes: float, n: int, link: Fabric | str,
                                 hosts_per_leaf: int, oversubscription: float = 1.0) -> float:
    """Seconds for an all-to-all in which each of `n` GPUs holds `nbytes` and keeps 1/n of it,
    the GPUs sitting `hosts_per_leaf` to a leaf switch whose uplinks carry 1/r of its host
    bandwidth (r = `oversubscription`).

    Each GPU sends (n - 1)/n x bytes over its own link, and (n - h)/n x bytes of it must leave
    the leaf, where h GPUs share uplinks worth h x bw / r. Time = (n - 1) alpha + bytes / bw x
    max((n - 1)/n, r (n - h)/n): the uplinks become the bottleneck once r (n - h) > n - 1,
    that is as soon as r > 1 for a job spanning many leaves. A ring all-reduce over the same
    leaves sends only one flow per direction across each leaf boundary and is unaffected."""
    nbytes = check_positive("bytes", nbytes, allow_zero=True)
    n = check_positive("n", n, integer=True)
    h = min(check_positive("hosts_per_leaf", hosts_per_leaf, integer=True), n)
    r = float(check_positive("oversubscription", oversubscription))
    if r < 1:
        raise InvalidInputError("oversubscription", f"must be >= 1 (down:up ratio), got {r}")
    f = fabric(link)
    if n == 1:
        return 0.0
    factor = max((n - 1) / n, r * (n - h) / n)
    return (n - 1) * f.latency_s + nbytes / f.bw_per_direction * factor
