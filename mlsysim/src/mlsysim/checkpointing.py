"""Checkpoints and redundancy: what a save costs, how likely a run is to be interrupted, the
higher-order checkpoint interval, and how many serving replicas keep enough capacity up.

These complete `reliability` (fleet MTBF, Young-Daly, first-order goodput) with the storage
side of the trade-off: the save cost C that Young-Daly takes as given is a size divided by a
bandwidth, and which bandwidth it is (host memory or shared storage) decides whether training
waits for it."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._units import ArrayLike, ResultMixin, check_positive
from .errors import InvalidInputError
from .reliability import DEFAULT_GPU_MTBF_HOURS

#: Bytes of checkpoint state per parameter for mixed-precision Adam: bf16 weights (2) plus fp32
#: master weights and two fp32 moments (12), the accounting of Rajbhandari et al. (SC 2020, ZeRO).
ADAM_MIXED_BYTES_PER_PARAM = 2 + 12


@dataclass(frozen=True)
class CheckpointCost(ResultMixin):
    """Time to save one checkpoint, split into the part training waits for and the rest."""

    state_bytes: float
    writers: int
    bytes_per_writer: float
    storage_bw: float
    snapshot_s: float
    persist_s: float
    blocking_s: float

    _units = {"state_bytes": "B", "bytes_per_writer": "B", "storage_bw": "B/s",
              "snapshot_s": "s", "persist_s": "s", "blocking_s": "s"}


def checkpoint_cost(state_bytes: float, writers: int, storage_bw: float,
                    writer_bw: float | None = None,
                    snapshot_bw: float | None = None) -> CheckpointCost:
    """Seconds to save `state_bytes` sharded evenly over `writers`.

    Persisting is limited by the slower of the shared storage's aggregate bandwidth
    `storage_bw` and the writers' combined link bandwidth `writers * writer_bw` (B/s):
    persist = S / min(B_storage, n * b_writer). With `snapshot_bw` (each writer's copy
    bandwidth to host memory, e.g. PCIe) the save is asynchronous, as in CheckFreq (Mohan et
    al., FAST 2021): training blocks only for the snapshot S / (n * b_snap) and persisting
    overlaps with the next steps. Without it the save is synchronous and blocks for the
    whole persist time."""
    state_bytes = check_positive("state_bytes", state_bytes)
    writers = check_positive("writers", writers, integer=True)
    storage_bw = check_positive("storage_bw", storage_bw)
    bw = storage_bw
    if writer_bw is not None:
        bw = min(bw, writers * check_positive("writer_bw", writer_bw))
    persist = state_bytes / bw
    per = state_bytes / writers
    if snapshot_bw is None:
        return CheckpointCost(state_bytes, writers, per, bw, 0.0, persist, persist)
    snap = per / check_positive("snapshot_bw", snapshot_bw)
    return CheckpointCost(state_bytes, writers, per, bw, snap, persist, snap)


def interruption_probability(n: ArrayLike, hours: ArrayLike,
                             device_mtbf_hours: float = DEFAULT_GPU_MTBF_HOURS) -> ArrayLike:
    """Probability that a synchronous job on `n` devices is interrupted within `hours`.

    With independent, exponentially distributed failures the job's failures form a Poisson
    process of rate n / M1, so P = 1 - exp(-n t / M1) (Barlow and Proschan, *Mathematical
    Theory of Reliability*, 1965)."""
    n = check_positive("n", n, integer=True)
    t = check_positive("hours", hours, allow_zero=True)
    m1 = check_positive("device_mtbf_hours", device_mtbf_hours)
    p = -np.expm1(-np.asarray(n, float) * np.asarray(t, float) / m1)
    return p if np.ndim(p) else float(p)


def daly_interval(checkpoint_s: float, mtbf_s: float) -> float:
    """Daly's higher-order optimum checkpoint interval (seconds of compute between saves).

    Daly (FGCS 2006), for save cost d < 2M:
    tau = sqrt(2 d M) * (1 + sqrt(d/2M)/3 + (d/2M)/9) - d, and tau = M otherwise. It
    matches Young's sqrt(2 d M) when d << M and stays sensible when saves are expensive."""
    d = check_positive("checkpoint_s", checkpoint_s)
    m = check_positive("mtbf_s", mtbf_s)
    if d >= 2 * m:
        return float(m)
    x = d / (2 * m)
    return float(math.sqrt(2 * d * m) * (1 + math.sqrt(x) / 3 + x / 9) - d)


def replica_availability(replicas: int, needed: int, up: float) -> float:
    """Probability that at least `needed` of `replicas` independent replicas are up.

    Each replica is up with probability `up` (its availability, MTBF / (MTBF + MTTR)); the
    count of live replicas is binomial, so P = sum_{k >= needed} C(r, k) up^k (1-up)^(r-k)."""
    r = check_positive("replicas", replicas, integer=True)
    k = check_positive("needed", needed, integer=True)
    if k > r:
        raise InvalidInputError("needed", f"cannot exceed replicas ({r}), got {k}")
    if not 0.0 <= up <= 1.0:
        raise InvalidInputError("up", f"must be a probability in [0, 1], got {up!r}")
    return float(sum(math.comb(r, i) * up**i * (1 - up) ** (r - i) for i in range(k, r + 1)))
