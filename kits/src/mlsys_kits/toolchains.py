"""Compile the C runtime for each instruction set and run the result.

A `Target` names its compiler, flags and how to run a program built for it (directly, under
`qemu-aarch64`, or bare-metal under `qemu-system-arm` with semihosting). Builds are cached by
the SHA-256 of every source, flag and the compiler's name: an unchanged model and runtime cost
one hash, not a compile.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import KitError, RunFailed, ToolchainMissing
from .paths import RUNTIME_DIR, build_root

ARM_DIR = RUNTIME_DIR / "arm"
WARN = ("-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-pedantic")


@dataclass(frozen=True)
class Target:
    """One instruction set: compiler, flags, Debian packages, and the command that runs it."""

    name: str
    cc: str
    cc_package: str
    cflags: tuple[str, ...]
    ldflags: tuple[str, ...] = ()
    runner: tuple[str, ...] = ()
    runner_package: str = ""
    bare_metal: bool = False
    size_tool: str = ""

    def check(self, run: bool = True) -> None:
        """Raise `ToolchainMissing` naming the Debian package when a tool is absent."""
        if shutil.which(self.cc) is None:
            raise ToolchainMissing(self.cc, self.cc_package, f"build for {self.name}")
        if run and self.runner and shutil.which(self.runner[0]) is None:
            raise ToolchainMissing(self.runner[0], self.runner_package, f"run {self.name} code")


def _bare(name: str, cpu_flags: tuple[str, ...], machine: str) -> Target:
    return Target(
        name, "arm-none-eabi-gcc", "gcc-arm-none-eabi libnewlib-arm-none-eabi",
        (*cpu_flags, "-mthumb", "-ffunction-sections", "-fdata-sections", "-DTRT_SEMIHOSTING"),
        ("--specs=rdimon.specs", "-nostartfiles", "-Wl,--gc-sections"),
        ("qemu-system-arm", "-M", machine, "-nographic", "-monitor", "none", "-serial", "none",
         "-semihosting-config", "enable=on,target=native", "-kernel"),
        "qemu-system-arm", bare_metal=True, size_tool="arm-none-eabi-size")


TARGETS = {
    "host": Target("host", "gcc", "gcc", ("-DTRT_HOSTED",)),
    "cortex-m7": _bare("cortex-m7", ("-mcpu=cortex-m7", "-mfpu=fpv5-d16", "-mfloat-abi=hard"),
                       "mps2-an500"),
    "cortex-m55": _bare("cortex-m55", ("-mcpu=cortex-m55", "-mfloat-abi=hard"), "mps3-an547"),
    "arm64": Target("arm64", "aarch64-linux-gnu-gcc", "gcc-aarch64-linux-gnu",
                    ("-DTRT_HOSTED",), ("-static",),
                    ("qemu-aarch64", "-L", "/usr/aarch64-linux-gnu"), "qemu-user"),
}


@dataclass(frozen=True)
class Built:
    target: Target
    path: Path
    cached: bool


@dataclass(frozen=True)
class RunResult:
    stdout: str
    seconds: float


def build(target: Target, sources: dict[str, str], linker_script: Path | None = None,
          extra_files: tuple[Path, ...] = (), name: str = "app") -> Built:
    """Compile `sources` ({file name: C text}) with the runtime into one program.

    The generated files are written next to the runtime's in a folder named by their hash;
    a finished program there is reused. A failed compile leaves nothing behind."""
    target.check(run=False)
    if not (RUNTIME_DIR / "tinyrt.c").exists():
        raise KitError(f"the C runtime is missing at {RUNTIME_DIR}: install the kits from a "
                       "checkout (`pip install -e .` at the repository root)")
    files = [RUNTIME_DIR / "tinyrt.c", *extra_files]
    if target.bare_metal:
        files.append(ARM_DIR / "startup.c")
    script = linker_script or (ARM_DIR / "qemu_mps.ld" if target.bare_metal else None)
    h = hashlib.sha256(target.name.encode() + repr(target).encode())
    for f in [*files, RUNTIME_DIR / "tinyrt.h", *([script, ARM_DIR / "sections.ld"] if script
                                                    else [])]:
        h.update(f.name.encode() + f.read_bytes())
    for fname in sorted(sources):
        h.update(fname.encode() + sources[fname].encode())
    out_dir = build_root() / f"{target.name}-{name}-{h.hexdigest()[:16]}"
    exe = out_dir / (f"{name}.elf" if target.bare_metal else name)
    if exe.exists():
        return Built(target, exe, True)
    build_root().mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=build_root()))
    try:
        for fname, text in sources.items():
            (tmp / fname).write_text(text, encoding="utf-8")
        cmd = [target.cc, *WARN, *target.cflags, f"-I{RUNTIME_DIR}",
               *[str(f) for f in files], *[str(tmp / f) for f in sources if f.endswith(".c")],
               "-o", str(tmp / exe.name), *target.ldflags]
        if script:
            cmd += [f"-L{ARM_DIR}", f"-T{script}"]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RunFailed(f"{target.name}: compile failed:\n{proc.stderr.strip()}")
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(tmp, out_dir)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return Built(target, exe, False)


def run(built: Built, args: tuple[str, ...] = (), timeout: float = 120.0) -> RunResult:
    """Run a built program natively or under its emulator; non-zero exit is `RunFailed`."""
    built.target.check(run=True)
    cmd = [*built.target.runner, str(built.path), *args]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RunFailed(f"{built.target.name}: {built.path.name} did not finish in "
                        f"{timeout:.0f} s") from None
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RunFailed(f"{built.target.name}: {built.path.name} exited with "
                        f"{proc.returncode}: {(proc.stderr or proc.stdout)[-400:].strip()}")
    return RunResult(proc.stdout, seconds)
