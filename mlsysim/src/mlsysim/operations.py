"""Operating a fleet: how many requests a canary needs to see a regression, what an SLO's
error budget allows, when a burn-rate alert fires, how often healthy monitors page, and how
much capacity to order ahead of growth."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ._stats import STD as _STD
from ._stats import two_proportion_n
from ._units import ResultMixin, check_positive
from .errors import InvalidInputError


def _fraction(field: str, value: float, *, closed_low: bool = False) -> float:
    ok = (0.0 <= value < 1.0) if closed_low else (0.0 < value < 1.0)
    if not ok:
        raise InvalidInputError(field, f"must be in {'[0' if closed_low else '(0'}, 1), got {value!r}")
    return float(value)


@dataclass(frozen=True)
class CanaryPlan(ResultMixin):
    """Requests and time a canary needs to detect a change in an error (or bad-outcome) rate."""

    baseline_rate: float
    canary_rate: float  # the rate the regression would produce
    alpha: float
    power: float
    requests_per_arm: int  # canary requests (and as many baseline requests)
    canary_share: float
    duration_s: float  # at the given fleet request rate and canary share

    _units = {"duration_s": "s"}


def canary_plan(baseline_rate: float, relative_change: float, request_rate: float,
                canary_share: float = 0.01, alpha: float = 0.05, power: float = 0.8,
                one_sided: bool = True) -> CanaryPlan:
    """Sample size to tell a canary's rate p2 = p1 (1 + change) from the baseline p1.

    Two-proportion z-test (Fleiss, Levin and Paik, *Statistical Methods for Rates and
    Proportions*, 3rd ed., 2003):
    n = (z_a sqrt(2 pbar (1 - pbar)) + z_b sqrt(p1 (1 - p1) + p2 (1 - p2)))^2 / (p2 - p1)^2,
    with z_a for a one-sided test unless `one_sided=False`. The canary sees `canary_share` of
    `request_rate`, so it needs n / (share x rate) seconds."""
    p1 = _fraction("baseline_rate", baseline_rate)
    if relative_change == 0 or relative_change <= -1:
        raise InvalidInputError("relative_change", f"must be non-zero and > -1, got {relative_change!r}")
    p2 = p1 * (1.0 + relative_change)
    _fraction("baseline_rate x (1 + relative_change)", p2)
    check_positive("request_rate", request_rate)
    _fraction("canary_share", canary_share)
    _fraction("alpha", alpha)
    _fraction("power", power)
    za = _STD.inv_cdf(1 - alpha if one_sided else 1 - alpha / 2)
    n = two_proportion_n(p1, p2, za, _STD.inv_cdf(power))
    return CanaryPlan(p1, p2, alpha, power, n, canary_share, n / (canary_share * request_rate))


@dataclass(frozen=True)
class ErrorBudget(ResultMixin):
    """What an availability or latency SLO allows over its window."""

    slo: float
    window_s: float
    budget_fraction: float  # 1 - slo
    downtime_s: float  # full outage time the budget covers
    bad_requests: float  # at the given request rate

    _units = {"window_s": "s", "downtime_s": "s"}


def error_budget(slo: float, window_s: float = 30 * 86400.0, request_rate: float = 0.0) -> ErrorBudget:
    """Error budget = (1 - SLO) of the window's requests or time (Beyer et al., *Site
    Reliability Engineering*, O'Reilly 2016, ch. 3)."""
    _fraction("slo", slo)
    check_positive("window_s", window_s)
    check_positive("request_rate", request_rate, allow_zero=True)
    f = 1.0 - slo
    return ErrorBudget(slo, window_s, f, f * window_s, f * window_s * request_rate)


@dataclass(frozen=True)
class BurnAlert(ResultMixin):
    """A burn-rate alert: fire when the error rate would spend `budget_spent` of the budget
    within `alert_window_s`."""

    slo: float
    burn_rate: float  # error rate / (1 - slo) that fires the alert
    error_rate_threshold: float
    alert_window_s: float
    budget_spent: float
    exhaustion_s: float  # time to spend the whole budget at that burn rate

    _units = {"alert_window_s": "s", "exhaustion_s": "s"}


def burn_rate_alert(slo: float, budget_spent: float, alert_window_s: float,
                    window_s: float = 30 * 86400.0) -> BurnAlert:
    """Burn rate b = budget_spent x window / alert_window; the alert fires at an error rate
    of b (1 - SLO). The Site Reliability Workbook (Beyer et al., O'Reilly 2018, "Alerting on
    SLOs") pages at 2% of a 30-day budget in one hour, b = 14.4."""
    _fraction("slo", slo)
    _fraction("budget_spent", budget_spent)
    check_positive("alert_window_s", alert_window_s)
    check_positive("window_s", window_s)
    if alert_window_s > window_s:
        raise InvalidInputError("alert_window_s", "must not exceed the SLO window")
    b = budget_spent * window_s / alert_window_s
    return BurnAlert(slo, b, min(1.0, b * (1 - slo)), alert_window_s, budget_spent, window_s / b)


def detection_time(alert: BurnAlert, error_rate: float) -> float:
    """Seconds from the start of an incident with a steady `error_rate` until `alert` fires:
    the time to spend `budget_spent` of the budget at that rate,
    budget_spent x window x (1 - SLO) / error_rate. Infinite (never fires) when the rate is
    below the alert's threshold, because the alert window never accumulates enough errors."""
    if not 0.0 < error_rate <= 1.0:
        raise InvalidInputError("error_rate", f"must be in (0, 1], got {error_rate!r}")
    if error_rate < alert.error_rate_threshold * (1 - 1e-12):
        return math.inf
    window = alert.exhaustion_s * alert.burn_rate
    return alert.budget_spent * window * (1.0 - alert.slo) / error_rate


@dataclass(frozen=True)
class FalseAlarms(ResultMixin):
    """Pages from monitors that test healthy signals at a fixed false-positive rate."""

    monitors: int
    checks_per_day: float
    alpha: float
    false_pages_per_day: float
    p_any_per_day: float  # chance that a healthy fleet pages at least once a day
    alpha_for_target: float  # per-check alpha that keeps false pages at `target_per_day`


def false_alarms(monitors: int, checks_per_day: float, alpha: float,
                 target_per_day: float = 1.0 / 7) -> FalseAlarms:
    """Expected false pages = monitors x checks x alpha; P(any) = 1 - (1 - alpha)^(monitors x
    checks), treating checks as independent (a union bound, as in Bonferroni's correction,
    gives the alpha that meets `target_per_day`)."""
    monitors = int(check_positive("monitors", monitors, integer=True))
    check_positive("checks_per_day", checks_per_day)
    _fraction("alpha", alpha)
    check_positive("target_per_day", target_per_day)
    tests = monitors * checks_per_day
    return FalseAlarms(monitors, checks_per_day, alpha, tests * alpha,
                       1.0 - (1.0 - alpha) ** tests, min(target_per_day / tests, 0.5))


@dataclass(frozen=True)
class CapacityOrder(ResultMixin):
    """Units to have installed when an order placed today arrives."""

    peak_now: float
    peak_at_arrival: float
    units_needed: int  # including headroom and spares
    headroom: float
    spares: int


def capacity_order(peak_now: float, monthly_growth: float, lead_time_months: float,
                   unit_capacity: float, headroom: float = 0.2, spares: int = 1) -> CapacityOrder:
    """Demand grows geometrically, peak x (1 + g)^lead; install enough units that the grown
    peak runs at 1 / (1 + headroom) of their capacity, plus `spares` for failures (N + k)."""
    check_positive("peak_now", peak_now)
    check_positive("lead_time_months", lead_time_months, allow_zero=True)
    check_positive("unit_capacity", unit_capacity)
    check_positive("headroom", headroom, allow_zero=True)
    spares = int(check_positive("spares", spares, integer=True, allow_zero=True))
    if monthly_growth <= -1:
        raise InvalidInputError("monthly_growth", f"must be > -1, got {monthly_growth!r}")
    grown = peak_now * (1.0 + monthly_growth) ** lead_time_months
    units = math.ceil(grown * (1.0 + headroom) / unit_capacity - 1e-9) + spares
    return CapacityOrder(peak_now, grown, units, headroom, spares)
