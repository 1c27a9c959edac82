"""Run module tests on a (possibly mutated) reference, exactly as `tito module test` runs them.

A mutant is one realistic learner bug (`catalogue.py`) applied as a text patch to a temporary
copy of the reference package. The workspace then holds the files of modules 1..k (k = the
module owning the patched file) and the module's own tests run in a fresh interpreter through
`tito.runner.run_module_tests`. The mutant is *killed* when at least one test fails.

    python tinytorch/tests/mutations/runner.py            # every mutant, kill rate at the end
    python tinytorch/tests/mutations/runner.py -k softmax # the mutants whose name matches
    python tinytorch/tests/mutations/runner.py --module 02  # module 02's tests, unmutated
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tito.curriculum import Lesson, find_module, load_curriculum, reference_package_dir
from tito.runner import TestReport, run_module_tests
from tito.workspace import materialise

HERE = Path(__file__).resolve().parent


def load_catalogue() -> tuple:
    """The `MUTANTS` of catalogue.py (loaded by path: tests are not an importable package)."""
    spec = importlib.util.spec_from_file_location("tinytorch_mutants", HERE / "catalogue.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.MUTANTS


class PatchError(Exception):
    """A mutant's text no longer matches the reference exactly once."""


@dataclass(frozen=True)
class Verdict:
    """What the module's tests did to one mutant."""

    name: str
    module: str
    killed: bool
    failing: tuple[str, ...]
    seconds: float


def owner(file: str, modules: list[Lesson]) -> Lesson:
    """The module whose `sources` list `file` (the tests that must catch a bug in it)."""
    for mod in modules:
        if file in mod.sources:
            return mod
    raise PatchError(f"no module.yaml lists '{file}'")


def apply(mutant, package: Path) -> None:  # noqa: ANN001 - catalogue.Mutant
    path = package / mutant.file
    text = path.read_text(encoding="utf-8")
    count = text.count(mutant.old)
    if count != 1:
        raise PatchError(f"mutant {mutant.name}: its text occurs {count} times in {mutant.file} "
                         "(must be exactly once); update catalogue.py")
    path.write_text(text.replace(mutant.old, mutant.new), encoding="utf-8")


def run_module(mod: Lesson, modules: list[Lesson], tmp: Path, mutant=None,  # noqa: ANN001
               first_failure: bool = False) -> TestReport:
    """Module `mod`'s tests on modules 1..mod of the reference, with `mutant` applied."""
    ref = tmp / "reference" / "tinytorch"
    shutil.copytree(reference_package_dir(), ref, ignore=shutil.ignore_patterns("__pycache__"))
    if mutant is not None:
        apply(mutant, ref)
    ws = tmp / "ws"
    materialise(ws, [m for m in modules if m.number <= mod.number], stub=False, reference=ref)
    (ws / ".tito").mkdir(exist_ok=True)
    return run_module_tests(ws, mod, first_failure=first_failure)


def judge(mutant) -> Verdict:  # noqa: ANN001
    modules = load_curriculum()
    mod = owner(mutant.file, modules)
    if mutant.tested_by:
        mod = find_module(mutant.tested_by, modules)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="tt-mutant-") as tmp:
        report = run_module(mod, modules, Path(tmp), mutant, first_failure=True)
    failing = tuple(r.behaviour for r in report.results if r.outcome in ("failed", "error"))
    return Verdict(mutant.name, mod.key, not report.passed, failing, time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", default="", help="only mutants whose name contains this")
    parser.add_argument("--module", help="run one module's tests on the unmutated reference")
    args = parser.parse_args(argv)
    if args.module:
        with tempfile.TemporaryDirectory(prefix="tt-module-") as tmp:
            report = run_module(find_module(args.module), load_curriculum(), Path(tmp))
        for r in report.results:
            if r.outcome != "passed":
                print(f"{r.outcome:7} {r.behaviour}: {r.message}")
        print(f"module {args.module}: {report.counts}")
        return 0 if report.passed else 1
    mutants = [m for m in load_catalogue() if args.k in m.name]
    t0 = time.perf_counter()
    verdicts = []
    for m in mutants:
        v = judge(m)
        verdicts.append(v)
        state = "killed " if v.killed else "SURVIVED"
        print(f"{state} {v.module} {v.name:<40} {v.seconds:5.1f} s  {'; '.join(v.failing[:2])}",
              flush=True)
    killed = sum(v.killed for v in verdicts)
    print(f"kill rate: {killed}/{len(verdicts)} = {100 * killed / max(1, len(verdicts)):.0f}% "
          f"in {time.perf_counter() - t0:.0f} s")
    return 0 if killed == len(verdicts) else 1


if __name__ == "__main__":
    raise SystemExit(main())
