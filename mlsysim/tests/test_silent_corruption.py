"""Silent data corruption, one model: exposure and the Young-Daly screen (the robust AI chapter),
Little's law for defective devices and what detection catches (the lab)."""

import math

import pytest

import mlsysim
from mlsysim import InvalidInputError


def test_sdc_screening_is_young_daly_against_corruption():
    # Young 1974 / Daly 2006 with a screening pass for the checkpoint and the job's mean time
    # between corruptions, t_def / (n p), for the crash MTBF
    e = mlsysim.sdc_exposure(16_384, 1e-3, 1000.0, 120.0)
    m_h = 1000.0 / (16_384 * 1e-3)
    assert e.fleet_mtbc_h == pytest.approx(m_h)
    assert e.screen_interval_h * 3600 == pytest.approx(math.sqrt(2 * 120 * m_h * 3600))
    assert e.screen_overhead == pytest.approx(e.corrupted_work)  # balanced at the optimum
    assert e.expected_defective == pytest.approx(16.384)
    assert e.p_any_defective == pytest.approx(1 - (1 - 1e-3) ** 16_384)
    with pytest.raises(InvalidInputError, match="defect_rate"):
        mlsysim.sdc_exposure(8, 2.0, 1000.0, 60.0)


def test_defective_devices_follow_littles_law_and_corruptions_arrive_as_poisson():
    r = mlsysim.sdc_plan(16384, step_s=5.0, onset_per_1k_year=1.0, unscreened_days=90,
                         corrupt_prob=1e-4)
    d = 16384 * 1e-3 * 90 / 365.25  # Little's law: devices x onset x residence
    assert r.defective_devices == pytest.approx(d)
    # each defective device corrupts once per step / q, so the job once per step / (q d)
    assert r.fleet_mtbc_h == pytest.approx(5.0 / (1e-4 * d) / 3600)
    assert r.corrupted_per_day == pytest.approx(-math.expm1(-1e-4 * d) * 86400 / 5)
    assert r.missed_per_day == r.corrupted_per_day and r.overhead == 0


def test_no_defects_or_no_corruption_means_nothing_to_catch():
    for r in (mlsysim.sdc_plan(4096, onset_per_1k_year=0.0), mlsysim.sdc_plan(4096, corrupt_prob=0.0)):
        assert r.corrupted_per_day == 0 and math.isinf(r.fleet_mtbc_h)
        assert math.isinf(r.days_between_missed)


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
    with pytest.raises(InvalidInputError, match="onset_per_1k_year"):
        mlsysim.sdc_plan(1024, onset_per_1k_year=5000.0)
