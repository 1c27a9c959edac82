"""The learner's journey on the REAL curriculum, with real subprocesses and no shortcuts.

In an empty folder: start 01 -> its tests fail on the stubs -> paste the reference solutions in
as a learner would -> the tests pass -> complete 01 -> 02 may start; 05 may not (its
prerequisites are incomplete).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tito.curriculum import find_module, reference_package_dir
from tito.stub import BEGIN, END, HINT, find_regions, solution_lines


def tito(ws: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TITO_")}
    env["COLUMNS"] = "250"
    return subprocess.run([sys.executable, "-m", "tito", *args], cwd=ws, env=env,
                          capture_output=True, text=True, timeout=300)


def paste_solutions(stubbed: str, reference: str) -> str:
    """Replace each `raise NotImplementedError("TODO(...` with the matching reference region."""
    regions: list[list[str]] = []
    current: list[str] | None = None
    for line in reference.splitlines():
        s = line.strip()
        if s == BEGIN:
            current = []
        elif s == END:
            regions.append(current or [])
            current = None
        elif current is not None and not s.startswith(HINT):
            current.append(line)
    out: list[str] = []
    for line in stubbed.splitlines():
        if 'raise NotImplementedError("TODO(module' in line:
            out.extend(regions.pop(0))
        else:
            out.append(line)
    assert not regions
    return "\n".join(out) + "\n"


def _outside_regions(text: str) -> set[str]:
    inside = {i for r in find_regions(text) for i in range(r.begin - 1, r.end)}
    return {ln.strip() for i, ln in enumerate(text.splitlines()) if i not in inside}


def test_real_curriculum_journey_from_an_empty_folder(tmp_path):
    ws = tmp_path
    r = tito(ws, "module", "start", "01")
    assert r.returncode == 0, r.stderr
    mod = find_module("01")
    for src in mod.sources:
        given = (ws / "tinytorch" / src).read_text()
        assert "NotImplementedError" in given
        reference = (reference_package_dir() / src).read_text()
        outside = _outside_regions(reference)
        learner_lines = {ln.strip() for ln in given.splitlines()}
        leaked = [s for s in solution_lines(reference) if s in learner_lines and s not in outside]
        assert not leaked, f"{src}: the learner received solution lines {leaked[:3]}"

    r = tito(ws, "module", "test", "01")
    assert r.returncode == 1, r.stdout
    assert "FAIL" in r.stdout and "TODO(module 01)" in r.stdout

    for src in mod.sources:
        learner = ws / "tinytorch" / src
        ref = (reference_package_dir() / src).read_text()
        learner.write_text(paste_solutions(learner.read_text(), ref))
    r = tito(ws, "module", "test", "01")
    assert r.returncode == 0, r.stdout[-4000:]
    assert "FAIL" not in r.stdout and str(ws / "tinytorch") in r.stdout.replace("\n", "")

    r = tito(ws, "module", "start", "05")
    assert r.returncode == 1 and "needs module(s)" in r.stderr
    assert "Traceback" not in r.stderr

    r = tito(ws, "module", "complete", "01")
    assert r.returncode == 0, r.stdout + r.stderr
    r = tito(ws, "module", "start", "02")
    assert r.returncode == 0, r.stderr
    r = tito(ws, "status")
    assert r.returncode == 0 and "1 of 20 modules completed" in r.stdout


def test_module_list_shows_all_twenty_modules():
    r = tito(Path.cwd(), "module", "list")
    assert r.returncode == 0
    for n in range(1, 21):
        assert f"{n:02d}" in r.stdout
