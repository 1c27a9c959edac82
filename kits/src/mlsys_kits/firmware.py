"""Firmware images for the microcontroller kits, and the budget gate over them.

`build_firmware` links the runtime, one model and one baked test input with the board's real
linker script (or with the QEMU map, to run it). `size_report` reads flash and RAM from
`arm-none-eabi-size` of that real image, adds the stack and heap reserves of the linker script,
and sets them beside the board's limits from mlsysim and mlsysim's latency/energy estimate.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import mlsysim

from . import export_c
from .boards import Kit
from .errors import DoesNotFit, KitError, RunFailed, ToolchainMissing
from .graph import Graph, Op
from .paths import RUNTIME_DIR
from .pipeline import Artifact, model
from .toolchains import ARM_DIR, TARGETS, Built, build, run


def sample_index(art: Artifact) -> int:
    """The first test sample the int8 model classifies correctly (the firmware's fixed input)."""
    ok = np.nonzero(art.ref_out.argmax(1) == art.data.y_test)[0]
    return int(ok[0]) if len(ok) else 0


def firmware_sources(art: Artifact) -> dict[str, str]:
    i = sample_index(art)
    return {"model.c": export_c.model_source(art.qmodel, art.plan),
            "sample.c": export_c.inputs_source(art.x_test_q[i:i + 1], art.classes,
                                               int(art.data.y_test[i]))}


def build_firmware(kit: Kit, task: str, qemu_map: bool = False) -> Built:
    """The bare-metal image of `task` for `kit` (real memory map unless `qemu_map`)."""
    if kit.kind != "mcu":
        raise KitError(f"{kit.id} is a {kit.kind} kit: it has no bare-metal firmware")
    script = (ARM_DIR / "qemu_mps.ld") if qemu_map else kit.linker_script
    suffix = "qemu" if qemu_map else "board"
    return build(TARGETS[kit.target], firmware_sources(model(task)), linker_script=script,
                 extra_files=(ARM_DIR / "firmware_main.c",), name=f"fw-{kit.id}-{task}-{suffix}")


def run_firmware_in_qemu(kit: Kit, task: str) -> str:
    """Run the QEMU-map variant; it exits 0 only when it predicts the sample's true class."""
    return run(build_firmware(kit, task, qemu_map=True), timeout=60).stdout


# --------------------------------------------------------------------------- estimates
def mlsysim_model(graph: Graph) -> mlsysim.Model:
    """Our graph as an mlsysim CNN (layer strings), for its FLOPs and latency estimate."""
    layers = []
    for n in graph.nodes:
        k = f"{n.kernel[0]}x{n.kernel[1]}"
        if n.op == Op.CONV2D:
            layers.append(f"conv {k} {n.channels} s{n.stride[0]} nobn bias")
        elif n.op == Op.DWCONV2D:
            layers.append(f"dw {k} s{n.stride[0]}")
        elif n.op in (Op.MAXPOOL, Op.AVGPOOL):  # same shape change; pooling has no MACs
            layers.append(f"maxpool {k} s{n.stride[0]}")
        elif n.op == Op.DENSE:
            layers.append(f"fc {n.channels}")
    c, h, w = graph.input_shape
    return mlsysim.cnn(f"kit-{graph.name}", (h, w, c), layers)


@dataclass(frozen=True)
class Estimate:
    flops: float
    latency_s: float
    energy_j: float


def estimate(kit: Kit, graph: Graph) -> Estimate:
    """mlsysim's latency and energy per inference on the kit's device (a lower bound)."""
    fit = mlsysim.tinyml_fit(mlsysim_model(graph), kit.device, precision=kit.precision)
    return Estimate(mlsysim.flops_per_inference(mlsysim_model(graph)), fit.latency_s, fit.energy_j)


# --------------------------------------------------------------------------- size gate
@dataclass(frozen=True)
class SizeReport:
    kit: str
    model: str
    measured_with: str
    text: int
    data: int
    bss: int
    stack: int
    heap: int
    arena: int
    naive: int
    flash_used: int
    ram_used: int
    flash_limit: int
    ram_limit: int
    peak_tensors: tuple[str, ...]
    estimate: Estimate

    @property
    def fits(self) -> bool:
        return self.flash_used <= self.flash_limit and self.ram_used <= self.ram_limit

    def problems(self) -> list[str]:
        out = []
        if self.flash_used > self.flash_limit:
            out.append(f"{self.kit}/{self.model}: flash {self.flash_used:,} B exceeds "
                       f"{self.flash_limit:,} B by {self.flash_used - self.flash_limit:,} B")
        if self.ram_used > self.ram_limit:
            out.append(f"{self.kit}/{self.model}: RAM {self.ram_used:,} B exceeds "
                       f"{self.ram_limit:,} B by {self.ram_used - self.ram_limit:,} B; the "
                       f"arena peaks at {self.arena:,} B with {', '.join(self.peak_tensors)} "
                       "alive together")
        return out


def _size(tool: str, path: Path) -> tuple[int, int, int]:
    if shutil.which(tool) is None:
        pkg = "gcc-arm-none-eabi" if tool.startswith("arm") else "binutils"
        raise ToolchainMissing(tool, pkg, "measure the firmware")
    proc = subprocess.run([tool, str(path)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RunFailed(f"{tool} {path.name}: {proc.stderr.strip()}")
    text, data, bss = (int(v) for v in proc.stdout.splitlines()[1].split()[:3])
    return text, data, bss


def _reserve(script: Path, name: str) -> int:
    m = re.search(rf"^{name}\s*=\s*(0x[0-9a-fA-F]+|\d+)\s*;", script.read_text(), re.M)
    return int(m.group(1), 0) if m else 0


def size_report(kit: Kit, task: str) -> SizeReport:
    """Flash and RAM of the real firmware (or of host-compiled objects for the Arduino kit)."""
    art = model(task)
    est = estimate(kit, art.graph)
    peak = tuple(art.plan.peak_tensors())
    if kit.kind == "mcu":
        built = build_firmware(kit, task)
        text, data, bss = _size(TARGETS[kit.target].size_tool, built.path)
        stack, heap = _reserve(kit.linker_script, "STACK_SIZE"), _reserve(kit.linker_script,
                                                                            "HEAP_SIZE")
        how = f"arm-none-eabi-size {built.path.name}"
        bss_only = bss - stack  # the .stack section is counted in bss
    else:
        cc, size_tool = ("aarch64-linux-gnu-gcc", "aarch64-linux-gnu-size") \
            if kit.target == "arm64" else ("gcc", "size")
        text, data, bss = object_sizes(cc, size_tool, export_c.model_source(art.qmodel,
                                                                             art.plan))
        stack, heap, bss_only = 8192, 0, bss
        how = (f"{size_tool} of tinyrt.o + model.o ({cc} -Os; the board links them into "
               "its own program)")
    return SizeReport(kit.id, task, how, text, data, bss_only, stack, heap,
                      art.plan.peak_bytes, art.plan.naive_bytes, text + data,
                      data + bss_only + stack + heap, int(kit.flash_limit), int(kit.ram_limit),
                      peak, est)


def object_sizes(cc: str, size_tool: str, model_c: str) -> tuple[int, int, int]:
    """text, data, bss of the runtime and model objects compiled with `cc -Os -c`."""
    if shutil.which(cc) is None:
        pkg = "gcc-aarch64-linux-gnu" if cc.startswith("aarch64") else "gcc"
        raise ToolchainMissing(cc, pkg, "measure the runtime and model")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "model.c"
        src.write_text(model_c, encoding="utf-8")
        total = [0, 0, 0]
        for c in (RUNTIME_DIR / "tinyrt.c", src):
            obj = Path(tmp) / (c.stem + ".o")
            proc = subprocess.run([cc, "-std=c99", "-Os", f"-I{RUNTIME_DIR}", "-c", str(c),
                                   "-o", str(obj)], capture_output=True, text=True)
            if proc.returncode != 0:
                raise RunFailed(f"{cc} {c.name}: {proc.stderr.strip()}")
            for i, v in enumerate(_size(size_tool, obj)):
                total[i] += v
    return total[0], total[1], total[2]


def gate(reports: list[SizeReport]) -> None:
    """Raise `DoesNotFit` listing every model over a limit, by how much."""
    problems = [p for r in reports for p in r.problems()]
    if problems:
        raise DoesNotFit("\n".join(problems))

