"""Inside a workspace, `import tinytorch` means the learner's code from any folder, and every
tito run says which implementation it used.

The workspace is made by the real `tito module start`; scripts run as a learner runs them
(`python path/to/script.py`, or `python -c` in a subfolder), in fresh interpreters.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tito.curriculum import reference_package_dir

PROBE = """\
import sys
import tinytorch.tensor
import tinytorch
print("package", tinytorch.__file__)
print("submodule", sys.modules["tinytorch.tensor"].__file__)
print("ran:", tinytorch.tensor.__module__, getattr(sys.modules["tinytorch.tensor"], "MINE", "-"))
"""


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TITO_", "TINYTORCH_")) and k != "PYTHONPATH"}
    return {**env, "COLUMNS": "250", **extra}


def _python(cwd: Path, *args: str, **extra: str) -> str:
    r = subprocess.run([sys.executable, *args], cwd=cwd, env=_env(**extra),
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    ws = tmp_path_factory.mktemp("ws")
    r = subprocess.run([sys.executable, "-m", "tito", "module", "start", "01"], cwd=ws,
                       env=_env(), capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    with (ws / "tinytorch" / "tensor.py").open("a") as fh:  # the learner's own edit
        fh.write("\nMINE = 'written in the workspace'\n")
    deep = ws / "experiments" / "week1"
    deep.mkdir(parents=True)
    (deep / "probe.py").write_text(PROBE)
    return ws


@pytest.mark.parametrize("how", ["script-from-root", "script-from-its-folder",
                                 "command-in-subfolder"])
def test_any_folder_of_the_workspace_imports_the_learners_code(workspace, how):
    deep = workspace / "experiments" / "week1"
    if how == "script-from-root":
        out = _python(workspace, "experiments/week1/probe.py")
    elif how == "script-from-its-folder":
        out = _python(deep, "probe.py")
    else:
        out = _python(workspace / "experiments", "-c", PROBE)
    mine = workspace / "tinytorch"
    assert f"package {mine / '__init__.py'}" in out, out
    assert f"submodule {mine / 'tensor.py'}" in out, out
    assert "ran: tinytorch.tensor written in the workspace" in out, "the learner's edit must run"


def test_outside_a_workspace_or_when_switched_off_the_installed_package_answers(workspace,
                                                                                tmp_path):
    installed = reference_package_dir() / "__init__.py"
    assert f"package {installed}" in _python(tmp_path, "-c", PROBE)
    out = _python(workspace / "experiments", "-c", PROBE, TINYTORCH_WORKSPACE="off")
    assert f"package {installed}" in out


def test_tito_says_which_implementation_each_run_used(workspace):
    sub = workspace / "experiments"
    r = subprocess.run([sys.executable, "-m", "tito", "milestone", "run", "1957", "--reference"],
                       cwd=sub, env=_env(), capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "implementation: reference" in r.stdout and "target reached" in r.stdout
    r = subprocess.run([sys.executable, "-m", "tito", "module", "test", "01"], cwd=sub,
                       env=_env(), capture_output=True, text=True, timeout=300)
    assert r.returncode == 1  # stubs fail their tests
    tested = str(workspace / "tinytorch" / "__init__.py")
    assert "implementation: your workspace" in r.stdout and tested in r.stdout.replace("\n", "")
