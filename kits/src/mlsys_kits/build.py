"""`mlsys kits build KIT`: what "build" means for each kind of kit.

* MCU: link the firmware with the board's real memory map, plus a raw `.bin` for the flasher;
* Arduino: export the complete sketch folder and compile-check it against the host shim;
* Linux: stage the app, the ONNX models and recorded test sets, ready for `deploy`.
"""

from __future__ import annotations

from .boards import Kit
from .paths import build_root


def build_kit(kit: Kit, models: tuple[str, ...]) -> list[str]:
    """Build every model of `kit`; returns one line per artefact (path and size)."""
    lines = []
    out = build_root() / kit.id
    for task in models:
        if kit.kind == "mcu":
            from .deploy import image_for
            from .firmware import build_firmware

            elf = build_firmware(kit, task).path
            binary = image_for(kit, task)
            lines.append(f"{kit.id}/{task}: {elf} ({binary.stat().st_size:,} B image)")
        elif kit.kind == "arduino":
            from .sketch import compile_check, export_sketch

            folder = export_sketch(kit, task, out / task)
            compile_check(kit, task)
            lines.append(f"{kit.id}/{task}: sketch {folder} (compile-checked with the shim)")
        else:
            from .deploy import stage_app

            stage_app(kit, out / "app")
            lines.append(f"{kit.id}: app and models {', '.join(models)} staged in "
                         f"{out / 'app'}")
            break  # one staging holds every model
    return lines
