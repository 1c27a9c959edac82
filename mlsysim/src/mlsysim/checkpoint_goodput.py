"""Goodput of a checkpointing plan, synchronous or asynchronous, from the storage it writes to.

`training_goodput` takes the save time as given and owns the goodput formula for both kinds of
save; here the times follow from the checkpoint's size and the bandwidths on its way out
(`checkpoint_cost`):

- synchronous: training stops for the whole write, persist = S / min(B_storage, n b_writer);
- asynchronous (CheckFreq, Mohan et al., FAST 2021): training stops only to snapshot its shard
  to host memory, S / (n b_snap), while the copy persists in the background, which a failure
  also loses and which delays the next snapshot when it outlasts the interval.

M is the job's MTBF (`fleet_mtbf`), tau the compute time between checkpoints. The best interval
is found on a fine grid from once a minute up, so it stays right where persist > tau breaks
Young-Daly's form."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._units import ArrayLike, ResultMixin, check_positive
from .checkpointing import CheckpointCost, checkpoint_cost
from .reliability import DEFAULT_GPU_MTBF_HOURS, Goodput, fleet_mtbf, training_goodput

#: Each GPU's copy bandwidth into host memory for an asynchronous snapshot, bytes/s: a PCIe 5.0
#: x16 link moves 63 GB/s each way (PCI-SIG); half of it is assumed achievable while training.
DEFAULT_SNAPSHOT_BW = 31.5e9
#: Shortest interval the best-interval search considers, seconds: an assumption that a job
#: checkpoints at most once a minute (a step takes seconds, and the store has other clients).
MIN_INTERVAL_S = 60.0


@dataclass(frozen=True)
class CheckpointPlan(ResultMixin):
    """Where a checkpointing plan's time goes, and the best interval for the same storage."""

    state_bytes: float
    mtbf_s: float
    interval_s: float
    blocking_s: float
    persist_s: float
    checkpoint_overhead: float
    lost_work: float
    restart_overhead: float
    goodput: float
    best_interval_s: float
    best_goodput: float
    asynchronous: bool

    _units = {"state_bytes": "B", "mtbf_s": "s", "interval_s": "s", "blocking_s": "s",
              "persist_s": "s", "best_interval_s": "s"}


def _goodput(cost: CheckpointCost, mtbf_s: float, restart_s: float, tau: ArrayLike,
             asynchronous: bool) -> Goodput:
    """`training_goodput` for a save of this cost: an asynchronous one blocks for its snapshot
    and persists in the background, a synchronous one blocks for the whole persist."""
    background = cost.persist_s if asynchronous else 0.0
    return training_goodput(mtbf_s, cost.blocking_s, restart_s, tau, background)


def checkpoint_plan(state_bytes: float, gpus: int, storage_bw: float, interval_s: float,
                    asynchronous: bool = False, restart_s: float = 600.0,
                    writer_bw: float | None = None,
                    snapshot_bw: float = DEFAULT_SNAPSHOT_BW,
                    device_mtbf_hours: float = DEFAULT_GPU_MTBF_HOURS) -> CheckpointPlan:
    """Goodput of saving `state_bytes` (sharded over all `gpus`) every `interval_s` seconds of
    compute to storage with aggregate `storage_bw` bytes/s (each GPU's path to it capped at
    `writer_bw`), synchronously or asynchronously (see the module's formulas)."""
    gpus = check_positive("gpus", gpus, integer=True)
    tau = check_positive("interval_s", interval_s)
    restart = check_positive("restart_s", restart_s, allow_zero=True)
    cost = checkpoint_cost(state_bytes, gpus, storage_bw, writer_bw,
                           snapshot_bw if asynchronous else None)
    mtbf = float(fleet_mtbf(gpus, device_mtbf_hours)) * 3600.0
    grid = np.geomspace(MIN_INTERVAL_S, 48 * 3600.0, 2000)
    best = _goodput(cost, mtbf, restart, grid, asynchronous)
    i = int(np.argmax(best.goodput))
    at = _goodput(cost, mtbf, restart, tau, asynchronous)
    return CheckpointPlan(float(state_bytes), mtbf, float(tau), float(cost.blocking_s),
                          float(cost.persist_s), at.checkpoint_overhead, at.lost_work,
                          at.restart_overhead, at.goodput, float(grid[i]),
                          float(best.goodput[i]), bool(asynchronous))


def checkpoint_goodput_curve(state_bytes: float, gpus: int, storage_bw: float,
                             intervals_s: np.ndarray, asynchronous: bool = False,
                             restart_s: float = 600.0, writer_bw: float | None = None,
                             snapshot_bw: float = DEFAULT_SNAPSHOT_BW,
                             device_mtbf_hours: float = DEFAULT_GPU_MTBF_HOURS) -> np.ndarray:
    """Goodput at each of `intervals_s` (vectorised `checkpoint_plan`, for plots)."""
    tau = np.asarray(check_positive("intervals_s", intervals_s), float)
    cost = checkpoint_cost(state_bytes, check_positive("gpus", gpus, integer=True), storage_bw,
                           writer_bw, snapshot_bw if asynchronous else None)
    mtbf = float(fleet_mtbf(gpus, device_mtbf_hours)) * 3600.0
    return np.asarray(_goodput(cost, mtbf, restart_s, tau, asynchronous).goodput, float)
