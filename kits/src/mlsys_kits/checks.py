"""What `mlsys kits test KIT` checks, as data: one `Check` per model and instruction set.

* MCU kits: the whole test set on the kit's core under QEMU, bit-exact with the Python int8
  reference, plus the firmware (QEMU memory map) classifying its baked sample;
* the Arduino kit: the host build bit-exact, plus the sketch compiled and run against the shim;
* Linux kits: the arm64 build under qemu-aarch64 bit-exact, plus the ONNX model under
  onnxruntime matching TinyTorch.
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass

import numpy as np

from .boards import Kit
from .pipeline import check_bit_exact, model


@dataclass(frozen=True)
class Check:
    kit: str
    model: str
    what: str
    ok: bool
    detail: str
    seconds: float


def _bit_exact(kit: Kit, task: str, target: str) -> Check:
    r = check_bit_exact(model(task), target)
    detail = (f"{r.samples} samples identical, int8 accuracy {r.int8_accuracy:.3f} "
              f"(float {model(task).float_accuracy:.3f})" if r.mismatches == 0 else
              f"{r.mismatches} of {r.samples} samples differ (first: {r.first_mismatch})")
    return Check(kit.id, task, f"bit-exact on {target}", r.mismatches == 0, detail, r.seconds)


def _firmware(kit: Kit, task: str) -> Check:
    from .firmware import run_firmware_in_qemu

    t0 = time.perf_counter()
    out = run_firmware_in_qemu(kit, task).strip()
    return Check(kit.id, task, "firmware under QEMU", True, out, time.perf_counter() - t0)


def _sketch(kit: Kit, task: str) -> Check:
    from .sketch import compile_check

    t0 = time.perf_counter()
    proc = subprocess.run([str(compile_check(kit, task)), "1"], capture_output=True, text=True,
                          timeout=60)
    ok = proc.returncode == 0 and "(as expected)" in proc.stdout
    line = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr
    return Check(kit.id, task, "sketch with Arduino shim", ok, line, time.perf_counter() - t0)


def _onnx(kit: Kit, task: str) -> Check:
    from .onnx_export import run_onnxruntime, to_onnx

    art = model(task)
    t0 = time.perf_counter()
    out = run_onnxruntime(to_onnx(art.trained), art.data.x_test)
    err = float(np.abs(out - art.float_probs).max())
    acc = float((out.argmax(1) == art.data.y_test).mean())
    return Check(kit.id, task, "ONNX under onnxruntime", err < 1e-5,
                 f"max |onnxruntime - TinyTorch| = {err:.1e}, accuracy {acc:.3f}",
                 time.perf_counter() - t0)


def run_checks(kit: Kit) -> list[Check]:
    """Run every check of one kit (raises `ToolchainMissing` when a tool is absent)."""
    checks = []
    for task in kit.models:
        if kit.kind == "mcu":
            checks += [_bit_exact(kit, task, kit.target), _firmware(kit, task)]
        elif kit.kind == "arduino":
            checks += [_bit_exact(kit, task, "host"), _sketch(kit, task)]
        else:
            checks += [_bit_exact(kit, task, kit.target), _onnx(kit, task)]
    return checks


