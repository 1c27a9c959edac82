"""2018: MLPerf-style optimisation — the same task, measured smaller and faster.

MLPerf (founded 2018) made ML performance claims comparable by fixing the task, the quality
target and the way time is measured. In that spirit: train the 1986 digits MLP, then shrink it
(structured pruning + a short fine-tune), quantize it to int8, and benchmark every variant with
the same harness; finally measure KV-cached against recomputed generation on a GPT.
Targets: pruned + int8 within 3 accuracy points of the baseline at <= 30% of its bytes, and
cached generation of 64 tokens at least 2x faster with identical tokens.
"""

from __future__ import annotations

import numpy as np

from . import Result
from .common import train_classifier
from .m1986_mlp import train_mlp


def run(seed: int = 0) -> Result:
    from tinytorch.capstone import optimise_classifier, optimise_generation, summarise

    import tinytorch as tt
    from tinytorch import nn

    model, _, (xtr, ytr), (xte, yte) = train_mlp(seed)

    def finetune(pruned) -> None:
        train_classifier(pruned, xtr, ytr, epochs=3, lr=2e-3, seed=seed + 1)

    report, _ = optimise_classifier(model, xtr[:400], tt.Tensor(xte), yte, prune_amount=0.5,
                                    finetune=finetune, repeats=15)
    base, best = report.entry("fp32 baseline"), report.entry("pruned + int8")
    drop = base.accuracy - best.accuracy
    size_ratio = best.size_bytes / base.size_bytes

    tt.manual_seed(seed)
    gpt = nn.GPT(40, context_length=96, d_model=128, num_heads=4, num_layers=2)
    prompt = np.random.default_rng(seed).integers(0, 40, size=(1, 16))
    # seven timed runs each: the median holds when another process shares the cores
    gen = optimise_generation(gpt, prompt, new_tokens=64, repeats=7)

    table = [{"variant": e.name, "accuracy": e.accuracy, "KiB": e.size_bytes / 1024,
              "median ms": e.latency.median_ms, "p90 ms": e.latency.p90_ms,
              "pareto": "*" if e.name in report.pareto else ""} for e in report.entries]
    notes = summarise(report.entries) + [gen.table(),
                                         "(generation speed does not depend on the weights, so "
                                         "the GPT is timed untrained)"]
    passed = drop <= 0.03 and size_ratio <= 0.30 and gen.speedup >= 2.0 and gen.identical
    return Result(passed, {"accuracy_drop": drop, "size_ratio": size_ratio,
                           "kv_speedup": gen.speedup}, table, notes)
