"""Carbon models: grid intensity by mix and hour, temporal shifting, embodied amortisation,
water, rebound and energy per token."""

import math

import numpy as np
import pytest

import mlsysim as ms


def test_grid_intensity_is_the_share_weighted_ipcc_factor():
    assert ms.grid_intensity({"coal": 1.0}) == pytest.approx(820.0)
    assert ms.grid_intensity({"coal": 0.5, "wind": 0.5}) == pytest.approx(415.5)
    order = [ms.grid_intensity(g) for g in
             ("hydro-dominated", "nuclear-dominated", "mixed", "coal-dominated")]
    assert order == sorted(order)
    assert order[-1] / order[0] > 10  # the spread the chapter relies on


def test_every_archetype_sums_to_one_and_uses_known_sources():
    for name, mix in ms.GRID_MIXES.items():
        assert math.isclose(sum(mix.values()), 1.0), name
        assert set(mix) <= set(ms.SOURCE_G_PER_KWH)


def test_bad_mixes_are_named_errors():
    with pytest.raises(ms.InvalidInputError, match="sum to 1"):
        ms.grid_intensity({"coal": 0.5})
    with pytest.raises(ms.InvalidInputError, match="unknown source"):
        ms.grid_intensity({"peat": 1.0})
    with pytest.raises(ms.InvalidInputError, match="unknown grid"):
        ms.grid_intensity("mars")


def test_hourly_profile_averages_near_the_annual_figure_and_dips_at_noon():
    h = ms.hourly_intensity("solar-rich")
    assert h.shape == (24,)
    assert h[12] < h[0] * 0.6  # midday solar displaces gas and coal
    assert h[0] == pytest.approx(h[23])  # night is flat
    # curtailment at noon only raises the mean slightly above the annual mix
    assert ms.grid_intensity("solar-rich") <= h.mean() < ms.grid_intensity("solar-rich") * 1.1
    flat = ms.hourly_intensity({"nuclear": 1.0})
    assert np.allclose(flat, 12.0)


def test_shifting_finds_the_cleanest_window_and_interruptible_does_at_least_as_well():
    h = ms.hourly_intensity("solar-rich", 48)
    c = ms.carbon_shift(h, 4, 24)
    assert 9 <= c.best_start_h <= 12  # a four-hour block centred near noon
    assert c.best_g_per_kwh < c.now_g_per_kwh and 0 < c.saving < 1
    i = ms.carbon_shift(h, 4, 24, interruptible=True)
    assert i.best_g_per_kwh <= c.best_g_per_kwh + 1e-9
    long = ms.carbon_shift(h, 24, 48)
    assert long.saving == pytest.approx(0.0, abs=1e-9)  # a day-long job sees every hour anyway


def test_shift_rejects_a_window_shorter_than_the_job():
    with pytest.raises(ms.InvalidInputError, match="window_hours"):
        ms.carbon_shift(np.ones(24), 6, 4)
    with pytest.raises(ms.InvalidInputError, match="hourly"):
        ms.carbon_shift(np.array([1.0, -1.0]), 1, 2)


def test_embodied_share_grows_as_the_grid_gets_cleaner_and_utilisation_falls():
    dirty = ms.lifecycle_carbon(1000, 1000, 1000, 800)
    clean = ms.lifecycle_carbon(1000, 1000, 1000, 20)
    assert dirty.embodied_kg == pytest.approx(clean.embodied_kg)
    assert clean.embodied_share > dirty.embodied_share
    idle = ms.lifecycle_carbon(1000, 1000, 1000, 20, utilisation=0.35)
    assert idle.embodied_kg == pytest.approx(2 * clean.embodied_kg)
    assert dirty.operational_kg == pytest.approx(1000 * 1.0 * 1.1 * 0.8)
    with pytest.raises(ms.InvalidInputError, match="utilisation"):
        ms.lifecycle_carbon(1, 1, 1, 1, utilisation=0)


def test_water_splits_into_site_and_generation():
    w = ms.water_use(1000.0, pue=1.2, wue_l_per_kwh=0.5, ewif_l_per_kwh=2.0)
    assert w.onsite_l == pytest.approx(500.0)
    assert w.offsite_l == pytest.approx(2400.0)
    assert ms.water_use(1000.0, wue_l_per_kwh=0.0).onsite_l == 0.0


def test_rebound_backfires_only_above_unit_elasticity():
    assert ms.rebound(2.0, 0.5) < 1 < ms.rebound(2.0, 1.5)
    assert ms.rebound(4.0, 1.0) == pytest.approx(1.0)


def test_batching_cuts_energy_per_token():
    one = ms.token_energy("Llama-3-8B", "H100", batch=1)
    many = ms.token_energy("Llama-3-8B", "H100", batch=64)
    assert many.j_per_token < one.j_per_token / 10
    assert one.wh_per_1k_tokens == pytest.approx(one.j_per_token * 1000 / 3600)
    with pytest.raises(ms.InvalidInputError, match="batch"):
        ms.token_energy("Llama-3-70B", "H100", batch=4096)


def test_bloom_report_adds_up():
    b = ms.BLOOM_FOOTPRINT
    assert b.dynamic_t + b.idle_t + b.embodied_t == pytest.approx(b.total_t)
    assert b.dynamic_kwh * b.grid_g_per_kwh / 1e6 == pytest.approx(b.dynamic_t, rel=0.01)
