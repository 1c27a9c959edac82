"""Train a `Graph` with TinyTorch (its public API only) and hand back plain float weights.

The model is a `tt.nn.Module` whose forward walks the graph's nodes, so the network that learns
is exactly the one that is quantized and exported. Depthwise convolution is not a TinyTorch
layer; it is composed here from shifted slices times per-channel weights (k*k multiply-adds),
which autograd differentiates like any other tensor expression.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from tinytorch.nn import functional as F

import tinytorch as tt

from .datasets import Dataset
from .graph import Act, Graph, Node, Op


@dataclass(frozen=True)
class Trained:
    """Float weights by node output name: `weights[name]` and `biases[name]` (numpy float32)."""

    graph: Graph
    weights: dict[str, np.ndarray]
    biases: dict[str, np.ndarray]
    float_accuracy: float


def _pad(x: tt.Tensor, ph: int, pw: int) -> tt.Tensor:
    if ph:
        z = tt.zeros((x.shape[0], x.shape[1], ph, x.shape[3]))
        x = tt.cat([z, x, z], axis=2)
    if pw:
        z = tt.zeros((x.shape[0], x.shape[1], x.shape[2], pw))
        x = tt.cat([z, x, z], axis=3)
    return x


def depthwise(x: tt.Tensor, w: tt.Tensor, b: tt.Tensor, n: Node) -> tt.Tensor:
    """Depthwise conv (stride 1): one kh x kw filter per channel; w has shape (C, 1, kh, kw)."""
    kh, kw = n.kernel
    h, wd = x.shape[2], x.shape[3]
    xp = _pad(x, *n.pad)
    ho, wo = h + 2 * n.pad[0] - kh + 1, wd + 2 * n.pad[1] - kw + 1
    out = None
    for i in range(kh):
        for j in range(kw):
            term = xp[:, :, i:i + ho, j:j + wo] * w[:, 0, i, j].reshape(1, -1, 1, 1)
            out = term if out is None else out + term
    return out + b.reshape(1, -1, 1, 1)


def _activate(y: tt.Tensor, act: Act) -> tt.Tensor:
    if act == Act.RELU:
        return y.relu()
    if act == Act.RELU6:
        return y.clip(0.0, 6.0)
    return y


class GraphNet(tt.nn.Module):
    """A TinyTorch module that runs a `Graph`; forward returns every tensor by name."""

    def __init__(self, graph: Graph) -> None:
        super().__init__()
        self.graph = graph
        shapes = graph.shapes()
        self.params = tt.nn.ModuleList()
        self._index: dict[str, int] = {}
        for n in graph.nodes:
            cin = shapes[n.inputs[0]][0]
            if n.op == Op.CONV2D:
                layer = tt.nn.Conv2d(cin, n.channels, n.kernel, n.stride, n.pad)
            elif n.op == Op.DWCONV2D:
                layer = tt.nn.Conv2d(1, cin, n.kernel)  # weight (C, 1, kh, kw): one per channel
            elif n.op == Op.DENSE:
                layer = tt.nn.Linear(cin, n.channels)
            else:
                continue
            self._index[n.output] = len(self.params)
            self.params.append(layer)

    def forward_all(self, x: tt.Tensor) -> dict[str, tt.Tensor]:
        t = {self.graph.input: x}
        for n in self.graph.nodes:
            a = t[n.inputs[0]]
            layer = self.params[self._index[n.output]] if n.output in self._index else None
            t[n.output] = _apply(n, a, t, layer)
        return t

    def forward(self, x: tt.Tensor) -> tt.Tensor:
        return self.forward_all(x)[self.graph.nodes[-2].output]  # logits, before softmax


def _apply(n: Node, a: tt.Tensor, t: dict[str, tt.Tensor], layer: tt.nn.Module | None) -> tt.Tensor:
    if n.op == Op.CONV2D:
        return _activate(layer(a), n.act)
    if n.op == Op.DWCONV2D:
        return _activate(depthwise(a, layer.weight, layer.bias, n), n.act)
    if n.op == Op.DENSE:
        return _activate(layer(a), n.act)
    if n.op == Op.MAXPOOL:
        return F.max_pool2d(a, n.kernel, n.stride)
    if n.op == Op.AVGPOOL:
        return F.avg_pool2d(a, n.kernel, n.stride)
    if n.op == Op.RELU:
        return a.relu()
    if n.op == Op.RELU6:
        return a.clip(0.0, 6.0)
    if n.op == Op.ADD:
        return a + t[n.inputs[1]]
    if n.op == Op.RESHAPE:
        return a.reshape(a.shape[0], -1)
    return F.softmax(a, -1)


def float_outputs(net: GraphNet, x: np.ndarray, batch: int = 256) -> dict[str, np.ndarray]:
    """Every tensor of the float network on `x`, as numpy arrays (no autograd)."""
    parts: list[dict[str, np.ndarray]] = []
    with tt.no_grad():
        for i in range(0, len(x), batch):
            parts.append({k: v.data for k, v in net.forward_all(tt.tensor(x[i:i + batch])).items()})
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def train(graph: Graph, data: Dataset, epochs: int = 12, lr: float = 0.01,
          seed: int = 0) -> tuple[GraphNet, Trained]:
    """Adam on cross-entropy, mini-batches of 32 in a seeded order: same seed, same weights."""
    tt.manual_seed(seed)
    net = GraphNet(graph)
    opt = tt.optim.Adam(list(net.parameters()), lr=lr)
    order = np.random.default_rng(seed)
    for _ in range(epochs):
        perm = order.permutation(len(data.x_train))
        for i in range(0, len(perm), 32):
            idx = perm[i:i + 32]
            loss = F.cross_entropy(net(tt.tensor(data.x_train[idx])), data.y_train[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    probs = float_outputs(net, data.x_test)[graph.output]
    acc = float((probs.argmax(1) == data.y_test).mean())
    weights, biases = {}, {}
    for name, i in net._index.items():
        weights[name] = np.asarray(net.params[i].weight.data, dtype=np.float32).copy()
        biases[name] = np.asarray(net.params[i].bias.data, dtype=np.float32).copy()
    return net, Trained(graph, weights, biases, acc)
