"""Place every tensor of a graph in one static arena by liveness.

A tensor lives from the op that writes it to the last op that reads it (the graph input from
before op 0, the output until the end). Tensors are placed largest first, each at the lowest
offset where it overlaps no already placed tensor whose lifetime overlaps its own (the greedy
by-size strategy TFLite Micro also uses). A dead tensor's bytes are thus reused; an op's output
never overlaps its own inputs because both are alive during that op.
"""

from __future__ import annotations

from dataclasses import dataclass

from .graph import Graph

ALIGN = 4


@dataclass(frozen=True)
class Placement:
    name: str
    size: int
    offset: int
    first: int
    last: int


@dataclass(frozen=True)
class Plan:
    tensors: tuple[Placement, ...]
    peak_bytes: int
    naive_bytes: int

    def offset(self, name: str) -> int:
        return next(t.offset for t in self.tensors if t.name == name)

    def peak_tensors(self) -> list[str]:
        """Tensors alive together at the op where the arena is fullest (what to shrink)."""
        best: tuple[int, list[str]] = (-1, [])
        last_op = max(t.last for t in self.tensors)
        for op in range(last_op + 1):
            alive = [t for t in self.tensors if t.first <= op <= t.last]
            total = sum(t.size for t in alive)
            if total > best[0]:
                best = (total, [t.name for t in sorted(alive, key=lambda t: -t.size)])
        return best[1]


def _aligned(n: int) -> int:
    return (n + ALIGN - 1) // ALIGN * ALIGN


def lifetimes(graph: Graph) -> dict[str, tuple[int, int]]:
    """{tensor: (first op index, last op index)}, input from -1, output to len(nodes)."""
    life = {graph.input: [-1, -1]}
    for i, n in enumerate(graph.nodes):
        life[n.output] = [i, i]
        for name in n.inputs:
            life[name][1] = i
    life[graph.output][1] = len(graph.nodes)
    return {k: (a, b) for k, (a, b) in life.items()}


def plan_memory(graph: Graph) -> Plan:
    """Offsets for every tensor (int8, one byte per element) and the arena's peak size."""
    shapes = graph.shapes()
    life = lifetimes(graph)
    sizes = {k: _aligned(_numel(shapes[k])) for k in life}
    order = sorted(life, key=lambda k: (-sizes[k], life[k][0]))
    placed: list[Placement] = []
    for name in order:
        first, last = life[name]
        clashes = sorted((p.offset, p.offset + p.size) for p in placed
                         if p.first <= last and first <= p.last)
        offset = 0
        for lo, hi in clashes:
            if offset + sizes[name] <= lo:
                break
            offset = max(offset, hi)
        placed.append(Placement(name, sizes[name], offset, first, last))
    placed.sort(key=lambda p: (p.first, p.name))
    peak = max(p.offset + p.size for p in placed)
    return Plan(tuple(placed), peak, sum(sizes.values()))


def _numel(shape: tuple[int, ...]) -> int:
    n = 1
    for d in shape:
        n *= d
    return n
