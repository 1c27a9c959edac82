"""The curriculum rule: module k's tests pass with ONLY the files of modules 1..k present,
and fail when module k's solution regions are replaced by the learner's stubs.

Each check builds a learner-style workspace with tito's own ``materialise`` (the code that
``tito module start`` uses), then runs the module's test file in a fresh interpreter with that
workspace first on ``sys.path`` - exactly how a learner's tests run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

import pytest
from tito.curriculum import load_curriculum
from tito.stub import stub_file
from tito.workspace import materialise

CORE = tuple(range(1, 21))  # every module, the late optimisation ones included
REFERENCE = Path(__file__).resolve().parents[1] / "src" / "tinytorch"
CURRICULUM = Path(__file__).resolve().parents[1] / "modules"

RUNNER = """
import sys, pytest, tinytorch
ws = sys.argv[1]
if not tinytorch.__file__.startswith(ws):
    print("WRONG PACKAGE", tinytorch.__file__)
    sys.exit(99)
sys.exit(pytest.main(["-q", "-x", "-p", "no:cacheprovider", "--rootdir", ws, sys.argv[2]]))
"""


def _build(root: Path, number: int, stub_last: bool) -> Path:
    modules = [m for m in load_curriculum(CURRICULUM) if m.number <= number]
    materialise(root, modules, stub=False, reference=REFERENCE)
    mod = next(m for m in modules if m.number == number)
    if stub_last:
        for src in mod.sources:
            (root / "tinytorch" / src).write_text(stub_file(REFERENCE / src, number))
    tests = root / "tests"
    tests.mkdir()
    shutil.copy(mod.test_file, tests / mod.test_file.name)
    return tests / mod.test_file.name


def _run(root: Path, number: int, stub_last: bool) -> tuple[int, str]:
    test = _build(root, number, stub_last)
    env = {**os.environ, "PYTHONPATH": str(root), "OPENBLAS_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-c", RUNNER, str(root), str(test)], cwd=root,
                          env=env, capture_output=True, text=True, timeout=300)
    return proc.returncode, proc.stdout[-3000:] + proc.stderr[-2000:]


@cache
def _results(tmp: str) -> dict[tuple[int, bool], tuple[int, str]]:
    jobs = [(n, stub) for n in CORE for stub in (False, True)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        outs = pool.map(lambda j: _run(Path(tmp) / f"m{j[0]:02d}_{int(j[1])}", *j), jobs)
        return dict(zip(jobs, outs, strict=True))


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory):
    return _results(str(tmp_path_factory.mktemp("workspaces")))


@pytest.mark.slow
@pytest.mark.parametrize("number", CORE)
def test_module_tests_pass_with_only_modules_up_to_it(results, number):
    code, out = results[(number, False)]
    assert code == 0, f"module {number:02d} failed with only modules 1..{number}:\n{out}"


@pytest.mark.slow
@pytest.mark.parametrize("number", CORE)
def test_module_tests_fail_when_its_solutions_are_stubbed(results, number):
    code, out = results[(number, True)]
    assert code == 1, f"module {number:02d} tests passed (or crashed) against stubs:\n{out}"
    assert "NotImplementedError" in out and f"TODO(module {number:02d})" in out
