"""Post-training int8 quantization in the TFLite scheme.

* activations: per-tensor asymmetric int8, `real = scale * (q - zero_point)`, ranges from the
  float network on a calibration set (always including 0, so zero is exact);
* weights: per-output-channel symmetric int8 in [-127, 127];
* biases: int32 with scale `s_in * s_w[c]`;
* rescale: fixed-point multiplier and shift per channel (`fixedpoint.quantize_multiplier`);
* pooling, reshape and a standalone ReLU keep their input's parameters; softmax outputs use
  scale 1/256 and zero point -128 and read exp() from a 256-entry table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .fixedpoint import quantize_multiplier
from .graph import Act, Graph, Node, Op
from .train import Trained

SOFTMAX_SCALE, SOFTMAX_ZP = 1.0 / 256.0, -128
EXP_BITS = 20  # softmax table entries are exp(-d * s_in) in Q20
ADD_LEFT_SHIFT = 20


@dataclass(frozen=True)
class QParams:
    scale: float
    zero_point: int

    def quantize(self, x: np.ndarray) -> np.ndarray:
        return np.clip(np.round(x / self.scale) + self.zero_point, -128, 127).astype(np.int8)

    def dequantize(self, q: np.ndarray) -> np.ndarray:
        return (q.astype(np.float32) - self.zero_point) * self.scale


@dataclass(frozen=True)
class QNode:
    """A node with everything the integer kernel needs; unused fields stay empty."""

    node: Node
    weights: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))
    bias: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    mult: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    shift: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    act_min: int = -128
    act_max: int = 127
    params: tuple[int, ...] = ()  # add: (m1, s1, m2, s2, m_out, s_out)
    table: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))  # softmax exp


@dataclass(frozen=True)
class QModel:
    graph: Graph
    qparams: dict[str, QParams]
    qnodes: tuple[QNode, ...]

    @property
    def input_qparams(self) -> QParams:
        return self.qparams[self.graph.input]


def _range_qparams(x: np.ndarray) -> QParams:
    lo, hi = min(float(x.min()), 0.0), max(float(x.max()), 0.0)
    scale = (hi - lo) / 255.0 if hi > lo else 1.0
    zp = int(np.clip(round(-128 - lo / scale), -128, 127))
    return QParams(scale, zp)


def calibrate(graph: Graph, acts: dict[str, np.ndarray]) -> dict[str, QParams]:
    """Per-tensor parameters from float activations; pass-through ops inherit their input's."""
    qp = {graph.input: _range_qparams(acts[graph.input])}
    for n in graph.nodes:
        if n.op in (Op.MAXPOOL, Op.AVGPOOL, Op.RESHAPE, Op.RELU, Op.RELU6):
            qp[n.output] = qp[n.inputs[0]]
        elif n.op == Op.SOFTMAX:
            qp[n.output] = QParams(SOFTMAX_SCALE, SOFTMAX_ZP)
        else:
            qp[n.output] = _range_qparams(acts[n.output])
    return qp


def _clamp(act: Act | Op, out: QParams) -> tuple[int, int]:
    lo = max(-128, out.zero_point)
    if act in (Act.RELU, Op.RELU):
        return lo, 127
    if act in (Act.RELU6, Op.RELU6):
        return lo, min(127, out.zero_point + round(6.0 / out.scale))
    return -128, 127


def _weighted(n: Node, w: np.ndarray, b: np.ndarray, s_in: float, out: QParams) -> QNode:
    flat = w.reshape(w.shape[0], -1)
    s_w = np.abs(flat).max(axis=1) / 127.0
    s_w = np.where(s_w > 0, s_w, 1.0)
    qw = np.clip(np.round(flat / s_w[:, None]), -127, 127).astype(np.int8).reshape(w.shape)
    qb = np.round(b / (s_in * s_w)).astype(np.int64)
    qb = np.clip(qb, -(2**31), 2**31 - 1).astype(np.int32)
    ms = [quantize_multiplier(s_in * s / out.scale) for s in s_w]
    lo, hi = _clamp(n.act, out)
    return QNode(n, qw, qb, np.array([m for m, _ in ms], np.int32),
                 np.array([s for _, s in ms], np.int32), lo, hi)


def _add(n: Node, a: QParams, b: QParams, out: QParams) -> QNode:
    twice_max = 2.0 * max(a.scale, b.scale)
    m1, s1 = quantize_multiplier(a.scale / twice_max)
    m2, s2 = quantize_multiplier(b.scale / twice_max)
    mo, so = quantize_multiplier(twice_max / ((1 << ADD_LEFT_SHIFT) * out.scale))
    return QNode(n, params=(m1, s1, m2, s2, mo, so))


def _softmax(n: Node, s_in: float) -> QNode:
    d = np.arange(256, dtype=np.float64)
    table = np.round(np.exp(-d * s_in) * (1 << EXP_BITS)).astype(np.int32)
    return QNode(n, table=table)


def quantize(trained: Trained, acts: dict[str, np.ndarray]) -> QModel:
    """Turn float weights plus calibration activations into an integer-only model."""
    g = trained.graph
    qp = calibrate(g, acts)
    qnodes = []
    for n in g.nodes:
        s_in = qp[n.inputs[0]].scale
        if n.op in (Op.CONV2D, Op.DWCONV2D, Op.DENSE):
            qn = _weighted(n, trained.weights[n.output], trained.biases[n.output], s_in,
                           qp[n.output])
        elif n.op == Op.ADD:
            qn = _add(n, qp[n.inputs[0]], qp[n.inputs[1]], qp[n.output])
        elif n.op == Op.SOFTMAX:
            qn = _softmax(n, s_in)
        elif n.op in (Op.RELU, Op.RELU6):
            lo, hi = _clamp(n.op, qp[n.output])
            qn = QNode(n, act_min=lo, act_max=hi)
        else:
            qn = QNode(n)
        qnodes.append(qn)
    if not all(math.isfinite(q.scale) for q in qp.values()):
        raise ValueError(f"{g.name}: a calibration range is not finite")
    return QModel(g, qp, tuple(qnodes))
