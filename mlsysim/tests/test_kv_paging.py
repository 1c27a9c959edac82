"""KV-cache allocation: reservation wastes the pool, pages waste a block, overcommit preempts."""

import pytest

import mlsysim
from mlsysim import InvalidInputError


def test_pool_is_memory_left_by_the_weights_over_kv_bytes_per_token():
    pool, per_token = mlsysim.kv_pool_tokens("Llama-3-8B", "H100-SXM")
    assert per_token == 2 * 32 * 8 * 128 * 2  # K and V, 32 layers, 8 KV heads of 128, fp16
    free = 80e9 * 0.9 - mlsysim.model_size_bytes("Llama-3-8B", "fp16")
    assert pool == int(free // per_token)


def test_paging_doubles_the_batch_and_wastes_about_half_a_block():
    res = mlsysim.simulate_kv_paging("Llama-3-8B", "H100-SXM", "reserve")
    pag = mlsysim.simulate_kv_paging("Llama-3-8B", "H100-SXM", "paged", 16)
    assert pag.mean_batch > 1.8 * res.mean_batch
    assert res.fragmentation > 0.4 and res.preemptions_per_1k == 0
    # (B - 1)/2 empty tokens of a ~1,800-token context (prompt plus part of the answer)
    assert 0.001 < pag.fragmentation < 0.01


def test_bigger_blocks_waste_more_and_no_headroom_thrashes():
    small = mlsysim.simulate_kv_paging("Llama-3-8B", "H100-SXM", "paged", 16)
    big = mlsysim.simulate_kv_paging("Llama-3-8B", "H100-SXM", "paged", 512)
    assert big.fragmentation > 10 * small.fragmentation and big.mean_batch < small.mean_batch
    tight = mlsysim.simulate_kv_paging("Llama-3-8B", "H100-SXM", "paged", 16, watermark=0.0)
    assert tight.preemptions_per_1k > 100 > small.preemptions_per_1k


def test_impossible_requests_are_refused():
    with pytest.raises(InvalidInputError, match="exceeds the KV pool"):
        mlsysim.simulate_kv_paging("Llama-3-70B", "H100-SXM", gpus=2, prompt_len=100_000)
    with pytest.raises(InvalidInputError, match="do not fit"):
        mlsysim.kv_pool_tokens("Llama-3-70B", "H100-SXM", 1)
    with pytest.raises(InvalidInputError, match="unknown policy"):
        mlsysim.simulate_kv_paging("Llama-3-8B", "H100-SXM", "buddy")
