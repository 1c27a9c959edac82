"""Failures at scale: fleet MTBF, the Young-Daly checkpoint interval, and goodput.

A fleet fails N times as often as one device; checkpointing trades the cost of saving state
against the work lost per failure, and the optimum interval is sqrt(2 x C x MTBF)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._units import ArrayLike, ResultMixin, check_positive, scalar_or_array

#: Per-GPU mean time between job-interrupting failures, hours. Dubey et al. 2024 (Llama 3)
#: report 419 unexpected interruptions in a 54-day snapshot on 16,384 H100s:
#: 16384 x 54 x 24 / 419 = about 50,700 GPU-hours per interruption.
DEFAULT_GPU_MTBF_HOURS = 16384 * 54 * 24 / 419


def fleet_mtbf(n: ArrayLike, device_mtbf_hours: float = DEFAULT_GPU_MTBF_HOURS) -> ArrayLike:
    """Hours between failures somewhere in a fleet of `n` independent devices (MTBF / n)."""
    n = check_positive("n", n, integer=True)
    check_positive("device_mtbf_hours", device_mtbf_hours)
    return device_mtbf_hours / np.asarray(n, dtype=float) if np.ndim(n) else device_mtbf_hours / n


def young_daly_interval(checkpoint_s: ArrayLike, mtbf_s: ArrayLike) -> ArrayLike:
    """Optimal seconds between checkpoints, sqrt(2 C M) (Young 1974; Daly 2006)."""
    c = check_positive("checkpoint_s", checkpoint_s)
    mt = check_positive("mtbf_s", mtbf_s)
    return np.sqrt(2.0 * np.asarray(c, float) * mt) if np.ndim(c) or np.ndim(mt) else (2.0 * c * mt) ** 0.5


@dataclass(frozen=True)
class Goodput(ResultMixin):
    """Fraction of wall-clock time that advances training, and where the rest goes (arrays
    when `interval_s` is an array of intervals)."""

    mtbf_s: float
    checkpoint_s: float
    restart_s: float
    interval_s: ArrayLike
    checkpoint_overhead: ArrayLike
    lost_work: ArrayLike
    restart_overhead: float
    goodput: ArrayLike
    background_s: float = 0.0

    _units = {"mtbf_s": "s", "checkpoint_s": "s", "restart_s": "s", "interval_s": "s",
              "background_s": "s"}


def training_goodput(mtbf_s: float, checkpoint_s: float, restart_s: float = 600.0,
                     interval_s: ArrayLike | None = None, background_s: float = 0.0) -> Goodput:
    """First-order goodput `1 - C/tau - (tau/2 + R)/M` (clipped at 0; Young 1974, Daly 2006),
    with tau the checkpoint interval (Young-Daly when None), C the time a save blocks
    training, R the restart time and M the job's MTBF.

    This is the one goodput formula: `checkpoint_plan` feeds it from storage bandwidths. An
    asynchronous save (CheckFreq, Mohan et al., FAST 2021) blocks only for its snapshot C while
    the copy persists for `background_s` more; a failure then also loses that copy's time,
    because the newest durable checkpoint is the one before it, and a copy longer than tau
    delays the next snapshot: `1 - (C + max(0, P - tau))/tau - (tau/2 + P + R)/M` for P =
    `background_s` (P = 0 is the synchronous case). `interval_s` may be an array (a sweep)."""
    mtbf_s = check_positive("mtbf_s", mtbf_s)
    checkpoint_s = check_positive("checkpoint_s", checkpoint_s)
    restart_s = check_positive("restart_s", restart_s, allow_zero=True)
    bg = check_positive("background_s", background_s, allow_zero=True)
    tau = young_daly_interval(checkpoint_s, mtbf_s) if interval_s is None else check_positive(
        "interval_s", interval_s)
    tau = np.asarray(tau, float)
    ck = (checkpoint_s + np.maximum(0.0, bg - tau)) / tau
    lost = (tau / 2 + bg) / mtbf_s
    rs = restart_s / mtbf_s
    good = np.maximum(0.0, 1 - ck - lost - rs)
    return Goodput(mtbf_s, checkpoint_s, restart_s, scalar_or_array(tau), scalar_or_array(ck),
                   scalar_or_array(lost), rs, scalar_or_array(good), bg)
