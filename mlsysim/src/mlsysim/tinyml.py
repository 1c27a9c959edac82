"""Will it fit? Weights in flash, activation arena in SRAM, and the latency/energy bound of
one inference on a microcontroller."""

from __future__ import annotations

from dataclasses import dataclass

from ._units import ResultMixin, check_positive, precision_bytes
from .compute import flops_per_inference
from .errors import InvalidInputError
from .registry import Hardware, Model, hardware, model

#: SRAM the interpreter itself needs (TensorFlow Lite Micro's runtime and op state are a few
#: tens of KB on Cortex-M; an estimate, override per project).
DEFAULT_RUNTIME_SRAM = 16e3
#: Flash for the runtime code and the model's flatbuffer metadata (estimate).
DEFAULT_RUNTIME_FLASH = 100e3


@dataclass(frozen=True)
class TinyMLFit(ResultMixin):
    """Verdict for one model on one device, with the numbers behind it."""

    model: str
    device: str
    precision: str
    weights_bytes: float
    flash_needed_bytes: float
    flash_bytes: float
    arena_bytes: float
    sram_needed_bytes: float
    sram_bytes: float
    fits_flash: bool
    fits_sram: bool
    fits: bool
    reasons: tuple[str, ...]
    latency_s: float
    energy_j: float
    inferences_per_s: float

    _units = {"weights_bytes": "B", "flash_needed_bytes": "B", "flash_bytes": "B",
              "arena_bytes": "B", "sram_needed_bytes": "B", "sram_bytes": "B",
              "latency_s": "s", "energy_j": "J"}


def tinyml_fit(m: Model | str, device: Hardware | str, precision: str = "int8",
               efficiency: float = 1.0, runtime_sram_bytes: float = DEFAULT_RUNTIME_SRAM,
               runtime_flash_bytes: float = DEFAULT_RUNTIME_FLASH) -> TinyMLFit:
    """Check a CNN (or any model) against an MCU's flash and SRAM.

    Weights live in flash; the activation arena is the largest set of tensors alive at once
    (a layer's input and output plus any held residual), as in TFLite Micro's planner.
    latency_s is FLOPs / (peak x efficiency): with efficiency=1 it is a lower bound."""
    m, h = model(m), hardware(device)
    b = precision_bytes(precision)
    peak = h.peak(precision)
    if not 0 < efficiency <= 1:
        raise InvalidInputError("efficiency", f"must be in (0, 1], got {efficiency}")
    check_positive("runtime_sram_bytes", runtime_sram_bytes, allow_zero=True)
    weights = m.params * b
    if m.cnn is not None:
        arena = m.cnn.peak_activation_elems * b
    elif m.kind == "transformer" and m.vit is None:
        arena = 4 * m.d_model * b + m.ffn * b  # one token's working set, the smallest case
    else:
        arena = 2 * m.vit_tokens * m.d_model * b
    flash = h.flash_bytes if h.flash_bytes is not None else h.memory_bytes
    sram = h.sram_bytes if h.sram_bytes is not None else h.memory_bytes
    flash_need = weights + runtime_flash_bytes
    sram_need = arena + runtime_sram_bytes
    reasons = []
    fits_flash, fits_sram = flash_need <= flash, sram_need <= sram
    if not fits_flash:
        reasons.append(f"weights {weights / 1e3:,.0f} KB + runtime need "
                       f"{flash_need / 1e3:,.0f} KB of flash, {h.name} has {flash / 1e3:,.0f} KB")
    if not fits_sram:
        reasons.append(f"activation arena {arena / 1e3:,.0f} KB + runtime need "
                       f"{sram_need / 1e3:,.0f} KB of SRAM, {h.name} has {sram / 1e3:,.0f} KB")
    latency = flops_per_inference(m) / (peak * efficiency)
    return TinyMLFit(m.name, h.name, precision, weights, flash_need, flash, arena, sram_need,
                     sram, fits_flash, fits_sram, fits_flash and fits_sram, tuple(reasons),
                     latency, latency * h.tdp_w, 1.0 / latency)


#: Usable energy of common primary cells, joules = nominal capacity x nominal voltage.
#: CR2032 lithium coin cell: 225 mAh at 3.0 V (Panasonic CR2032 datasheet). AA alkaline:
#: about 2,500 mAh at 1.5 V at low drain (Energizer E91 datasheet gives more at very low drain).
BATTERIES_J = {"CR2032": 0.225 * 3.0 * 3600, "AA": 2.5 * 1.5 * 3600, "2xAA": 2 * 2.5 * 1.5 * 3600}


@dataclass(frozen=True)
class BatteryLife(ResultMixin):
    """How long a battery lasts when a device does one job at a steady rate."""

    battery: str
    battery_j: float
    average_power_w: float
    life_s: float

    _units = {"battery_j": "J", "average_power_w": "W", "life_s": "s"}


def battery_life(energy_per_event_j: float, events_per_s: float, battery: str | float = "CR2032",
                 idle_power_w: float = 0.0) -> BatteryLife:
    """Battery life = stored energy / (energy per event x rate + idle power).

    An upper bound: it ignores self-discharge, the voltage sag near empty and the radio. Pass
    `battery` as a name in `BATTERIES_J` or as joules."""
    check_positive("energy_per_event_j", energy_per_event_j, allow_zero=True)
    check_positive("events_per_s", events_per_s, allow_zero=True)
    check_positive("idle_power_w", idle_power_w, allow_zero=True)
    if isinstance(battery, str):
        if battery not in BATTERIES_J:
            raise InvalidInputError("battery", f"{battery!r} is not one of {', '.join(BATTERIES_J)}")
        name, joules = battery, BATTERIES_J[battery]
    else:
        name, joules = f"{battery:g} J", float(check_positive("battery", battery))
    power = energy_per_event_j * events_per_s + idle_power_w
    if power <= 0:
        raise InvalidInputError("events_per_s", "the device draws no power; give a rate or idle power")
    return BatteryLife(name, joules, power, joules / power)
