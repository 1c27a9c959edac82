"""Below the roofline: what an operation and a memory access cost in energy, how defects set
the yield of a die (and why splitting one die into chiplets raises it), and the published
specifications of accelerators that are not GPUs.

The energy table is a cited measurement, not a model: Horowitz's 45 nm figures (ISSCC 2014),
the numbers every "moving a byte costs more than a FLOP" argument rests on. Newer processes
lower every entry, but the ratios between arithmetic and off-chip access have stayed wide,
which is the point the table is used for. The yield model is the textbook one (Poisson or
negative-binomial defects over the die area); defect densities are parameters, because
foundries do not publish theirs."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._units import ArrayLike, ResultMixin, check_positive
from .errors import InvalidInputError, UnknownNameError

HOROWITZ_SOURCE = ("Horowitz, 'Computing's Energy Problem (and What We Can Do About It)', "
                   "ISSCC 2014, energy table for a 45 nm process at 0.9 V")


@dataclass(frozen=True)
class EnergyCost:
    """Energy of one operation or one 64-bit memory access, in picojoules."""

    name: str
    kind: str  # "op" (arithmetic) or "access" (a 64-bit read from memory)
    picojoules: float
    source: str = HOROWITZ_SOURCE


#: Horowitz 2014, 45 nm. DRAM is quoted there as a range (1.3-2.6 nJ per 64-bit access);
#: we keep its midpoint and the range's ends in `DRAM_RANGE_PJ`.
DRAM_RANGE_PJ = (1300.0, 2600.0)
ENERGY_45NM: tuple[EnergyCost, ...] = (
    EnergyCost("8-bit int add", "op", 0.03),
    EnergyCost("32-bit int add", "op", 0.1),
    EnergyCost("8-bit int multiply", "op", 0.2),
    EnergyCost("16-bit float add", "op", 0.4),
    EnergyCost("32-bit float add", "op", 0.9),
    EnergyCost("16-bit float multiply", "op", 1.1),
    EnergyCost("32-bit int multiply", "op", 3.1),
    EnergyCost("32-bit float multiply", "op", 3.7),
    EnergyCost("8 KB SRAM read (64-bit)", "access", 10.0),
    EnergyCost("32 KB SRAM read (64-bit)", "access", 20.0),
    EnergyCost("1 MB SRAM read (64-bit)", "access", 100.0),
    EnergyCost("DRAM read (64-bit)", "access", sum(DRAM_RANGE_PJ) / 2),
)


def energy_cost(name: str) -> EnergyCost:
    """One entry of `ENERGY_45NM` by name (case-insensitive)."""
    for e in ENERGY_45NM:
        if e.name.lower() == str(name).lower():
            return e
    raise UnknownNameError("energy entry", str(name),
                           [e.name for e in ENERGY_45NM if str(name).lower() in e.name.lower()])


def energy_ratio(access: str, op: str, op_bits: int = 16) -> float:
    """How many `op`s cost as much energy as moving `op_bits` bits with `access`.

    Access energies are per 64-bit word; an operation consumes operands of `op_bits` bits, so
    the access is charged pro rata (`op_bits / 64` of a word). This is the ratio behind
    "moving a byte costs more than computing on it"."""
    a, o = energy_cost(access), energy_cost(op)
    if a.kind != "access" or o.kind != "op":
        raise InvalidInputError("access", "give a memory access first and an operation second")
    check_positive("op_bits", op_bits, integer=True)
    return a.picojoules * op_bits / 64 / o.picojoules


@dataclass(frozen=True)
class WorkloadEnergy(ResultMixin):
    """Energy of an operator split into arithmetic and data movement (45 nm table)."""

    flops: ArrayLike
    bytes_moved: ArrayLike
    compute_j: ArrayLike
    movement_j: ArrayLike
    movement_share: ArrayLike

    _units = {"flops": "FLOP", "bytes_moved": "B", "compute_j": "J", "movement_j": "J"}


def operator_energy(flops: ArrayLike, bytes_moved: ArrayLike,
                    access: str = "DRAM read (64-bit)") -> WorkloadEnergy:
    """Energy of `flops` 16-bit floating-point operations plus `bytes_moved` from `access`.

    A FLOP is charged as half a 16-bit multiply-add (the multiply and add energies, halved,
    because a multiply-add counts as two FLOPs); bytes are charged at the access's energy per
    64-bit word divided by 8. Feed it `LayerCost.flops` and `LayerCost.bytes_moved` to see why
    a memory-bound operator is also an energy-bound one."""
    f = np.asarray(check_positive("flops", flops, allow_zero=True), dtype=float)
    b = np.asarray(check_positive("bytes_moved", bytes_moved, allow_zero=True), dtype=float)
    per_flop = (energy_cost("16-bit float multiply").picojoules
                + energy_cost("16-bit float add").picojoules) / 2 * 1e-12
    a = energy_cost(access)
    if a.kind != "access":
        raise InvalidInputError("access", f"{access!r} is an operation, not a memory access")
    per_byte = a.picojoules / 8 * 1e-12
    comp, move = f * per_flop, b * per_byte
    share = move / np.where(comp + move > 0, comp + move, 1.0)
    out = (f, b, comp, move, share)
    if all(np.ndim(x) == 0 for x in out):
        out = tuple(float(x) for x in out)
    return WorkloadEnergy(*out)


# ---------------------------------------------------------------------------- yield


def die_yield(area_mm2: ArrayLike, defects_per_cm2: float,
              clustering: float | None = None) -> ArrayLike:
    """Fraction of dies of `area_mm2` with no killer defect.

    With `clustering` None, defects land independently (Poisson): Y = exp(-A D0). With a
    clustering parameter alpha, the negative-binomial model Y = (1 + A D0 / alpha)^-alpha,
    which is kinder to big dies because real defects bunch together."""
    a = np.asarray(check_positive("area_mm2", area_mm2), dtype=float) / 100.0  # cm^2
    d0 = check_positive("defects_per_cm2", defects_per_cm2, allow_zero=True)
    if clustering is None:
        y = np.exp(-a * d0)
    else:
        alpha = check_positive("clustering", clustering)
        y = (1.0 + a * d0 / alpha) ** (-alpha)
    return float(y) if np.ndim(y) == 0 else y


def dies_per_wafer(area_mm2: ArrayLike, wafer_mm: float = 300.0) -> ArrayLike:
    """Whole square dies on a round wafer: wafer area over die area, minus the edge loss
    (pi d / sqrt(2 A)), the usual first-order estimate."""
    a = np.asarray(check_positive("area_mm2", area_mm2), dtype=float)
    d = check_positive("wafer_mm", wafer_mm)
    n = math.pi * (d / 2) ** 2 / a - math.pi * d / np.sqrt(2 * a)
    n = np.floor(np.maximum(n, 0.0))
    return float(n) if np.ndim(n) == 0 else n


@dataclass(frozen=True)
class ChipletSplit(ResultMixin):
    """One design's logic area built as `chiplets` equal dies instead of one."""

    total_area_mm2: float
    chiplets: int
    die_area_mm2: float
    die_yield: float
    silicon_per_good_mm2: float  # wafer area consumed per good, assembled product
    monolithic_yield: float
    monolithic_silicon_per_good_mm2: float
    saving: float  # monolithic silicon per good product / chiplet silicon per good product

    _units = {"total_area_mm2": "mm^2", "die_area_mm2": "mm^2",
              "silicon_per_good_mm2": "mm^2", "monolithic_silicon_per_good_mm2": "mm^2"}


def chiplet_split(total_area_mm2: float, chiplets: int, defects_per_cm2: float,
                  overhead: float = 0.1, clustering: float | None = None,
                  assembly_yield: float = 1.0) -> ChipletSplit:
    """Silicon spent per good product when `total_area_mm2` of logic is split into chiplets.

    Each chiplet carries `overhead` extra area for its die-to-die interface; chiplets are
    tested before assembly (known-good die), so a defect costs one small die, not the whole
    product. `assembly_yield` is the chance that bonding all chiplets succeeds. Monolithic
    means one die of `total_area_mm2` with no interface overhead."""
    check_positive("total_area_mm2", total_area_mm2)
    n = int(check_positive("chiplets", chiplets, integer=True))
    check_positive("overhead", overhead, allow_zero=True)
    if not 0 < assembly_yield <= 1:
        raise InvalidInputError("assembly_yield", "must be in (0, 1]")
    die = total_area_mm2 / n * (1 + overhead if n > 1 else 1.0)
    y = die_yield(die, defects_per_cm2, clustering)
    per_good = n * die / y / assembly_yield
    y_mono = die_yield(total_area_mm2, defects_per_cm2, clustering)
    mono = total_area_mm2 / y_mono
    return ChipletSplit(float(total_area_mm2), n, float(die), float(y), float(per_good),
                        float(y_mono), float(mono), float(mono / per_good))


# ---------------------------------------------------------------------------- devices


@dataclass(frozen=True)
class AltAccelerator:
    """Published headline figures of an accelerator outside mlsysim's GPU/TPU catalog.

    `peak_flops` is the vendor's headline 16-bit figure as published (whether it counts
    sparsity is stated in `note`); `memory_bw` is the bandwidth of the memory that holds the
    weights (on-chip SRAM where there is no DRAM)."""

    name: str
    family: str
    peak_flops: float
    memory_bytes: float
    memory_bw: float
    note: str
    source: str

    @property
    def ridge(self) -> float:
        """Ridge point, FLOP per byte: peak over the bandwidth of weight memory."""
        return self.peak_flops / self.memory_bw


ALT_ACCELERATORS: tuple[AltAccelerator, ...] = (
    AltAccelerator(
        "Cerebras WSE-3", "wafer-scale", 125e15, 44e9, 21e15,
        "vendor 'peak AI' figure; whether it counts sparsity is not stated by the vendor",
        "Cerebras, WSE-3 / CS-3 product announcement (March 2024): 4 trillion transistors, "
        "900,000 cores, 44 GB on-chip SRAM, 21 PB/s memory bandwidth, 125 PFLOP/s peak AI"),
)


def alt_accelerator(name: str) -> AltAccelerator:
    """One entry of `ALT_ACCELERATORS` by name (case-insensitive)."""
    for a in ALT_ACCELERATORS:
        if a.name.lower() == str(name).lower():
            return a
    raise UnknownNameError("accelerator", str(name),
                           [a.name for a in ALT_ACCELERATORS if str(name).lower() in a.name.lower()])
