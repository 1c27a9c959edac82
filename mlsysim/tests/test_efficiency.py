"""The kernel efficiency model: shape, precision, attention, access size, overheads."""

import numpy as np
import pytest
from mlsysim.compute import layer_op_table

import mlsysim as ms
from mlsysim import efficiency as eff


def test_every_datacenter_gpu_with_a_family_has_an_sm_count():
    for name in ("V100", "A100", "A100-40GB", "H100", "H100-PCIe", "H800", "H200", "MI300X"):
        assert ms.hardware(name).sm_count and ms.hardware(name).sm_count >= 80


def test_tile_quantisation_one_row_past_the_tile_doubles_the_time():
    # 12 x 11 tiles of 128 fill the H100's 132 SMs exactly; one more row adds a tile row
    # (13 x 11 = 143 tiles) and so a second, nearly empty wave
    t_full = eff.gemm_time("H100", 128 * 12, 128 * 11, 8192)
    t_over = eff.gemm_time("H100", 128 * 12 + 1, 128 * 11, 8192)
    assert t_over / t_full == pytest.approx(2.0, rel=0.1)  # 0.07% more work, twice the time
    pad = eff.gemm_efficiency("H100", 128 * 12 + 1, 128 * 11, 8192) / eff.gemm_efficiency(
        "H100", 128 * 12, 128 * 11, 8192)
    assert pad == pytest.approx((1537 / 1664) * (143 / 264), rel=1e-6)


def test_wave_quantisation_one_tile_past_a_wave_costs_a_wave():
    full = eff.gemm_efficiency("H100", 128 * 12, 128 * 11, 4096)  # 132 tiles: one wave
    over = eff.gemm_efficiency("H100", 128 * 12, 128 * 12, 4096)  # 144 tiles: 2 waves
    assert over == pytest.approx(full * 144 / 264, rel=1e-6)
    # a device without an SM count has no wave term
    assert eff.gemm_efficiency("TPU-v4", 128 * 12, 128 * 12, 4096) == pytest.approx(
        eff.gemm_efficiency("TPU-v4", 128 * 12, 128 * 11, 4096))


def test_short_reduction_pays_pipeline_fill():
    assert eff.gemm_efficiency("A100", 4096, 4096, 64) < 0.7 * eff.gemm_efficiency(
        "A100", 4096, 4096, 4096)


def test_fp8_is_faster_but_not_twice_and_int4_is_priced_at_fp16_peak():
    big = (8192, 8192, 8192)
    bf, f8 = eff.gemm_time("H100", *big, "bf16"), eff.gemm_time("H100", *big, "fp8")
    assert 0.5 < f8 / bf < 0.85
    peak, frac = eff.compute_peak("H100", "int4")
    assert peak == ms.hardware("H100").peak("fp16") and frac < eff.device_efficiency("H100").gemm
    assert eff.gemm_time("H100", *big, "int4") > bf  # dequantisation on top of the fp16 rate


def test_memory_bandwidth_depends_on_access_size():
    small, big = 16e3, 1e9
    bw_small = small / eff.memory_bound_time("H100", small)
    bw_big = big / eff.memory_bound_time("H100", big)
    assert bw_small < 0.2 * bw_big
    assert bw_big <= ms.hardware("H100").memory_bw * 0.95
    assert eff.memory_bound_time("H100", 1.0) >= eff.device_efficiency("H100").launch_s


def test_causal_attention_halves_prefill_work_but_not_decode():
    m = ms.model("Llama-2-7B")
    _, causal, _ = layer_op_table(m, 4096, 4096, 2.0)
    _, full, _ = layer_op_table(m, 4096, 4096, 2.0, causal=False)
    i = 2  # norm, qkv, attention
    assert causal[i] == pytest.approx(full[i] / 2)
    _, dec_c, _ = layer_op_table(m, 8, 4096, 2.0, decode=True)
    _, dec_f, _ = layer_op_table(m, 8, 4096, 2.0, decode=True, causal=False)
    assert dec_c[i] == dec_f[i]
    t_c = eff.attention_time("H100", 4096, 4096, 32, 128, causal=True)
    t_f = eff.attention_time("H100", 4096, 4096, 32, 128, causal=False)
    t_u = eff.attention_time("H100", 4096, 4096, 32, 128, fused=False)
    assert t_c < 0.6 * t_f and t_u > t_f


def test_scalar_and_vector_paths_agree():
    m, h = ms.model("Llama-3-8B"), ms.hardware("A100")
    sh1, sh2 = [], []
    _, f1, b1 = layer_op_table(m, 2048.0, 2048, 2.0, 2, shapes=sh1)
    _, f2, b2 = layer_op_table(m, np.array([2048.0, 4096.0]), 2048, 2.0, np.array([2, 2]),
                               shapes=sh2)
    scalar = eff.op_times(h, "bf16", sh1, f1, b1)
    vector = eff.op_times(h, "bf16", sh2, f2, b2)
    for s, v in zip(scalar, vector, strict=True):
        assert s == pytest.approx(float(np.ravel(v)[0]), rel=1e-9)


def test_serving_fixes_kv_cache_precision_and_int4_prefill():
    kw = dict(batch=8, prompt_len=2048, output_len=128, gpus=4)
    fp16 = ms.serve("Llama-2-70B", "H100", precision="fp16", **kw)
    int8 = ms.serve("Llama-2-70B", "H100", precision="int8", **kw)
    int4 = ms.serve("Llama-2-70B", "H100", precision="int4", **kw)
    assert int4.kv_cache_bytes == fp16.kv_cache_bytes  # cache in fp16, not at weight precision
    fp8kv = ms.serve("Llama-2-70B", "H100", precision="int4", kv_precision="fp8", **kw)
    assert fp8kv.kv_cache_bytes == pytest.approx(int4.kv_cache_bytes / 2)
    assert fp8kv.tpot_s < int4.tpot_s  # a narrower cache is a cheaper decode read
    assert int4.ttft_s > int8.ttft_s and int4.ttft_s >= fp16.ttft_s  # not the INT8 peak
    assert int4.tpot_s < int8.tpot_s < fp16.tpot_s  # decode reads fewer weight bytes


def test_fp8_training_is_not_twice_as_fast():
    cl = ms.cluster("H100", 64)
    kw = dict(tokens=1e12, global_batch=512, seq_len=4096, tp=8, pp=2)
    bf = ms.train("Llama-3-70B", cl, precision="bf16", **kw)
    f8 = ms.train("Llama-3-70B", cl, precision="fp8", **kw)
    assert 0.6 < f8.step_time_s / bf.step_time_s < 0.9


def test_unfused_attention_is_slower_for_training():
    cl = ms.cluster("A100", 32)
    kw = dict(tokens=1e11, global_batch=512, seq_len=2048, tp=1, pp=1, recompute="full")
    fused = ms.train("GPT-2-XL", cl, **kw)
    unfused = ms.train("GPT-2-XL", cl, fused_attention=False, **kw)
    assert unfused.step_time_s > 1.05 * fused.step_time_s


def test_override_restores_values():
    before = eff.device_efficiency("H100")
    with eff.override("Hopper", gemm=0.3):
        assert eff.device_efficiency("H100").gemm == 0.3
    assert eff.device_efficiency("H100") == before
    assert eff.family_of("H200") == "Hopper" and eff.family_of("TPU-v4") == "default"


def test_per_head_decode_kernel_rereads_grouped_kv_heads():
    reuse = eff.device_efficiency("H100").kv_reuse
    assert 0 < reuse < 1
    # Llama 2 70B: 64 query heads over 8 K/V heads, a group of 8
    assert eff.kv_read_factor("H100", 64, 8, "gqa_shared") == 1.0
    assert eff.kv_read_factor("H100", 64, 8, "per_head") == pytest.approx(1 + 7 * (1 - reuse))
    assert eff.kv_read_factor("H100", 32, 32, "per_head") == 1.0  # MHA: nothing to share
    with pytest.raises(ms.InvalidInputError, match="attention_kernel"):
        eff.kv_read_factor("H100", 64, 8, "flash")
    kw = dict(batch=64, prompt_len=128, output_len=2048, precision="fp8", gpus=2)
    shared = ms.serve("Llama-2-70B", "H100", **kw)
    per_head = ms.serve("Llama-2-70B", "H100", attention_kernel="per_head", **kw)
    assert per_head.tpot_s > 1.3 * shared.tpot_s  # long contexts: the cache read dominates
    assert per_head.ttft_s == pytest.approx(shared.ttft_s)  # prefill reads no cache
    mha = [ms.serve("Llama-2-7B", "H100", attention_kernel=k, batch=64, output_len=2048).tpot_s
           for k in ("gqa_shared", "per_head")]
    assert mha[0] == pytest.approx(mha[1])
    with pytest.raises(ms.InvalidInputError, match="attention_kernel"):
        ms.serve("Llama-2-70B", "H100", gpus=2, attention_kernel="xqa")


def test_attention_dropout_costs_narrow_unfused_models_most():
    """Dropout on the probabilities is one more trip of the heads x s^2 score matrix: a larger
    share of a narrow model's step (GEMMs grow with h^2 s) and free inside a fused kernel."""
    kw = dict(tokens=1e11, seq_len=2048, recompute="full", fused_attention=False)
    ratio = []
    for name, gpus, tp in (("GPT-2-XL", 32, 1), ("GPT-3", 1024, 8)):
        cl = ms.cluster("A100", gpus)
        a = ms.train(name, cl, global_batch=512, tp=tp, pp=1 if gpus == 32 else 16, **kw)
        b = ms.train(name, cl, global_batch=512, tp=tp, pp=1 if gpus == 32 else 16,
                     dropout=True, **kw)
        ratio.append(b.step_time_s / a.step_time_s)
    assert ratio[0] > ratio[1] > 1.0
    cl = ms.cluster("A100", 32)
    fused = [ms.train("GPT-2-XL", cl, tokens=1e11, global_batch=512, seq_len=2048, tp=1, pp=1,
                      dropout=d).step_time_s for d in (False, True)]
    assert fused[0] == pytest.approx(fused[1])


def test_parallel_block_halves_tensor_parallel_all_reduces():
    m = ms.model("Falcon-180B")
    assert m.parallel_block and not ms.model("Llama-2-70B").parallel_block
    from dataclasses import replace
    serial = replace(m, parallel_block=False)
    kw = dict(batch=1, prompt_len=2048, output_len=1, precision="fp8", gpus=8)
    assert ms.serve(m, "H100", **kw).ttft_s < ms.serve(serial, "H100", **kw).ttft_s


def test_fp32_gradient_reduction_doubles_the_exposed_data_parallel_sync():
    cl = ms.cluster("A100", 64)
    kw = dict(tokens=1e10, global_batch=128, seq_len=2048, tp=1, pp=1, overlap=False,
              zero_stage=0)
    half = ms.train("GPT-2-XL", cl, **kw)
    full = ms.train("GPT-2-XL", cl, fp32_grad_reduce=True, **kw)
    assert full.dp_comm_exposed_s == pytest.approx(2 * half.dp_comm_exposed_s, rel=0.05)
    assert full.step_time_s > half.step_time_s


def test_runtime_host_work_per_sequence_adds_to_every_step():
    """A serving runtime's per-sequence host work (vLLM 0.6's Python scheduler, input
    preparation and sampling) makes every decode step, and the prefill pass, longer by
    `seq_s` per sequence of the batch: a 128-sequence batch pays it 128 times."""
    kw = dict(batch=128, prompt_len=128, output_len=64, precision="fp8", gpus=8)
    with eff.override("MI300X", seq_s=0.0):
        base = ms.serve("Llama-3-70B", "MI300X", **kw)
    with eff.override("MI300X", seq_s=50e-6):
        slow = ms.serve("Llama-3-70B", "MI300X", **kw)
    assert slow.tpot_s - base.tpot_s == pytest.approx(128 * 50e-6, rel=1e-9)
    assert slow.ttft_s - base.ttft_s == pytest.approx(128 * 50e-6, rel=1e-9)
    # the fitted families: vLLM's on the MI300X pays tens of microseconds per sequence,
    # TensorRT-LLM's C++ runtime on NVIDIA parts (their calibration runs) next to nothing
    assert eff.device_efficiency("MI300X").seq_s > 20e-6
    assert eff.device_efficiency("H100").seq_s < 1e-6
