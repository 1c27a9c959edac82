"""Module 14 tests: the profiler's numbers match what can be worked out by hand."""

import numpy as np
import pytest
from tinytorch.profiler import (
    count_parameters,
    forward_latency,
    layer_flops,
    measure_latency,
    model_size_bytes,
    profile,
)

import tinytorch as tt
from tinytorch import nn


def small_cnn():
    tt.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 8 * 8, 10)
    )


def test_parameter_count_matches_the_layer_shapes():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    assert count_parameters(model) == (3 * 4 + 4) + (4 * 2 + 2)


def test_a_shared_parameter_is_counted_once():
    a = nn.Linear(5, 5)
    model = nn.Sequential(a, nn.ReLU(), a)
    assert count_parameters(model) == 30


def test_frozen_parameters_can_be_left_out():
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    model[0].weight.requires_grad = False
    assert count_parameters(model, trainable_only=True) == 4 + 8 + 2


def test_size_in_bytes_is_four_bytes_per_float32_parameter_plus_buffers():
    assert model_size_bytes(nn.Linear(10, 10)) == 110 * 4
    bn = nn.BatchNorm2d(3)
    assert model_size_bytes(bn) >= (3 + 3) * 4 + (3 + 3) * 4  # weight, bias, running stats


def test_linear_flops_are_two_per_multiply_add_plus_the_bias():
    layer = nn.Linear(3, 4)
    x = tt.randn(8, 3)
    assert layer_flops(layer, (x,), layer(x)) == 2 * 8 * 3 * 4 + 8 * 4
    nobias = nn.Linear(3, 4, bias=False)
    assert layer_flops(nobias, (x,), nobias(x)) == 2 * 8 * 3 * 4


def test_conv_flops_scale_with_output_positions_and_kernel_volume():
    conv = nn.Conv2d(2, 5, 3, stride=1, padding=0)
    x = tt.randn(1, 2, 7, 7)
    out = conv(x)
    assert out.shape == (1, 5, 5, 5)
    assert layer_flops(conv, (x,), out) == 2 * 2 * 3 * 3 * 125 + 125


def test_profile_lists_each_layer_with_shape_params_flops_and_memory():
    model = small_cnn()
    x = tt.randn(2, 1, 8, 8)
    prof = profile(model, x)
    assert [r.kind for r in prof.layers] == ["Conv2d", "ReLU", "Flatten", "Linear"]
    conv, relu, _, fc = prof.layers
    assert conv.output_shape == (2, 4, 8, 8) and fc.output_shape == (2, 10)
    assert conv.params == 40 and fc.params == 2570 and prof.params == 2610
    assert relu.flops == 0 and fc.flops == 2 * 2 * 256 * 10 + 20
    assert conv.activation_bytes == 2 * 4 * 8 * 8 * 4
    assert prof.activation_bytes == sum(r.activation_bytes for r in prof.layers)
    assert "Linear" in prof.table() and "total" in prof.table()


def test_profiling_leaves_the_model_unchanged():
    model = small_cnn()
    x = tt.randn(2, 1, 8, 8)
    before = model(x).data.copy()
    profile(model, x)
    for mod in model.modules():
        assert "forward" not in vars(mod)
    np.testing.assert_allclose(model(x).data, before)


def test_profiling_restores_forward_even_when_the_model_fails():
    model = small_cnn()
    with pytest.raises(Exception):  # noqa: B017 - any shape error from the layers
        profile(model, tt.randn(2, 3, 8, 8))
    assert all("forward" not in vars(m) for m in model.modules())


def test_attention_flops_grow_with_the_square_of_sequence_length():
    attn = nn.MultiheadAttention(16, 2)
    x8, x16 = tt.randn(1, 8, 16), tt.randn(1, 16, 16)
    f8 = layer_flops(attn, (x8,), attn(x8))
    f16 = layer_flops(attn, (x16,), attn(x16))
    proj8, proj16 = 2 * 8 * 16 * 48, 2 * 16 * 16 * 48
    assert (f16 - proj16) == 4 * (f8 - proj8)


def test_latency_runs_warmup_calls_outside_the_measurement():
    calls = []
    lat = measure_latency(lambda: calls.append(1), warmup=4, repeats=6)
    assert len(calls) == 10 and lat.repeats == 6
    assert lat.median_ms >= 0 and lat.std_ms >= 0


def test_forward_latency_of_a_bigger_model_is_larger():
    tt.manual_seed(0)
    small = nn.Linear(16, 16)
    big = nn.Sequential(*[nn.Linear(256, 256) for _ in range(6)])
    t_small = forward_latency(small, tt.randn(64, 16), warmup=2, repeats=9).median_ms
    t_big = forward_latency(big, tt.randn(64, 256), warmup=2, repeats=9).median_ms
    assert t_big > t_small


def test_latency_rejects_nonsense_repeats():
    with pytest.raises(ValueError):
        measure_latency(lambda: None, repeats=0)
