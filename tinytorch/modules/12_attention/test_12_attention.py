"""Module 12 - Attention: scaled dot-product, causal masks, multi-head attention."""

import numpy as np
import pytest
from tinytorch.nn.attention import causal_mask

import tinytorch as tt
from tinytorch import nn

F = nn.functional


def reference_attention(q, k, v, mask=None):
    s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, -np.inf, s)
    p = np.exp(s - s.max(-1, keepdims=True))
    return (p / p.sum(-1, keepdims=True)) @ v


def test_attention_matches_its_definition():
    rng = np.random.default_rng(0)
    q, k, v = (rng.standard_normal((2, 4, 3)).astype(np.float32) for _ in range(3))
    out = F.scaled_dot_product_attention(tt.Tensor(q), tt.Tensor(k), tt.Tensor(v))
    np.testing.assert_allclose(out.numpy(), reference_attention(q, k, v), rtol=1e-5, atol=1e-6)


def test_causal_mask_hides_the_future_including_with_a_cache():
    np.testing.assert_array_equal(causal_mask(3), [[0, 1, 1], [0, 0, 1], [0, 0, 0]])
    # 2 new queries after 3 cached positions: they sit at positions 3 and 4
    np.testing.assert_array_equal(causal_mask(2, 5), [[0, 0, 0, 0, 1], [0, 0, 0, 0, 0]])


def test_causal_attention_output_does_not_depend_on_future_tokens():
    mha = nn.MultiheadAttention(8, 2)
    x = np.random.default_rng(1).standard_normal((1, 6, 8)).astype(np.float32)
    y1 = mha(tt.Tensor(x), is_causal=True).numpy()
    x2 = x.copy()
    x2[:, 4:] = 100.0  # change the last two tokens
    y2 = mha(tt.Tensor(x2), is_causal=True).numpy()
    np.testing.assert_allclose(y1[:, :4], y2[:, :4], rtol=1e-5, atol=1e-6)
    assert not np.allclose(y1[:, 4:], y2[:, 4:])


def test_attention_weights_are_distributions():
    rng = np.random.default_rng(2)
    q, k, v = (tt.Tensor(rng.standard_normal((3, 5, 4))) for _ in range(3))
    _, w = F.scaled_dot_product_attention(q, k, v, is_causal=True, return_weights=True)
    np.testing.assert_allclose(w.numpy().sum(-1), 1.0, rtol=1e-5)
    assert np.all(np.triu(w.numpy()[0], 1) == 0)


def test_attention_gradients_match_finite_differences():
    rng = np.random.default_rng(3)
    q, k, v = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 5, 4)), \
        rng.standard_normal((2, 5, 2))
    mask = np.zeros((3, 5), dtype=bool)
    mask[0, 3:] = True
    assert tt.gradcheck(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, mask=mask),
                        q, k, v)


def test_multihead_attention_shapes_and_parameters():
    mha = nn.MultiheadAttention(12, 3)
    assert mha(tt.ones(2, 7, 12)).shape == (2, 7, 12)
    names = [n for n, _ in mha.named_parameters()]
    assert names == ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]
    with pytest.raises(ValueError, match="divisible"):
        nn.MultiheadAttention(10, 4)


def test_kv_cache_seam_reproduces_full_attention_step_by_step():
    mha = nn.MultiheadAttention(8, 2)
    x = tt.Tensor(np.random.default_rng(4).standard_normal((2, 5, 8)))
    full = mha(x, is_causal=True).numpy()
    out, kv = mha(x[:, :3], is_causal=True, use_cache=True)
    parts = [out.numpy()]
    for t in (3, 4):
        out, kv = mha(x[:, t:t + 1], is_causal=True, past_kv=kv, use_cache=True)
        parts.append(out.numpy())
    np.testing.assert_allclose(np.concatenate(parts, axis=1), full, rtol=1e-5, atol=1e-6)
