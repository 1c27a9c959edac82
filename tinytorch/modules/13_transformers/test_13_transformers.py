"""Module 13 - Transformers: pre-norm blocks and a small GPT that learns and generates."""

import numpy as np
import pytest

import tinytorch as tt
from tinytorch import nn, optim


def test_block_keeps_the_shape_and_is_residual():
    block = nn.TransformerBlock(16, 4)
    x = tt.Tensor(np.random.default_rng(0).standard_normal((2, 5, 16)))
    assert block(x).shape == (2, 5, 16)
    for p in block.parameters():  # zero sub-layers: the block must pass x through unchanged
        p.data[...] = 0.0
    np.testing.assert_allclose(block(x).numpy(), x.numpy(), atol=1e-6)


def test_block_is_causal():
    block = nn.TransformerBlock(8, 2)
    x = np.random.default_rng(1).standard_normal((1, 4, 8)).astype(np.float32)
    y1 = block(tt.Tensor(x)).numpy()
    x[:, -1] += 5.0
    np.testing.assert_allclose(block(tt.Tensor(x)).numpy()[:, :3], y1[:, :3], rtol=1e-5,
                               atol=1e-6)


def test_gpt_maps_token_ids_to_vocabulary_logits():
    gpt = nn.GPT(vocab_size=20, context_length=8, d_model=16, num_heads=2, num_layers=2)
    assert gpt(np.zeros((3, 8), dtype=np.int64)).shape == (3, 8, 20)
    assert len(gpt.blocks) == 2


def test_gpt_learns_a_repeating_sequence_and_generates_it_greedily():
    tt.manual_seed(0)
    seq = np.array([0, 1, 2, 3, 4, 5] * 5)
    gpt = nn.GPT(vocab_size=6, context_length=12, d_model=32, num_heads=4, num_layers=1)
    opt = optim.AdamW(gpt.parameters(), lr=1e-2, weight_decay=0.0)
    rng = np.random.default_rng(0)
    for _ in range(50):
        starts = rng.integers(0, 12, 8)
        batch = np.stack([seq[s:s + 13] for s in starts])
        opt.zero_grad()
        loss = nn.CrossEntropyLoss()(gpt(batch[:, :-1]), batch[:, 1:])
        loss.backward()
        opt.step()
    assert loss.item() < 0.15
    out = gpt.generate(np.array([[2, 3]]), max_new_tokens=8, temperature=0).numpy()
    assert out[0].tolist() == [2, 3, 4, 5, 0, 1, 2, 3, 4, 5]


def test_generate_respects_top_k_and_is_repeatable_with_a_seed():
    gpt = nn.GPT(vocab_size=30, context_length=6, d_model=8, num_heads=2, num_layers=1)
    prompt = np.array([[1, 2]])
    a = gpt.generate(prompt, 10, temperature=1.0, top_k=1, seed=0).numpy()
    greedy = gpt.generate(prompt, 10, temperature=0).numpy()
    np.testing.assert_array_equal(a, greedy)  # top-1 sampling is greedy
    s1 = gpt.generate(prompt, 10, temperature=1.5, seed=4).numpy()
    s2 = gpt.generate(prompt, 10, temperature=1.5, seed=4).numpy()
    np.testing.assert_array_equal(s1, s2)
    assert s1.shape == (1, 12)  # longer than the context: generate crops its input


def test_generate_checks_its_arguments():
    gpt = nn.GPT(vocab_size=5, context_length=4, d_model=8, num_heads=2, num_layers=1)
    with pytest.raises(ValueError, match="temperature"):
        gpt.generate(np.array([[0]]), 2, temperature=-1)
    with pytest.raises(ValueError, match="top_k"):
        gpt.generate(np.array([[0]]), 2, top_k=0)
