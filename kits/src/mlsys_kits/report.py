"""Text for the size gate and the kit pages: numbers formatted once, in one place."""

from __future__ import annotations

from mlsysim import seconds, si

from .boards import Kit
from .firmware import SizeReport


def kb(n: float) -> str:
    return f"{n / 1024:,.1f} KiB"


def microjoules(j: float) -> str:
    return f"{j * 1e6:,.2f} µJ"


def size_lines(kit: Kit, reports: list[SizeReport]) -> list[str]:
    """One block per model: flash and RAM used vs available, arena, mlsysim's estimate."""
    lines = [f"{kit.name} ({kit.device.name}: flash {si(kit.flash_limit, 'B')}, "
             f"RAM {si(kit.ram_limit, 'B')})"]
    for r in reports:
        verdict = "fits" if r.fits else "DOES NOT FIT"
        lines += [
            f"  {r.model}: {verdict}",
            f"    {'flash' if kit.kind != 'linux' else 'code '} {kb(r.flash_used)} of "
            f"{kb(r.flash_limit)} "
            f"({100 * r.flash_used / r.flash_limit:.2f}%)  [text {r.text:,} B + data {r.data:,} B]",
            f"    RAM   {kb(r.ram_used)} of {kb(r.ram_limit)} "
            f"({100 * r.ram_used / r.ram_limit:.2f}%)  [data+bss {r.data + r.bss:,} B "
            f"(arena {r.arena:,} B, naive {r.naive:,} B) + stack {r.stack:,} B + heap {r.heap:,} B]",
            f"    mlsysim: {si(r.estimate.flops, 'FLOP')} per inference, latency >= "
            f"{seconds(r.estimate.latency_s)}, energy >= {microjoules(r.estimate.energy_j)} "
            f"(at {kit.precision} peak)",
            f"    measured with {r.measured_with}",
        ]
    return lines
