"""Monotonicity properties a learner relies on when dragging sliders."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import mlsysim as ms

LLMS = ["GPT-2", "Llama-2-7B", "Llama-2-13B", "Llama-3-8B", "Llama-2-70B", "Mixtral-8x7B"]


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(LLMS), st.integers(0, 5), st.sampled_from([1, 2, 4, 8]),
       st.sampled_from([1024, 2048, 4096]))
def test_more_gpus_never_raise_per_step_compute(name, log_dp, tp, seq):
    """Doubling data-parallel GPUs at a fixed global batch never increases compute time."""
    m = ms.model(name)
    if m.heads % tp:
        return
    dp = 2 ** log_dp
    runs = []
    for d in (dp, 2 * dp):
        cl = ms.cluster("H100", tp * d)
        runs.append(ms.train(m, cl, tokens=1e9, global_batch=256, seq_len=seq, tp=tp, pp=1,
                             dp=d, micro_batch=1, recompute="full", zero_stage=3))
    few, many = runs
    assert many.feasible or not few.feasible  # ZeRO-3 over more GPUs needs less memory each
    if few.feasible:
        assert many.compute_s <= few.compute_s * (1 + 1e-9)
        assert many.step_time_s > 0 and np.isfinite(many.step_time_s)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 64), st.integers(1, 64), st.integers(1, 8192), st.integers(1, 64))
def test_more_kv_heads_never_shrink_cache(kv_a, kv_b, seq, batch):
    divisors = [k for k in range(1, 65) if 64 % k == 0]
    lo, hi = sorted((divisors[kv_a % len(divisors)], divisors[kv_b % len(divisors)]))
    a = ms.variant("LLaMA-65B", kv_heads=lo)   # 64 query heads
    b = ms.variant("LLaMA-65B", kv_heads=hi)
    assert ms.kv_cache_bytes(a, seq, batch) <= ms.kv_cache_bytes(b, seq, batch)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(LLMS), st.floats(1e9, 1e12), st.floats(1e9, 1e12),
       st.sampled_from([0, 1, 2, 3]), st.sampled_from([1, 8, 64]))
def test_feasibility_monotone_in_memory(name, cap_a, cap_b, zero, dp):
    lo, hi = sorted((cap_a, cap_b))
    small = ms.training_memory(name, zero_stage=zero, dp=dp, capacity_bytes=lo)
    big = ms.training_memory(name, zero_stage=zero, dp=dp, capacity_bytes=hi)
    assert (not small.feasible) or big.feasible


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(LLMS), st.integers(1, 256), st.integers(1, 4096), st.integers(1, 1024))
def test_serve_never_nan_and_batch_monotone(name, batch, prompt, out):
    m = ms.model(name)
    r = ms.serve(m, "H100", batch=np.array([batch, batch + 1, 2 * batch]), prompt_len=prompt,
                 output_len=out)
    for f in (r.ttft_s, r.tpot_s, r.tokens_per_s):
        assert np.all(np.isfinite(f)) and np.all(f > 0)
    # one more request never makes a step faster; throughput may dip by one request past a
    # GEMM tile boundary (tile quantisation, as on real GPUs) but doubling the batch never
    # lowers it
    assert r.tpot_s[1] >= r.tpot_s[0] and r.tokens_per_s[2] >= r.tokens_per_s[0] * (1 - 1e-9)
    assert r.max_batch >= 0


@settings(max_examples=30, deadline=None)
@given(st.floats(1e15, 1e27))
def test_chinchilla_inverts_6nd(c):
    n, d = ms.chinchilla(c)
    assert np.isclose(6 * n * d, c) and np.isclose(d, 20 * n)


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 4096), st.floats(1e3, 1e11))
def test_ring_allreduce_bandwidth_term_bounded(n, nbytes):
    """A ring moves at most 2x the buffer per GPU, whatever n: time <= 2B/bw + latency terms."""
    f = ms.fabric("IB-NDR")
    t = ms.allreduce_time(nbytes, n, f)
    assert t <= 2 * nbytes / f.bw_per_direction + 2 * (n - 1) * f.latency_s + 1e-12


ALL_LLMS = [n for n in ms.list_models() if ms.model(n).kind == "transformer"
            and ms.model(n).vit is None]
DC = ms.list_hardware("datacenter")


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(ALL_LLMS), st.sampled_from(DC), st.integers(0, 12),
       st.integers(1, 4096), st.sampled_from([512, 2048, 8192]), st.sampled_from(["bf16", "fp16"]))
def test_train_never_crashes_or_returns_nan(name, hw, log_gpus, batch, seq, prec):
    cl = ms.cluster(hw, 2 ** log_gpus)
    try:
        r = ms.train(name, cl, tokens=1e10, global_batch=batch, seq_len=seq, precision=prec,
                     ep=None)
    except ms.PrecisionError:
        return  # e.g. TPUs have no fp16 rate: a clear user error, not a crash
    if r.feasible:
        assert np.isfinite(r.step_time_s) and r.step_time_s > 0
        assert 0 < r.mfu < 1 and r.hfu >= r.mfu
        assert r.memory_per_gpu_bytes <= cl.hardware.memory_bytes
    else:
        assert r.reason
    assert not np.isnan(r.mfu) and "nan" not in str(r).lower()


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(ALL_LLMS), st.sampled_from(ms.list_hardware()), st.integers(1, 512),
       st.integers(1, 8192), st.integers(1, 2048),
       st.sampled_from(["fp16", "bf16", "fp8", "int8", "int4"]))
def test_serve_never_crashes_or_returns_nan(name, hw, batch, prompt, out, prec):
    try:
        r = ms.serve(name, hw, batch=batch, prompt_len=prompt, output_len=out, precision=prec)
    except ms.PrecisionError:
        return
    for v in (r.ttft_s, r.tpot_s, r.tokens_per_s, r.request_latency_s):
        assert np.isfinite(v) and v > 0
    assert r.feasible or r.reason
