"""The learner writes the framework: enough lines, every core algorithm, hints without answers.

`tinytorch/tools/learner_lines.py` counts the code inside the solution regions (what `tito`
replaces by hints); these tests hold the curriculum to the numbers it reports.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import sys
from pathlib import Path

import pytest
from tito.curriculum import load_curriculum
from tito.stub import HINT, find_regions

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "src" / "tinytorch"
_spec = importlib.util.spec_from_file_location("learner_lines", ROOT / "tools" / "learner_lines.py")
learner_lines = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = learner_lines  # dataclasses look their module up while defining
_spec.loader.exec_module(learner_lines)

MODULES = load_curriculum(ROOT / "modules")
# What a hint must not contain: numpy calls, attribute access on self or .data, in-place
# operators, keyword arguments, lambdas, loops over range, the tape's _op, array slicing.
CODE = re.compile(r"np\.\w|self\.\w|\w\.data\b|[-+*/]=|\w=\w|lambda|\brange\(|_op\(|\[:, "
                  r"|\)\.\w+\(")


def _regions(mod):
    for src in mod.sources:
        path = REFERENCE / src
        lines = path.read_text(encoding="utf-8").splitlines()
        for r in find_regions("\n".join(lines), str(path)):
            body = [ln.strip() for ln in lines[r.begin : r.end - 1]]
            hints = [ln[len(HINT):].strip() for ln in body if ln.startswith(HINT)]
            code = [ln for ln in body if ln and not ln.startswith("#")]
            yield f"{src}:{r.begin} ({r.function})", hints, code


def test_learners_write_at_least_1500_lines():
    counts = learner_lines.count_all()
    total = sum(c.lines for c in counts)
    assert total >= learner_lines.TARGET, learner_lines.render(counts)
    assert all(c.lines >= 30 for c in counts), learner_lines.render(counts)


@pytest.mark.parametrize("mod", MODULES, ids=[m.name for m in MODULES])
def test_every_core_algorithm_of_the_module_is_the_learners(mod):
    count = learner_lines.count_module(mod)
    assert learner_lines.CORE[mod.number], f"{mod.name}: no core functions listed"
    assert not count.missing_core, (
        f"{mod.name}: these core functions are given to the learner instead of written by them: "
        f"{', '.join(count.missing_core)}"
    )


@pytest.mark.parametrize("mod", MODULES, ids=[m.name for m in MODULES])
def test_every_region_has_hints_that_explain_without_giving_the_code(mod):
    for where, hints, code in _regions(mod):
        assert hints, f"{where}: a region without a hint leaves the learner guessing"
        text = " ".join(hints)
        coded = CODE.search(text)
        assert coded is None, f"{where}: hint reads like code ({coded.group(0)!r}): {text}"
        for line in code:
            if len(line) >= 12:
                assert line not in text, f"{where}: the hint contains the solution line {line!r}"


def test_the_counter_sees_a_region_and_ignores_hints_and_blank_lines(tmp_path):
    pkg = tmp_path / "tinytorch"
    pkg.mkdir()
    (pkg / "tensor.py").write_text(
        "def f(x):\n    # BEGIN SOLUTION\n    # HINT: double it\n\n    y = x * 2\n"
        "    return y\n    # END SOLUTION\n", encoding="utf-8")
    mod = next(m for m in MODULES if m.number == 1)
    count = learner_lines.count_module(mod, pkg)
    assert (count.regions, count.lines) == (1, 2)
    assert "Tensor._binary" in count.missing_core


@pytest.mark.parametrize("mod", MODULES, ids=[m.name for m in MODULES])
def test_a_stub_filled_with_the_region_bodies_is_the_reference_again(mod):
    """Stubbing loses nothing but hints: every region sits where the learner's code goes (a
    region opened above a decorator, say, would leave the learner a file that cannot work)."""
    from tito.stub import BEGIN, END, stub_file

    for src in mod.sources:
        path = REFERENCE / src
        reference = path.read_text(encoding="utf-8").splitlines()
        bodies, current = [], None
        for line in reference:
            if line.strip() == BEGIN:
                current = []
            elif line.strip() == END:
                bodies.append(current)
                current = None
            elif current is not None and not line.strip().startswith(HINT):
                current.append(line)
        stub = stub_file(path, mod.number)
        try:
            ast.parse(stub)
        except SyntaxError as exc:
            pytest.fail(f"{src}: the learner's stub does not parse (line {exc.lineno}): {exc.msg}")
        filled = []
        for line in stub.splitlines():
            if 'raise NotImplementedError("TODO(module' in line:
                filled.extend(bodies.pop(0))
            elif not line.strip().startswith(HINT):
                filled.append(line)
        expected = [ln for ln in reference
                    if ln.strip() not in (BEGIN, END) and not ln.strip().startswith(HINT)]
        assert filled == expected, f"{src}: filling the stub does not give the reference back"
