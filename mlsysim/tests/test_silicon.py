"""The energy table, the yield arithmetic and the alternative-accelerator entries that the
hardware-acceleration chapter plots."""

from __future__ import annotations

import math

import numpy as np
import pytest
from mlsysim.errors import InvalidInputError, MlsysimError, UnknownNameError
from mlsysim.kernels import dense_layer

from mlsysim import silicon


def test_dram_access_dwarfs_arithmetic():
    # Horowitz 2014: a 64-bit DRAM read is hundreds of 16-bit multiplies even pro rata.
    r = silicon.energy_ratio("DRAM read (64-bit)", "16-bit float multiply", op_bits=16)
    assert r == pytest.approx(1950 / 4 / 1.1)
    assert r > 100
    # a small SRAM costs only a few operations' worth
    assert silicon.energy_ratio("8 KB SRAM read (64-bit)", "16-bit float multiply") < 5


def test_energy_table_is_ordered_by_memory_level():
    pj = [silicon.energy_cost(n).picojoules for n in (
        "8 KB SRAM read (64-bit)", "32 KB SRAM read (64-bit)", "1 MB SRAM read (64-bit)",
        "DRAM read (64-bit)")]
    assert pj == sorted(pj)
    assert silicon.DRAM_RANGE_PJ[0] <= pj[-1] <= silicon.DRAM_RANGE_PJ[1]


def test_unknown_entry_and_wrong_kind_are_user_errors():
    with pytest.raises(UnknownNameError):
        silicon.energy_cost("photonic read")
    with pytest.raises(InvalidInputError, match="access"):
        silicon.energy_ratio("16-bit float multiply", "DRAM read (64-bit)")
    with pytest.raises(MlsysimError):
        silicon.operator_energy(1e9, 1e9, access="8-bit int add")


def test_gemv_energy_is_movement_and_gemm_is_not():
    gemv = dense_layer(4096, 4096, batch=1)
    gemm = dense_layer(4096, 4096, batch=4096)
    e1 = silicon.operator_energy(gemv.flops, gemv.bytes_moved)
    e2 = silicon.operator_energy(gemm.flops, gemm.bytes_moved)
    assert e1.movement_share > 0.99
    assert e2.movement_share < 0.5
    arr = silicon.operator_energy(np.array([1e9, 1e12]), np.array([1e9, 1e9]))
    assert arr.movement_share[0] > arr.movement_share[1]


def test_yield_models():
    assert silicon.die_yield(100, 0.1) == pytest.approx(math.exp(-0.1))
    assert silicon.die_yield(100, 0.0) == 1.0
    # clustering is kinder to a big die than independent defects
    assert silicon.die_yield(800, 0.1, clustering=2) > silicon.die_yield(800, 0.1)
    ys = silicon.die_yield(np.array([100, 400, 800]), 0.1)
    assert list(ys) == sorted(ys, reverse=True)
    with pytest.raises(InvalidInputError, match="area_mm2"):
        silicon.die_yield(-5, 0.1)


def test_dies_per_wafer_first_order():
    n = silicon.dies_per_wafer(100)
    assert 600 < n < 707  # 706.9 without edge loss
    assert silicon.dies_per_wafer(800) < n / 8 + 1


def test_chiplets_save_silicon_for_big_designs_only_when_defects_matter():
    big = silicon.chiplet_split(800, 4, 0.1)
    assert big.die_yield > big.monolithic_yield
    assert big.saving > 1
    assert big.silicon_per_good_mm2 < big.monolithic_silicon_per_good_mm2
    # with a perfect process the interface overhead makes chiplets cost more silicon
    perfect = silicon.chiplet_split(800, 4, 0.0)
    assert perfect.saving == pytest.approx(1 / 1.1)
    one = silicon.chiplet_split(800, 1, 0.1)
    assert one.saving == pytest.approx(1.0)
    with pytest.raises(InvalidInputError, match="assembly_yield"):
        silicon.chiplet_split(800, 4, 0.1, assembly_yield=0)


def test_wafer_scale_ridge_is_far_left_of_a_gpu():
    from mlsysim import hardware
    wse = silicon.alt_accelerator("cerebras wse-3")
    h100 = hardware("H100")
    assert wse.ridge < h100.flops["bf16"] / h100.memory_bw / 10
    with pytest.raises(UnknownNameError):
        silicon.alt_accelerator("abacus")
