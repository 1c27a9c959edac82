"""Milestones: each reaches its stated target, on the reference and on a learner's workspace.

Milestones run as real subprocesses (``python -m tito.milestones``), exactly as ``tito milestone
run`` starts them, so which ``tinytorch`` they import is decided by ``sys.path`` as for a learner.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from tito.curriculum import load_curriculum
from tito.milestones import MILESTONES, find_milestone
from tito.milestones.data import corpus, digits, linearly_separable, reversal, xor
from tito.runner import child_env
from tito.workspace import materialise


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-P", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("name", list(MILESTONES))
def test_milestone_reaches_its_target_on_the_reference(name, tmp_path):
    env = child_env(tmp_path)
    env.pop("PYTHONPATH")
    env["COLUMNS"] = "200"
    r = _run(["-m", "tito.milestones", name], tmp_path, env)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "target reached" in r.stdout
    assert MILESTONES[name].target.split()[0] in r.stdout  # the target is stated


def test_xor_milestone_runs_on_the_learners_own_code(tmp_path):
    mods = [m for m in load_curriculum() if m.number <= 7]
    materialise(tmp_path, mods, stub=False)
    progress = {"started": {f"{m.number:02d}": "t" for m in mods},
                "completed": {f"{m.number:02d}": "t" for m in mods}}
    (tmp_path / ".tito").mkdir()
    (tmp_path / ".tito" / "progress.yaml").write_text(yaml.safe_dump(progress))
    env = dict(os.environ, COLUMNS="300")
    r = subprocess.run([sys.executable, "-m", "tito", "milestone", "run", "1969"], cwd=tmp_path,
                       env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert str(tmp_path / "tinytorch" / "__init__.py") in r.stdout.replace("\n", "")


def test_milestone_needs_its_modules_completed_unless_reference(tmp_path):
    env = dict(os.environ, COLUMNS="200")
    r = subprocess.run([sys.executable, "-m", "tito", "milestone", "run", "perceptron"],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "needs modules 01" in r.stderr and "--reference" in r.stderr
    r = subprocess.run([sys.executable, "-m", "tito", "milestone", "run", "1957", "--reference"],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "target reached" in r.stdout


def test_milestone_list_and_lookup_by_year_or_name():
    assert find_milestone("1998").name == "lenet" and find_milestone("XOR").year == 1969
    r = subprocess.run([sys.executable, "-m", "tito", "milestone", "list"], capture_output=True,
                       text=True, env=dict(os.environ, COLUMNS="250"), timeout=60)
    assert r.returncode == 0 and all(str(m.year) in r.stdout for m in MILESTONES.values())
    r = subprocess.run([sys.executable, "-m", "tito", "milestone", "run", "2525"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "no milestone '2525'" in r.stderr


def test_digit_images_are_deterministic_balanced_and_in_range():
    x1, y1 = digits(500, size=8, seed=3)
    x2, y2 = digits(500, size=8, seed=3)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    assert x1.shape == (500, 8, 8) and x1.dtype == np.float32
    assert 0.0 <= x1.min() and x1.max() <= 1.0
    assert np.bincount(y1, minlength=10).min() > 25
    means = np.stack([x1[y1 == d].mean(axis=0) for d in range(10)])
    # classes look different on average: every pair of class means is apart
    dists = np.linalg.norm(means[:, None] - means[None], axis=(2, 3))
    assert dists[~np.eye(10, dtype=bool)].min() > 0.3
    assert not np.array_equal(digits(5, seed=4)[0], digits(5, seed=5)[0])


def test_toy_datasets_have_the_promised_structure():
    x, y = linearly_separable(80, seed=1)
    assert x.shape == (80, 2) and set(np.unique(y)) == {0, 1}
    xs, ys = xor()
    assert ys.tolist() == [0, 1, 1, 0] and xs.shape == (4, 2)
    seq = reversal(10, length=4, vocab=5, seed=0)
    assert seq.shape == (10, 9) and (seq[:, 4] == 5).all()
    np.testing.assert_array_equal(seq[:, 5:], seq[:, :4][:, ::-1])
    assert "the machine" in corpus() and len(corpus()) > 1500
