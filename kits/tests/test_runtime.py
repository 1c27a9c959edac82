"""The C runtime: bit-exact with the Python int8 reference on every instruction set."""

from __future__ import annotations

import numpy as np
import pytest
from mlsys_kits.fixedpoint import mbqm
from mlsys_kits.pipeline import check_bit_exact
from mlsys_kits.toolchains import TARGETS, build, run

from .conftest import TASKS, need

TOOLS = {
    "host": [("gcc", "gcc")],
    "arm64": [("aarch64-linux-gnu-gcc", "gcc-aarch64-linux-gnu"), ("qemu-aarch64", "qemu-user")],
    "cortex-m7": [("arm-none-eabi-gcc", "gcc-arm-none-eabi libnewlib-arm-none-eabi"),
                  ("qemu-system-arm", "qemu-system-arm")],
    "cortex-m55": [("arm-none-eabi-gcc", "gcc-arm-none-eabi libnewlib-arm-none-eabi"),
                   ("qemu-system-arm", "qemu-system-arm")],
}


@pytest.mark.parametrize("target", list(TOOLS))
@pytest.mark.parametrize("task", TASKS)
def test_whole_test_set_is_bit_exact(artifacts, task, target) -> None:
    for tool, pkg in TOOLS[target]:
        need(tool, pkg)
    res = check_bit_exact(artifacts[task], target)
    assert res.samples == len(artifacts[task].data.y_test)
    assert res.mismatches == 0, f"first differing sample: {res.first_mismatch}"
    assert res.int8_accuracy == artifacts[task].int8_accuracy


def test_c_fixed_point_twin_agrees_on_random_values() -> None:
    need("gcc", "gcc")
    rng = np.random.default_rng(1)
    x = rng.integers(-(2**31), 2**31, 500)
    q = rng.integers(2**30, 2**31, 500)
    shift = rng.integers(-31, 8, 500)
    x[:3], q[:3], shift[:3] = [-(2**31), 2**31 - 1, -5], [2**31 - 1, 2**30, 2**30], [0, 3, -31]
    rows = ",\n".join(f"{{{a}LL, {b}LL, {c}}}" for a, b, c in zip(x, q, shift, strict=True))
    src = ("#include <stdio.h>\n#include \"tinyrt.h\"\n"
           f"static const long long v[][3] = {{{rows}}};\n"
           "int main(void) {\n  unsigned i;\n  for (i = 0; i < sizeof v / sizeof v[0]; i++) {\n"
           "    printf(\"%ld\\n\", (long)trt_mbqm((int32_t)v[i][0], (int32_t)v[i][1], "
           "(int32_t)v[i][2]));\n  }\n  return 0;\n}\n")
    out = run(build(TARGETS["host"], {"main.c": src}, name="mbqm")).stdout.split()
    assert [int(s) for s in out] == mbqm(x, q, shift).tolist()


def test_a_compile_error_leaves_no_half_written_build(tmp_path, monkeypatch) -> None:
    need("gcc", "gcc")
    from mlsys_kits.errors import RunFailed

    monkeypatch.setenv("MLSYS_KITS_BUILD", str(tmp_path))
    with pytest.raises(RunFailed, match="compile failed"):
        build(TARGETS["host"], {"main.c": "int main(void) { return nope; }\n"}, name="bad")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("task", TASKS)
def test_extreme_and_random_inputs_are_bit_exact_on_the_host(artifacts, task) -> None:
    """Inputs the test set never holds (all -128, all 127, uniform noise) drive every
    accumulator, clamp and saturation path; C and Python must still agree byte for byte."""
    need("gcc", "gcc")
    art = artifacts[task]
    shape = art.x_test_q.shape[1:]
    rng = np.random.default_rng(7)
    x = np.concatenate([np.full((1, *shape), -128), np.full((1, *shape), 127),
                        rng.integers(-128, 128, (30, *shape))]).astype(np.int8)
    res = check_bit_exact(art, "host", inputs=x)
    assert res.samples == 32 and res.mismatches == 0, res.first_mismatch
