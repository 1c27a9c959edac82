"""Silent data corruption at fleet scale: how many defective devices a job runs on, how often
they corrupt its work, what screening costs, and what detection catches.

Large operators report processors that compute wrong answers without any error being raised,
intermittently and depending on the data and the operating point: Dixit et al. 2021 ("Silent
Data Corruptions at Scale", arXiv:2102.11245, Meta) and Hochschild et al. 2021 ("Cores that
don't count", HotOS, Google, who put the rate at a few such "mercurial" cores per several
thousand machines). Neither gives rates for accelerators running training, so every rate below
is a labelled assumption the learner varies; the model is the arithmetic that links them. It
is written once here and serves two questions: `sdc_exposure` (a given defect rate, and the
screening interval that minimises the cost) and `sdc_plan` (where the defect rate comes from,
and what re-execution and checksums catch).

- Exposure: with a share p of devices defective, a job on N devices contains N p of them on
  average and at least one with probability 1 - (1 - p)^N. Each corrupts once per t_def on
  average, so corruptions reach the job every M = t_def / (N p) (`reliability.fleet_mtbf`
  over devices with a mean of t_def / p), and a step of length s is corrupted with probability
  1 - exp(-s / M) (Poisson arrivals).
- Screening as checkpointing: if a corruption is found at the next screen and the work since
  it began is redone, screening every tau at a cost C loses C / tau + tau / (2 M), minimised at
  the Young-Daly interval tau = sqrt(2 C M) (`reliability.young_daly_interval`).
- Prevalence (Little's law): devices turn defective at `onset_per_1k_year` per 1,000 devices
  per year and stay in service a mean residence W, so p = onset x W.
- Without screening W = `unscreened_days` (until something else gives them away). Testing every
  device every T hours, each test catching a defect with probability d (intermittent faults
  escape tests), gives W = T (1/d - 1/2): half a period to the first test, then (1-d)/d more
  periods on average; screening takes `screen_hours` of each device's time per test. A
  defective device that corrupts a step with probability q has t_def = step / q.
- Detection: re-executing a fraction f of steps on other devices and comparing catches the
  corruptions in those steps at a cost of f; algorithm-based checksums on matrix products
  (Huang and Abraham 1984, IEEE Transactions on Computers) catch a share c of corruptions (those
  inside checked products) at an overhead o."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ._units import ResultMixin, check_positive
from .errors import InvalidInputError
from .reliability import fleet_mtbf, young_daly_interval

#: Assumptions, all meant to be varied (see the module docstring for why no sourced value).
DEFAULT_ONSET_PER_1K_YEAR = 1.0
DEFAULT_UNSCREENED_DAYS = 90.0
DEFAULT_CORRUPT_PROB = 1e-4
DEFAULT_SCREEN_DETECT = 0.5
DEFAULT_SCREEN_HOURS = 0.25
DEFAULT_CHECKSUM_COVERAGE = 0.9
DEFAULT_CHECKSUM_OVERHEAD = 0.03


def _exposure(n: int, defect_rate: float, defective_mtbc_h: float) -> tuple[float, float, float]:
    """(expected defective devices, P(at least one), hours between corruptions reaching the
    job) for `n` devices of which a share `defect_rate` is defective; no defects, or defects
    that never corrupt, give an infinite interval."""
    if defect_rate == 0 or math.isinf(defective_mtbc_h):
        return n * defect_rate, 1 - (1 - defect_rate) ** n, math.inf
    mtbc_h = float(fleet_mtbf(n, defective_mtbc_h / defect_rate))
    return n * defect_rate, 1 - (1 - defect_rate) ** n, mtbc_h


@dataclass(frozen=True)
class SdcExposure(ResultMixin):
    """How silent data corruption touches a job of `devices`, and the best screening plan."""

    devices: int
    expected_defective: float
    p_any_defective: float
    fleet_mtbc_h: float
    screen_interval_h: float
    screen_overhead: float
    corrupted_work: float
    total_cost: float


def sdc_exposure(devices: int, defect_rate: float, defective_mtbc_h: float,
                 screen_s: float) -> SdcExposure:
    """Silent-data-corruption exposure of a synchronous job and the screening interval that
    minimises its cost (the module's exposure and screening model).

    `defect_rate` is the share of devices with a latent defect, `defective_mtbc_h` the mean
    time between corrupting events of one defective device and `screen_s` the job time one
    screening pass costs. `total_cost` is screening plus corrupted work, `screen_s / tau +
    tau / (2 M)` at the Young-Daly interval tau."""
    n = check_positive("devices", devices, integer=True)
    r = float(check_positive("defect_rate", defect_rate))
    if r > 1:
        raise InvalidInputError("defect_rate", f"must be <= 1, got {defect_rate!r}")
    mtbc = check_positive("defective_mtbc_h", defective_mtbc_h)
    check_positive("screen_s", screen_s)
    expected, p_any, m_h = _exposure(n, r, mtbc)
    tau_s = float(young_daly_interval(screen_s, m_h * 3600))
    overhead = screen_s / tau_s
    corrupted = tau_s / 2 / (m_h * 3600)
    return SdcExposure(n, expected, p_any, m_h, tau_s / 3600, overhead, corrupted,
                       overhead + corrupted)


@dataclass(frozen=True)
class SdcPlan(ResultMixin):
    """Expected corrupted steps per day, what detection catches and misses, and its cost."""

    devices: int
    residence_days: float
    defective_devices: float
    p_any_defective: float
    fleet_mtbc_h: float
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
    mtbc_h = step / corrupt_prob / 3600 if corrupt_prob > 0 else math.inf
    prevalence = onset * resid / 365.25
    if prevalence > 1:
        raise InvalidInputError("onset_per_1k_year", f"makes {prevalence:.0%} of devices defective")
    defective, p_any, job_mtbc_h = _exposure(n, prevalence, mtbc_h)
    corrupted = -math.expm1(-step / (job_mtbc_h * 3600)) * 86400 / step
    catch = 1 - (1 - reexec_fraction) * (1 - checksum_coverage * checksums)
    missed = corrupted * (1 - catch)
    overhead = reexec_fraction + checksum_overhead * checksums + screen_cost
    return SdcPlan(n, resid, defective, p_any, job_mtbc_h, corrupted, corrupted - missed, missed,
                   1 / missed if missed > 0 else float("inf"), overhead)
