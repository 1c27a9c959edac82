"""Silent data corruption: Little's law for defective devices, and what detection catches."""

import math

import pytest

import mlsysim
from mlsysim import InvalidInputError


def test_defective_devices_follow_littles_law_and_steps_compound():
    r = mlsysim.sdc_plan(16384, step_s=5.0, onset_per_1k_year=1.0, unscreened_days=90,
                         corrupt_prob=1e-4)
    assert r.defective_devices == pytest.approx(16384 * 1e-3 * 90 / 365.25)
    p_step = 1 - (1 - 1e-4) ** r.defective_devices
    assert r.corrupted_per_day == pytest.approx(p_step * 86400 / 5)
    assert r.missed_per_day == r.corrupted_per_day and r.overhead == 0


def test_screening_shortens_residence_and_costs_test_time():
    r = mlsysim.sdc_plan(16384, screen_every_h=24, screen_detect=0.5, screen_hours=0.25)
    assert r.residence_days == pytest.approx(24 * (2 - 0.5) / 24)
    assert r.overhead == pytest.approx(0.25 / 24)


def test_checksums_and_reexecution_combine_as_independent_catches():
    base = mlsysim.sdc_plan(8192)
    both = mlsysim.sdc_plan(8192, reexec_fraction=0.5, checksums=True,
                            checksum_coverage=0.9, checksum_overhead=0.03)
    assert both.missed_per_day == pytest.approx(base.corrupted_per_day * 0.5 * 0.1)
    assert both.overhead == pytest.approx(0.53)
    full = mlsysim.sdc_plan(8192, reexec_fraction=1.0)
    assert full.missed_per_day == 0 and math.isinf(full.days_between_missed)


def test_bad_fractions_are_refused():
    with pytest.raises(InvalidInputError, match="reexec_fraction"):
        mlsysim.sdc_plan(1024, reexec_fraction=1.5)
    with pytest.raises(InvalidInputError, match="shorter than the period"):
        mlsysim.sdc_plan(1024, screen_every_h=1, screen_hours=2)


def test_corruption_rate_agrees_with_the_robust_ai_chapters_sdc_exposure():
    # the same fleet in the chapter's terms: a defect rate, and a defective device's mean
    # time between corruptions of step_s / q
    plan = mlsysim.sdc_plan(16384, step_s=5.0, corrupt_prob=1e-4)
    rate = plan.defective_devices / 16384
    exposure = mlsysim.sdc_exposure(16384, rate, 5.0 / 1e-4 / 3600, 60.0)
    assert exposure.expected_defective == pytest.approx(plan.defective_devices)
    assert plan.corrupted_per_day == pytest.approx(24 / exposure.fleet_mtbc_h, rel=0.01)
