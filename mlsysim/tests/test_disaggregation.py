"""Prefill placement: colocated stalls decode, chunking bounds the stall, a pool removes it."""

import pytest

import mlsysim
from mlsysim import InvalidInputError

M, H = "Llama-3-70B", "H100-SXM"


def test_colocated_worst_gap_is_a_decode_step_plus_one_prefill():
    r = mlsysim.serving_mode(M, H, "colocated", 32, 2048)
    one = mlsysim.serve(M, H, 1, 2048, 256, "fp16", 4)
    full = mlsysim.serve(M, H, 32, 2048, 256, "fp16", 4)
    assert r.ttft_s == pytest.approx(one.ttft_s)
    assert r.tpot_worst_s == pytest.approx(full.tpot_s + one.ttft_s)
    cycle = 256 * full.tpot_s + 32 * one.ttft_s
    assert r.tokens_per_s == pytest.approx(32 * 256 / cycle)


def test_disaggregation_removes_the_stall_but_pays_transfer_and_gpus():
    col = mlsysim.serving_mode(M, H, "colocated", 32, 2048)
    dis = mlsysim.serving_mode(M, H, "disaggregated", 32, 2048, prefill_gpus=4)
    assert dis.tpot_worst_s == dis.tpot_s < col.tpot_worst_s / 3
    assert dis.kv_transfer_s > 0 and dis.gpus == 8
    assert dis.ttft_s > dis.kv_transfer_s
    bigger = mlsysim.serving_mode(M, H, "disaggregated", 32, 2048, prefill_gpus=8)
    assert bigger.tokens_per_s_per_gpu < dis.tokens_per_s_per_gpu


def test_chunking_bounds_the_stall_and_lengthens_ttft():
    small = mlsysim.serving_mode(M, H, "chunked", 32, 4096, chunk_size=256)
    large = mlsysim.serving_mode(M, H, "chunked", 32, 4096, chunk_size=1024)
    assert small.tpot_worst_s < large.tpot_worst_s
    assert small.ttft_s > large.ttft_s


def test_a_pool_too_small_for_the_weights_is_infeasible_and_bad_modes_refused():
    r = mlsysim.serving_mode(M, H, "disaggregated", 32, 2048, prefill_gpus=2)
    assert not r.feasible and "prefill pool" in r.reason
    with pytest.raises(InvalidInputError, match="unknown mode"):
        mlsysim.serving_mode(M, H, "split")
