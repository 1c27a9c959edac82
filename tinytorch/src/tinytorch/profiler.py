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
    # HINT: Count scalars, not tensors: a (64, 32) weight is 2048 parameters. Walking the model's
    # HINT: parameters already skips a weight shared by two layers; with trainable_only, frozen
    # HINT: ones (not requiring grad) do not count.
    return int(sum(p.numel() for p in model.parameters()
                   if p.requires_grad or not trainable_only))
    # END SOLUTION


def model_size_bytes(model: Module) -> int:
    """Bytes of parameters plus buffers (e.g. BatchNorm running statistics), as stored."""
    # BEGIN SOLUTION
    # HINT: What the model occupies as stored: the bytes of every parameter AND every buffer
    # HINT: (running statistics are part of a checkpoint), in their actual dtypes.
    params = sum(p.data.nbytes for p in model.parameters())
    buffers = sum(b.data.nbytes for _, b in model.named_buffers())
    return int(params + buffers)
    # END SOLUTION


def _shape(x: Any) -> tuple[int, ...]:
    # BEGIN SOLUTION
    # HINT: The shape of a Tensor, an array or anything numpy can take the shape of, as a plain
    # HINT: tuple.
    return tuple(np.shape(getattr(x, "data", x)))
    # END SOLUTION


def layer_flops(module: Module, inputs: tuple[Any, ...], output: Any) -> int:
    """FLOPs a layer performs itself (children excluded); a multiply-add counts as 2.

    Linear: 2 * rows * in * out (+ rows * out for the bias). Conv2d: 2 * C_in * kh * kw per
    output element (+ 1 for the bias). Multi-head attention: its q/k/v projection plus the two
    attention products QK^T and AV (its output projection is a Linear child, counted there).
    Other layers are elementwise and cheap next to these; they count 0.
    """
    # BEGIN SOLUTION
    # HINT: Count the layer's OWN work, children excluded, with a multiply-add as 2 FLOPs; dispatch
    # HINT: on the class name. Only the output is at hand, so derive the sizes from it.
    # HINT:
    # HINT: Linear: every output element is a dot product of length in_features, plus one addition
    # HINT: for the bias if there is one. Conv2d: every output element is a dot product of length
    # HINT: C_in * kh * kw, plus the bias.
    # HINT:
    # HINT: Multi-head attention: the fused q/k/v projection ((B*T) rows times (E -> 3E)) plus the
    # HINT: two attention products, QK^T and AV, each 2 * B * Tq * Tk * E summed over heads. With a
    # HINT: cache the keys cover past plus new positions: read Tk from the returned (k, v). The
    # HINT: output projection is a Linear child, counted there.
    # HINT:
    # HINT: Everything else is elementwise and counts 0.
    kind = type(module).__name__
    out = output[0] if isinstance(output, tuple) else output
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
        # BEGIN SOLUTION
        # HINT: The model's total is the sum of the rows.
        return sum(r.flops for r in self.layers)
        # END SOLUTION

    @property
    def activation_bytes(self) -> int:
        # BEGIN SOLUTION
        # HINT: Total activation memory: the sum over the rows.
        return sum(r.activation_bytes for r in self.layers)
        # END SOLUTION

    def table(self) -> str:
        """A plain-text table, readable in a terminal or a notebook."""
        # BEGIN SOLUTION
        # HINT: One header line, one line per layer (name, type, output shape, parameters, MFLOPs,
        # HINT: activation KiB) in fixed-width columns, and a total line. Keep columns aligned for
        # HINT: any layer name that fits.
        lines = [f"{'layer':<28}{'type':<28}{'output':<18}{'params':>10}{'MFLOPs':>10}{'act KiB':>10}"]
        for r in self.layers:
            lines.append(f"{r.name:<28}{r.kind:<28}{str(r.output_shape):<18}{r.params:>10}"
                         f"{r.flops / 1e6:>10.3f}{r.activation_bytes / 1024:>10.1f}")
        lines.append(f"{'total':<74}{self.params:>10}{self.flops / 1e6:>10.3f}"
                     f"{self.activation_bytes / 1024:>10.1f}")
        return "\n".join(lines)
        # END SOLUTION


def _nbytes(x: Any) -> int:
    # BEGIN SOLUTION
    # HINT: Bytes of an output: a Tensor's or an array's nbytes; for a tuple output (attention with
    # HINT: a cache) the first element; anything else counts 0.
    if isinstance(x, tuple):
        return _nbytes(x[0])
    return int(getattr(getattr(x, "data", x), "nbytes", 0))
    # END SOLUTION


def profile(model: Module, *inputs: Any) -> Profile:
    """Run ``model(*inputs)`` once, recording each leaf layer's output, FLOPs and memory."""
    # BEGIN SOLUTION
    # HINT: Per-layer numbers without changing any layer's code: for the duration of ONE call,
    # HINT: replace every module's forward (on the instance, not the class) by a wrapper that calls
    # HINT: the original and records name, type, output shape, own parameters, FLOPs and output
    # HINT: bytes.
    # HINT:
    # HINT: Record leaf layers, plus containers that do their own work (attention: its FLOPs are
    # HINT: non-zero); activation bytes only for leaves, or outputs would count twice.
    # HINT:
    # HINT: Restore every original forward afterwards even when the forward pass raises: a profiler
    # HINT: that leaves a model patched is a bug that shows up much later. Finally total parameters
    # HINT: and size.
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

    for name, mod in model.named_modules():
        wrap(name, mod)
    try:
        model(*inputs)
    finally:
        for mod in wrapped:
            object.__delattr__(mod, "forward")
    return Profile(records, count_parameters(model), model_size_bytes(model))
    # END SOLUTION


@dataclass(frozen=True)
class Latency:
    median_ms: float
    mean_ms: float
    std_ms: float
    repeats: int


def measure_latency(fn: Callable[[], Any], warmup: int = 3, repeats: int = 10) -> Latency:
    """Time ``fn()``: ``warmup`` untimed calls first, then ``repeats`` timed ones (milliseconds)."""
    # BEGIN SOLUTION
    # HINT: Validate repeats (at least 1) and warmup (not negative), naming both values. Untimed
    # HINT: warm-up calls first (allocations, caches, lazy imports), then time each call with a
    # HINT: monotonic high-resolution clock, in milliseconds.
    # HINT:
    # HINT: Report median (robust to the odd slow run), mean, standard deviation and the count as a
    # HINT: Latency.
    if repeats < 1 or warmup < 0:
        raise ValueError(f"need repeats >= 1 and warmup >= 0, got {repeats}, {warmup}")
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
    # BEGIN SOLUTION
    # HINT: Inference latency: time a function that runs the forward pass without recording a graph
    # HINT: (recording would add the cost of building nodes nobody uses).
    from .autograd import no_grad

    def run() -> None:
        with no_grad():
            model(*inputs)

    return measure_latency(run, warmup, repeats)
    # END SOLUTION
