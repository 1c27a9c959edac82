"""Silent data corruption at fleet scale: how many defective devices a job runs on, how many of
its steps they corrupt, and what detection catches at what cost.

Large operators report processors that compute wrong answers without any error being raised,
intermittently and depending on the data and the operating point: Dixit et al. 2021 ("Silent
Data Corruptions at Scale", arXiv:2102.11245, Meta) and Hochschild et al. 2021 ("Cores that
don't count", HotOS, Google, who put the rate at a few such "mercurial" cores per several
thousand machines). Neither gives rates for accelerators running training, so every rate below
is a labelled assumption the learner varies; the model is the arithmetic that links them.

- Prevalence (Little's law): devices turn defective at `onset_per_1k_year` per 1,000 devices
  per year and stay in service a mean residence W, so a job on N devices runs on
  N x onset x W defective devices on average.
- Without screening W = `unscreened_days` (until something else gives them away). Testing every
  device every T hours, each test catching a defect with probability d (intermittent faults
  escape tests), gives W = T (1/d - 1/2): half a period to the first test, then (1-d)/d more
  periods on average; screening takes `screen_hours` of each device's time per test.
- Each defective device corrupts a step with probability q; a step of the synchronous job is
  corrupted with probability 1 - (1 - q)^D for D defective devices in it.
- Detection: re-executing a fraction f of steps on other devices and comparing catches the
  corruptions in those steps at a cost of f; algorithm-based checksums on matrix products
  (Huang and Abraham 1984, IEEE Transactions on Computers) catch a share c of corruptions (those
  inside checked products) at an overhead o."""

from __future__ import annotations

from dataclasses import dataclass

from ._units import ResultMixin, check_positive
from .errors import InvalidInputError

#: Assumptions, all meant to be varied (see the module docstring for why no sourced value).
DEFAULT_ONSET_PER_1K_YEAR = 1.0
DEFAULT_UNSCREENED_DAYS = 90.0
DEFAULT_CORRUPT_PROB = 1e-4
DEFAULT_SCREEN_DETECT = 0.5
DEFAULT_SCREEN_HOURS = 0.25
DEFAULT_CHECKSUM_COVERAGE = 0.9
DEFAULT_CHECKSUM_OVERHEAD = 0.03


@dataclass(frozen=True)
class SdcPlan(ResultMixin):
    """Expected corrupted steps per day, what detection catches and misses, and its cost."""

    devices: int
    residence_days: float
    defective_devices: float
    corrupted_per_day: float
    caught_per_day: float
    missed_per_day: float
    days_between_missed: float
    overhead: float


def sdc_plan(devices: int, step_s: float = 5.0, screen_every_h: float | None = None,
             reexec_fraction: float = 0.0, checksums: bool = False,
             onset_per_1k_year: float = DEFAULT_ONSET_PER_1K_YEAR,
             unscreened_days: float = DEFAULT_UNSCREENED_DAYS,
             corrupt_prob: float = DEFAULT_CORRUPT_PROB,
             screen_detect: float = DEFAULT_SCREEN_DETECT,
             screen_hours: float = DEFAULT_SCREEN_HOURS,
             checksum_coverage: float = DEFAULT_CHECKSUM_COVERAGE,
             checksum_overhead: float = DEFAULT_CHECKSUM_OVERHEAD) -> SdcPlan:
    """Silent corruption of a synchronous job on `devices` taking a step every `step_s`
    seconds, screened every `screen_every_h` hours (None: never), re-executing a fraction
    `reexec_fraction` of its steps and with or without `checksums` (see the module's model).
    `overhead` is the share of the job's compute spent on detection."""
    n = check_positive("devices", devices, integer=True)
    step = check_positive("step_s", step_s)
    for name, v in (("reexec_fraction", reexec_fraction), ("corrupt_prob", corrupt_prob),
                    ("checksum_coverage", checksum_coverage)):
        if not 0 <= v <= 1:
            raise InvalidInputError(name, f"must be a fraction in [0, 1], got {v!r}")
    if not 0 < screen_detect <= 1:
        raise InvalidInputError("screen_detect", f"must be in (0, 1], got {screen_detect!r}")
    onset = check_positive("onset_per_1k_year", onset_per_1k_year, allow_zero=True) / 1000
    resid = check_positive("unscreened_days", unscreened_days)
    screen_cost = 0.0
    if screen_every_h is not None:
        period = check_positive("screen_every_h", screen_every_h)
        hours = check_positive("screen_hours", screen_hours, allow_zero=True)
        if hours >= period:
            raise InvalidInputError("screen_hours", "a test must be shorter than the period")
        resid = min(resid, period * (1 / screen_detect - 0.5) / 24)
        screen_cost = hours / period
    defective = n * onset * resid / 365.25
    p_step = 1 - (1 - corrupt_prob) ** defective
    corrupted = p_step * 86400 / step
    catch = 1 - (1 - reexec_fraction) * (1 - checksum_coverage * checksums)
    missed = corrupted * (1 - catch)
    overhead = reexec_fraction + checksum_overhead * checksums + screen_cost
    return SdcPlan(n, resid, defective, corrupted, corrupted - missed, missed,
                   1 / missed if missed > 0 else float("inf"), overhead)
