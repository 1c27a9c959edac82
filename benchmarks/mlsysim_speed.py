"""Print how fast mlsysim answers: labs re-run it on every slider move.

Targets (issue 17): one train() < 1 ms, one serve() < 0.1 ms, a vectorised sweep of training
plans >= 1,000,000 configurations/s. serve() memoises scalar passes, so it is timed twice:
repeated arguments (a lab re-rendering) and a new prompt length on every call (cold).
`--quick` runs fewer repetitions (CI proves it works).

Usage: python benchmarks/mlsysim_speed.py [--quick]"""

from __future__ import annotations

import argparse
import time

import numpy as np

import mlsysim as ms


def best_of(fn, repeats: int, number: int) -> float:
    """Seconds per call: best of `repeats` timings of `number` calls (least noisy)."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="fewer repetitions (CI)")
    args = ap.parse_args()
    repeats, number = (3, 20) if args.quick else (7, 200)
    sweep_n = 20_000 if args.quick else 200_000

    m = ms.model("Llama-2-70B")
    cl = ms.cluster("H100", 1024)
    ms.train(m, cl, tokens=1e12, global_batch=1024, seq_len=4096)  # warm the registry caches

    t_train = best_of(lambda: ms.train(m, cl, tokens=1e12, global_batch=1024, seq_len=4096,
                                       tp=8, pp=4, dp=32, micro_batch=1,
                                       recompute="selective"), repeats, number)
    t_search = best_of(lambda: ms.train(m, cl, tokens=1e12, global_batch=1024, seq_len=4096),
                       repeats, max(number // 4, 5))
    t_serve = best_of(lambda: ms.serve(m, "H100", batch=8, prompt_len=512, output_len=256,
                                       gpus=4), repeats, number)
    prompts = iter(range(100, 10**9))
    t_serve_cold = best_of(lambda: ms.serve(m, "H100", batch=8, prompt_len=next(prompts),
                                            output_len=256, gpus=4), repeats, number)
    batches = np.arange(1, 257)
    t_serve_sweep = best_of(lambda: ms.serve(m, "H100", batch=batches, gpus=4), repeats,
                            max(number // 4, 5))

    rng = np.random.default_rng(0)
    tp = rng.choice([1, 2, 4, 8], sweep_n)
    pp = rng.choice([1, 2, 4, 8], sweep_n)
    dp = 1024 // (tp * pp)
    mb = rng.choice([1, 2, 4], sweep_n)
    rc = rng.choice([0, 1, 2], sweep_n)
    t_sweep = best_of(lambda: ms.train_sweep(m, cl, 1024, 4096, tp, pp, dp, mb, rc), repeats, 1)

    t_sim = best_of(lambda: ms.simulate_serving("Llama-2-7B", "H100", rate=10, requests=1000,
                                                seed=0), 1 if args.quick else 3, 1)

    print(f"mlsysim speed ({'quick' if args.quick else 'full'} mode)")
    print(f"  train(), explicit plan (Llama 2 70B, 1024 x H100)   {t_train * 1e3:8.3f} ms"
          f"   target < 1 ms")
    print(f"  train(), plan search (tp, pp, dp, micro, recompute)  {t_search * 1e3:8.3f} ms")
    print(f"  serve(), one batch (Llama 2 70B, 4 x H100)           {t_serve * 1e3:8.3f} ms"
          f"   target < 0.1 ms")
    print(f"  serve(), a new prompt length every call (cold)       {t_serve_cold * 1e3:8.3f} ms")
    print(f"  serve(), 256 batch sizes at once                     {t_serve_sweep * 1e3:8.3f} ms")
    print(f"  vectorised plan sweep: {sweep_n:,} configurations      "
          f"{sweep_n / t_sweep:12,.0f} configs/s   target >= 1,000,000")
    print(f"  simulate_serving(), 1,000 requests                   {t_sim * 1e3:8.1f} ms")


if __name__ == "__main__":
    main()
