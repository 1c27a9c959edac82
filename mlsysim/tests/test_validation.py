"""The validation gate: predictions vs published measurements, calibration kept separate."""

import pytest

import mlsysim as ms
from mlsysim import validation


def test_validation_gate():
    rows = ms.validate()
    val = [r for r in rows if r.set == "validation"]
    assert len(val) >= 20
    s = validation.summary(rows)
    assert s["median_abs_error"] <= 0.15
    assert s["max_abs_error"] <= 0.35, [(r.configuration, r.error) for r in val if abs(r.error) > 0.35]
    assert s["system_cases"] >= 5 and s["system_median_abs_error"] <= 0.15


def test_calibration_and_validation_are_disjoint():
    rows = ms.validate()
    cal = {(r.source, r.configuration) for r in rows if r.set == "calibration"}
    val = {(r.source, r.configuration) for r in rows if r.set == "validation"}
    assert cal and not cal & val
    assert all(r.note for r in rows if r.set == "reference")  # every ungated row says why


def test_calibration_yaml_matches_refit():
    fitted = ms.calibrate()
    assert ms.train.__module__  # the public function, not the module
    from mlsysim.train import efficiency
    assert efficiency("A100-80GB")["gemm"] == pytest.approx(fitted["A100"], abs=0.005)


def test_table_renders_both_formats():
    text = validation.table()
    assert "measured" in text and "Chinchilla" in text and "median |error|" in text
    md = validation.table(markdown=True)
    assert md.startswith("| # | set |") and "Notes:" in md and "pre-training only" in md
