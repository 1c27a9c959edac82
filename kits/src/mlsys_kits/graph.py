"""The network as data: a list of `Node`s over named tensors (NCHW, batch 1 on device).

One description feeds everything downstream: the TinyTorch model that trains it, the int8
quantizer and its reference ops, the memory planner, the C export and the ONNX export. So a
change of architecture is one edit here, and the C runtime and ONNX can never disagree with
the model that was trained.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class Op(IntEnum):
    """Operator kinds; the numbers are the C runtime's `TRT_*` op codes."""

    CONV2D = 1
    DWCONV2D = 2
    DENSE = 3
    AVGPOOL = 4
    MAXPOOL = 5
    RELU = 6
    RELU6 = 7
    ADD = 8
    RESHAPE = 9
    SOFTMAX = 10


class Act(IntEnum):
    """Activation fused into conv/dense (clamps the int8 output, as TFLite does)."""

    NONE = 0
    RELU = 1
    RELU6 = 2


@dataclass(frozen=True)
class Node:
    """One op: `inputs` -> `output`. `channels` is the output channel count (conv, dense)."""

    op: Op
    inputs: tuple[str, ...]
    output: str
    channels: int = 0
    kernel: tuple[int, int] = (1, 1)
    stride: tuple[int, int] = (1, 1)
    pad: tuple[int, int] = (0, 0)
    act: Act = Act.NONE


@dataclass(frozen=True)
class Graph:
    """A named network: its input shape (C, H, W), its nodes in execution order."""

    name: str
    input_shape: tuple[int, int, int]
    nodes: tuple[Node, ...]
    input: str = "x"

    @property
    def output(self) -> str:
        return self.nodes[-1].output

    def shapes(self) -> dict[str, tuple[int, ...]]:
        """Shape of every tensor (without the batch axis), by propagation through the nodes."""
        shapes: dict[str, tuple[int, ...]] = {self.input: self.input_shape}
        for n in self.nodes:
            shapes[n.output] = out_shape(n, [shapes[i] for i in n.inputs])
        return shapes


def out_shape(n: Node, ins: list[tuple[int, ...]]) -> tuple[int, ...]:
    """Output shape of one node from its input shapes."""
    if n.op in (Op.CONV2D, Op.DWCONV2D, Op.AVGPOOL, Op.MAXPOOL):
        c, h, w = ins[0]
        ho = (h + 2 * n.pad[0] - n.kernel[0]) // n.stride[0] + 1
        wo = (w + 2 * n.pad[1] - n.kernel[1]) // n.stride[1] + 1
        return (n.channels if n.op == Op.CONV2D else c, ho, wo)
    if n.op == Op.DENSE:
        return (n.channels,)
    if n.op == Op.RESHAPE:
        size = 1
        for d in ins[0]:
            size *= d
        return (size,)
    return ins[0]


def _conv(i: str, o: str, ch: int, k: tuple[int, int], s: tuple[int, int] = (1, 1),
          p: tuple[int, int] = (0, 0), act: Act = Act.RELU) -> Node:
    return Node(Op.CONV2D, (i,), o, ch, k, s, p, act)


def _dw(i: str, o: str, k: tuple[int, int], p: tuple[int, int], act: Act) -> Node:
    return Node(Op.DWCONV2D, (i,), o, 0, k, (1, 1), p, act)


def _pool(op: Op, i: str, o: str, k: tuple[int, int]) -> Node:
    return Node(op, (i,), o, 0, k, k)


def kws_graph() -> Graph:
    """Keyword spotting: conv, a depthwise-separable residual block, pooling, dense, softmax."""
    return Graph("kws", (1, 16, 16), (
        _conv("x", "c1", 8, (3, 3), p=(1, 1)),
        _pool(Op.MAXPOOL, "c1", "p1", (2, 2)),
        _dw("p1", "d1", (3, 3), (1, 1), Act.RELU6),
        _conv("d1", "c2", 8, (1, 1), act=Act.NONE),
        Node(Op.ADD, ("c2", "p1"), "a1"),
        Node(Op.RELU, ("a1",), "r1"),
        _pool(Op.AVGPOOL, "r1", "g1", (2, 2)),
        Node(Op.RESHAPE, ("g1",), "f1"),
        Node(Op.DENSE, ("f1",), "logits", 4),
        Node(Op.SOFTMAX, ("logits",), "probs"),
    ))


def image_graph() -> Graph:
    """Image classification: strided conv, depthwise + pointwise, max then global average pool."""
    return Graph("image", (3, 16, 16), (
        _conv("x", "c1", 8, (3, 3), s=(2, 2), p=(1, 1)),
        _dw("c1", "d1", (3, 3), (1, 1), Act.RELU6),
        _conv("d1", "c2", 16, (1, 1)),
        _pool(Op.MAXPOOL, "c2", "p1", (2, 2)),
        _pool(Op.AVGPOOL, "p1", "g1", (4, 4)),
        Node(Op.RESHAPE, ("g1",), "f1"),
        Node(Op.DENSE, ("f1",), "logits", 4),
        Node(Op.SOFTMAX, ("logits",), "probs"),
    ))


def motion_graph() -> Graph:
    """Gesture/motion: 1-D convolutions over time (kernels 1 x k), a residual, two dense layers."""
    return Graph("motion", (3, 1, 32), (
        _conv("x", "c1", 8, (1, 5), p=(0, 2)),
        _pool(Op.MAXPOOL, "c1", "p1", (1, 2)),
        _dw("p1", "d1", (1, 3), (0, 1), Act.RELU),
        _conv("d1", "c2", 8, (1, 1), act=Act.NONE),
        Node(Op.ADD, ("c2", "p1"), "a1"),
        Node(Op.RELU6, ("a1",), "r1"),
        _pool(Op.AVGPOOL, "r1", "g1", (1, 4)),
        Node(Op.RESHAPE, ("g1",), "f1"),
        Node(Op.DENSE, ("f1",), "h1", 16, act=Act.RELU),
        Node(Op.DENSE, ("h1",), "logits", 4),
        Node(Op.SOFTMAX, ("logits",), "probs"),
    ))


GRAPHS = {"kws": kws_graph, "image": image_graph, "motion": motion_graph}
