"""The mutation suite: realistic learner bugs that the module tests must catch.

The quick tests here check the catalogue itself (every patch still applies to the reference
exactly once, names are unique, the required kinds of bug are present). Running the mutants
takes minutes (each runs a module's tests in a fresh interpreter, as tito does), so that part
runs with `TINYTORCH_MUTATIONS=1 pytest tinytorch/tests/test_mutations.py` or, in CI, through
`python benchmarks/tinytorch_mutations.py --quick`, which prints the kill rate.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from tito.curriculum import load_curriculum, reference_package_dir

sys.path.insert(0, str(Path(__file__).resolve().parent / "mutations"))
import runner  # noqa: E402

MUTANTS = runner.load_catalogue()
REQUIRED = (  # the bugs the issue names; each must stay in the catalogue
    "unbroadcast-skips-size-1-axes", "sum-backward-wrong-shape",
    "batched-matmul-transpose-wrong-axes", "softmax-without-max-subtraction",
    "cross-entropy-backward-off-by-mean", "adam-without-bias-correction",
    "conv-padding-counted-once", "layernorm-over-the-wrong-axes", "attention-mask-inverted",
    "kv-cache-position-off-by-one", "quantization-per-tensor-not-per-channel",
)


def test_catalogue_has_thirty_distinct_bugs_including_the_named_ones():
    names = [m.name for m in MUTANTS]
    assert len(names) >= 30 and len(set(names)) == len(names)
    assert not [n for n in REQUIRED if n not in names]


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.name)
def test_mutant_applies_to_the_reference_exactly_once(mutant, tmp_path):
    modules = load_curriculum()
    mod = runner.owner(mutant.file, modules)
    if mutant.tested_by:
        assert int(mutant.tested_by) > mod.number, "tested_by names a later module"
    original = (reference_package_dir() / mutant.file).read_text(encoding="utf-8")
    (tmp_path / mutant.file).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / mutant.file).write_text(original, encoding="utf-8")
    runner.apply(mutant, tmp_path)
    patched = (tmp_path / mutant.file).read_text(encoding="utf-8")
    assert patched != original and mutant.new in patched
    compile(patched, mutant.file, "exec")  # a bug a learner could run, not a syntax error


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("TINYTORCH_MUTATIONS") != "1",
                    reason="runs every module test per mutant (minutes): set TINYTORCH_MUTATIONS=1 "
                           "or run benchmarks/tinytorch_mutations.py")
@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.name)
def test_module_tests_catch_the_bug(mutant):
    verdict = runner.judge(mutant)
    assert verdict.killed, (f"module {verdict.module}'s tests all pass with this bug: "
                            f"{mutant.bug} ({mutant.file}); strengthen them")
