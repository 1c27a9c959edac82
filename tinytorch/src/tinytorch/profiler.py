"""Profiling (module 14): where do a model's parameters, FLOPs, memory and time go?

Optimising without measuring is guessing. This module answers four questions about any
``nn.Module``: how many parameters (and bytes) it holds, how many floating-point operations each
layer performs, how much activation memory a forward pass produces (what training must keep for
backward), and how long a forward pass takes once warmed up. Per-layer numbers come from wrapping
each sub-module's ``forward`` for the duration of one profiled call, then restoring it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .nn.module import Module


def count_parameters(model: Module, trainable_only: bool = False) -> int:
    """Number of scalar parameters; a parameter shared by two layers is counted once."""
    # BEGIN SOLUTION
    # HINT: model.parameters() already de-duplicates; sum p.numel(), filtering requires_grad
    return int(sum(p.numel() for p in model.parameters()
                   if p.requires_grad or not trainable_only))
    # END SOLUTION


def model_size_bytes(model: Module) -> int:
    """Bytes of parameters plus buffers (e.g. BatchNorm running statistics), as stored."""
    # BEGIN SOLUTION
    # HINT: .data.nbytes of every parameter and every buffer
    params = sum(p.data.nbytes for p in model.parameters())
    buffers = sum(b.data.nbytes for _, b in model.named_buffers())
    return int(params + buffers)
    # END SOLUTION


def _shape(x: Any) -> tuple[int, ...]:
    return tuple(np.shape(getattr(x, "data", x)))


def layer_flops(module: Module, inputs: tuple[Any, ...], output: Any) -> int:
    """FLOPs a layer performs itself (children excluded); a multiply-add counts as 2.

    Linear: 2 * rows * in * out (+ rows * out for the bias). Conv2d: 2 * C_in * kh * kw per
    output element (+ 1 for the bias). Multi-head attention: its q/k/v projection plus the two
    attention products QK^T and AV (its output projection is a Linear child, counted there).
    Other layers are elementwise and cheap next to these; they count 0.
    """
    kind = type(module).__name__
    out = output[0] if isinstance(output, tuple) else output
    # BEGIN SOLUTION
    # HINT: rows = number of output elements / out_features for Linear
    if kind == "Linear":
        n_out = int(np.prod(_shape(out)))
        rows = n_out // module.out_features
        flops = 2 * rows * module.in_features * module.out_features
        return flops + (n_out if module.bias is not None else 0)
    if kind == "Conv2d":
        n_out = int(np.prod(_shape(out)))
        kh, kw = module.kernel_size
        flops = 2 * module.in_channels * kh * kw * n_out
        return flops + (n_out if module.bias is not None else 0)
    if kind == "MultiheadAttention":
        b, t, e = _shape(inputs[0])
        t_k = t
        if isinstance(output, tuple):  # with a cache, keys cover past + new positions
            t_k = _shape(output[1][0])[2]
        projection = 2 * b * t * e * 3 * e
        attention = 2 * 2 * b * t * t_k * e  # QK^T and AV, summed over heads
        return projection + attention
    return 0
    # END SOLUTION


@dataclass
class LayerProfile:
    name: str
    kind: str
    output_shape: tuple[int, ...]
    params: int
    flops: int
    activation_bytes: int


@dataclass
class Profile:
    """Per-layer rows (leaf layers and attention) plus whole-model totals."""

    layers: list[LayerProfile] = field(default_factory=list)
    params: int = 0
    size_bytes: int = 0

    @property
    def flops(self) -> int:
        return sum(r.flops for r in self.layers)

    @property
    def activation_bytes(self) -> int:
        return sum(r.activation_bytes for r in self.layers)

    def table(self) -> str:
        """A plain-text table, readable in a terminal or a notebook."""
        lines = [f"{'layer':<28}{'type':<28}{'output':<18}{'params':>10}{'MFLOPs':>10}{'act KiB':>10}"]
        for r in self.layers:
            lines.append(f"{r.name:<28}{r.kind:<28}{str(r.output_shape):<18}{r.params:>10}"
                         f"{r.flops / 1e6:>10.3f}{r.activation_bytes / 1024:>10.1f}")
        lines.append(f"{'total':<74}{self.params:>10}{self.flops / 1e6:>10.3f}"
                     f"{self.activation_bytes / 1024:>10.1f}")
        return "\n".join(lines)


def _nbytes(x: Any) -> int:
    if isinstance(x, tuple):
        return _nbytes(x[0])
    return int(getattr(getattr(x, "data", x), "nbytes", 0))


def profile(model: Module, *inputs: Any) -> Profile:
    """Run ``model(*inputs)`` once, recording each leaf layer's output, FLOPs and memory."""
    records: list[LayerProfile] = []
    wrapped: list[Module] = []

    def wrap(name: str, mod: Module) -> None:
        original = mod.forward

        def recording_forward(*args: Any, **kwargs: Any) -> Any:
            out = original(*args, **kwargs)
            own = sum(p.numel() for p in mod._parameters.values() if p is not None)
            is_leaf = not mod._modules
            flops = layer_flops(mod, args, out)
            if is_leaf or flops:
                first = out[0] if isinstance(out, tuple) else out
                records.append(LayerProfile(name or "(model)", type(mod).__name__, _shape(first),
                                            int(own), int(flops),
                                            _nbytes(first) if is_leaf else 0))
            return out

        object.__setattr__(mod, "forward", recording_forward)
        wrapped.append(mod)

    # BEGIN SOLUTION
    # HINT: wrap every module from model.named_modules(), call the model, and ALWAYS restore
    # HINT: (try/finally + object.__delattr__(mod, "forward")) even if the forward pass fails
    for name, mod in model.named_modules():
        wrap(name, mod)
    try:
        model(*inputs)
    finally:
        for mod in wrapped:
            object.__delattr__(mod, "forward")
    # END SOLUTION
    return Profile(records, count_parameters(model), model_size_bytes(model))


@dataclass(frozen=True)
class Latency:
    median_ms: float
    mean_ms: float
    std_ms: float
    repeats: int


def measure_latency(fn: Callable[[], Any], warmup: int = 3, repeats: int = 10) -> Latency:
    """Time ``fn()``: ``warmup`` untimed calls first, then ``repeats`` timed ones (milliseconds)."""
    if repeats < 1 or warmup < 0:
        raise ValueError(f"need repeats >= 1 and warmup >= 0, got {repeats}, {warmup}")
    # BEGIN SOLUTION
    # HINT: time.perf_counter around each timed call; np.median / mean / std of the samples
    for _ in range(warmup):
        fn()
    samples = np.empty(repeats)
    for i in range(repeats):
        t0 = time.perf_counter()
        fn()
        samples[i] = (time.perf_counter() - t0) * 1e3
    return Latency(float(np.median(samples)), float(samples.mean()), float(samples.std()), repeats)
    # END SOLUTION


def forward_latency(model: Module, *inputs: Any, warmup: int = 3, repeats: int = 10) -> Latency:
    """Inference latency of one forward pass, without recording a graph."""
    from .autograd import no_grad

    def run() -> None:
        with no_grad():
            model(*inputs)

    return measure_latency(run, warmup, repeats)
