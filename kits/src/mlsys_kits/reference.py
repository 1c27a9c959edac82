"""The Python int8 reference: every op of the C runtime, vectorised over a whole batch.

These functions define what "correct" means for the C runtime: its output on every target must
equal `run_int8` byte for byte. They use only integer arithmetic (int32/int64), the same
rounding as C, and the parameters stored in the `QModel`.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .fixedpoint import mbqm, rounded_mean
from .graph import Op
from .quant import ADD_LEFT_SHIFT, QModel, QNode, QParams


def _windows(x: np.ndarray, qn: QNode, fill: int) -> np.ndarray:
    """(N, C, Ho, Wo, kh, kw) views of x padded with `fill`, at the node's stride."""
    n = qn.node
    ph, pw = n.pad
    if ph or pw:
        x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=fill)
    w = sliding_window_view(x, n.kernel, axis=(2, 3))
    return w[:, :, ::n.stride[0], ::n.stride[1]]


def _requant(acc: np.ndarray, qn: QNode, out: QParams, axis: int) -> np.ndarray:
    shape = [1] * acc.ndim
    shape[axis] = -1
    m, s = qn.mult.reshape(shape), qn.shift.reshape(shape)
    y = mbqm(acc, m, s) + out.zero_point
    return np.clip(y, qn.act_min, qn.act_max).astype(np.int8)


def conv2d(x: np.ndarray, qn: QNode, inp: QParams, out: QParams) -> np.ndarray:
    win = _windows(x.astype(np.int64) - inp.zero_point, qn, 0)
    acc = np.einsum("nchwij,ocij->nohw", win, qn.weights.astype(np.int64), optimize=True)
    return _requant(acc + qn.bias.astype(np.int64)[None, :, None, None], qn, out, 1)


def dwconv2d(x: np.ndarray, qn: QNode, inp: QParams, out: QParams) -> np.ndarray:
    win = _windows(x.astype(np.int64) - inp.zero_point, qn, 0)
    acc = np.einsum("nchwij,cij->nchw", win, qn.weights[:, 0].astype(np.int64), optimize=True)
    return _requant(acc + qn.bias.astype(np.int64)[None, :, None, None], qn, out, 1)


def dense(x: np.ndarray, qn: QNode, inp: QParams, out: QParams) -> np.ndarray:
    acc = (x.astype(np.int64) - inp.zero_point) @ qn.weights.astype(np.int64).T
    return _requant(acc + qn.bias.astype(np.int64)[None, :], qn, out, 1)


def maxpool(x: np.ndarray, qn: QNode) -> np.ndarray:
    return _windows(x, qn, -128).max(axis=(-2, -1)).astype(np.int8)


def avgpool(x: np.ndarray, qn: QNode) -> np.ndarray:
    total = _windows(x.astype(np.int64), qn, 0).sum(axis=(-2, -1))
    count = qn.node.kernel[0] * qn.node.kernel[1]
    return np.clip(rounded_mean(total, count), -128, 127).astype(np.int8)


def add(a: np.ndarray, b: np.ndarray, qn: QNode, pa: QParams, pb: QParams,
        out: QParams) -> np.ndarray:
    m1, s1, m2, s2, mo, so = qn.params
    xa = mbqm((a.astype(np.int64) - pa.zero_point) << ADD_LEFT_SHIFT, m1, s1)
    xb = mbqm((b.astype(np.int64) - pb.zero_point) << ADD_LEFT_SHIFT, m2, s2)
    y = mbqm(xa + xb, mo, so) + out.zero_point
    return np.clip(y, -128, 127).astype(np.int8)


def clamp(x: np.ndarray, qn: QNode) -> np.ndarray:
    return np.clip(x, qn.act_min, qn.act_max).astype(np.int8)


def softmax(x: np.ndarray, qn: QNode) -> np.ndarray:
    """exp from the table at (max - x), then `round(256 * e / sum)` in integers, minus 128."""
    xi = x.astype(np.int64)
    e = qn.table.astype(np.int64)[xi.max(axis=-1, keepdims=True) - xi]
    total = e.sum(axis=-1, keepdims=True)
    p = ((e << 8) + total // 2) // total
    return (np.minimum(p, 255) - 128).astype(np.int8)


def run_int8(qm: QModel, x_q: np.ndarray) -> dict[str, np.ndarray]:
    """Run the integer model on a batch of int8 inputs (N, C, H, W); every tensor by name."""
    t = {qm.graph.input: x_q}
    qp = qm.qparams
    for qn in qm.qnodes:
        n = qn.node
        a, pa, po = t[n.inputs[0]], qp[n.inputs[0]], qp[n.output]
        if n.op == Op.CONV2D:
            y = conv2d(a, qn, pa, po)
        elif n.op == Op.DWCONV2D:
            y = dwconv2d(a, qn, pa, po)
        elif n.op == Op.DENSE:
            y = dense(a, qn, pa, po)
        elif n.op == Op.MAXPOOL:
            y = maxpool(a, qn)
        elif n.op == Op.AVGPOOL:
            y = avgpool(a, qn)
        elif n.op in (Op.RELU, Op.RELU6):
            y = clamp(a, qn)
        elif n.op == Op.ADD:
            y = add(a, t[n.inputs[1]], qn, pa, qp[n.inputs[1]], po)
        elif n.op == Op.RESHAPE:
            y = a.reshape(a.shape[0], -1)
        else:
            y = softmax(a, qn)
        t[n.output] = y
    return t
