"""How much of TinyTorch does a learner actually write? Count it, module by module.

A learner writes exactly the code inside the `# BEGIN SOLUTION` … `# END SOLUTION` regions of
the reference (`tito` hands them the hints and a `NotImplementedError` instead). This script
counts the non-blank, non-comment lines of those regions per module, prints a table and the
total, and checks that each module's core algorithm (the functions listed in `CORE`) sits
inside a region, so "the learner writes the framework" is a number the tests can hold us to.

Usage: `python tinytorch/tools/learner_lines.py [--check]` (`--check` exits 1 when the total is
under `TARGET` or a core function is not the learner's).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from tito.curriculum import Lesson, load_curriculum
from tito.stub import find_regions

ROOT = Path(__file__).resolve().parents[1]

REFERENCE = ROOT / "src" / "tinytorch"
TARGET = 1500

# Per module: the functions (qualified as `tito.stub` names them) whose bodies must be the
# learner's. A function counts when a region sits directly inside it or inside a function
# nested in it. This is the "core algorithm" of each module, the thing the lesson teaches.
CORE: dict[int, tuple[str, ...]] = {
    1: ("_to_array", "Tensor._binary", "Tensor.__radd__", "Tensor.__matmul__", "Tensor.sum",
        "Tensor.mean", "Tensor.reshape", "Tensor.permute", "Tensor.transpose", "Tensor.expand",
        "Tensor.__getitem__"),
    2: ("record", "unbroadcast", "_topological_order", "backward", "MulBackward.backward",
        "MatmulBackward.backward", "SumBackward.backward", "MeanBackward.backward",
        "GetitemBackward.backward"),
    3: ("_stable_softmax", "SoftmaxBackward.backward", "log_softmax", "_erf_and_gauss", "gelu",
        "GeluBackward.backward"),
    4: ("Module.__setattr__", "Module.named_parameters", "linear", "LinearBackward.backward",
        "Linear.__init__", "Sequential.forward"),
    5: ("mse_loss", "cross_entropy", "CrossEntropyBackward.backward",
        "binary_cross_entropy_with_logits"),
    6: ("Optimizer.step", "SGD._update", "Adam._update"),
    7: ("DataLoader.batch_indices", "DataLoader.__iter__", "CosineAnnealingLR._apply",
        "warmup_cosine", "clip_grad_norm_", "train_epoch", "evaluate"),
    8: ("windows", "col2im", "conv2d", "Conv2dBackward.backward", "max_pool2d",
        "MaxPoolBackward.backward"),
    9: ("_norm_backward", "NormBackward.backward", "batch_norm", "layer_norm", "dropout"),
    10: ("pair_counts", "merge_positions", "BPETokenizer.train", "BPETokenizer.encode"),
    11: ("EmbeddingBackward.backward", "embedding", "sinusoidal_table",
         "LearnedPositionalEmbedding.forward"),
    12: ("_build_causal_mask", "scaled_dot_product_attention", "AttentionBackward.backward",
         "MultiheadAttention.forward"),
    13: ("TransformerBlock.forward", "GPT.forward", "GPT.generate", "sample_next"),
    14: ("layer_flops", "profile", "measure_latency"),
    15: ("matmul_naive", "matmul_tiled", "im2col", "conv2d_im2col"),
    16: ("affine_params", "quantize_per_channel", "calibrate", "QuantizedLinear.forward",
         "quantize_model"),
    17: ("magnitude_masks", "prune_neurons", "low_rank", "distillation_loss"),
    18: ("KVCache.append", "KVCache.attend", "generate_cached"),
    19: ("benchmark", "pareto_front", "evaluate_variant"),
    20: ("shrink_mlp", "optimise_classifier", "summarise"),
}


@dataclass(frozen=True)
class ModuleCount:
    """What one module asks of the learner: regions, written lines and uncovered core names."""

    number: int
    name: str
    regions: int
    lines: int
    missing_core: tuple[str, ...]


def _code_lines(lines: list[str]) -> int:
    return sum(1 for ln in lines if ln.strip() and not ln.strip().startswith("#"))


def count_module(mod: Lesson, reference: Path = REFERENCE) -> ModuleCount:
    """Count one module's learner lines and list the `CORE` functions no region covers."""
    regions = lines = 0
    covered: set[str] = set()
    for src in mod.sources:
        path = reference / src
        text = path.read_text(encoding="utf-8")
        found = find_regions(text, str(path))
        source_lines = text.splitlines()
        regions += len(found)
        for r in found:
            lines += _code_lines(source_lines[r.begin : r.end - 1])
            parts = r.function.split(".")
            covered.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    missing = tuple(name for name in CORE.get(mod.number, ()) if name not in covered)
    return ModuleCount(mod.number, mod.name, regions, lines, missing)


def count_all(reference: Path = REFERENCE) -> list[ModuleCount]:
    """One `ModuleCount` per module of the curriculum, in order."""
    return [count_module(m, reference) for m in load_curriculum(ROOT / "modules")]


def render(counts: list[ModuleCount]) -> str:
    """The table a maintainer reads: one row per module, then the total against the target."""
    rows = [f"{'module':<20} {'regions':>7} {'lines':>6}  core not covered"]
    for c in counts:
        rows.append(f"{c.name:<20} {c.regions:>7} {c.lines:>6}  {', '.join(c.missing_core)}")
    total = sum(c.lines for c in counts)
    rows.append(f"{'total':<20} {sum(c.regions for c in counts):>7} {total:>6}  (target {TARGET})")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 below target or on gaps")
    args = parser.parse_args(argv)
    counts = count_all()
    print(render(counts))
    short = sum(c.lines for c in counts) < TARGET
    gaps = any(c.missing_core for c in counts)
    return 1 if args.check and (short or gaps) else 0


if __name__ == "__main__":
    raise SystemExit(main())
