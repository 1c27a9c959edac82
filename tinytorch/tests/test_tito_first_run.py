"""A new user following the README from the repository root never damages the tree."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from tito import cli

REPO = Path(__file__).resolve().parents[2]


def _tree_state() -> str:
    """Untracked and modified files under tinytorch/, as git sees them."""
    out = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all", "--", "tinytorch"],
        cwd=REPO, capture_output=True, text=True, check=True,
    )
    return out.stdout


def test_module_start_from_the_repository_root_refuses_and_writes_nothing(monkeypatch):
    before = _tree_state()
    monkeypatch.chdir(REPO)
    r = CliRunner().invoke(cli.main, ["module", "start", "01"])
    assert r.exit_code == 1
    assert "refusing to use" in r.output and "source tree" in r.output
    assert "mkdir -p ~/tinytorch-work" in r.output  # says where to work instead
    assert "Traceback" not in r.output
    assert _tree_state() == before
    assert not (REPO / "tinytorch" / "__init__.py").exists()
    assert not (REPO / ".tito").exists()


def test_module_start_inside_a_subfolder_of_the_checkout_refuses(tmp_path):
    r = CliRunner().invoke(cli.main, ["-w", str(REPO / "book"), "module", "start", "01"])
    assert r.exit_code == 1 and "source tree" in r.output
    assert not (REPO / "book" / "tinytorch").exists()


def test_a_folder_holding_someone_elses_tinytorch_package_is_refused(tmp_path):
    (tmp_path / "tinytorch").mkdir()
    (tmp_path / "tinytorch" / "__init__.py").write_text("VERSION = 'mine'\n")
    r = CliRunner().invoke(cli.main, ["-w", str(tmp_path), "module", "start", "01"])
    assert r.exit_code == 1
    assert "already holds a package named tinytorch" in r.output
    assert (tmp_path / "tinytorch" / "__init__.py").read_text() == "VERSION = 'mine'\n"
    assert not (tmp_path / ".tito").exists()


def test_module_start_in_a_fresh_folder_points_to_the_lesson_page_not_its_source(tmp_path):
    r = CliRunner().invoke(cli.main, ["-w", str(tmp_path), "module", "start", "01"])
    assert r.exit_code == 0, r.output
    assert "tinytorch/01_tensor/lesson.html" in r.output
    assert "lesson.qmd" not in r.output
    # a second start of the same module is still allowed: the package is the learner's own
    r = CliRunner().invoke(cli.main, ["-w", str(tmp_path), "module", "start", "01"])
    assert r.exit_code == 0, r.output


def test_importing_the_installed_packages_from_the_repository_root_finds_the_real_ones():
    code = (
        "import mlsysim, tinytorch, tito, mlsys; "
        "print(tinytorch.__file__); print(mlsysim.__file__); "
        "tinytorch.Tensor; mlsysim.train"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    files = r.stdout.split()
    assert files[0].endswith("tinytorch/__init__.py")
    assert files[1].endswith("mlsysim/__init__.py")
