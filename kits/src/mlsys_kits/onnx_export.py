"""The float network as an ONNX model (opset 13), checked against onnxruntime.

This is the hand-off to the rest of the ecosystem (Pi/Jetson inference, Netron, other
compilers). Its output must match TinyTorch's own forward pass on the test set, which proves the
graph description, the weight layout and the op semantics agree across the two frameworks.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .errors import KitError
from .graph import Act, Node, Op
from .train import Trained

OPSET = 13


def _onnx():
    try:
        import onnx
        from onnx import helper, numpy_helper
    except ImportError:
        raise KitError("the ONNX export needs onnx: `pip install onnx onnxruntime` "
                       "(or `pip install -e \".[dev]\"`)") from None
    return onnx, helper, numpy_helper


def _node(n: Node, helper, inits: list, trained: Trained, channels: int) -> list:
    """ONNX nodes for one graph node (a layer plus its fused activation)."""
    out = n.output if n.act == Act.NONE else f"{n.output}_pre"
    w, b = f"{n.output}_w", f"{n.output}_b"
    if n.op in (Op.CONV2D, Op.DWCONV2D, Op.DENSE):
        inits += [(w, trained.weights[n.output]), (b, trained.biases[n.output])]
    pads = [n.pad[0], n.pad[1], n.pad[0], n.pad[1]]
    if n.op == Op.CONV2D:
        nodes = [helper.make_node("Conv", [n.inputs[0], w, b], [out], kernel_shape=list(n.kernel),
                                  strides=list(n.stride), pads=pads)]
    elif n.op == Op.DWCONV2D:
        nodes = [helper.make_node("Conv", [n.inputs[0], w, b], [out], kernel_shape=list(n.kernel),
                                  strides=list(n.stride), pads=pads, group=channels)]
    elif n.op == Op.DENSE:
        nodes = [helper.make_node("Gemm", [n.inputs[0], w, b], [out], transB=1)]
    elif n.op in (Op.MAXPOOL, Op.AVGPOOL):
        kind = "MaxPool" if n.op == Op.MAXPOOL else "AveragePool"
        nodes = [helper.make_node(kind, [n.inputs[0]], [out], kernel_shape=list(n.kernel),
                                  strides=list(n.stride))]
    elif n.op == Op.RELU:
        nodes = [helper.make_node("Relu", [n.inputs[0]], [out])]
    elif n.op == Op.RELU6:
        nodes = [helper.make_node("Clip", [n.inputs[0], "zero", "six"], [out])]
    elif n.op == Op.ADD:
        nodes = [helper.make_node("Add", list(n.inputs), [out])]
    elif n.op == Op.RESHAPE:
        nodes = [helper.make_node("Flatten", [n.inputs[0]], [out], axis=1)]
    else:
        nodes = [helper.make_node("Softmax", [n.inputs[0]], [out], axis=-1)]
    if n.act == Act.RELU:
        nodes.append(helper.make_node("Relu", [out], [n.output]))
    elif n.act == Act.RELU6:
        nodes.append(helper.make_node("Clip", [out, "zero", "six"], [n.output]))
    return nodes


def to_onnx(trained: Trained) -> bytes:
    """Serialized ONNX model of the float network; input `x` (N, C, H, W), output `probs`."""
    onnx, helper, numpy_helper = _onnx()
    g = trained.graph
    shapes = g.shapes()
    inits: list = [("zero", np.array(0.0, np.float32)), ("six", np.array(6.0, np.float32))]
    nodes = []
    for n in g.nodes:
        nodes += _node(n, helper, inits, trained, shapes[n.inputs[0]][0])
    x = helper.make_tensor_value_info(g.input, onnx.TensorProto.FLOAT, ["N", *g.input_shape])
    y = helper.make_tensor_value_info(g.output, onnx.TensorProto.FLOAT,
                                      ["N", *shapes[g.output]])
    graph = helper.make_graph(nodes, g.name, [x], [y],
                              [numpy_helper.from_array(np.asarray(v, np.float32), k)
                               for k, v in inits])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                          producer_name="mlsys_kits")
    onnx.checker.check_model(m)
    return m.SerializeToString()


def write_onnx(trained: Trained, path: Path) -> Path:
    """Write the model atomically (temp file, then rename)."""
    tmp = path.with_suffix(".onnx.tmp")
    tmp.write_bytes(to_onnx(trained))
    tmp.replace(path)
    return path


def run_onnxruntime(model_bytes: bytes, x: np.ndarray) -> np.ndarray:
    """Outputs of onnxruntime's CPU provider for a float32 batch."""
    try:
        import onnxruntime as ort
    except ImportError:
        raise KitError("checking the ONNX model needs onnxruntime: `pip install onnxruntime`") \
            from None
    sess = ort.InferenceSession(model_bytes, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    return sess.run(None, {name: np.asarray(x, np.float32)})[0]
