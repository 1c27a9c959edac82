"""Print what each hardware kit promises: its firmware fits, the planner saves arena, int8
keeps the float accuracy, and how long the C runtime takes per inference.

Per kit and model: flash and RAM used vs available (from `arm-none-eabi-size` of the real
firmware, or of the host build where no cross toolchain exists), arena peak with liveness
planning vs the naive sum of all tensors, int8 vs float accuracy on the test set, wall time of
the whole test set under QEMU (qemu-system-arm for the MCU kits, qemu-aarch64 for Pi/Jetson,
the native build for the ESP32 kit), and host inference time per sample of the C runtime.
Targets: every model fits; planned arena < naive; int8 accuracy within 2 points of float.

Usage: python benchmarks/kits.py [--quick]   (`--quick` repeats the host timing fewer times)
"""

from __future__ import annotations

import argparse
import time

from mlsys_kits.boards import all_kits
from mlsys_kits.firmware import size_report
from mlsys_kits.pipeline import build_harness, check_bit_exact, model
from mlsys_kits.toolchains import run


def host_us_per_inference(task: str, repeat: int) -> float:
    out = run(build_harness(model(task), "host"), (str(repeat),)).stdout
    return float(out.split()[1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer timing repeats (CI)")
    args = ap.parse_args()
    repeat = 5 if args.quick else 50
    t0 = time.perf_counter()
    for task in ("kws", "image", "motion"):
        model(task)
    print(f"training + quantizing 3 models: {time.perf_counter() - t0:.1f} s\n")
    head = (f"{'kit':<20}{'model':<8}{'flash used/avail':>22}{'RAM used/avail':>22}"
            f"{'arena plan/naive':>18}{'float':>7}{'int8':>7}{'emulated test set':>26}"
            f"{'host/sample':>13}")
    print(head)
    print("-" * len(head))
    worst = True
    for kit in all_kits().values():
        target = kit.target if kit.kind != "arduino" else "host"
        for task in kit.models:
            art = model(task)
            r = size_report(kit, task)
            worst &= r.fits and art.int8_accuracy >= art.float_accuracy - 0.02
            exact = check_bit_exact(art, target)
            run_note = f"{exact.seconds:.2f} s on {target}" + ("" if exact.mismatches == 0
                                                                else " MISMATCH")
            print(f"{kit.id:<20}{task:<8}"
                  f"{f'{r.flash_used / 1024:.1f}/{r.flash_limit / 1024:,.0f} KiB':>22}"
                  f"{f'{r.ram_used / 1024:.1f}/{r.ram_limit / 1024:,.0f} KiB':>22}"
                  f"{f'{r.arena:,}/{r.naive:,} B':>18}{art.float_accuracy:>7.3f}"
                  f"{art.int8_accuracy:>7.3f}{run_note:>26}"
                  f"{host_us_per_inference(task, repeat):>10.1f} us")
    print("\nall fit, int8 within 2 points of float" if worst else "\nTARGET MISSED")
    return 0 if worst else 1


if __name__ == "__main__":
    raise SystemExit(main())
