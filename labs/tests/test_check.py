"""`marimo check` (marimo's own linter for notebooks) finds nothing in any lab."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

LABS = Path(__file__).resolve().parents[1]


def test_marimo_check_is_clean() -> None:
    notebooks = sorted(str(p) for p in LABS.glob("*.py") if p.name != "labkit.py")
    assert notebooks
    proc = subprocess.run([sys.executable, "-m", "marimo", "check", "--strict", *notebooks],
                          capture_output=True, text=True, cwd=LABS)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "warning" not in (proc.stdout + proc.stderr).lower()
