"""Run a module's tests against the learner's code in a subprocess and summarise them.

A subprocess gives every run a clean interpreter (the learner's edits are always re-imported)
and lets the learner's ``tinytorch`` shadow the installed reference via ``sys.path``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .curriculum import Lesson
from .errors import TitoError


class RunnerError(TitoError):
    """The tests could not be run at all (as opposed to failing)."""


@dataclass(frozen=True)
class TestResult:
    nodeid: str
    outcome: str  # passed | failed | error | skipped
    message: str
    details: str = ""  # pytest's short traceback, shown by `tito module test --verbose`

    @property
    def behaviour(self) -> str:
        """A readable name: ``TestRelu::test_zeroes_negatives[3]`` -> ``Relu: zeroes negatives [3]``."""
        parts = self.nodeid.split("::")[1:] or [self.nodeid]
        words = []
        for p in parts:
            p = re.sub(r"^(test_?|Test)", "", p)
            p = re.sub(r"\[(.*)\]$", r" [\1]", p)
            words.append(p.replace("_", " ").strip())
        return ": ".join(w for w in words if w) or self.nodeid


@dataclass(frozen=True)
class TestReport:
    module: Lesson
    results: list[TestResult]
    tinytorch_file: str | None
    exit_code: int

    @property
    def passed(self) -> bool:
        return (
            self.exit_code == 0
            and bool(self.results)
            and all(r.outcome in ("passed", "skipped") for r in self.results)
        )

    @property
    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.results:
            out[r.outcome] = out.get(r.outcome, 0) + 1
        return out


def child_env(workspace: Path | None) -> dict[str, str]:
    """Environment in which ``import tinytorch`` means the learner's package (with a
    ``workspace``), or whatever is installed (``None``: reference runs)."""
    env = dict(os.environ)
    old = env.get("PYTHONPATH")
    if workspace is not None:
        env["PYTHONPATH"] = str(workspace) + (os.pathsep + old if old else "")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    # One BLAS thread unless the learner chose otherwise: timing tests and milestones compare
    # kernels, and a multi-threaded BLAS on a busy machine makes those timings erratic.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "1")
    return env


def run_module_tests(workspace: Path, module: Lesson, timeout: float = 900,
                     first_failure: bool = False) -> TestReport:
    """Copy the module's tests into the workspace and run them on the learner's package.

    `first_failure` stops at the first failing test (the mutation suite only needs one)."""
    workspace = workspace.resolve()
    if not module.test_file.is_file():
        raise RunnerError(f"{module.test_file}: test file of module {module.key} is missing")
    tests_dir = workspace / ".tito" / "tests"
    tests_dir.mkdir(parents=True, exist_ok=True)
    test_copy = tests_dir / module.test_file.name
    shutil.copyfile(module.test_file, test_copy)
    results_file = tests_dir / f"results_{module.key}.json"
    results_file.unlink(missing_ok=True)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "tito._pytest_child", str(workspace), str(test_copy),
             str(results_file), *(["--exitfirst"] if first_failure else [])],
            cwd=workspace,
            env=child_env(workspace),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise RunnerError(f"tests of module {module.key} took longer than {timeout:.0f} s") from None
    if not results_file.exists():
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-15:]
        raise RunnerError("could not run pytest:\n" + "\n".join(tail))
    data = json.loads(results_file.read_text(encoding="utf-8"))
    results = [TestResult(**r) for r in data["results"]]
    return TestReport(module, results, data["tinytorch_file"], data["exit_code"])
