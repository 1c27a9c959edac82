"""Job carbon: intensity by hour, pausing for clean hours, and the embodied floor."""

import numpy as np
import pytest
from mlsysim.grid_carbon import GRIDS, HOURS_PER_YEAR

import mlsysim
from mlsysim import InvalidInputError


def test_named_grids_are_the_sustainability_mixes_priced_by_hour():
    assert GRIDS == tuple(mlsysim.GRID_MIXES)
    j = mlsysim.job_carbon("H100-SXM", 8, 24.0, "coal-dominated")
    assert j.mean_g_per_kwh == pytest.approx(
        np.mean(mlsysim.hourly_intensity("coal-dominated")))
    solar = mlsysim.GridProfile("mine", 300.0, 0.6).hourly()
    assert solar.mean() == pytest.approx(300.0) and solar[0] > solar[12]


def test_operational_is_meter_energy_times_intensity_plus_embodied_share():
    flat = mlsysim.GridProfile("flat", 800.0)
    j = mlsysim.job_carbon("H100-SXM", 256, 10.0, flat, pue=1.5, power_fraction=0.8,
                           embodied_kg_per_gpu=200, lifetime_years=5)
    kwh = 700 * 0.8 * 256 * 10 * 1.5 / 1e3
    assert j.facility_kwh == pytest.approx(kwh)
    assert j.operational_kg == pytest.approx(kwh * 0.8)
    assert j.embodied_kg == pytest.approx(256 * 200 * 10 / (5 * HOURS_PER_YEAR))


def test_start_hour_matters_on_a_solar_grid_and_pausing_costs_embodied():
    night = mlsysim.job_carbon("H100-SXM", 64, 8.0, "solar-rich", start_hour=18)
    day = mlsysim.job_carbon("H100-SXM", 64, 8.0, "solar-rich", start_hour=8)
    assert day.operational_kg < 0.5 * night.operational_kg
    paused = mlsysim.job_carbon("H100-SXM", 64, 8.0, "solar-rich", run_hours_per_day=8)
    assert paused.wall_hours == pytest.approx(24.0)
    assert paused.embodied_kg == pytest.approx(3 * day.embodied_kg)


def test_unknown_grids_and_hours_are_refused():
    with pytest.raises(InvalidInputError, match="unknown grid"):
        mlsysim.job_carbon("H100-SXM", 8, 5.0, "tidal")
    with pytest.raises(InvalidInputError):
        mlsysim.job_carbon("H100-SXM", 8, 5.0, start_hour=24)
