"""`marimo check` (marimo's own linter for notebooks) finds nothing in any lab."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

LABS = Path(__file__).resolve().parents[1]


def _check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "marimo", "check", "--strict", *args],
                          capture_output=True, text=True, cwd=LABS.parent)


def test_marimo_check_of_the_labs_folder_is_clean() -> None:
    # labkit/ and the tests are plain modules, not notebooks: --ignore-scripts skips them
    proc = _check("--ignore-scripts", "labs/")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_notebook_is_recognised_and_clean() -> None:
    notebooks = sorted(str(p) for p in LABS.glob("*.py"))
    assert len(notebooks) >= 10
    proc = _check(*notebooks)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "warning" not in (proc.stdout + proc.stderr).lower()


def test_marimo_check_catches_a_broken_notebook(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    text = (LABS / "where_time_goes.py").read_text()
    # a second cell defining `guess` is a multiple-definition error in marimo
    bad.write_text(text.replace('@app.cell\ndef _(guess):',
                                '@app.cell\ndef _():\n    guess = 1\n    return (guess,)\n\n\n'
                                '@app.cell\ndef _(guess):', 1))
    proc = _check(str(bad))
    assert proc.returncode != 0
