"""The wheel carries everything tito needs, because learners install TinyTorch outside this repo."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]  # tinytorch/


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory) -> set[str]:
    out = tmp_path_factory.mktemp("wheel")
    # build from a copy: setuptools writes build/ and *.egg-info next to the sources
    src = tmp_path_factory.mktemp("src") / "tinytorch"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(
        "build", "*.egg-info", "__pycache__", ".pytest_cache", "tests"))
    r = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(src)],
        capture_output=True, text=True, timeout=300,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    (whl,) = out.glob("tinytorch-*.whl")
    with zipfile.ZipFile(whl) as z:
        return set(z.namelist())


def test_wheel_ships_every_module_folder_with_lesson_yaml_and_tests(wheel_names):
    folders = sorted(p.name for p in (ROOT / "modules").iterdir() if (p / "module.yaml").exists())
    assert len(folders) == 20
    for name in folders:
        for f in ("module.yaml", "lesson.qmd", f"test_{name}.py"):
            assert f"tito/modules/{name}/{f}" in wheel_names, f"{name}/{f} missing from the wheel"
    assert "tito/modules/_quarto.yml" in wheel_names and "tito/modules/index.qmd" in wheel_names


def test_wheel_ships_the_framework_cli_and_milestone_data(wheel_names):
    for f in ("tinytorch/__init__.py", "tinytorch/tokenizers.py", "tinytorch/capstone.py",
              "tito/cli.py", "tito/_pytest_child.py", "tito/milestones/__main__.py",
              "tito/milestones/data/corpus.txt"):
        assert f in wheel_names
    assert not [n for n in wheel_names if "__pycache__" in n or n.endswith(".pyc")]
    entry = [n for n in wheel_names if n.endswith("entry_points.txt")]
    assert entry
