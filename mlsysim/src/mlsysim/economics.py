"""Energy, carbon and cost. Facility overheads and grid intensity are parameters with
sourced defaults, because they vary more between sites than the chips do between vendors."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._units import ArrayLike, ResultMixin, check_positive
from .errors import InvalidInputError
from .registry import Hardware, Model, hardware, model

#: Power usage effectiveness. Google reports a fleet-wide trailing average of about 1.10 (2023
#: environmental report); the Uptime Institute's 2023 survey average is 1.58.
DEFAULT_PUE = 1.10
#: Grid carbon intensity, g CO2e per kWh: US average electricity mix 2022 (US EIA), ~386.
DEFAULT_GRID_G_PER_KWH = 386.0
#: Industrial electricity price, USD per kWh (US EIA 2023 average industrial rate ~0.08).
DEFAULT_USD_PER_KWH = 0.08


@dataclass(frozen=True)
class Energy(ResultMixin):
    """Energy of running `gpus` devices for `seconds`, at the meter (IT x PUE)."""

    hardware: str
    gpus: int
    seconds: float
    power_fraction: float
    pue: float
    it_energy_j: ArrayLike
    facility_energy_j: ArrayLike
    kwh: ArrayLike
    mwh: ArrayLike
    co2_kg: ArrayLike
    electricity_usd: ArrayLike

    _units = {"seconds": "s", "it_energy_j": "J", "facility_energy_j": "J", "kwh": "",
              "mwh": "", "co2_kg": "", "electricity_usd": ""}


def energy(hw: Hardware | str | object, seconds: ArrayLike | None = None, gpus: int = 1,
           power_fraction: float = 1.0, pue: float = DEFAULT_PUE,
           grid_g_per_kwh: float = DEFAULT_GRID_G_PER_KWH,
           usd_per_kwh: float = DEFAULT_USD_PER_KWH) -> Energy:
    """Energy, carbon and electricity cost. Pass a TrainResult to cost a whole training run.

    Devices are charged at `power_fraction` x TDP (1.0 = the board limit, an upper bound;
    measured training fleets run nearer 0.7-0.9)."""
    from .train import TrainResult

    if isinstance(hw, TrainResult):
        if not hw.feasible:
            raise InvalidInputError("result", f"cannot cost an infeasible run: {hw.reason}")
        seconds, gpus, hw = hw.total_time_s, hw.gpus, hw.hardware
    h = hardware(hw)  # type: ignore[arg-type]
    if seconds is None:
        raise InvalidInputError("seconds", "give the run time in seconds (or pass a TrainResult)")
    seconds = check_positive("seconds", seconds, allow_zero=True)
    gpus = check_positive("gpus", gpus, integer=True)
    check_positive("power_fraction", power_fraction)
    if pue < 1:
        raise InvalidInputError("pue", f"must be >= 1, got {pue}")
    check_positive("grid_g_per_kwh", grid_g_per_kwh, allow_zero=True)
    it = h.tdp_w * power_fraction * gpus * np.asarray(seconds, dtype=float)
    fac = it * pue
    kwh = fac / 3.6e6
    f = float if np.ndim(it) == 0 else (lambda x: x)
    return Energy(h.name, gpus, f(seconds), power_fraction, pue, f(it), f(fac), f(kwh),
                  f(kwh / 1e3), f(kwh * grid_g_per_kwh / 1e3), f(kwh * usd_per_kwh))


def carbon(kwh: ArrayLike, grid_g_per_kwh: float = DEFAULT_GRID_G_PER_KWH) -> ArrayLike:
    """kg CO2e for `kwh` of electricity at a grid intensity (g/kWh; ~20 for hydro, ~800 coal)."""
    return check_positive("kwh", kwh, allow_zero=True) * grid_g_per_kwh / 1e3


@dataclass(frozen=True)
class TCO(ResultMixin):
    """Total cost of owning `gpus` devices for `years`: purchase + facility + electricity."""

    hardware: str
    gpus: int
    years: float
    capex_usd: float
    energy_usd: float
    facility_usd: float
    total_usd: float
    usd_per_gpu_hour: float
    usd_per_useful_gpu_hour: float


def tco(hw: Hardware | str, gpus: int = 1, years: float = 4.0, utilization: float = 0.7,
        power_fraction: float = 0.8, pue: float = DEFAULT_PUE,
        usd_per_kwh: float = DEFAULT_USD_PER_KWH, server_overhead: float = 0.5,
        facility_usd_per_kw_year: float = 1000.0) -> TCO:
    """Own-vs-rent arithmetic. `server_overhead` adds the rest of the server (CPUs, NICs,
    switches) as a fraction of accelerator price; `facility_usd_per_kw_year` is the datacenter
    space/cooling capital charge per kW of IT load (order-of-magnitude default)."""
    h = hardware(hw)
    if not h.price_usd:
        raise InvalidInputError("hardware", f"{h.name} has no purchase price in the registry")
    gpus = check_positive("gpus", gpus, integer=True)
    years = check_positive("years", years)
    if not 0 < utilization <= 1:
        raise InvalidInputError("utilization", f"must be in (0, 1], got {utilization}")
    capex = h.price_usd * gpus * (1 + server_overhead)
    hours = years * 365.25 * 24
    kw = h.tdp_w * power_fraction * gpus / 1e3
    energy_usd = kw * hours * pue * usd_per_kwh
    facility = h.tdp_w * gpus / 1e3 * facility_usd_per_kw_year * years
    total = capex + energy_usd + facility
    return TCO(h.name, gpus, years, capex, energy_usd, facility, total, total / (gpus * hours),
               total / (gpus * hours * utilization))


def cost_per_million_tokens(m: Model | str, hw: Hardware | str, batch: int = 32,
                            prompt_len: int = 512, output_len: int = 256,
                            precision: str = "fp16", gpus: int = 1,
                            price_per_hour: float | None = None) -> float:
    """USD per million generated tokens at steady state: rental price / decode throughput.

    Uses the registry's approximate cloud price per device-hour unless `price_per_hour` is
    given; returns inf when the batch does not fit."""
    from .serve import serve

    h = hardware(hw)
    price = price_per_hour if price_per_hour is not None else h.price_per_hour
    if price is None:
        raise InvalidInputError("price_per_hour", f"{h.name} has no rental price; pass one")
    r = serve(model(m), h, batch, prompt_len, output_len, precision, gpus)
    if not r.feasible:
        return float("inf")
    tokens_per_hour = batch * output_len / r.request_latency_s * 3600
    return price * gpus / tokens_per_hour * 1e6


@dataclass(frozen=True)
class RunCost(ResultMixin):
    """Dollars and megawatt-hours of one training run."""

    model: str
    hardware: str
    gpu_hours: float
    rental_usd: float
    mwh: float
    co2_tonnes: float
    electricity_usd: float

    _units = {"gpu_hours": ""}


def training_cost(result: object, price_per_hour: float | None = None,
                  pue: float = DEFAULT_PUE, grid_g_per_kwh: float = DEFAULT_GRID_G_PER_KWH,
                  power_fraction: float = 0.8) -> RunCost:
    """Rental dollars (GPU-hours x price) and energy of a TrainResult.

    Uses the registry's approximate cloud rate unless `price_per_hour` is given; power is
    charged at 0.8 x TDP by default, nearer what training fleets draw than the board limit."""
    from .train import TrainResult

    if not isinstance(result, TrainResult):
        raise InvalidInputError("result", "pass the TrainResult returned by mlsysim.train()")
    if not result.feasible:
        raise InvalidInputError("result", f"cannot cost an infeasible run: {result.reason}")
    h = hardware(result.hardware)
    price = price_per_hour if price_per_hour is not None else h.price_per_hour
    if price is None:
        raise InvalidInputError("price_per_hour", f"{h.name} has no rental price; pass one")
    e = energy(result, power_fraction=power_fraction, pue=pue, grid_g_per_kwh=grid_g_per_kwh)
    return RunCost(result.model, h.name, result.gpu_hours, result.gpu_hours * price,
                   float(e.mwh), float(e.co2_kg) / 1e3, float(e.electricity_usd))
