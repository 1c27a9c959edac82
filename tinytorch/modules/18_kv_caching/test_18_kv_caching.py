"""Module 18 tests: the cache changes the cost of generation, never its result."""

import numpy as np
import pytest
from tinytorch.kvcache import compare_generation, generate_cached, kv_cache_bytes

import tinytorch as tt
from tinytorch import nn


def gpt(d_model=32, layers=2, context=48):
    tt.manual_seed(0)
    return nn.GPT(40, context_length=context, d_model=d_model, num_heads=4, num_layers=layers)


PROMPT = np.array([[3, 1, 4, 1, 5, 9, 2, 6]])


def test_greedy_cached_generation_equals_recomputing_everything():
    model = gpt()
    slow = model.generate(PROMPT, 20, temperature=0.0).data
    fast = generate_cached(model, PROMPT, 20, temperature=0.0).data
    assert fast.shape == (1, 28)
    np.testing.assert_array_equal(fast, slow)


def test_sampled_generation_with_the_same_seed_gives_the_same_tokens():
    model = gpt()
    a = model.generate(PROMPT, 15, temperature=1.0, top_k=10, seed=7).data
    b = generate_cached(model, PROMPT, 15, temperature=1.0, top_k=10, seed=7).data
    np.testing.assert_array_equal(a, b)


def test_batched_prompts_are_cached_independently():
    model = gpt()
    prompts = np.array([[1, 2, 3, 4], [5, 6, 7, 8], [9, 9, 9, 9]])
    slow = model.generate(prompts, 10, temperature=0.0).data
    np.testing.assert_array_equal(generate_cached(model, prompts, 10).data, slow)


def test_incremental_logits_match_a_full_forward_pass():
    model = gpt().eval()
    ids = np.array([[2, 7, 1, 8, 2, 8, 1, 8, 2, 8]])
    full = model(ids).data
    logits, past = model(ids[:, :4], use_cache=True)
    np.testing.assert_allclose(logits.data, full[:, :4], atol=1e-5)
    for t in range(4, ids.shape[1]):
        step, past = model(ids[:, t : t + 1], past_kvs=past, use_cache=True)
        np.testing.assert_allclose(step.data[:, 0], full[:, t], atol=1e-4)


def test_cache_size_is_two_tensors_per_layer_and_grows_linearly():
    model = gpt(d_model=32, layers=3)
    assert kv_cache_bytes(model, batch=1, seq_len=10) == 2 * 3 * 10 * 32 * 4
    assert kv_cache_bytes(model, 2, 20) == 4 * kv_cache_bytes(model, 1, 10)
    assert kv_cache_bytes(model, 1, 10, bytes_per_value=1) * 4 == kv_cache_bytes(model, 1, 10)


def test_generation_past_the_context_length_is_refused():
    model = gpt(context=16)
    with pytest.raises(ValueError, match="context length"):
        generate_cached(model, PROMPT, 9)


def test_generation_restores_training_mode():
    model = gpt()
    model.train()
    generate_cached(model, PROMPT, 3)
    assert model.training


def test_cache_makes_long_generation_faster():
    model = gpt(d_model=128, layers=2, context=80)
    result = compare_generation(model, PROMPT, 48, repeats=1)
    assert result.identical
    # typically 2-3x here; a low bar keeps the test stable on a busy machine
    assert result.speedup > 1.3, result.table()


def _qkv(rng, t, b=2, h=3, hd=4):
    return [tt.Tensor(rng.standard_normal((b, h, t, hd)).astype(np.float32)) for _ in range(3)]


def test_kvcache_attending_step_by_step_equals_causal_attention_over_the_whole_sequence():
    from tinytorch.kvcache import KVCache
    from tinytorch.nn.attention import scaled_dot_product_attention

    rng = np.random.default_rng(0)
    q, k, v = _qkv(rng, 7)
    full = scaled_dot_product_attention(q, k, v, is_causal=True).data
    cache = KVCache(layers=2, batch=2, heads=3, max_len=10, head_dim=4)
    first = cache.attend(1, q[:, :, :3], k[:, :, :3], v[:, :, :3]).data  # a 3-token prompt
    np.testing.assert_allclose(first, full[:, :, :3], atol=1e-5,
                               err_msg="the prompt's queries must see only earlier keys")
    for t in range(3, 7):  # then one token at a time
        step = cache.attend(1, q[:, :, t:t + 1], k[:, :, t:t + 1], v[:, :, t:t + 1]).data
        np.testing.assert_allclose(step[:, :, 0], full[:, :, t], atol=1e-5,
                                   err_msg=f"query at position {t} attended wrongly")
    assert cache.lengths == [0, 7], "each layer counts its own positions"


def test_kvcache_append_writes_in_place_and_returns_every_position_so_far():
    from tinytorch.kvcache import KVCache

    rng = np.random.default_rng(1)
    cache = KVCache(layers=1, batch=2, heads=3, max_len=6, head_dim=4)
    assert cache.nbytes == 2 * 2 * 3 * 6 * 4 * 4  # allocated once, up front
    _, k1, v1 = _qkv(rng, 2)
    _, k2, v2 = _qkv(rng, 1)
    cache.append(0, k1, v1)
    keys, values = cache.append(0, k2, v2)
    assert keys.shape == (2, 3, 3, 4)
    np.testing.assert_array_equal(keys.data, np.concatenate([k1.data, k2.data], axis=2))
    np.testing.assert_array_equal(values.data[:, :, 2:], v2.data)
    assert np.shares_memory(keys.data, cache.keys), "append should return a view, not a copy"


@pytest.mark.parametrize(("layer", "t", "hd", "words"), [
    (0, 5, 4, "exceed max_len"), (2, 1, 4, "out of range"), (0, 1, 5, "must both be"),
], ids=["too-many-positions", "bad-layer", "wrong-head-dim"])
def test_kvcache_refuses_what_does_not_fit(layer, t, hd, words):
    from tinytorch.kvcache import KVCache

    rng = np.random.default_rng(2)
    cache = KVCache(layers=2, batch=2, heads=3, max_len=6, head_dim=4)
    cache.append(0, *_qkv(rng, 2)[1:])
    with pytest.raises(ValueError, match=words):
        cache.append(layer, *_qkv(rng, t, hd=hd)[1:])
