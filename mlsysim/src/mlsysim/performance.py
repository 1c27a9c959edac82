"""Where a training or serving step's time goes: the ledger a performance engineer keeps.

`train()` predicts a step from its parts; a profile measures one. Both are read the same
way: as the time the model's FLOPs would take at the device's peak (the part MFU counts)
plus named losses on top of it. This module keeps that ledger and adds the three losses a
plan model does not see: waiting for the slowest rank, waiting for the input pipeline, and
waiting for the host to issue kernels.

- Stragglers: a synchronous step ends when the slowest of `n` ranks ends; for independent
  Gaussian jitter of standard deviation `sigma` that costs at most `sigma x sqrt(2 ln n)`
  (`collective_algorithms.straggler_step_time`).
- Data stalls: a loader that prefetches runs beside the step, so the step waits only for the
  part of the batch's load time that exceeds the step; one that does not prefetch adds all.
- Host overhead: a GPU runs queued kernels asynchronously, so the step takes the longer of
  the host's time to issue them and the device's time to run them (graph replay issues the
  whole step with one launch)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._units import ArrayLike, ResultMixin, check_positive
from .collective_algorithms import straggler_step_time
from .errors import InvalidInputError
from .kernels import DEFAULT_LAUNCH_S
from .train import TrainResult

#: the ledger's loss categories, in the order a profile's summary lists them
LEDGER_ITEMS = ("recompute", "kernels", "bubble", "communication", "stragglers", "data",
                "host", "other")


@dataclass(frozen=True)
class StepLedger(ResultMixin):
    """One step split into the ideal (model FLOPs at peak) and the losses on top of it."""

    gpus: int
    step_s: float           # the synchronous step, every loss included
    ideal_s: float          # model FLOPs / (gpus x peak): what MFU counts as useful
    recompute_s: float      # extra forward passes for activation recomputation (HFU - MFU)
    kernels_s: float        # compute at the kernels' achieved, not peak, rate
    bubble_s: float         # pipeline fill and drain
    communication_s: float  # exposed tensor, pipeline, data, context and expert traffic
    stragglers_s: float     # waiting for the slowest rank
    data_s: float           # waiting for the input pipeline
    host_s: float           # waiting for the host to issue kernels
    other_s: float          # optimizer update, host offload: the rest of the plan's step
    mfu: float

    _units = {k: "s" for k in ("step_s", "ideal_s", "recompute_s", "kernels_s", "bubble_s",
                               "communication_s", "stragglers_s", "data_s", "host_s",
                               "other_s")}

    def losses(self) -> tuple[tuple[str, float], ...]:
        """(category, seconds) for each loss in `LEDGER_ITEMS` order (the ideal excluded)."""
        return tuple((k, getattr(self, f"{k}_s")) for k in LEDGER_ITEMS)


def step_ledger(result: TrainResult, jitter_s: float = 0.0, data_stall_s: float = 0.0,
                host_s: float = 0.0) -> StepLedger:
    """The ledger of a `train()` result, with stragglers, data stalls and host time added.

    ideal = MFU x step; recompute = (HFU - MFU) x step; kernels = the slowest stage's compute
    minus the hardware FLOPs at peak (kernel efficiency and stage imbalance); communication =
    the exposed TP + PP + DP + CP + EP seconds; stragglers = `jitter_s x sqrt(2 ln gpus)`
    (per-rank step jitter, independent Gaussian; Dean and Barroso 2013 on tails at scale);
    other = what is left of the plan's step (the optimizer update, offload)."""
    if not isinstance(result, TrainResult):
        raise InvalidInputError("result", "pass the TrainResult of mlsysim.train()")
    if not result.feasible:
        raise InvalidInputError("result", f"the plan is infeasible: {result.reason}")
    check_positive("jitter_s", jitter_s, allow_zero=True)
    check_positive("data_stall_s", data_stall_s, allow_zero=True)
    check_positive("host_s", host_s, allow_zero=True)
    t = result.step_time_s
    ideal, hw = result.mfu * t, result.hfu * t
    comm = (result.tp_comm_s + result.pp_comm_s + result.dp_comm_exposed_s + result.ep_comm_s
            + result.cp_comm_s)
    kernels = max(0.0, result.compute_s - hw)
    other = max(0.0, t - ideal - (hw - ideal) - kernels - result.bubble_s - comm)
    strag = straggler_step_time(t, jitter_s, result.gpus) - t
    step = t + strag + data_stall_s + host_s
    return StepLedger(result.gpus, step, ideal, hw - ideal, kernels, result.bubble_s, comm,
                      strag, float(data_stall_s), float(host_s), other, ideal / step)


@dataclass(frozen=True)
class HostBound(ResultMixin):
    """A step's host issue time against its device time (arrays broadcast)."""

    kernels: ArrayLike
    host_s: ArrayLike        # time the host needs to issue the step's kernels
    device_s: ArrayLike      # time the device needs to run them
    step_s: ArrayLike        # the longer of the two
    exposed_host_s: ArrayLike  # device idle time spent waiting for the host
    bound: str | np.ndarray  # "host" or "device"

    _units = {"host_s": "s", "device_s": "s", "step_s": "s", "exposed_host_s": "s"}


def host_bound(kernels: ArrayLike, device_s: ArrayLike, host_s_per_kernel: float = 10e-6,
               graph: bool = False, launch_s: float = DEFAULT_LAUNCH_S) -> HostBound:
    """Is a step of `kernels` kernels, taking `device_s` on the device, limited by the host?

    Kernels queue asynchronously, so step = max(host issue time, device time). Eager
    execution pays `host_s_per_kernel` per kernel (Python, dispatch and launch: about 10 us
    in an eager framework, an assumption to measure); replaying a captured graph (CUDA
    Graphs) issues the whole step with one launch of `launch_s`."""
    k = np.asarray(check_positive("kernels", kernels, integer=True), dtype=float)
    dev = np.asarray(check_positive("device_s", device_s), dtype=float)
    check_positive("host_s_per_kernel", host_s_per_kernel)
    check_positive("launch_s", launch_s)
    host = np.full_like(k, launch_s) if graph else k * host_s_per_kernel
    step = np.maximum(host, dev)
    out = np.broadcast_arrays(k, host, dev, step, step - dev)
    bound = np.where(host > dev, "host", "device")
    if all(np.ndim(x) == 0 for x in out):
        return HostBound(*(float(x) for x in out), str(bound))
    return HostBound(*out, bound)


def loader_stall(step_s: ArrayLike, samples_per_step: ArrayLike, samples_per_s: ArrayLike,
                 prefetch: bool = True) -> ArrayLike:
    """Seconds per step the accelerators wait for input.

    A loader that reads ahead works while the step computes, so the step waits only for
    `max(0, samples / rate - step)`; one that does not overlap adds the whole load time.
    Feed it the rate `data_pipeline()` reports for the slowest input stage."""
    t = np.asarray(check_positive("step_s", step_s), dtype=float)
    n = np.asarray(check_positive("samples_per_step", samples_per_step), dtype=float)
    r = np.asarray(check_positive("samples_per_s", samples_per_s), dtype=float)
    load = n / r
    stall = np.maximum(0.0, load - t) if prefetch else load
    return float(stall) if np.ndim(stall) == 0 else stall
