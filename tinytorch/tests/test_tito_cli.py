"""tito end to end on a small, hand-made curriculum (real subprocesses, real pytest).

The fixture curriculum has three modules (01 <- 02 <- 03) with a real reference package, so
these tests exercise every verb without depending on the size of the real curriculum.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from rich.console import Console
from tito import cli

REF_ALPHA = '''\
"""Alpha: the first module."""


def double(x):
    """Twice x."""
    # BEGIN SOLUTION
    # HINT: multiply by two
    result = x * 2
    # END SOLUTION
    return result


class Counter:
    def __init__(self):
        self.n = 0

    def bump(self, k=1):
        # BEGIN SOLUTION
        # HINT: add k to self.n and return the new value
        self.n += k
        return self.n
        # END SOLUTION
'''

REF_BETA = '''\
"""Beta: builds on alpha."""
from .alpha import double


def quadruple(x):
    # BEGIN SOLUTION
    return double(double(x))
    # END SOLUTION
'''

REF_GAMMA = '''\
def triple(x):
    # BEGIN SOLUTION
    return 3 * x
    # END SOLUTION
'''

TEST_ALPHA = '''\
import tinytorch


def test_double_doubles():
    assert tinytorch.double(21) == 42


def test_counter_bumps():
    c = tinytorch.Counter()
    assert c.bump() == 1 and c.bump(5) == 6
'''

TEST_BETA = '''\
from tinytorch import quadruple


def test_quadruple():
    assert quadruple(3) == 12
'''

TEST_GAMMA = '''\
from tinytorch import triple


def test_triple():
    assert triple(3) == 9
'''


def _write_module(base: Path, number: int, name: str, requires, src: str, exports, test: str):
    folder = base / f"{number:02d}_{name}"
    folder.mkdir(parents=True)
    meta = {
        "number": number,
        "name": folder.name,
        "title": name.capitalize(),
        "group": "foundation",
        "requires": requires,
        "sources": [src],
        "exports": {src: exports},
        "summary": f"the {name} module",
    }
    (folder / "module.yaml").write_text(yaml.safe_dump(meta), encoding="utf-8")
    (folder / "lesson.qmd").write_text(f"---\ntitle: {name}\n---\n", encoding="utf-8")
    (folder / f"test_{folder.name}.py").write_text(test, encoding="utf-8")


@pytest.fixture()
def curriculum(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    ref = tmp_path / "ref" / "tinytorch"
    ref.mkdir(parents=True)
    (ref / "__init__.py").write_text("", encoding="utf-8")
    (ref / "alpha.py").write_text(REF_ALPHA, encoding="utf-8")
    (ref / "beta.py").write_text(REF_BETA, encoding="utf-8")
    (ref / "gamma.py").write_text(REF_GAMMA, encoding="utf-8")
    mods = tmp_path / "modules"
    _write_module(mods, 1, "alpha", [], "alpha.py", ["double", "Counter"], TEST_ALPHA)
    _write_module(mods, 2, "beta", [1], "beta.py", ["quadruple"], TEST_BETA)
    _write_module(mods, 3, "gamma", [2], "gamma.py", ["triple"], TEST_GAMMA)
    ws = tmp_path / "ws"
    ws.mkdir()
    monkeypatch.setenv("TITO_CURRICULUM", str(mods))
    monkeypatch.setenv("TITO_REFERENCE", str(ref))
    return {"ref": ref, "modules": mods, "ws": ws}


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def tito(ws: Path, *args: str) -> Ran:
    """Invoke the CLI in this process from folder ``ws`` (tests still run in a subprocess).

    In-process invocation keeps these many small commands fast; the real ``tito`` entry point
    as a separate process is covered by test_workspace_option_works_from_any_folder and by
    test_tito_e2e.py.
    """
    old_cwd, old_console = Path.cwd(), cli.console
    os.chdir(ws)
    cli.console = Console(width=200, highlight=False)
    try:
        result = CliRunner().invoke(cli.main, list(args), prog_name="tito")
    finally:
        os.chdir(old_cwd)
        cli.console = old_console
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Ran(result.exit_code, result.stdout, result.stderr)


def tito_process(ws: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, COLUMNS="200")
    return subprocess.run(
        [sys.executable, "-m", "tito", *args], cwd=ws, env=env, capture_output=True, text=True,
        timeout=120,
    )


def fill_in_as_learner(stubbed: str, reference: str) -> str:
    """Paste each reference solution over the matching `raise NotImplementedError` line."""
    ref_lines = reference.splitlines()
    solutions: list[list[str]] = []
    current: list[str] | None = None
    for line in ref_lines:
        s = line.strip()
        if s == "# BEGIN SOLUTION":
            current = []
        elif s == "# END SOLUTION":
            solutions.append(current or [])
            current = None
        elif current is not None and not s.startswith("# HINT:"):
            current.append(line)
    out: list[str] = []
    for line in stubbed.splitlines():
        if "raise NotImplementedError(\"TODO(module" in line:
            out.extend(solutions.pop(0))
        else:
            out.append(line)
    assert not solutions, "every stub should have been filled"
    return "\n".join(out) + "\n"


def test_learner_journey_start_fail_fill_pass_complete_unlock(curriculum):
    ws, ref = curriculum["ws"], curriculum["ref"]
    r = tito(ws, "module", "start", "01")
    assert r.returncode == 0, r.stderr
    learner = ws / "tinytorch" / "alpha.py"
    text = learner.read_text()
    assert "# HINT: multiply by two" in text
    assert "x * 2" not in text and "self.n += k" not in text
    assert 'TODO(module 01): Counter.bump' in text

    r = tito(ws, "module", "test", "01")
    assert r.returncode == 1
    assert "NotImplementedError" in r.stdout and "FAIL" in r.stdout
    assert "double doubles" in r.stdout  # readable behaviour names
    assert str(ws / "tinytorch") in r.stdout.replace("\n", "")

    r = tito(ws, "module", "complete", "01")
    assert r.returncode == 1 and "not complete" in r.stderr
    assert "01" not in (yaml.safe_load((ws / ".tito/progress.yaml").read_text())["completed"] or {})

    learner.write_text(fill_in_as_learner(text, (ref / "alpha.py").read_text()))
    r = tito(ws, "module", "test", "01")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "2 passed" in r.stdout

    r = tito(ws, "module", "start", "03")
    assert r.returncode == 1 and "needs module(s) 02" in r.stderr
    assert "Traceback" not in r.stderr
    assert not (ws / "tinytorch" / "gamma.py").exists()

    r = tito(ws, "module", "complete", "alpha")
    assert r.returncode == 0 and "completed" in r.stdout
    r = tito(ws, "module", "start", "02")
    assert r.returncode == 0, r.stderr
    init = (ws / "tinytorch" / "__init__.py").read_text()
    assert "from .alpha import double, Counter" in init and "from .beta import quadruple" in init
    assert "gamma" not in init

    r = tito(ws, "status")
    assert r.returncode == 0
    assert "completed" in r.stdout and "in progress" in r.stdout and "locked" in r.stdout


def test_stubbed_code_fails_where_the_reference_passes(curriculum, tmp_path):
    """The same test file fails on stubs and passes on the reference: tests see the workspace."""
    ws = curriculum["ws"]
    assert tito(ws, "module", "start", "01").returncode == 0
    assert tito(ws, "module", "test", "01").returncode == 1
    (ws / "tinytorch" / "alpha.py").write_text((curriculum["ref"] / "alpha.py").read_text())
    assert tito(ws, "module", "test", "01").returncode == 0


def test_start_refuses_to_overwrite_edits_and_force_keeps_a_backup(curriculum):
    ws = curriculum["ws"]
    assert tito(ws, "module", "start", "01").returncode == 0
    again = tito(ws, "module", "start", "01")
    assert again.returncode == 0  # untouched stub: restarting is harmless
    learner = ws / "tinytorch" / "alpha.py"
    learner.write_text(learner.read_text() + "\n# my precious work\n")
    r = tito(ws, "module", "start", "01")
    assert r.returncode == 1 and "refusing to overwrite" in r.stderr
    assert "my precious work" in learner.read_text()
    r = tito(ws, "module", "start", "01", "--force")
    assert r.returncode == 0
    assert "my precious work" not in learner.read_text()
    backups = list((ws / ".tito" / "backups").rglob("alpha.py"))
    assert len(backups) == 1 and "my precious work" in backups[0].read_text()


def test_reset_restores_the_stub_and_backs_up_the_learner_file(curriculum):
    ws = curriculum["ws"]
    assert tito(ws, "module", "start", "01").returncode == 0
    learner = ws / "tinytorch" / "alpha.py"
    stub = learner.read_text()
    learner.write_text("half-finished attempt\n")
    r = tito(ws, "module", "reset", "01")
    assert r.returncode == 0
    assert learner.read_text() == stub
    (backup,) = list((ws / ".tito" / "backups").rglob("alpha.py"))
    assert backup.read_text() == "half-finished attempt\n"


def test_force_starts_a_module_without_prerequisites(curriculum):
    ws = curriculum["ws"]
    assert tito(ws, "module", "start", "03").returncode == 1
    assert tito(ws, "module", "start", "03", "--force").returncode == 0
    assert (ws / "tinytorch" / "gamma.py").exists()


def test_workspace_option_works_from_any_folder(curriculum, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    r = tito_process(elsewhere, "--workspace", str(curriculum["ws"]), "module", "start", "1")
    assert r.returncode == 0
    assert (curriculum["ws"] / "tinytorch" / "alpha.py").exists()
    r = tito_process(elsewhere, "module", "test", "1", "-w", str(curriculum["ws"]))
    assert r.returncode == 1 and "NotImplementedError" in r.stdout
    assert not (elsewhere / "tinytorch").exists()


def test_user_mistakes_give_clear_errors_not_tracebacks(curriculum):
    ws = curriculum["ws"]
    r = tito(ws, "module", "start", "42")
    assert r.returncode == 1 and "no module '42'" in r.stderr and "Traceback" not in r.stderr
    r = tito(ws, "module", "test", "02")
    assert r.returncode == 1 and "not started" in r.stderr
    (ws / ".tito").mkdir()
    (ws / ".tito" / "progress.yaml").write_text("started: {01: x\ncompleted: [\n")
    r = tito(ws, "status")
    assert r.returncode == 1 and "progress.yaml:" in r.stderr and "Traceback" not in r.stderr


def test_malformed_module_yaml_names_the_file_and_field(curriculum):
    meta = curriculum["modules"] / "02_beta" / "module.yaml"
    data = yaml.safe_load(meta.read_text())
    data["requires"] = [5]
    meta.write_text(yaml.safe_dump(data))
    r = tito(curriculum["ws"], "module", "list")
    assert r.returncode == 1
    assert "02_beta/module.yaml" in r.stderr and "'requires'" in r.stderr


def test_unbalanced_markers_are_reported_with_file_and_line(curriculum):
    (curriculum["ref"] / "alpha.py").write_text(
        textwrap.dedent(
            """\
            def f():
                # BEGIN SOLUTION
                return 1
            """
        )
    )
    r = tito(curriculum["ws"], "module", "start", "01")
    assert r.returncode == 1
    assert "alpha.py:2" in r.stderr and "never closed" in r.stderr


def test_list_and_doctor_report_on_the_curriculum(curriculum):
    r = tito(curriculum["ws"], "module", "list")
    assert r.returncode == 0 and "Alpha" in r.stdout and "Gamma" in r.stdout
    r = tito(curriculum["ws"], "doctor")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "3 modules" in r.stdout and "numpy" in r.stdout


def test_placeholder_package_init_does_not_block_the_module_that_owns_it(curriculum):
    """Starting a later module first (with --force) creates an empty sub-package __init__; the
    module owning that file must still start normally afterwards."""
    ref, mods = curriculum["ref"], curriculum["modules"]
    (ref / "sub").mkdir()
    (ref / "sub" / "__init__.py").write_text('"""Sub-package."""\nVALUE = 1\n')
    (ref / "sub" / "leaf.py").write_text("def f():\n    # BEGIN SOLUTION\n    return 2\n    # END SOLUTION\n")
    meta = mods / "02_beta" / "module.yaml"
    data = yaml.safe_load(meta.read_text())
    data["sources"] = ["beta.py", "sub/__init__.py"]
    meta.write_text(yaml.safe_dump(data))
    meta3 = mods / "03_gamma" / "module.yaml"
    data3 = yaml.safe_load(meta3.read_text())
    data3["sources"] = ["gamma.py", "sub/leaf.py"]
    meta3.write_text(yaml.safe_dump(data3))
    ws = curriculum["ws"]
    assert tito(ws, "module", "start", "03", "--force").returncode == 0
    assert (ws / "tinytorch" / "sub" / "__init__.py").read_text() == ""
    r = tito(ws, "module", "start", "02", "--force")
    assert r.returncode == 0, r.stderr
    assert "VALUE = 1" in (ws / "tinytorch" / "sub" / "__init__.py").read_text()
    assert not (ws / ".tito" / "backups").exists()


def test_a_syntax_error_in_learner_code_is_reported_as_a_failure_not_a_crash(curriculum):
    ws = curriculum["ws"]
    assert tito(ws, "module", "start", "01").returncode == 0
    (ws / "tinytorch" / "alpha.py").write_text("def double(x):\n    return x *\n")
    r = tito(ws, "module", "test", "01")
    assert r.returncode == 1
    assert "ERROR" in r.stdout and "SyntaxError" in r.stdout
    assert "tests failed" in r.stderr


def test_verbose_shows_the_failing_line_and_status_suggests_the_next_step(curriculum):
    ws = curriculum["ws"]
    r = tito(ws, "status")
    assert "Next: `tito module start 01`" in r.stdout
    assert tito(ws, "module", "start", "01").returncode == 0
    r = tito(ws, "module", "test", "01", "--verbose")
    assert r.returncode == 1
    assert "alpha.py" in r.stdout and "raise NotImplementedError" in r.stdout
    assert "Next: finish module 01" in tito(ws, "status").stdout
