"""`mlsys test`: each part's pytest folders in a subprocess of their own, then its checks.

A subprocess per part keeps one part's imports and fixtures from leaking into another, and its
JUnit XML report makes the summary table exact (tests, passed, failed, skipped). A part's
checks (link check of the built site, `marimo check`, content checks) run after its tests;
each error they report counts as one failure. Every run is recorded with the tree it ran on
(`.mlsys-cache/test-results.json`), so `mlsys publish` can tell whether this exact tree passed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from mlsys.build import CACHE_DIR
from mlsys.model import BuildError, Problem
from mlsys.parts import PartGroup, load_hook

RESULTS_FILE = "test-results.json"
# What a test run itself writes: never part of the tree's identity.
NOT_SOURCES = (f":(exclude){CACHE_DIR}", ":(exclude,glob)**/__pycache__/**",
                ":(exclude,glob)**/.hypothesis/**")
Echo = Callable[[str], None]


@dataclass(frozen=True)
class PartResult:
    """One row of the summary table."""

    part: str
    tests: int
    passed: int
    failed: int
    skipped: int
    check_errors: int
    seconds: float
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.check_errors == 0


def testable(root: Path, groups: list[PartGroup], named: bool, echo: Echo = print
             ) -> list[PartGroup]:
    """The parts that declare tests or checks. Naming one that declares neither is an error
    of curriculum.yml; in a run of every part it is skipped with a note."""
    idle = [g.name for g in groups if not g.tests and not g.checks]
    if idle and named:
        raise BuildError([Problem("error", f"part '{n}' declares no tests and no check",
                                  root / "curriculum.yml") for n in idle])
    for name in idle:
        echo(f"note: part '{name}' declares no tests and no check; skipped")
    todo = [g for g in groups if g.tests or g.checks]
    problems = []
    for g in todo:  # a misspelt check or tests folder is reported before anything runs
        problems += [Problem("error", f"part '{g.name}': tests folder {t} does not exist",
                             root / "curriculum.yml") for t in g.tests if not (root / t).exists()]
        for spec in g.checks:
            try:
                load_hook(spec, f"part '{g.name}' check")
            except BuildError as exc:
                problems += [Problem("error", p.message, root / "curriculum.yml")
                             for p in exc.problems]
    if problems:
        raise BuildError(problems)
    return todo


def run_part(root: Path, group: PartGroup, echo: Echo = print) -> PartResult:
    """Run one part's tests, then its checks."""
    t0 = time.perf_counter()
    counts = _pytest(root, group, echo) if group.tests else (0, 0, 0, 0)
    problems: list[str] = []
    for spec in group.checks:
        found = [str(p) for p in load_hook(spec, f"part '{group.name}' check")(root)]
        for line in found:
            echo(line)
        problems += found
    errors = sum(1 for p in problems if ": error: " in p)
    tests, passed, failed, skipped = counts
    return PartResult(group.name, tests, passed, failed, skipped, errors,
                      time.perf_counter() - t0, tuple(problems))


def _pytest(root: Path, group: PartGroup, echo: Echo) -> tuple[int, int, int, int]:
    with tempfile.TemporaryDirectory(prefix="mlsys-test-") as tmp:
        report = Path(tmp) / "junit.xml"
        # -P: the repository root must not shadow installed packages (tinytorch/ is a folder
        # there; `python -m` would otherwise import it as a namespace package), as with `pytest`.
        cmd = [sys.executable, "-P", "-m", "pytest", "-q", "-p", "no:cacheprovider",
               f"--junitxml={report}", *group.tests]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        with subprocess.Popen(cmd, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, env=env) as proc:
            assert proc.stdout is not None
            for line in proc.stdout:
                echo(line.rstrip("\n"))
        if not report.is_file():  # pytest died before collecting (bad option, import crash)
            return (0, 0, 1, 0)
        tests, passed, failed, skipped = _count(report)
        if proc.returncode not in (0, 5) and failed == 0:
            failed = 1  # an internal error or interrupted session still fails the part
        return tests, passed, failed, skipped


def _count(report: Path) -> tuple[int, int, int, int]:
    """(tests, passed, failed, skipped) from a JUnit XML report; errors count as failures."""
    root = ET.parse(report).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    tests = failed = skipped = 0
    for s in suites:
        tests += int(s.get("tests", 0))
        failed += int(s.get("failures", 0)) + int(s.get("errors", 0))
        skipped += int(s.get("skipped", 0))
    return tests, tests - failed - skipped, failed, skipped


def run_tests(root: Path, groups: list[PartGroup], echo: Echo = print) -> list[PartResult]:
    """Run each part in order, record the results with the tree they ran on, return them."""
    state = tree_state(root)  # the tree as it was tested, before the run wrote anything
    results = [run_part(root, g, echo) for g in groups]
    record_results(root, results, state)
    return results


# --------------------------------------------------------------------------- the record


def tree_state(root: Path) -> str | None:
    """The commit plus a digest of uncommitted changes; None outside a git checkout."""
    head = _git(root, "rev-parse", "HEAD")
    if head is None:
        return None
    dirty = _git(root, "status", "--porcelain", "--untracked-files=all", "--", ".",
                 *NOT_SOURCES) or ""
    diff = _git(root, "diff", "HEAD", "--", ".", *NOT_SOURCES) or ""
    if not dirty:
        return head
    import hashlib

    return head + "+" + hashlib.sha256((dirty + diff).encode()).hexdigest()[:16]


def _git(root: Path, *args: str) -> str | None:
    try:
        r = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return r.stdout.strip() if r.returncode == 0 else None


def record_results(root: Path, results: list[PartResult], state: str | None) -> None:
    """Remember, per part, whether it passed on the tree `state`."""
    file = root / CACHE_DIR / RESULTS_FILE
    try:
        known = json.loads(file.read_text("utf-8"))
    except (OSError, ValueError):
        known = {}
    for r in results:
        known[r.part] = {"tree": state, "ok": r.ok, **asdict(r)}
    file.parent.mkdir(parents=True, exist_ok=True)
    tmp = file.with_suffix(".tmp")
    tmp.write_text(json.dumps(known, indent=1), "utf-8")
    tmp.replace(file)


def passed_on_this_tree(root: Path, part: str) -> bool | None:
    """True/False when `part` was tested on exactly this tree; None when it was not."""
    state = tree_state(root)
    try:
        known = json.loads((root / CACHE_DIR / RESULTS_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    entry = known.get(part)
    if state is None or not entry or entry.get("tree") != state:
        return None
    return bool(entry.get("ok"))
