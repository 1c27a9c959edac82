"""Layer costs, elementwise fusion and compression (mlsysim.kernels, mlsysim.compression)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mlsysim.compression import (
    compress,
    compressed_size_bytes,
    pruning_error,
    quantization_error,
)
from mlsysim.kernels import attention_layer, conv2d_layer, dense_layer, elementwise_chain

import mlsysim


def test_dense_layer_counts_and_intensity_grow_with_batch() -> None:
    one = dense_layer(4096, 4096, 1, bias=False)
    assert one.params == 4096 * 4096
    assert one.flops == 2 * 4096 * 4096
    assert one.intensity == pytest.approx(1.0, rel=1e-3)  # bf16 matrix-vector: ~1 FLOP/byte
    many = dense_layer(4096, 4096, np.array([1, 8, 64, 512]))
    assert np.all(np.diff(many.intensity) > 0)


def test_conv2d_matches_the_registry_first_layer_of_resnet50() -> None:
    first = mlsysim.model("ResNet-50").cnn.layers[0]
    c = conv2d_layer(224, 224, 3, 64, kernel=7, stride=2)
    assert c.flops == pytest.approx(2 * first.macs)
    assert c.activation_bytes == pytest.approx(2 * first.out_elems)  # bf16 output


def test_depthwise_is_far_less_intense_than_standard_conv() -> None:
    std = conv2d_layer(56, 56, 128, 128, 3)
    dw = conv2d_layer(56, 56, 128, 128, 3, depthwise=True)
    assert dw.flops == pytest.approx(std.flops / 128)
    assert dw.intensity < std.intensity / 10
    with pytest.raises(mlsysim.InvalidInputError, match="out_channels"):
        conv2d_layer(8, 8, 16, 32, depthwise=True)


def test_attention_flops_split_into_projections_and_quadratic_scores() -> None:
    s, d, h = 1024, 512, 8
    a = attention_layer(s, d, h)
    assert a.flops == pytest.approx(8 * s * d * d + 4 * s * s * d)
    assert a.params == 4 * d * d + 4 * d
    longer = attention_layer(2 * s, d, h)
    # doubling the sequence more than doubles activation memory (the s^2 score matrix)
    assert longer.activation_bytes > 2 * a.activation_bytes
    with pytest.raises(mlsysim.InvalidInputError, match="heads"):
        attention_layer(128, 100, 3)


@settings(max_examples=60, deadline=None)
@given(elements=st.integers(1, 10**9), ops=st.integers(1, 64))
def test_fusion_never_loses_and_saves_exactly_the_intermediate_traffic(elements: int,
                                                                       ops: int) -> None:
    r = elementwise_chain("H100-SXM", elements, ops)
    assert r.fused_bytes * ops == pytest.approx(r.unfused_bytes)
    assert r.fused_time_s <= r.unfused_time_s * (1 + 1e-12)
    assert r.speedup >= 1 - 1e-12


def test_fusion_regimes_launch_bound_small_memory_bound_large() -> None:
    small = elementwise_chain("H100-SXM", 1_000, 8)
    large = elementwise_chain("H100-SXM", 500_000_000, 8)
    assert small.bound == "launch" and small.unfused_launch_share > 0.9
    assert large.bound == "memory"
    assert large.speedup == pytest.approx(8, rel=0.01)  # traffic falls 8x, launches negligible
    sweep = elementwise_chain("H100-SXM", np.array([1e3, 1e6, 1e9]), 4)
    assert list(sweep.bound) == ["launch", "launch", "memory"]


def test_quantization_error_matches_rate_distortion_intuition() -> None:
    e8, e4 = quantization_error(8), quantization_error(4)
    assert quantization_error(16) == 0.0
    assert 0.005 < e8 < 0.02  # about 40 dB for optimally clipped 8-bit Gaussian weights
    assert 0.08 < e4 < 0.15
    assert e4 / e8 > 8  # each bit buys ~6 dB, and clipping costs more at low bit widths


@settings(max_examples=40, deadline=None)
@given(a=st.floats(0.0, 0.98), b=st.floats(0.0, 0.98))
def test_pruning_error_is_monotone(a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    assert pruning_error(lo) <= pruning_error(hi) + 1e-12
    assert 0.0 <= pruning_error(hi) < 1.0


def test_pruning_half_of_gaussian_weights_removes_about_seven_percent_of_energy() -> None:
    # the smallest half of N(0,1) by magnitude holds 1 - 2*0.674*phi(0.674)... ~7% of energy
    assert pruning_error(0.5) ** 2 == pytest.approx(0.0713, abs=2e-3)
    with pytest.raises(mlsysim.InvalidInputError, match="sparsity"):
        pruning_error(1.0)


def test_compress_size_speed_and_fit_on_an_edge_board() -> None:
    dense = compress("Llama-3-8B", "Jetson-Orin-Nano-8GB", 16)
    int4 = compress("Llama-3-8B", "Jetson-Orin-Nano-8GB", 4)
    assert not dense.fits and "Jetson-Orin-Nano-8GB" in dense.reason
    assert int4.fits and int4.reason == ""
    assert int4.compression == pytest.approx(4.0)
    assert int4.speedup == pytest.approx(4.0, rel=0.01)  # decode streams a quarter the bytes
    assert int4.weight_snr_db < compress("Llama-3-8B", "H100-SXM", 8).weight_snr_db


def test_sparsity_storage_includes_index_metadata() -> None:
    m = mlsysim.model("Llama-3-8B")
    assert compressed_size_bytes(m, 8, 0.5) == pytest.approx(m.params * (0.5 + 1 / 8))
    assert compressed_size_bytes(m, 8, 0.5, structured=True) == pytest.approx(
        m.params * 0.5 * (8 + 2) / 8)
    with pytest.raises(mlsysim.InvalidInputError, match="2:4"):
        compressed_size_bytes(m, 8, 0.3, structured=True)
    with pytest.raises(mlsysim.InvalidInputError, match="bits"):
        compress(m, "H100-SXM", bits=3)
    assert math.isinf(compress(m, "H100-SXM", 16).weight_snr_db)
