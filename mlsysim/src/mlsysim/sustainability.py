"""Carbon, water and embodied emissions of a fleet: what `economics.energy` leaves out.

`economics.energy` turns device-hours into kilowatt-hours and multiplies by one grid
intensity. A fleet operator needs more: the intensity changes with the generation mix of the
region and with the hour of the day, the hardware carried emissions before it drew a watt, and
the cooling and the power stations consume water. Every default below is either a cited figure
or a labelled assumption, and every one is a parameter."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._units import ResultMixin, check_positive
from .errors import InvalidInputError
from .registry import Hardware, Model, hardware

#: Life-cycle emissions of electricity by source, g CO2e per kWh: the medians of IPCC AR5
#: WG III Annex III (Schloemer et al. 2014, table A.III.2). "solar" is utility-scale PV.
SOURCE_G_PER_KWH: dict[str, float] = {
    "coal": 820.0, "gas": 490.0, "biomass": 230.0, "solar": 48.0, "geothermal": 38.0,
    "hydro": 24.0, "nuclear": 12.0, "wind": 11.0,
}

#: Sources whose output the hourly model holds flat through the day ("must run" or weather
#: driven on a scale longer than a day); solar follows the sun; the rest are dispatchable.
FLAT_SOURCES = ("nuclear", "hydro", "wind", "geothermal")
DISPATCHABLE = ("coal", "gas", "biomass")

#: Stylised grid archetypes: annual shares of generation. These are ASSUMPTIONS chosen to span
#: real grids (hydro-dominated, nuclear-dominated, mixed, solar-rich, coal-dominated); they are
#: not measurements of any particular region. Use an operator's data for a real estimate.
GRID_MIXES: dict[str, dict[str, float]] = {
    "hydro-dominated": {"hydro": 0.92, "wind": 0.05, "gas": 0.02, "biomass": 0.01},
    "nuclear-dominated": {"nuclear": 0.68, "hydro": 0.11, "wind": 0.09, "solar": 0.05,
                          "gas": 0.06, "biomass": 0.01},
    "mixed": {"gas": 0.40, "coal": 0.17, "nuclear": 0.18, "wind": 0.11, "hydro": 0.06,
              "solar": 0.05, "biomass": 0.03},
    "solar-rich": {"solar": 0.25, "gas": 0.42, "wind": 0.10, "hydro": 0.10, "nuclear": 0.10,
                   "coal": 0.03},
    "coal-dominated": {"coal": 0.70, "gas": 0.10, "wind": 0.11, "solar": 0.05, "hydro": 0.02,
                       "biomass": 0.02},
}

#: Water-use effectiveness on site, litres per IT kWh (The Green Grid's WUE). ASSUMPTION: a
#: site with evaporative cooling for part of the year; dry-cooled sites are near zero.
DEFAULT_WUE_L_PER_KWH = 0.5
#: Water consumed off site by power generation, litres per kWh delivered (the "EWIF" of Li et
#: al. 2023). ASSUMPTION of a few litres per kWh for a thermal-heavy grid; varies by region.
DEFAULT_EWIF_L_PER_KWH = 3.0


def _mix(grid: str | dict[str, float]) -> dict[str, float]:
    """A generation mix by name or as {source: share}; shares must be known and sum to 1."""
    if isinstance(grid, str):
        if grid not in GRID_MIXES:
            raise InvalidInputError("grid", f"unknown grid {grid!r} (choose from "
                                    f"{', '.join(GRID_MIXES)} or pass {{source: share}})")
        return GRID_MIXES[grid]
    if not isinstance(grid, dict) or not grid:
        raise InvalidInputError("grid", "pass a grid name or a non-empty {source: share} dict")
    for src, share in grid.items():
        if src not in SOURCE_G_PER_KWH:
            raise InvalidInputError("grid", f"unknown source {src!r} (choose from "
                                    f"{', '.join(SOURCE_G_PER_KWH)})")
        check_positive(f"grid[{src!r}]", share, allow_zero=True)
    if not math.isclose(sum(grid.values()), 1.0, abs_tol=1e-6):
        raise InvalidInputError("grid", f"shares must sum to 1, got {sum(grid.values()):.4f}")
    return grid


def grid_intensity(grid: str | dict[str, float]) -> float:
    """Annual-average intensity, g CO2e/kWh = sum over sources of share x life-cycle factor
    (factors: IPCC AR5 medians, `SOURCE_G_PER_KWH`)."""
    return float(sum(s * SOURCE_G_PER_KWH[k] for k, s in _mix(grid).items()))


def hourly_intensity(grid: str | dict[str, float], hours: int = 24) -> np.ndarray:
    """Intensity in each hour of a stylised day (g CO2e/kWh), for demand held flat.

    Flat sources keep their annual share every hour; solar follows a half-sine from 06:00 to
    18:00 scaled so its daily mean equals its annual share (peak = share x pi), curtailed when
    it would exceed the room left by flat sources; dispatchable sources fill the remainder in
    their annual proportions. A teaching model of the "duck curve", not a measured profile."""
    n = check_positive("hours", hours, integer=True)
    mix = _mix(grid)
    t = (np.arange(n) % 24) + 0.5
    shape = np.clip(np.sin(np.pi * (t - 6.0) / 12.0), 0.0, None)
    flat = sum(mix.get(k, 0.0) for k in FLAT_SOURCES)
    solar = np.minimum(mix.get("solar", 0.0) * math.pi * shape, 1.0 - flat)
    disp = {k: mix.get(k, 0.0) for k in DISPATCHABLE}
    disp_total = sum(disp.values())
    disp_g = (sum(s * SOURCE_G_PER_KWH[k] for k, s in disp.items()) / disp_total
              if disp_total > 0 else 0.0)
    flat_g = sum(mix.get(k, 0.0) * SOURCE_G_PER_KWH[k] for k in FLAT_SOURCES)
    filler = 1.0 - flat - solar
    if disp_total == 0 and flat > 0:  # nothing dispatchable: the flat sources fill the gap
        disp_g = flat_g / flat
    elif disp_total == 0:  # an all-solar grid: intensity is solar's at every hour
        return np.full(n, SOURCE_G_PER_KWH["solar"])
    return flat_g + solar * SOURCE_G_PER_KWH["solar"] + filler * disp_g


@dataclass(frozen=True)
class CarbonShift(ResultMixin):
    """Average intensity a job sees if it starts now versus at the best time in its window."""

    job_hours: int
    window_hours: int
    interruptible: bool
    now_g_per_kwh: float
    best_g_per_kwh: float
    best_start_h: int
    saving: float

    _units = {"now_g_per_kwh": "", "best_g_per_kwh": ""}


def carbon_shift(hourly: np.ndarray, job_hours: int, window_hours: int,
                 interruptible: bool = False) -> CarbonShift:
    """Temporal shifting: a job of `job_hours` must finish within `window_hours` from now.

    Contiguous jobs pick the start s minimising mean(I[s:s+L]) for s <= W - L (a sliding
    window); interruptible jobs pick the L cleanest hours of the window. Saving = 1 - best /
    now. Follows the flexible-start model of Wiesner et al. (2021), "Let's wait awhile"."""
    arr = np.asarray(hourly, dtype=float)
    if arr.ndim != 1 or arr.size == 0 or np.any(arr < 0) or not np.all(np.isfinite(arr)):
        raise InvalidInputError("hourly", "pass a 1-D array of non-negative intensities")
    L = check_positive("job_hours", job_hours, integer=True)
    W = check_positive("window_hours", window_hours, integer=True)
    if W < L:
        raise InvalidInputError("window_hours", f"window {W} h is shorter than the job {L} h")
    if W > arr.size:
        raise InvalidInputError("window_hours", f"window {W} h exceeds the {arr.size} h profile")
    win = arr[:W]
    now = float(win[:L].mean())
    if interruptible:
        best, start = float(np.sort(win)[:L].mean()), int(np.argmin(win))
    else:
        means = np.convolve(win, np.ones(L) / L, mode="valid")
        start = int(np.argmin(means))
        best = float(means[start])
    return CarbonShift(L, W, bool(interruptible), now, best, start,
                       1.0 - best / now if now > 0 else 0.0)


@dataclass(frozen=True)
class LifecycleCarbon(ResultMixin):
    """Operational and amortised embodied emissions of some device-hours of work."""

    device_hours: float
    energy_kwh: float
    operational_kg: float
    embodied_kg: float
    total_kg: float
    embodied_share: float

    _units = {"energy_kwh": ""}


def lifecycle_carbon(device_hours: float, device_w: float, embodied_kg_per_device: float,
                     grid_g_per_kwh: float, pue: float = 1.1, lifetime_years: float = 5.0,
                     utilisation: float = 0.7) -> LifecycleCarbon:
    """Operational = device-hours x W x PUE x intensity; embodied = device-hours x E /
    (lifetime hours x utilisation): the manufacturing footprint is spread over the useful
    hours a device delivers in its life, so idle or early-retired hardware costs more per job
    (Gupta et al. 2021, "Chasing Carbon"). `device_w` should include the host's share."""
    h = check_positive("device_hours", device_hours, allow_zero=True)
    check_positive("device_w", device_w)
    check_positive("embodied_kg_per_device", embodied_kg_per_device, allow_zero=True)
    check_positive("grid_g_per_kwh", grid_g_per_kwh, allow_zero=True)
    check_positive("lifetime_years", lifetime_years)
    if pue < 1:
        raise InvalidInputError("pue", f"must be >= 1, got {pue}")
    if not 0 < utilisation <= 1:
        raise InvalidInputError("utilisation", f"must be in (0, 1], got {utilisation}")
    kwh = h * device_w * pue / 1e3
    op = kwh * grid_g_per_kwh / 1e3
    emb = h * embodied_kg_per_device / (lifetime_years * 8760.0 * utilisation)
    total = op + emb
    return LifecycleCarbon(float(h), kwh, op, emb, total, emb / total if total > 0 else 0.0)


@dataclass(frozen=True)
class WaterUse(ResultMixin):
    """Litres of water consumed on site (cooling) and off site (generating the electricity)."""

    it_kwh: float
    onsite_l: float
    offsite_l: float
    total_l: float


def water_use(it_kwh: float, pue: float = 1.1, wue_l_per_kwh: float = DEFAULT_WUE_L_PER_KWH,
              ewif_l_per_kwh: float = DEFAULT_EWIF_L_PER_KWH) -> WaterUse:
    """On site = IT kWh x WUE (The Green Grid's definition, per IT kWh); off site = IT kWh x
    PUE x EWIF (the water intensity of the grid's generation). The two-scope accounting is
    that of Li et al. 2023, "Making AI Less Thirsty"; the defaults are labelled assumptions."""
    kwh = check_positive("it_kwh", it_kwh, allow_zero=True)
    if pue < 1:
        raise InvalidInputError("pue", f"must be >= 1, got {pue}")
    check_positive("wue_l_per_kwh", wue_l_per_kwh, allow_zero=True)
    check_positive("ewif_l_per_kwh", ewif_l_per_kwh, allow_zero=True)
    on = kwh * wue_l_per_kwh
    off = kwh * pue * ewif_l_per_kwh
    return WaterUse(float(kwh), on, off, on + off)


def rebound(efficiency_gain: float, elasticity: float) -> float:
    """Total-energy multiplier after an efficiency gain, with constant-elasticity demand.

    Energy per unit falls by `efficiency_gain` (g > 1), so the price per unit falls by g if
    energy dominates cost; demand scales as g**elasticity, total energy as g**(elasticity - 1).
    Elasticity > 1 is Jevons' paradox (Jevons 1865): the gain raises total use."""
    check_positive("efficiency_gain", efficiency_gain)
    check_positive("elasticity", elasticity, allow_zero=True)
    return float(efficiency_gain ** (elasticity - 1.0))


@dataclass(frozen=True)
class TokenEnergy(ResultMixin):
    """Energy and carbon of generating tokens on one serving replica at steady state."""

    model: str
    hardware: str
    batch: int
    tokens_per_s: float
    replica_w: float
    j_per_token: float
    wh_per_1k_tokens: float
    g_per_1k_tokens: float

    _units = {"replica_w": "W"}


def token_energy(m: Model | str, hw: Hardware | str, batch: int = 32, gpus: int = 1,
                 prompt_len: int = 512, output_len: int = 256, precision: str = "fp16",
                 power_fraction: float = 0.7, host_fraction: float = 0.82, pue: float = 1.1,
                 grid_g_per_kwh: float = 386.0) -> TokenEnergy:
    """J per generated token = replica power x PUE / decode throughput (`mlsysim.serve`).

    Replica power = gpus x TDP x (power_fraction + host_fraction); the host share matches
    `facility.DEFAULT_HOST_FRACTION`. Batching divides the fixed power over more tokens."""
    from .serve import serve

    h = hardware(hw)
    b = check_positive("batch", batch, integer=True)
    check_positive("power_fraction", power_fraction)
    if pue < 1:
        raise InvalidInputError("pue", f"must be >= 1, got {pue}")
    r = serve(m, h, b, prompt_len, output_len, precision, gpus)
    if not r.feasible:
        raise InvalidInputError("batch", f"batch {b} does not fit: {r.reason}")
    tps = b * output_len / float(r.request_latency_s)
    watts = gpus * h.tdp_w * (power_fraction + host_fraction)
    j = watts * pue / tps
    wh = j * 1000 / 3600
    return TokenEnergy(r.model, h.name, b, tps, watts, j, wh, wh / 1e3 * grid_g_per_kwh)


@dataclass(frozen=True)
class ReportedFootprint:
    """A published footprint, kept as reported so the book can compare with its models."""

    name: str
    source: str
    dynamic_kwh: float
    gpu_hours: float
    grid_g_per_kwh: float
    dynamic_t: float
    idle_t: float
    embodied_t: float
    total_t: float


#: BLOOM-176B final training as estimated by Luccioni, Viguier and Ligozat (JMLR 2023):
#: 1,082,990 A100-hours at ~400 W -> 433,196 kWh; French grid ~57 g/kWh; dynamic 24.7 t,
#: idle and infrastructure 14.6 t, embodied 11.2 t, total 50.5 t CO2e.
BLOOM_FOOTPRINT = ReportedFootprint("BLOOM-176B", "Luccioni et al. 2023", 433_196.0,
                                    1_082_990.0, 57.0, 24.7, 14.6, 11.2, 50.5)
