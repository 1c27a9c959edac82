"""The documentation book renders with the curriculum's engine, running every cell live."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.mark.slow
def test_docs_render_with_live_numbers(tmp_path):
    if shutil.which("mlsys") is None:
        pytest.skip("the mlsys renderer is not installed")
    out = tmp_path / "site"
    r = subprocess.run(["mlsys", "render", str(DOCS), "--out", str(out), "-q"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    val = (out / "validation.html").read_text().replace("\xa0", " ")  # pandoc: "al.&nbsp;2023"
    assert "Touvron et al. 2023" in val and "calibration" in val
    assert re.search(r"median absolute error\s+\d+\.\d%", re.sub(r"<[^>]+>", "", val))
    assert "<svg" in val and val.count("<circle") >= 40 and "currentColor" in val  # the scatter
    assert "Held-out cases" in val and "Calibration cases" in val and "not fitted" in val
    model = re.sub(r"<[^>]+>", "", (out / "model.html").read_text())
    assert "Traceback" not in model and "Little" in model and "wave" in model
    api = (out / "api.html").read_text()
    for name in ("training_memory", "simulate_serving", "tinyml_fit", "TrainResult"):
        assert name in api
    guide = re.sub(r"<[^>]+>", "", (out / "guide.html").read_text())
    assert "Traceback" not in guide and "largest batch that fits" in guide
