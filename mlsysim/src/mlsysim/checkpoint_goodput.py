"""Goodput of a checkpointing plan, synchronous or asynchronous, from the storage it writes to.

`training_goodput` takes the save time as given; here it follows from the checkpoint's size and
the bandwidths on its way out, and an asynchronous save changes two terms, not one:

- synchronous: training stops for the whole write, persist = S / min(B_storage, n b_writer);
  goodput = 1 - persist/tau - (tau/2 + R)/M  [Young 1974; Daly 2006];
- asynchronous (CheckFreq, Mohan et al., FAST 2021): training stops only to snapshot its shard
  to host memory, S / (n b_snap), while the copy persists in the background. A failure then
  loses, on average, tau/2 plus the persist time, because the newest durable checkpoint is the
  one before the copy in flight; and a persist longer than tau makes the next snapshot wait:
  stall = snapshot + max(0, persist - tau). goodput = 1 - stall/tau - (tau/2 + persist + R)/M.

M is the job's MTBF (`fleet_mtbf`), tau the compute time between checkpoints. The best interval
is found on a fine grid from once a minute up, so it stays right where persist > tau breaks Young-Daly's form."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._units import ResultMixin, check_positive
from .checkpointing import checkpoint_cost
from .reliability import DEFAULT_GPU_MTBF_HOURS, fleet_mtbf

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


def _terms(tau: np.ndarray, snap: float, persist: float, restart: float, mtbf: float,
           asynchronous: bool) -> tuple[np.ndarray, np.ndarray, float]:
    """(checkpoint overhead, lost work, restart overhead) as fractions of wall-clock time."""
    if asynchronous:
        stall = snap + np.maximum(0.0, persist - tau)
        return stall / tau, (tau / 2 + persist) / mtbf, restart / mtbf
    return persist / tau, tau / 2 / mtbf, restart / mtbf


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
    snap, persist = cost.snapshot_s, cost.persist_s
    grid = np.geomspace(MIN_INTERVAL_S, 48 * 3600.0, 2000)
    ck, lost, rs = _terms(grid, snap, persist, restart, mtbf, asynchronous)
    good = np.clip(1 - ck - lost - rs, 0.0, 1.0)
    i = int(np.argmax(good))
    c1, l1, _ = _terms(np.asarray(float(tau)), snap, persist, restart, mtbf, asynchronous)
    return CheckpointPlan(float(state_bytes), mtbf, float(tau), float(cost.blocking_s),
                          float(persist), float(c1), float(l1), rs,
                          float(max(0.0, 1 - c1 - l1 - rs)), float(grid[i]), float(good[i]),
                          bool(asynchronous))


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
    ck, lost, rs = _terms(tau, cost.snapshot_s, cost.persist_s, restart_s, mtbf, asynchronous)
    return np.clip(1 - ck - lost - rs, 0.0, 1.0)
