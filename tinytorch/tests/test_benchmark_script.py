"""The TinyTorch-vs-PyTorch benchmark must skip cleanly, with a reason, when torch is absent."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

import tinytorch as tt

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "tinytorch_vs_pytorch.py"


def test_benchmark_without_torch_prints_why_and_exits_zero():
    code = (
        "import sys, runpy; sys.modules['torch'] = None; "
        f"sys.argv = [{str(SCRIPT)!r}, '--quick']; "
        f"runpy.run_path({str(SCRIPT)!r}, run_name='__main__')"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "PyTorch is not importable" in proc.stdout
    assert "pip install torch" in proc.stdout


def test_tensor_factory_copies_and_follows_the_dtype_rules():
    src = np.ones(3, dtype=np.float32)
    t = tt.tensor(src)
    src[0] = 5.0
    assert t.numpy()[0] == 1.0
    assert tt.tensor([1, 2]).dtype == np.float32
    assert tt.tensor(np.array([1, 2])).dtype == np.int64
    assert tt.tensor([1.0], requires_grad=True).requires_grad
