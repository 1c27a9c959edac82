"""Static memory planning: every intermediate tensor gets a fixed offset in one arena.

A compiler or an ahead-of-time runtime (TensorFlow Lite Micro, ExecuTorch) knows, before the
model runs, when each tensor is produced and when it is last read. Tensors whose lifetimes do
not overlap may share bytes, as variables share registers, so the arena only has to hold the
largest set of tensors alive together, not all of them. Optimal packing is NP-hard; the greedy
rule used here (largest tensor first, lowest offset that collides with nothing alive at the
same time) is the one most runtimes start from and is close to the lower bound on chains."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ._units import ResultMixin, check_positive, precision_bytes
from .errors import InvalidInputError
from .registry import Model, model


@dataclass(frozen=True)
class Buffer:
    """One tensor to place: its size and the first and last operator steps that touch it."""

    name: str
    size_bytes: float
    first: int
    last: int

    def overlaps(self, other: Buffer) -> bool:
        """Whether the two tensors are alive during at least one common step."""
        return self.first <= other.last and other.first <= self.last


@dataclass(frozen=True)
class ArenaPlan(ResultMixin):
    """Where each buffer lives in the arena, and what the plan saves over no reuse."""

    buffers: tuple[Buffer, ...]
    offsets: tuple[float, ...]  # byte offset of each buffer, in the order of `buffers`
    arena_bytes: float  # the plan's size: highest end offset of any buffer
    total_bytes: float  # sum of all buffers: the arena with no reuse at all
    peak_live_bytes: float  # largest set alive at one step: no plan can be smaller
    steps: int

    _units = {"arena_bytes": "B", "total_bytes": "B", "peak_live_bytes": "B"}

    @property
    def saving(self) -> float:
        """How many times smaller the planned arena is than allocating every tensor apart."""
        return self.total_bytes / self.arena_bytes


def _check(buffers: Sequence[Buffer]) -> None:
    if not buffers:
        raise InvalidInputError("buffers", "need at least one tensor to plan")
    for b in buffers:
        check_positive(f"buffers[{b.name}].size_bytes", b.size_bytes)
        if b.first < 0 or b.last < b.first:
            raise InvalidInputError(
                f"buffers[{b.name}]",
                f"lifetime steps {b.first}..{b.last} must satisfy 0 <= first <= last")


def plan_arena(buffers: Sequence[Buffer]) -> ArenaPlan:
    """Place every buffer at a fixed offset so that buffers alive together never overlap.

    Greedy by size: the largest buffer goes first at offset 0; each next one goes at the
    lowest offset where it fits between the already placed buffers whose lifetimes overlap
    its own. `peak_live_bytes` is the lower bound the plan is measured against."""
    _check(buffers)
    order = sorted(range(len(buffers)), key=lambda i: (-buffers[i].size_bytes, i))
    offsets = [0.0] * len(buffers)
    placed: list[int] = []
    for i in order:
        b = buffers[i]
        busy = sorted((offsets[j], offsets[j] + buffers[j].size_bytes)
                      for j in placed if buffers[j].overlaps(b))
        off = 0.0
        for lo, hi in busy:
            if off + b.size_bytes <= lo:
                break
            off = max(off, hi)
        offsets[i] = off
        placed.append(i)
    steps = max(b.last for b in buffers) + 1
    live = [sum(b.size_bytes for b in buffers if b.first <= s <= b.last) for s in range(steps)]
    arena = max(o + b.size_bytes for o, b in zip(offsets, buffers, strict=True))
    return ArenaPlan(tuple(buffers), tuple(offsets), float(arena),
                     float(sum(b.size_bytes for b in buffers)), float(max(live)), steps)


def cnn_buffers(m: Model | str, precision: str = "int8") -> tuple[Buffer, ...]:
    """The activation tensors of a sequential CNN from the catalog, with chain lifetimes.

    Step `i` runs layer `i`: it reads the previous layer's output and writes its own, so each
    tensor lives from the step that writes it to the step that reads it (the input from step 0,
    the final output to the last step). Weights are not planned: they live in flash or are
    resident for the whole run."""
    mod = model(m)
    if not mod.cnn:
        raise InvalidInputError("m", f"model {mod.name!r} is not a CNN with a layer list")
    size = precision_bytes(precision)
    layers = mod.cnn.layers
    n = len(layers)
    out = [Buffer("input", layers[0].in_elems * size, 0, 0)]
    for i, layer in enumerate(layers):
        out.append(Buffer(f"{i}:{layer.kind}", layer.out_elems * size, i, min(i + 1, n - 1)))
    return tuple(out)
