"""Layer-by-layer description of CNNs, so parameters, FLOPs and activation sizes of the
registry's vision and keyword-spotting models are derived rather than typed in."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .errors import MlsysimError


@dataclass(frozen=True)
class Layer:
    """One primitive layer after expansion: shapes are (H, W, C)."""

    kind: str
    params: int
    macs: int
    in_shape: tuple[int, int, int]
    out_shape: tuple[int, int, int]

    @property
    def in_elems(self) -> int:
        return math.prod(self.in_shape)

    @property
    def out_elems(self) -> int:
        return math.prod(self.out_shape)


@dataclass(frozen=True)
class CNNSummary:
    """Totals of a CNN: params, forward FLOPs (2 x MACs), and the largest live activation set
    (input + output of one layer, plus a residual branch held across a block) in elements."""

    layers: tuple[Layer, ...]
    params: int
    macs: int
    peak_activation_elems: int

    @property
    def flops(self) -> float:
        return 2.0 * self.macs


class _Builder:
    def __init__(self, shape: tuple[int, int, int]):
        self.shape = shape
        self.layers: list[Layer] = []
        self.peak = 0
        self.held = 0  # elements of a skip connection kept alive across the current block

    def _emit(self, kind: str, params: int, macs: int, out: tuple[int, int, int]) -> None:
        layer = Layer(kind, params, macs, self.shape, out)
        self.layers.append(layer)
        self.peak = max(self.peak, layer.in_elems + layer.out_elems + self.held)
        self.shape = out

    def conv(self, k: tuple[int, int], cout: int, s: int = 1, groups: int = 1,
             bn: bool = True, bias: bool = False, kind: str = "conv") -> None:
        h, w, cin = self.shape
        ho, wo = math.ceil(h / s), math.ceil(w / s)
        weights = k[0] * k[1] * (cin // groups) * cout
        params = weights + (2 * cout if bn else 0) + (cout if bias else 0)
        self._emit(kind, params, ho * wo * weights, (ho, wo, cout))

    def dw(self, k: tuple[int, int], s: int = 1) -> None:
        self.conv(k, self.shape[2], s, groups=self.shape[2], kind="dwconv")

    def pool(self, k: tuple[int, int] | None, s: int) -> None:
        h, w, c = self.shape
        if k is None:
            self._emit("avgpool", 0, 0, (1, 1, c))
        else:
            self._emit("maxpool", 0, 0, (math.ceil(h / s), math.ceil(w / s), c))

    def fc(self, n: int) -> None:
        cin = math.prod(self.shape)
        self._emit("fc", cin * n + n, cin * n, (1, 1, n))

    def bottleneck(self, mid: int, out: int, s: int) -> None:
        start = self.shape
        self.held = math.prod(start)
        self.conv((1, 1), mid)
        self.conv((3, 3), mid, s)
        self.conv((1, 1), out)
        after = self.shape
        if start[2] != out or s != 1:
            self.shape = start
            self.conv((1, 1), out, s, kind="projection")
            self.shape = after
        self.held = 0

    def inverted_residual(self, t: int, out: int, s: int) -> None:
        start = self.shape
        residual = s == 1 and start[2] == out
        self.held = math.prod(start) if residual else 0
        if t != 1:
            self.conv((1, 1), start[2] * t)
        self.dw((3, 3), s)
        self.conv((1, 1), out)
        self.held = 0


_KERNEL = re.compile(r"^(\d+)x(\d+)$")


def _opt(tokens: list[str], prefix: str, default: int) -> int:
    for t in tokens:
        if t.startswith(prefix) and t[len(prefix):].isdigit():
            return int(t[len(prefix):])
    return default


def summarize_cnn(name: str, input_shape: tuple[int, ...], specs: tuple[str, ...]) -> CNNSummary:
    """Expand the YAML layer strings of one model into primitive layers and total them."""
    if len(input_shape) != 3:
        raise MlsysimError(f"models.yaml: {name}: input must be [H, W, C]")
    b = _Builder(tuple(int(x) for x in input_shape))  # type: ignore[arg-type]
    for i, spec in enumerate(specs):
        try:
            _add_layer(b, str(spec).split())
        except (ValueError, IndexError, AttributeError) as exc:
            raise MlsysimError(f"models.yaml: {name}: layer {i + 1} {spec!r}: {exc}") from None
    layers = tuple(b.layers)
    return CNNSummary(layers, sum(x.params for x in layers), sum(x.macs for x in layers), b.peak)


def _add_layer(b: _Builder, tok: list[str]) -> None:
    """Append the primitive layers of one YAML layer string (split into tokens) to `b`;
    a malformed string raises ValueError, IndexError or AttributeError for the caller to name."""
    op = tok[0]
    s = _opt(tok[1:], "s", 1)
    reps = _opt(tok[1:], "x", 1)
    if op == "conv":
        kh, kw = map(int, _KERNEL.match(tok[1]).groups())  # type: ignore[union-attr]
        b.conv((kh, kw), int(tok[2]), s, bn="nobn" not in tok, bias="bias" in tok)
    elif op == "dw":
        kh, kw = map(int, _KERNEL.match(tok[1]).groups())  # type: ignore[union-attr]
        b.dw((kh, kw), s)
    elif op == "ds":
        b.dw((3, 3), s)
        b.conv((1, 1), int(tok[1]))
    elif op == "bottleneck":
        for r in range(reps):
            b.bottleneck(int(tok[1]), int(tok[2]), s if r == 0 else 1)
    elif op == "ir":
        t = _opt(tok[1:], "t", 1)
        for r in range(reps):
            b.inverted_residual(t, int(tok[2]), s if r == 0 else 1)
    elif op == "maxpool":
        kh, kw = map(int, _KERNEL.match(tok[1]).groups())  # type: ignore[union-attr]
        b.pool((kh, kw), s)
    elif op == "avgpool":
        b.pool(None, 1)
    elif op == "fc":
        b.fc(int(tok[1]))
    else:
        raise ValueError(f"unknown layer type {op!r}")
