"""One team's operations arithmetic: how large a drift statistic is when nothing drifted, how
many days of labels it takes to see an accuracy drop, and when automating a manual pipeline
step pays for the hours spent building it.

These are the quantities a single team meets before any fleet exists; `mlsysim.operations`
covers canaries, error budgets and paging at fleet scale."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ._stats import STD as _STD
from ._stats import two_proportion_n
from ._units import ResultMixin, check_positive
from .errors import InvalidInputError


def _unit(field: str, value: float) -> float:
    if not 0.0 < value < 1.0:
        raise InvalidInputError(field, f"must be in (0, 1), got {value!r}")
    return float(value)


def _chi2_quantile(q: float, dof: int) -> float:
    """Wilson-Hilferty approximation of the chi-squared quantile; within about 1% of the exact
    value for the 5-50 degrees of freedom that binned drift statistics use."""
    z = _STD.inv_cdf(q)
    c = 2.0 / (9.0 * dof)
    return dof * (1.0 - c + z * math.sqrt(c)) ** 3


@dataclass(frozen=True)
class PsiNoise(ResultMixin):
    """The population stability index two samples of one unchanged distribution produce."""

    bins: int
    n_current: int
    n_reference: int
    mean: float  # expected PSI with no drift at all
    quantile: float  # PSI a healthy window exceeds with probability 1 - `level`
    level: float


def psi_noise(bins: int, n_current: int, n_reference: int, level: float = 0.99) -> PsiNoise:
    """Sampling noise of the PSI when nothing has drifted.

    For large samples the PSI is the symmetrised (Jeffreys) divergence between two histograms,
    and n_eff x PSI, with n_eff = n m / (n + m), is approximately chi-squared with `bins` - 1
    degrees of freedom under the null (the same limit as Pearson's test). So the PSI a healthy
    window shows averages (bins - 1) / n_eff, and an alert threshold below the `level` quantile
    fires on noise more often than 1 - `level` of the time."""
    bins = int(check_positive("bins", bins, integer=True))
    if bins < 2:
        raise InvalidInputError("bins", f"must be at least 2, got {bins}")
    n = int(check_positive("n_current", n_current, integer=True))
    m = int(check_positive("n_reference", n_reference, integer=True))
    level = _unit("level", level)
    n_eff = n * m / (n + m)
    return PsiNoise(bins, n, m, (bins - 1) / n_eff, _chi2_quantile(level, bins - 1) / n_eff, level)


@dataclass(frozen=True)
class LabelWindow(ResultMixin):
    """Labels and days needed to tell a dropped accuracy from the baseline."""

    accuracy: float
    dropped_accuracy: float
    alpha: float
    power: float
    labels_per_window: int  # in the new window (the baseline window is as large)
    days: float  # at `labels_per_day`


def label_window(accuracy: float, drop: float, labels_per_day: float, alpha: float = 0.05,
                 power: float = 0.8) -> LabelWindow:
    """Window of labelled examples a one-sided two-proportion z-test needs to see accuracy fall
    from `accuracy` to `accuracy` - `drop` with the given false-alarm rate and power:
    n = (z_a sqrt(2 pbar (1 - pbar)) + z_b sqrt(p1 q1 + p2 q2))^2 / drop^2."""
    p1 = _unit("accuracy", accuracy)
    check_positive("drop", drop)
    p2 = _unit("accuracy - drop", p1 - drop)
    check_positive("labels_per_day", labels_per_day)
    za = _STD.inv_cdf(1.0 - _unit("alpha", alpha))
    n = two_proportion_n(p1, p2, za, _STD.inv_cdf(_unit("power", power)))
    return LabelWindow(p1, p2, alpha, power, n, n / labels_per_day)


@dataclass(frozen=True)
class AutomationPayback(ResultMixin):
    """When building an automated pipeline step repays the engineering time it cost."""

    build_hours: float
    saved_hours_per_run: float
    runs_per_year: float
    upkeep_hours_per_year: float
    net_hours_per_year: float  # saved by running, minus upkeep
    payback_runs: float  # runs until the build is repaid (inf if it never is)
    payback_years: float


def automation_payback(build_hours: float, manual_hours_per_run: float,
                       automated_hours_per_run: float, runs_per_year: float,
                       upkeep_hours_per_year: float = 0.0) -> AutomationPayback:
    """Break-even of automation: each run saves manual - automated hours of attention, upkeep
    (broken dependencies, changed APIs) costs hours every year whether or not it runs, and the
    build is repaid when the accumulated net saving reaches `build_hours`."""
    check_positive("build_hours", build_hours)
    check_positive("manual_hours_per_run", manual_hours_per_run)
    check_positive("automated_hours_per_run", automated_hours_per_run, allow_zero=True)
    check_positive("runs_per_year", runs_per_year)
    check_positive("upkeep_hours_per_year", upkeep_hours_per_year, allow_zero=True)
    saved = manual_hours_per_run - automated_hours_per_run
    if saved <= 0:
        raise InvalidInputError("automated_hours_per_run",
                                f"must be below manual_hours_per_run ({manual_hours_per_run!r})")
    net = saved * runs_per_year - upkeep_hours_per_year
    years = build_hours / net if net > 0 else math.inf
    return AutomationPayback(build_hours, saved, runs_per_year, upkeep_hours_per_year, net,
                             years * runs_per_year, years)
