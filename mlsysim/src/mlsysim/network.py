"""Clusters and collective communication by the alpha-beta model.

time = (number of message steps) x alpha + (bytes each GPU must send) / beta, with beta the
PER-DIRECTION bandwidth of one GPU's share of the link: a ring all-reduce sends
2 (n-1)/n of the buffer out of every GPU, in 2 (n-1) steps."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._units import ArrayLike, ResultMixin, check_positive
from .errors import InvalidInputError
from .registry import Fabric, Hardware, fabric, hardware

# default scale-out network for each scale-up link (what the vendor's reference node ships)
_DEFAULT_INTER = {
    "NVLink2": "IB-HDR", "NVLink3": "IB-HDR", "NVLink4": "IB-NDR", "NVLink5": "IB-XDR",
    "NVLink4-H800": "IB-NDR",
    "InfinityFabric-MI300": "Ethernet-400G", "Ethernet-Gaudi3": "Ethernet-400G",
}


@dataclass(frozen=True)
class Cluster(ResultMixin):
    """`gpus` accelerators in nodes of `gpus_per_node`, joined by `intra` inside a node
    (NVLink, ICI) and `inter` between nodes (InfiniBand, Ethernet), one NIC per GPU."""

    hardware: Hardware
    gpus: int
    gpus_per_node: int
    intra: Fabric
    inter: Fabric

    @property
    def nodes(self) -> int:
        return -(-self.gpus // self.gpus_per_node)

    def __str__(self) -> str:
        return (f"Cluster: {self.gpus} x {self.hardware.name} ({self.nodes} nodes of "
                f"{self.gpus_per_node}); intra {self.intra.name} "
                f"{self.intra.bw_per_direction / 1e9:,.0f} GB/s/dir, inter {self.inter.name} "
                f"{self.inter.bw_per_direction / 1e9:,.0f} GB/s/dir per GPU")


def cluster(hw: Hardware | str, gpus: int, fabric: str | Fabric | None = None,
            gpus_per_node: int | None = None, intra: str | Fabric | None = None) -> Cluster:
    """Build a cluster. `fabric` is the network between nodes (default: the vendor's usual
    one, e.g. InfiniBand NDR for H100); TPUs' ICI spans the whole slice, so a TPU cluster is
    one 'node'."""
    from .registry import fabric as get_fabric

    h = hardware(hw)
    gpus = check_positive("gpus", gpus, integer=True)
    is_tpu = (h.scale_up or "").endswith("ICI")
    if gpus_per_node is None:
        gpus_per_node = gpus if is_tpu else (8 if h.category == "datacenter" else 1)
    gpus_per_node = check_positive("gpus_per_node", gpus_per_node, integer=True)
    gpus_per_node = min(gpus_per_node, gpus)
    intra_f = get_fabric(intra or h.scale_up or h.host_link or "PCIe4")
    if fabric is None:
        fabric = _DEFAULT_INTER.get(h.scale_up or "", intra_f.name if is_tpu else "Ethernet-100G")
    inter_f = get_fabric(fabric)
    return Cluster(h, int(gpus), int(gpus_per_node), intra_f, inter_f)


def _fab(f: Fabric | str | Cluster) -> Fabric:
    if isinstance(f, Cluster):
        return f.inter
    return fabric(f)


def allreduce_time(nbytes: ArrayLike, n: ArrayLike | Cluster,
                   fabric: Fabric | str | Cluster | None = None,
                   algorithm: str | None = None, gpus_per_node: int = 8,
                   intra: Fabric | str | None = None) -> ArrayLike:
    """Seconds to all-reduce `nbytes` across `n` GPUs (alpha-beta model).

    ring: 2(n-1) steps, each GPU sends 2(n-1)/n x bytes — bandwidth-optimal, latency grows
    with n. tree (pipelined double binary tree, as NCCL): 2 log2(n) steps, about 2 x bytes
    per GPU — better for small messages at scale. hierarchical: reduce-scatter inside each
    node over `intra`, ring all-reduce of the 1/g shard across nodes over `fabric`, then
    all-gather inside the node; passing a Cluster uses its intra/inter fabrics.
    ``allreduce_time(bytes, cluster)`` all-reduces over every GPU of the cluster: a single
    ring inside one node, hierarchical across nodes."""
    if (isinstance(n, Cluster) and fabric is None and algorithm is None and intra is None
            and type(nbytes) in (int, float, np.float64) and 0 <= nbytes < math.inf):
        return _cluster_allreduce(float(nbytes), n)
    if isinstance(n, Cluster):
        cl = n
        n = cl.gpus
        if fabric is None:
            fabric = cl if cl.nodes > 1 else cl.intra
            if algorithm is None and cl.nodes > 1:
                algorithm = "hierarchical"
        gpus_per_node = cl.gpus_per_node
        intra = intra or cl.intra
    if fabric is None:
        raise InvalidInputError("fabric", "give a fabric (e.g. 'IB-NDR') or pass a Cluster")
    algorithm = algorithm or "ring"
    nbytes = check_positive("bytes", nbytes, allow_zero=True)
    n = check_positive("n", n, integer=True)
    if isinstance(fabric, Cluster):
        gpus_per_node = fabric.gpus_per_node
        intra = intra or fabric.intra
    f = _fab(fabric)
    n_a = np.asarray(n, dtype=float)
    if algorithm == "ring":
        t = 2 * (n_a - 1) * f.latency_s + 2 * (n_a - 1) / n_a * nbytes / f.bw_per_direction
    elif algorithm == "tree":
        t = np.where(n_a > 1, 2 * np.ceil(np.log2(np.maximum(n_a, 1))) * f.latency_s
                     + 2 * nbytes / f.bw_per_direction, 0.0)
    elif algorithm == "hierarchical":
        fi = _fab(intra) if intra is not None else f
        g = np.minimum(float(gpus_per_node), n_a)
        nodes = np.ceil(n_a / g)
        local = (g - 1) * fi.latency_s + (g - 1) / g * nbytes / fi.bw_per_direction
        cross = np.where(nodes > 1, 2 * (nodes - 1) * f.latency_s
                         + 2 * (nodes - 1) / nodes * (nbytes / g) / f.bw_per_direction, 0.0)
        t = 2 * local + cross
    else:
        raise InvalidInputError("algorithm", f"{algorithm!r} is not ring, tree or hierarchical")
    t = np.where(n_a > 1, t, 0.0)
    return float(t) if np.ndim(t) == 0 else t


def _cluster_allreduce(nbytes: float, cl: Cluster) -> float:
    """Scalar fast path of `allreduce_time(bytes, cluster)` in plain floats (serve() calls it
    per pass): one ring inside a node, hierarchical across nodes, the same formulas."""
    n = cl.gpus
    if n <= 1:
        return 0.0
    if cl.nodes == 1:
        f = cl.intra
        return 2 * (n - 1) * f.latency_s + 2 * (n - 1) / n * nbytes / f.bw_per_direction
    fi, f = cl.intra, cl.inter
    g = float(min(cl.gpus_per_node, n))
    nodes = math.ceil(n / g)
    local = (g - 1) * fi.latency_s + (g - 1) / g * nbytes / fi.bw_per_direction
    cross = 2 * (nodes - 1) * f.latency_s + 2 * (nodes - 1) / nodes * (nbytes / g) / f.bw_per_direction
    return 2 * local + cross


def allgather_time(nbytes: ArrayLike, n: ArrayLike, fabric: Fabric | str | Cluster) -> ArrayLike:
    """Ring all-gather (or reduce-scatter) of a `nbytes` result across `n` GPUs: half a ring
    all-reduce."""
    f = _fab(fabric)
    n_a = np.asarray(check_positive("n", n, integer=True), dtype=float)
    t = np.where(n_a > 1, (n_a - 1) * f.latency_s + (n_a - 1) / n_a * nbytes / f.bw_per_direction, 0.0)
    return float(t) if np.ndim(t) == 0 else t


def alltoall_time(nbytes: ArrayLike, n: ArrayLike, fabric: Fabric | str | Cluster) -> ArrayLike:
    """All-to-all where each GPU holds `nbytes` and keeps 1/n of it (expert parallelism)."""
    return allgather_time(nbytes, n, fabric)
