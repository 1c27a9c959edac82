"""Job carbon: intensity by hour, pausing for clean hours, and the embodied floor."""

import numpy as np
import pytest
from mlsysim.grid_carbon import GRIDS, HOURS_PER_YEAR

import mlsysim
from mlsysim import InvalidInputError


def test_profiles_average_to_their_mean_and_solar_dips_at_noon():
    solar = GRIDS["solar and gas"].hourly()
    assert solar.mean() == pytest.approx(300.0)
    assert np.argmin(solar) in (11, 12) and solar[0] > solar[12]
    assert np.ptp(GRIDS["coal"].hourly()) == 0


def test_operational_is_meter_energy_times_intensity_plus_embodied_share():
    j = mlsysim.job_carbon("H100-SXM", 256, 10.0, "coal", pue=1.5, power_fraction=0.8,
                           embodied_kg_per_gpu=200, lifetime_years=5)
    kwh = 700 * 0.8 * 256 * 10 * 1.5 / 1e3
    assert j.facility_kwh == pytest.approx(kwh)
    assert j.operational_kg == pytest.approx(kwh * 0.8)
    assert j.embodied_kg == pytest.approx(256 * 200 * 10 / (5 * HOURS_PER_YEAR))


def test_start_hour_matters_on_a_solar_grid_and_pausing_costs_embodied():
    night = mlsysim.job_carbon("H100-SXM", 64, 8.0, "solar and gas", start_hour=18)
    day = mlsysim.job_carbon("H100-SXM", 64, 8.0, "solar and gas", start_hour=8)
    assert day.operational_kg < 0.8 * night.operational_kg
    paused = mlsysim.job_carbon("H100-SXM", 64, 8.0, "solar and gas", run_hours_per_day=8)
    assert paused.wall_hours == pytest.approx(24.0)
    assert paused.embodied_kg == pytest.approx(3 * day.embodied_kg)


def test_custom_grids_and_bad_input():
    flat = mlsysim.GridProfile("mine", 100.0)
    assert mlsysim.job_carbon("H100-SXM", 8, 5.0, flat).mean_g_per_kwh == pytest.approx(100)
    with pytest.raises(InvalidInputError, match="unknown grid"):
        mlsysim.job_carbon("H100-SXM", 8, 5.0, "tidal")
    with pytest.raises(InvalidInputError):
        mlsysim.job_carbon("H100-SXM", 8, 5.0, start_hour=24)
