"""Operations models against textbook values."""

import pytest
from mlsysim.errors import InvalidInputError

import mlsysim


def test_canary_matches_the_two_proportion_formula():
    # Textbook case: p1 = 0.10 vs p2 = 0.15, two-sided alpha 0.05, power 0.8 -> 686 per arm
    # (the standard uncorrected two-proportion result).
    plan = mlsysim.canary_plan(0.10, 0.5, request_rate=100.0, canary_share=0.5, one_sided=False)
    assert plan.requests_per_arm == 686
    assert plan.duration_s == pytest.approx(686 / 50.0)


def test_smaller_regressions_need_quadratically_more_requests():
    a = mlsysim.canary_plan(0.01, 0.2, 1000.0).requests_per_arm
    b = mlsysim.canary_plan(0.01, 0.1, 1000.0).requests_per_arm
    assert 3.5 < b / a < 4.5


def test_rarer_errors_need_more_requests():
    assert (mlsysim.canary_plan(0.001, 0.1, 1e3).requests_per_arm
            > 9 * mlsysim.canary_plan(0.01, 0.1, 1e3).requests_per_arm)


def test_canary_rejects_impossible_rates():
    with pytest.raises(InvalidInputError, match="relative_change"):
        mlsysim.canary_plan(0.01, 0.0, 1e3)
    with pytest.raises(InvalidInputError, match="baseline_rate"):
        mlsysim.canary_plan(0.6, 1.0, 1e3)


def test_three_nines_allow_43_minutes_a_month():
    b = mlsysim.error_budget(0.999, request_rate=100.0)
    assert b.downtime_s == pytest.approx(43.2 * 60)
    assert b.bad_requests == pytest.approx(0.001 * 30 * 86400 * 100)


def test_workbook_burn_rate():
    a = mlsysim.burn_rate_alert(0.999, 0.02, 3600.0)
    assert a.burn_rate == pytest.approx(14.4)
    assert a.error_rate_threshold == pytest.approx(0.0144)
    assert a.exhaustion_s == pytest.approx(30 * 86400 / 14.4)
    with pytest.raises(InvalidInputError, match="alert_window_s"):
        mlsysim.burn_rate_alert(0.999, 0.02, 60 * 86400.0)


def test_false_alarms_add_up():
    f = mlsysim.false_alarms(100, 24, 0.001)
    assert f.false_pages_per_day == pytest.approx(2.4)
    assert f.p_any_per_day == pytest.approx(1 - 0.999 ** 2400)
    assert f.alpha_for_target * 2400 == pytest.approx(1 / 7)


def test_capacity_order_counts_growth_headroom_and_spares():
    c = mlsysim.capacity_order(100.0, 0.10, 2, unit_capacity=10.0, headroom=0.0, spares=1)
    assert c.peak_at_arrival == pytest.approx(121.0)
    assert c.units_needed == 13 + 1
    with pytest.raises(InvalidInputError, match="monthly_growth"):
        mlsysim.capacity_order(100.0, -1.0, 2, 10.0)


def test_detection_time_of_a_burn_alert():
    a = mlsysim.burn_rate_alert(0.999, 0.02, 3600.0)
    # at exactly the threshold the alert needs its whole window; at 100% errors, 2% of the
    # 43.2-minute budget: about 52 s
    assert mlsysim.detection_time(a, a.error_rate_threshold) == pytest.approx(3600.0)
    assert mlsysim.detection_time(a, 1.0) == pytest.approx(0.02 * 30 * 86400 * 0.001)
    assert mlsysim.detection_time(a, 0.005) == float("inf")
