"""TinyTorch systems figures: kernel speed-ups, KV-cache speed-up, int8/pruning trade-offs, BPE.

Prints the numbers the optimisation lessons quote, measured on this machine with one BLAS
thread (set before numpy loads, so timings compare kernels rather than thread scheduling).
Targets: KV-cached generation of 64 tokens >= 2x faster than recomputation with identical
tokens; pruned + int8 digits MLP within 3 accuracy points at <= 30% of the bytes.

    python benchmarks/tinytorch_systems.py            # full sizes
    python benchmarks/tinytorch_systems.py --quick    # small sizes (CI proves it runs, < 60 s)
"""

from __future__ import annotations

import argparse
import os
import time

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
from tinytorch.acceleration import conv2d_im2col, conv2d_naive, matmul_speedups, time_kernel  # noqa: E402
from tinytorch.kvcache import compare_generation, kv_cache_bytes  # noqa: E402
from tinytorch.tokenizers import BPETokenizer  # noqa: E402

import tinytorch as tt  # noqa: E402
from tinytorch import nn  # noqa: E402


def section(title: str) -> None:
    print(f"\n== {title} ==")


def matmul(quick: bool) -> None:
    for n in (32, 64) if quick else (64, 128):
        section(f"matmul {n}x{n} @ {n}x{n}")
        print(f"{'kernel':<8}{'ms':>10}{'GFLOP/s':>10}{'speed-up':>10}")
        for r in matmul_speedups(n, repeats=3 if quick else 5):
            print(f"{r['kernel']:<8}{1e3 * r['seconds']:>10.3f}{r['gflops']:>10.2f}"
                  f"{r['speedup']:>9.0f}x")


def conv(quick: bool) -> None:
    rng = np.random.default_rng(0)
    n = 2 if quick else 8
    x = rng.standard_normal((n, 3, 16, 16)).astype(np.float32)
    w = rng.standard_normal((8, 3, 3, 3)).astype(np.float32)
    t_naive = time_kernel(conv2d_naive, x, w, None, 1, 1, warmup=1, repeats=3)
    t_fast = time_kernel(conv2d_im2col, x, w, None, 1, 1, warmup=1, repeats=3)
    section(f"conv2d batch {n}, 3->8 channels, 16x16, 3x3")
    print(f"direct loops {1e3 * t_naive:.2f} ms, im2col {1e3 * t_fast:.3f} ms, "
          f"speed-up {t_naive / t_fast:.0f}x")


def kv_cache(quick: bool) -> bool:
    tt.manual_seed(0)
    new = 64
    model = nn.GPT(40, context_length=96, d_model=128, num_heads=4, num_layers=2)
    prompt = np.random.default_rng(0).integers(0, 40, size=(1, 16))
    res = compare_generation(model, prompt, new, repeats=1 if quick else 5)
    section(f"KV cache: GPT d_model=128, 2 layers, {new} new tokens after a 16-token prompt")
    print(res.table())
    print(f"cache size for 80 positions: {kv_cache_bytes(model, 1, 80) / 1024:.0f} KiB")
    ok = res.speedup >= 2.0 and res.identical
    print(f"target >= 2x with identical tokens: {'met' if ok else 'MISSED'}")
    return ok


def capstone(quick: bool) -> bool:
    from tinytorch.capstone import optimise_classifier, summarise
    from tito.milestones.common import train_classifier
    from tito.milestones.m1986_mlp import train_mlp

    model, _, (xtr, ytr), (xte, yte) = train_mlp(0, epochs=6 if quick else 12)
    report, _ = optimise_classifier(
        model, xtr[:400], tt.Tensor(xte), yte, prune_amount=0.5,
        finetune=lambda m: train_classifier(m, xtr, ytr, epochs=3, lr=2e-3, seed=1),
        repeats=5 if quick else 30)
    section("capstone: digits MLP 64-128-64-10, 600 test images")
    print(report.table())
    for line in summarise(report.entries):
        print(line)
    base, best = report.entry("fp32 baseline"), report.entry("pruned + int8")
    ok = base.accuracy - best.accuracy <= 0.03 and best.size_bytes <= 0.3 * base.size_bytes
    print(f"target (<= 3 points, <= 30% bytes): {'met' if ok else 'MISSED'}")
    return ok


def bpe(quick: bool) -> None:
    from tito.milestones.data import corpus

    text = corpus() * (2 if quick else 10)
    t0 = time.perf_counter()
    tok = BPETokenizer().train(text, 512)
    t_train = time.perf_counter() - t0
    t0 = time.perf_counter()
    ids = tok.encode(text)
    t_enc = time.perf_counter() - t0
    section(f"BPE on {len(text)} characters, vocabulary up to 512")
    print(f"train {1e3 * t_train:.1f} ms ({len(tok.merges)} merges), encode {1e3 * t_enc:.1f} ms, "
          f"{len(text.encode()) / len(ids):.2f} bytes/token, round trip "
          f"{'exact' if tok.decode(ids) == text else 'BROKEN'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI")
    args = parser.parse_args()
    t0 = time.perf_counter()
    matmul(args.quick)
    conv(args.quick)
    bpe(args.quick)
    ok = kv_cache(args.quick) & capstone(args.quick)
    print(f"\nall targets met: {ok}   ({time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()
