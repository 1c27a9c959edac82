"""Where and when a job runs: grid carbon intensity by hour, facility PUE and embodied emissions.

Operational emissions are energy at the meter times the grid's carbon intensity at the hour the
energy is drawn; embodied emissions (manufacturing the accelerators) are charged to a job in
proportion to the share of the hardware's life it holds the devices. Dodge et al. 2022
("Measuring the Carbon Intensity of AI in Cloud Instances", FAccT) show both levers studied
here: moving a job between regions, and shifting or pausing it to follow the cleanest hours.

The named grids are `sustainability.GRID_MIXES`, archetype generation mixes (labelled
assumptions) priced hour by hour by `sustainability.hourly_intensity` from per-source lifecycle
intensities, so the lab and the chapter read the same grids. Pass a `GridProfile` (a daily mean
and the depth of a midday solar dip) for a grid of your own.

Embodied emissions per accelerator are an assumption too: vendors publish few figures, and
Gupta et al. 2021 ("Chasing Carbon: The Elusive Environmental Footprint of Computing", HPCA)
argue that manufacturing is a large and growing share of computing's footprint."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._units import ResultMixin, check_positive
from .economics import DEFAULT_PUE, energy
from .errors import InvalidInputError
from .registry import Hardware, hardware
from .sustainability import GRID_MIXES, hourly_intensity

#: Assumed embodied emissions of one accelerator with its share of the server, kg CO2e.
DEFAULT_EMBODIED_KG_PER_GPU = 150.0
#: Assumed service life over which embodied emissions are spread, years.
DEFAULT_LIFETIME_YEARS = 4.0
HOURS_PER_YEAR = 365.25 * 24


@dataclass(frozen=True)
class GridProfile:
    """A grid's daily mean carbon intensity (g CO2e/kWh) and the depth of its midday solar
    dip (0: flat; 0.6: noon is 60% below the night-time level)."""

    name: str
    mean_g_per_kwh: float
    solar_dip: float = 0.0

    def hourly(self) -> np.ndarray:
        """Intensity in each hour of the day: flat at night, lowered by a half-sine between
        6:00 and 18:00, scaled so the 24 values average `mean_g_per_kwh`."""
        h = np.arange(24) + 0.5
        sun = np.clip(np.sin(np.pi * (h - 6) / 12), 0, None)
        shape = 1 - self.solar_dip * sun
        return self.mean_g_per_kwh * shape / shape.mean()


#: The named grids: the archetype mixes of `sustainability`.
GRIDS = tuple(GRID_MIXES)


@dataclass(frozen=True)
class JobCarbon(ResultMixin):
    """Emissions of one job placed in a grid, hours and facility."""

    grid: str
    wall_hours: float
    facility_kwh: float
    mean_g_per_kwh: float
    operational_kg: float
    embodied_kg: float
    total_kg: float

    _units = {"facility_kwh": "", "operational_kg": "", "embodied_kg": "", "total_kg": ""}


def _hourly(grid: GridProfile | str) -> tuple[str, np.ndarray]:
    """(name, intensity in each hour of the day) of a named mix or a `GridProfile`."""
    if isinstance(grid, GridProfile):
        return grid.name, grid.hourly()
    return grid, np.asarray(hourly_intensity(grid), float)  # refuses unknown names


def _intensity(day: np.ndarray, hours: float, start_hour: int, run_hours_per_day: int) -> float:
    """Mean intensity over the hours the job draws power: `hours` from `start_hour` when it
    runs around the clock, else the `run_hours_per_day` cleanest hours of every day."""
    if run_hours_per_day < 24:
        return float(np.sort(day)[:run_hours_per_day].mean())
    whole = int(hours)
    idx = (start_hour + np.arange(whole + 1)) % 24
    weights = np.ones(whole + 1)
    weights[-1] = hours - whole
    return float((day[idx] * weights).sum() / hours)


def job_carbon(hw: Hardware | str, gpus: int, compute_hours: float,
               grid: GridProfile | str = "mixed", start_hour: int = 0,
               run_hours_per_day: int = 24, pue: float = DEFAULT_PUE,
               power_fraction: float = 0.8,
               embodied_kg_per_gpu: float = DEFAULT_EMBODIED_KG_PER_GPU,
               lifetime_years: float = DEFAULT_LIFETIME_YEARS) -> JobCarbon:
    """Emissions of `compute_hours` of work on `gpus` devices (energy from `energy`).

    A job that runs only `run_hours_per_day` a day (the cleanest ones) takes
    24 / run_hours_per_day times as long on the wall clock and holds its GPUs all that time:
    embodied = gpus x embodied_kg_per_gpu x wall_hours / (lifetime_years x 8,766 h); paused
    GPUs are assumed to draw nothing. operational = kWh at the meter x mean intensity."""
    name, day = _hourly(grid)
    gpus = check_positive("gpus", gpus, integer=True)
    hours = check_positive("compute_hours", compute_hours)
    if not 0 <= start_hour < 24 or not 1 <= run_hours_per_day <= 24:
        raise InvalidInputError("start_hour", "start_hour must be 0-23 and run_hours_per_day "
                                f"1-24, got {start_hour} and {run_hours_per_day}")
    check_positive("embodied_kg_per_gpu", embodied_kg_per_gpu, allow_zero=True)
    check_positive("lifetime_years", lifetime_years)
    e = energy(hardware(hw), hours * 3600, gpus, power_fraction, pue, 0.0)
    mean = _intensity(day, hours, int(start_hour), int(run_hours_per_day))
    op = float(e.kwh) * mean / 1e3
    wall = hours * 24 / run_hours_per_day
    emb = gpus * embodied_kg_per_gpu * wall / (lifetime_years * HOURS_PER_YEAR)
    return JobCarbon(name, wall, float(e.kwh), mean, op, emb, op + emb)
