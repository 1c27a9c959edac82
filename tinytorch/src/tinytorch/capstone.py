"""Capstone (module 20): turn a trained model into an optimised one, and prove it with a table.

The pipeline combines the optimisation modules: profile the baseline (14), shrink it with
structured pruning (17) and optionally fine-tune to recover accuracy, quantize what remains to
int8 (16), benchmark every variant the same way and keep the Pareto-optimal ones (19); for a
language model, add a KV cache to generation (18). Each step is measured, never assumed.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .autograd import no_grad
from .benchmarking import Entry, evaluate_variant, pareto_entries, report
from .compression import prune_neurons
from .kvcache import CacheComparison, compare_generation
from .nn.linear import Linear
from .nn.module import Module, Sequential
from .nn.transformer import GPT
from .profiler import model_size_bytes
from .quantization import quantize_model
from .tensor import Tensor


def shrink_mlp(model: Sequential, amount: float) -> Sequential:
    """Remove ``amount`` of the hidden neurons between every pair of consecutive Linear layers.

    Layers between the two Linears must be elementwise (activations, dropout), so that neuron j
    stays neuron j. Returns a new, genuinely smaller Sequential; ``model`` is not modified.
    """
    # BEGIN SOLUTION
    # HINT: Work on deep copies; the caller's model must not change. Find the positions of the
    # HINT: Linear layers.
    # HINT:
    # HINT: Between each consecutive pair only elementwise layers may sit (activations, dropout): a
    # HINT: layer with parameters there would break the correspondence of neuron j on both sides,
    # HINT: so refuse it with a ValueError naming the positions.
    # HINT:
    # HINT: Replace each pair by the two smaller layers structured pruning returns, and build a new
    # HINT: Sequential.
    # HINT:
    # HINT: The message says those layers have "parameters".
    layers = [copy.deepcopy(m) for m in model]
    linear_at = [i for i, m in enumerate(layers) if isinstance(m, Linear)]
    for i, j in zip(linear_at, linear_at[1:], strict=False):
        between = layers[i + 1 : j]
        if any(list(m.parameters()) for m in between):
            raise ValueError(f"layers {i + 1}..{j - 1} have parameters; neurons would not line up")
        layers[i], layers[j], _ = prune_neurons(layers[i], layers[j], amount)
    return Sequential(*layers)
    # END SOLUTION


def _predict(model: Module) -> Callable[[Any], Any]:
    # BEGIN SOLUTION
    # HINT: A function of x that runs the model without recording a graph, accepting arrays or
    # HINT: Tensors.
    def run(x: Any) -> Any:
        with no_grad():
            return model(x if isinstance(x, Tensor) else Tensor(x))

    return run
    # END SOLUTION


@dataclass
class CapstoneReport:
    """Every variant's accuracy, size and latency, plus the generation speed-up if measured."""

    entries: list[Entry]
    generation: CacheComparison | None = None
    notes: list[str] = field(default_factory=list)

    def entry(self, name: str) -> Entry:
        # BEGIN SOLUTION
        # HINT: Look a variant up by name; an unknown name is a KeyError naming it.
        for e in self.entries:
            if e.name == name:
                return e
        raise KeyError(f"no variant named {name!r}")
        # END SOLUTION

    @property
    def pareto(self) -> list[str]:
        # BEGIN SOLUTION
        # HINT: The names of the Pareto-optimal variants.
        return [e.name for e in pareto_entries(self.entries)]
        # END SOLUTION

    def table(self) -> str:
        # BEGIN SOLUTION
        # HINT: The benchmark report, then (after a blank line) the generation comparison if
        # HINT: measured, then the notes.
        out = [report(self.entries)]
        if self.generation is not None:
            out.append("")
            out.append(self.generation.table())
        out.extend(self.notes)
        return "\n".join(out)
        # END SOLUTION


def optimise_classifier(model: Sequential, calibration: Any, x_test: Any, y_test: Any,
                        prune_amount: float = 0.5,
                        finetune: Callable[[Sequential], None] | None = None,
                        repeats: int = 10) -> tuple[CapstoneReport, dict[str, Module]]:
    """Build baseline, pruned, int8 and pruned+int8 variants and benchmark them all.

    ``finetune`` (optional) trains the pruned model in place for a few steps to win back
    accuracy before it is quantized. Returns the report and the variant models by name.
    """
    # BEGIN SOLUTION
    # HINT: Four variants from one model: the float baseline; a structurally pruned copy (fine-
    # HINT: tuned if a function is given, then in eval mode); the int8 baseline; and the pruned
    # HINT: model quantized. Calibrate both quantizations on the same calibration data.
    # HINT:
    # HINT: Benchmark every variant identically (same test data, same warm-up and repeats, stored
    # HINT: size from the profiler). Return the report and the models by name, the names being the
    # HINT: ones the report and tests use: "fp32 baseline", "pruned", "int8", "pruned + int8".
    calib = [calibration.data if isinstance(calibration, Tensor) else calibration]
    pruned = shrink_mlp(model, prune_amount)
    if finetune is not None:
        finetune(pruned)
    variants: dict[str, Module] = {
        "fp32 baseline": model,
        "pruned": pruned.eval(),
        "int8": quantize_model(model, calib),
        "pruned + int8": quantize_model(pruned, calib),
    }
    entries = [evaluate_variant(name, _predict(m), x_test, y_test, model_size_bytes(m),
                                warmup=2, repeats=repeats)
               for name, m in variants.items()]
    return CapstoneReport(entries), variants
    # END SOLUTION


def optimise_generation(model: GPT, prompt: Any, new_tokens: int = 64,
                        repeats: int = 3) -> CacheComparison:
    """The language-model half of the capstone: KV-cached vs recomputed generation."""
    # BEGIN SOLUTION
    # HINT: The language-model half: compare cached and recomputed generation on the prompt (as an
    # HINT: array).
    return compare_generation(model, np.asarray(prompt), new_tokens, repeats=repeats)
    # END SOLUTION


def summarise(entries: Sequence[Entry], baseline: str = "fp32 baseline") -> list[str]:
    """One sentence per variant relative to the baseline, for the written report."""
    # BEGIN SOLUTION
    # HINT: Find the baseline by name; for every other variant one sentence: how many times
    # HINT: smaller, the speed relative to the baseline (its median latency over theirs) and the
    # HINT: accuracy change in percentage points with a sign.
    base = next(e for e in entries if e.name == baseline)
    lines = []
    for e in entries:
        if e.name == baseline:
            continue
        lines.append(
            f"{e.name}: {base.size_bytes / e.size_bytes:.1f}x smaller, "
            f"{base.latency.median_ms / e.latency.median_ms:.2f}x the speed, "
            f"accuracy {100 * (e.accuracy - base.accuracy):+.1f} points"
        )
    return lines
    # END SOLUTION
