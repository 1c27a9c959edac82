"""The validation gate: held-out published runs, never fitted to, predicted within bounds."""

import numpy as np
import pytest
import yaml
from mlsysim.errors import MlsysimError

import mlsysim as ms
from mlsysim import calibration, efficiency, validation


def _held():
    return [r for r in ms.validate() if r.set == "heldout"]


def test_heldout_set_covers_what_the_issue_asks():
    held = _held()
    assert len(held) >= 40
    hw = {r.hardware for r in held}
    assert {"A100-80GB", "H100-SXM", "H200-SXM", "TPU-v4", "MI300X"} <= hw
    metrics = {r.metric for r in held}
    assert {"tflops_megatron", "mfu", "gpu_hours", "ttft_s", "out_tok_s_per_gpu"} <= metrics
    assert {"training", "inference"} == {r.domain for r in held}
    assert any("fp8" in r.configuration for r in held) and any(
        "DeepSeek-V3" in r.configuration for r in held)  # low precision and MoE
    assert all(r.source and len(r.source) > 20 for r in held)


def test_heldout_gate():
    by = {(s.set, s.domain): s for s in validation.summaries()}
    for d in ("training", "inference"):
        s = by[("heldout", d)]
        assert s.median_abs_error <= 0.10 and s.max_abs_error <= 0.35, (d, s)


def test_mi300x_is_fitted_on_amds_table_and_predicts_another_operators_runs():
    """The MI300X family is fitted on AMD's vLLM latency rows at 128 prompt tokens only; OCI's
    Llama 3.1 405B sweep (another operator, another vLLM build, batches up to 256) and AMD's
    2,048-token rows stay held out and land within the gate. Borrowing the A100's values,
    the batch-256 OCI run was predicted 62% too fast."""
    cal = {(v.family, v.name): v for v in calibration.calibrate().values}
    fitted = [v for (fam, _), v in cal.items() if fam == "MI300X" and v.fitted]
    assert {v.name for v in fitted} >= {"fp8", "memory", "seq_s"}
    assert all(c.startswith("amd-mi300x-") and "-128-" in c for v in fitted for c in v.cases)
    rows = {r.id: r for r in _held()}
    oci = [rows[f"oci-mi300x-405b-b{b}"] for b in (1, 32, 256)]
    assert all(abs(r.error) <= 0.35 for r in oci), [(r.id, r.error) for r in oci]
    held_amd = [r for r in rows.values() if r.id.startswith("amd-mi300x-")]
    assert len(held_amd) == 16 and all("-2048-" in r.id for r in held_amd)


def test_per_head_decode_kernel_explains_the_old_tensorrt_llm_gqa_runs():
    """The long-output Llama 2 70B runs on TensorRT-LLM v0.5/v0.6 were predicted 1.75-2.4x too
    fast while decode attention read each grouped K/V head once; priced as the per-head kernel
    those versions ran (re-read fraction fitted on Falcon 180B calibration runs only), every
    one of them is within 26%."""
    rows = {r.id: r for r in _held()}
    for cid in ("trt-h100-70b-128-2048", "trt-h100-70b-2048-2048", "trt-h200-70b-128-2048",
                "trt-a100-70b-128-2048"):
        assert abs(rows[cid].error) < 0.26, (cid, rows[cid].error)
    cal = {(v.family, v.name): v for v in calibration.calibrate().values}
    for fam in ("A100", "Hopper"):
        v = cal[(fam, "kv_reuse")]
        assert v.fitted and v.cases and all("falcon180b" in c for c in v.cases)


def test_calibration_never_evaluates_a_heldout_case(monkeypatch):
    seen = []
    real = calibration.predict

    def spy(c):
        seen.append(c.set)
        return real(c)

    monkeypatch.setattr(calibration, "predict", spy)
    calibration.calibrate()
    assert seen and set(seen) == {"calibration"}


def test_calibrate_refuses_heldout_rows():
    held = tuple(c for c in validation.measurements() if c.set == "heldout")[:1]
    with pytest.raises(MlsysimError, match="calibration cases only"):
        calibration.calibrate(held)


def test_committed_parameters_match_a_refit():
    cal = calibration.calibrate()
    for v in cal.values:
        if v.fitted:
            got = getattr(efficiency._family_params(v.family), v.name)
            assert got == pytest.approx(v.value, rel=0.02), (v.family, v.name)


def test_every_fitted_value_names_the_cases_that_set_it():
    cal = calibration.calibrate()
    ids = {c.id for c in calibration.calibration_cases()}
    shared = (f"shared from {calibration.SHARED_FROM}",)
    for v in cal.values:
        assert set(v.cases) <= ids or v.cases == shared
        assert not v.fitted or v.cases
    text = str(cal)
    assert "Hopper" in text and "set by trt-h100-7b-128-128" in text
    # Hopper's BF16 fraction is set by BF16 training runs, its FP8 one by FP8 serving runs
    gemm = next(line for line in text.splitlines() if line.startswith("Hopper  gemm"))
    assert "llmf-h100-7b-2048-8" in gemm and "trt-h100" not in gemm
    assert "A100    fp8" in text and "not fitted" in text  # no FP8 A100 case: said so
    # the training-framework factor is fitted once (A100: 16-bit serving pins its GEMM
    # fraction) and shared, never refitted per family
    assert any(line.startswith("Hopper  train") and line.endswith("shared from A100")
               for line in text.splitlines())


def test_a_bad_measurement_row_names_its_id(tmp_path, monkeypatch):
    bad = {"cases": [{"id": "x1", "set": "heldout", "kind": "train", "metric": "mfu",
                      "measured": 0.4}]}
    with pytest.raises(MlsysimError, match=r"x1.*missing source"):
        validation.parse_measurements(yaml.safe_dump(bad))
    ref = {"cases": [{"id": "r1", "set": "reference", "kind": "train", "metric": "mfu",
                      "measured": 0.4, "source": "somewhere"}]}
    with pytest.raises(MlsysimError, match="r1.*needs a note"):
        validation.parse_measurements(yaml.safe_dump(ref))


def test_formula_checks_stay_exact():
    s = validation.summary()
    assert s["formula_cases"] >= 15 and s["formula_max_abs_error"] <= 0.05


def test_tables_and_scatter_render():
    text = validation.table()
    assert "measured" in text and "Chinchilla" in text
    md = validation.table(markdown=True, sets=("heldout",))
    assert md.startswith("| # | set |") and "calibration" not in md.split("\n", 2)[2]
    svg = validation.scatter_svg()
    n_points = sum(1 for r in ms.validate() if r.set in ("calibration", "heldout"))
    assert svg.count("<circle") == n_points + 2  # every case, plus the two legend marks
    assert "currentColor" in svg and "fill-opacity=\"0.12\"" in svg  # themed, with the band
    assert np.isfinite([r.predicted for r in ms.validate()]).all()
