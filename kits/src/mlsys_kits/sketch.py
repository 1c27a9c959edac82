"""The XIAO ESP32S3 kit's Arduino sketch: export it complete, and compile-check it on the host.

Debian has no Xtensa compiler, so the check builds the very same sketch, runtime and model
with the host's gcc/g++ against a small Arduino API shim (`boards/xiao_esp32s3/shim`) and runs
it: a sketch that uses an API the shim lacks, or C that is not portable, fails here first.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from .boards import Kit
from .errors import KitError, RunFailed, ToolchainMissing
from .firmware import firmware_sources
from .paths import RUNTIME_DIR, build_root
from .pipeline import model

CFLAGS = ("-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-pedantic")
CXXFLAGS = ("-std=c++11", "-O2", "-Wall", "-Wextra", "-Werror", "-x", "c++")


def export_sketch(kit: Kit, task: str, dest: Path) -> Path:
    """Write a ready-to-compile sketch folder (`dest/kit_sketch/`), swapped in atomically."""
    if kit.sketch is None:
        raise KitError(f"{kit.id} has no Arduino sketch")
    name = kit.sketch.parent.name
    dest.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".sketch-", dir=dest))
    shutil.copy2(kit.sketch, tmp / kit.sketch.name)
    for f in ("tinyrt.c", "tinyrt.h"):
        shutil.copy2(RUNTIME_DIR / f, tmp / f)
    for fname, text in firmware_sources(model(task)).items():
        (tmp / fname).write_text(text, encoding="utf-8")
    final = dest / name
    if final.exists():
        shutil.rmtree(final)
    os.replace(tmp, final)
    return final


def _compile(cmd: list[str]) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RunFailed(f"sketch compile failed: {' '.join(cmd[:2])} ...\n{proc.stderr.strip()}")


def compile_check(kit: Kit, task: str) -> Path:
    """Build the exported sketch with the host compilers and the shim; returns the program."""
    for tool in ("gcc", "g++"):
        if shutil.which(tool) is None:
            raise ToolchainMissing(tool, "g++" if tool == "g++" else "gcc",
                                   "compile-check the Arduino sketch")
    shim = kit.dir / "shim"
    h = hashlib.sha256()
    for f in sorted([*shim.iterdir(), kit.sketch, *RUNTIME_DIR.glob("tinyrt.*")]):
        h.update(f.read_bytes())
    for text in firmware_sources(model(task)).values():
        h.update(text.encode())
    out = build_root() / f"sketch-{kit.id}-{task}-{h.hexdigest()[:16]}"
    exe = out / "kit_sketch"
    if exe.exists():
        return exe
    folder = export_sketch(kit, task, out.with_name(out.name + ".src"))
    objs = []
    for c in sorted(folder.glob("*.c")):
        objs.append(str(c.with_suffix(".o")))
        _compile(["gcc", *CFLAGS, "-c", str(c), "-o", objs[-1]])
    ino = folder / kit.sketch.name
    cxx = [str(ino), str(shim / "shim_main.cpp")]
    tmp_exe = folder / "kit_sketch"
    _compile(["g++", *CXXFLAGS, f"-I{shim}", f"-I{folder}", *cxx, "-x", "none", *objs,
              "-o", str(tmp_exe)])
    out.mkdir(parents=True, exist_ok=True)
    os.replace(tmp_exe, exe)
    return exe
