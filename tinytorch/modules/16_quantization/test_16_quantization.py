"""Module 16 tests: int8 round trips stay within half a step, and quantized models stay accurate."""

import numpy as np
import pytest
from tinytorch.quantization import (
    MinMaxObserver,
    QuantizedLinear,
    affine_params,
    calibrate,
    dequantize,
    integer_matmul,
    quantization_report,
    quantize,
    quantize_model,
    quantize_per_channel,
    quantize_per_tensor,
)

import tinytorch as tt
from tinytorch import nn

RNG = np.random.default_rng(16)


def test_round_trip_error_is_at_most_half_a_quantization_step():
    x = RNG.uniform(-3, 5, size=1000).astype(np.float32)
    q, scale, zero = quantize_per_tensor(x)
    assert q.dtype == np.int8
    err = np.abs(dequantize(q, scale, zero) - x)
    assert err.max() <= scale / 2 + 1e-6


def test_the_full_int8_range_is_used_and_zero_is_exact():
    x = np.array([-1.0, 0.0, 0.5, 3.0], dtype=np.float32)
    q, scale, zero = quantize_per_tensor(x)
    assert q.min() == -128 and q.max() == 127
    assert dequantize(np.array([zero], dtype=np.int8), scale, zero)[0] == 0.0
    assert q[1] == zero


def test_positive_only_data_still_represents_zero():
    scale, zero = affine_params(2.0, 10.0)
    assert dequantize(quantize(np.zeros(1), scale, zero), scale, zero)[0] == 0.0


def test_symmetric_quantization_has_zero_point_zero():
    q, scale, zero = quantize_per_tensor(np.array([-2.0, 1.0]), symmetric=True)
    assert zero == 0 and q[0] == -127 and scale == pytest.approx(2 / 127)


def test_values_outside_the_calibrated_range_saturate():
    scale, zero = affine_params(-1.0, 1.0)
    q = quantize(np.array([-100.0, 100.0]), scale, zero)
    assert q.tolist() == [-128, 127]


def test_per_channel_beats_per_tensor_when_rows_differ_in_scale():
    w = RNG.standard_normal((8, 32)).astype(np.float32) * np.logspace(-3, 1, 8)[:, None]
    qt, st, zt = quantize_per_tensor(w, symmetric=True)
    qc, sc, zc = quantize_per_channel(w, axis=0)
    assert sc.shape == (8, 1) and np.all(zc == 0)
    err_tensor = np.abs(dequantize(qt, st, zt) - w)[0].max()
    err_channel = np.abs(dequantize(qc, sc, zc) - w)[0].max()
    assert err_channel < err_tensor / 50  # the small row is lost entirely per tensor


def test_observer_tracks_the_range_over_all_batches():
    obs = MinMaxObserver()
    with pytest.raises(RuntimeError):
        obs.params()
    obs.observe(np.array([0.0, 1.0]))
    obs.observe(np.array([-2.0, 0.5]))
    assert (obs.lo, obs.hi) == (-2.0, 1.0)


def _model_and_data():
    tt.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 5))
    x = tt.randn(300, 20)
    y = model(x).data.argmax(axis=-1)
    return model, x, y


def test_calibration_records_each_linear_input_range_and_leaves_the_model_alone():
    model, x, _ = _model_and_data()
    obs = calibrate(model, [x.data[:50], x.data[50:100]])
    assert set(obs) == {"0", "2"}
    assert obs["0"].lo == pytest.approx(float(x.data[:100].min()))
    assert obs["2"].lo >= 0.0  # the second Linear sees ReLU outputs
    assert all("forward" not in vars(m) for m in model.modules())


def test_quantized_linear_matches_the_float_layer_closely():
    tt.manual_seed(1)
    lin = nn.Linear(16, 8)
    x = tt.randn(64, 16)
    scale, zero = affine_params(x.data.min(), x.data.max())
    qlin = QuantizedLinear(lin, float(scale), int(zero))
    assert qlin.qweight.data.dtype == np.int8
    ref = lin(x).data
    np.testing.assert_allclose(qlin(x).data, ref, atol=0.05 * np.abs(ref).max())


def test_quantized_model_keeps_layer_order_is_smaller_and_nearly_as_accurate():
    model, x, y = _model_and_data()
    qmodel = quantize_model(model, [x.data[:100]])
    kinds = [type(m).__name__ for m in qmodel]
    assert kinds == ["QuantizedLinear", "ReLU", "QuantizedLinear"]
    assert isinstance(model[0], nn.Linear)  # the float model is untouched
    report = quantization_report(model, qmodel, x, y)
    assert report.compression > 2.8
    assert report.accuracy_fp32 == 1.0
    assert report.accuracy_drop <= 0.03
    assert "smaller" in report.table()


def test_integer_matmul_is_exact_for_int8_operands():
    rng = np.random.default_rng(5)
    for k in (3, 64, 600):  # 600 exceeds the exact-float32 bound and takes the integer path
        a = rng.integers(-255, 256, size=(7, k))
        b = rng.integers(-128, 128, size=(k, 5))
        out = integer_matmul(a, b)
        np.testing.assert_array_equal(out, a.astype(np.int64) @ b.astype(np.int64))
