"""The kit pages of the site (`generate: "mlsys_kits.pages:generate"`, kind quarto).

Every number on a page is computed while the site builds: accuracies from the trained models,
the arena from the planner, flash and RAM from `arm-none-eabi-size` of the real firmware, and
latency and energy from mlsysim for the board. Nothing is typed by hand.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from mlsysim import seconds, si

from .boards import Kit, all_kits
from .drawings import board_svg
from .errors import KitError
from .firmware import SizeReport, estimate, size_report
from .pipeline import model
from .report import microjoules

CHAPTERS = (
    ("ML Systems Across the Deployment Spectrum: the TinyML tier",
     "../book/vol1/ml_systems.html#sec-ml-systems-tiers"),
    ("Model Compression: quantization", "../book/vol1/compression.html#sec-compression-quantization"),
    ("ML Operations: operations on devices (on-device updates)",
     "../book/vol1/ml_ops.html#sec-ml-ops-edge"),
)
MODULES = (("08 Convolutions", "08_convolutions"), ("16 Quantization", "16_quantization"),
           ("17 Compression", "17_compression"), ("19 Benchmarking", "19_benchmarking"))
TROUBLE = {
    "mcu": [
        "**`arm-none-eabi-gcc not found`**: `apt-get install -y gcc-arm-none-eabi "
        "libnewlib-arm-none-eabi`; for the QEMU runs also `qemu-system-arm`.",
        "**The flasher finds no device**: put the board in its bootloader (see the note under "
        "Steps), check the cable carries data, and list devices (`dfu-util -l`, `lsusb`).",
        "**Nothing is printed after flashing**: the firmware prints through semihosting, which "
        "needs a debug probe attached (`openocd` or `pyocd` with semihosting enabled).",
        "**`DOES NOT FIT`**: `mlsys kits size` names the tensors alive at the arena's peak; "
        "shrink those layers' channels or add a pooling step before them.",
    ],
    "arduino": [
        "**The sketch does not compile in the Arduino IDE**: install the esp32 core "
        "(`arduino-cli core install esp32:esp32`) and select the XIAO_ESP32S3 board.",
        "**No serial port**: hold BOOT while plugging the board in, then retry the upload.",
        "**`sketch compile failed` in `mlsys kits test`**: the sketch used an Arduino API the "
        "host shim lacks, or C that is not portable; the compiler's message names the line.",
    ],
    "linux": [
        "**`could not copy the app`**: check `ssh user@host` works without a password "
        "(`ssh-copy-id`), and that `rsync` is installed on both ends.",
        "**`needs onnxruntime` on the board**: `pip install numpy onnxruntime` there (Jetson: "
        "NVIDIA's onnxruntime-gpu wheel for CUDA).",
        "**The camera gives no frame**: try `--input photo.ppm` first, then `--device "
        "/dev/video0` with `opencv-python-headless` installed.",
    ],
}


def _facts(kit: Kit) -> list[str]:
    d = kit.device
    rows = [("Device (mlsysim)", f"`{d.name}`"), ("CPU", d.core or "?"),
            ("Clock", si(d.clock_hz, "Hz") if d.clock_hz else "?"),
            ("SRAM" if kit.kind != "linux" else "Memory", si(kit.ram_limit, "B")),
            *([("Flash", si(kit.flash_limit, "B"))] if kit.kind != "linux" else []),
            ("Power (active)", f"{d.tdp_w:g} W"), ("Sensors", "; ".join(kit.sensors))]
    out = ["| | |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows]
    return out + ["", f"Source of the hardware facts: {d.source}", ""]


def _steps(kit: Kit) -> list[str]:
    cmds = ["pip install -e ./mlsysim -e ./tinytorch -e \".[dev]\"",
            f"mlsys kits test {kit.id}      # bit-exact runs against the Python int8 reference",
            f"mlsys kits size {kit.id}      # flash and RAM against the board's limits",
            f"mlsys kits build {kit.id}"]
    if kit.kind == "linux":
        cmds.append(f"mlsys kits deploy {kit.id} --host pi@raspberrypi.local")
    else:
        cmds.append(f"mlsys kits flash {kit.id} --model {kit.models[0]}")
    lines = ["```bash", *cmds, "```", ""]
    if kit.flash is not None:
        lines += [f"The flasher is `{kit.flash.tool}` ({kit.flash.package}); the image goes to "
                  f"address `0x{kit.flash.address:08x}`. When the tool is missing, "
                  "`mlsys kits flash` prints the exact command with the image's path.", "",
                  f"{kit.flash.note.format(sketch='the exported sketch folder')}", ""]
    return lines


def _numbers(kit: Kit) -> list[str]:
    lines = ["| Model | Float acc. | int8 acc. | Arena (planned / naive) | Flash used | RAM used | "
             "Latency (mlsysim) | Energy (mlsysim) |", "|---|---|---|---|---|---|---|---|"]
    note = ""
    for task in kit.models:
        art = model(task)
        try:
            r: SizeReport | None = size_report(kit, task)
        except KitError as exc:  # a missing cross compiler: say so on the page
            r, note = None, f"Sizes not measured in this build: {exc}"
        est = r.estimate if r else estimate(kit, art.graph)
        flash = f"{r.flash_used / 1024:,.1f} KiB" if r else "—"
        ram = f"{r.ram_used / 1024:,.1f} KiB" if r else "—"
        lines.append(f"| {task} | {art.float_accuracy:.3f} | {art.int8_accuracy:.3f} | "
                     f"{art.plan.peak_bytes:,} / {art.plan.naive_bytes:,} B | {flash} | {ram} | "
                     f"≥ {seconds(est.latency_s)} | ≥ {microjoules(est.energy_j)} |")
    lines += ["", f"Accuracies are on the {len(model(kit.models[0]).data.y_test)} held-out "
              "samples the kit generates. Flash and RAM come from the linked firmware "
              "(text + data; data + bss + stack + heap reserve); latency and energy are "
              f"mlsysim's lower bounds at the {kit.device.name}'s {kit.precision} peak rate.", ""]
    return lines + ([note, ""] if note else [])


def kit_page(kit: Kit) -> str:
    """One kit's page as Quarto Markdown."""
    lines = [f"# {kit.name} {{#sec-kit-{kit.id.replace('_', '-')}}}", "",
             f"Train a model with TinyTorch, quantize it to int8 and run it on the "
             f"{kit.name} with our C runtime: {', '.join(kit.models)}.", "",
             "## What you need", "",
             f"- the {kit.name} and a USB cable that carries data"
             + (" (or the board on your network)" if kit.kind == "linux" else ""),
             f"- a computer with Python 3.11 and {', '.join(kit.toolchain)}", "",
             "## The board", "", "```{=html}", board_svg(kit), "```", "", *_facts(kit),
             "## Steps", "", *_steps(kit),
             "## Expected numbers", "", *_numbers(kit),
             "## Troubleshooting", "", *[f"- {t}" for t in TROUBLE[kit.kind]], "",
             "## Where this comes from", "",
             *[f"- Chapter: [{t}]({u})" for t, u in CHAPTERS],
             *[f"- TinyTorch module [{t}](../tinytorch/{m}/lesson.html)" for t, m in MODULES], ""]
    return "\n".join(lines)


INDEX = """# Hardware kits {{#sec-kits}}

Each kit takes a small network from training to a board: TinyTorch trains it on data the kit
generates (keyword spotting on synthetic audio features, image classification on generated
pictures, gestures from synthetic IMU traces); post-training quantization turns it into int8 in
the TFLite scheme (per-channel int8 weights, per-tensor int8 activations, int32 biases, a
fixed-point multiplier and shift per channel); a memory planner places every tensor in one
static arena; and a C99 runtime without `malloc` runs it. The same C code, built with the host
compiler, for Cortex-M7 and Cortex-M55 under QEMU, and for arm64 under `qemu-aarch64`, prints
outputs identical byte for byte to the Python reference on the whole test set.

| Kit | Device | CPU | Models |
|---|---|---|---|
{rows}

Run every check yourself with `mlsys kits test`; the numbers on each page were measured while
this site was built.
"""


def generate(dest: Path, root: Path) -> None:
    """Write the kits' Quarto project into `dest` (the `generate:` contract)."""
    kits = all_kits()
    rows = "\n".join(f"| [{k.name}]({k.id}.qmd) | {k.device.name} | {k.device.core} | "
                     f"{', '.join(k.models)} |" for k in kits.values())
    chapters = "\n".join(f"    - {k}.qmd" for k in kits)
    (dest / "_quarto.yml").write_text(
        "project:\n  type: book\nbook:\n  title: \"Hardware kits\"\n  chapters:\n"
        f"    - index.qmd\n{chapters}\nlang: en\n", encoding="utf-8")
    (dest / "index.qmd").write_text(INDEX.format(rows=rows), encoding="utf-8")
    for kit in kits.values():
        (dest / f"{kit.id}.qmd").write_text(kit_page(kit), encoding="utf-8")


def write_project(dest: Path) -> Path:
    """Generate into a fresh folder (for previews and tests), replacing an old one."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    generate(dest, dest)
    return dest
