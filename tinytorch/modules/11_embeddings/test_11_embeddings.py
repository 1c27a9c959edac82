"""Module 11 - Embeddings: lookup tables and positional information."""

import numpy as np

import tinytorch as tt
from tinytorch import nn


def test_embedding_returns_the_rows_of_its_table():
    emb = nn.Embedding(10, 4)
    ids = np.array([[1, 5, 1]])
    out = emb(ids)
    assert out.shape == (1, 3, 4)
    np.testing.assert_array_equal(out.numpy()[0, 0], emb.weight.numpy()[1])
    np.testing.assert_array_equal(out.numpy()[0, 2], emb.weight.numpy()[1])


def test_embedding_gradient_adds_up_for_repeated_ids():
    emb = nn.Embedding(5, 2)
    out = emb(np.array([3, 3, 0]))
    out.sum().backward()
    expected = np.zeros((5, 2))
    expected[3] = 2
    expected[0] = 1
    np.testing.assert_array_equal(emb.weight.grad.numpy(), expected)


def test_sinusoidal_encoding_follows_the_formula():
    pe = nn.SinusoidalPositionalEncoding(50, 8).pe.numpy()
    pos, i = 7, 2
    assert pe[pos, 2 * i] == np.float32(np.sin(pos / 10000 ** (2 * i / 8)))
    np.testing.assert_allclose(pe[pos, 2 * i + 1], np.cos(pos / 10000 ** (2 * i / 8)), rtol=1e-6)
    np.testing.assert_allclose(pe[0, 1::2], 1.0)


def test_sinusoidal_encoding_is_added_with_an_offset_for_caching():
    enc = nn.SinusoidalPositionalEncoding(20, 4)
    x = tt.zeros(2, 3, 4)
    np.testing.assert_array_equal(enc(x, start=5).numpy()[0], enc.pe.numpy()[5:8])


def test_learned_positions_are_parameters_that_receive_gradients():
    pos = nn.LearnedPositionalEmbedding(16, 4)
    assert [n for n, _ in pos.named_parameters()] == ["weight"]
    pos(tt.ones(2, 3, 4)).sum().backward()
    g = pos.weight.grad.numpy()
    np.testing.assert_array_equal(g[:3], 2.0)
    np.testing.assert_array_equal(g[3:], 0.0)


def test_positions_beyond_the_table_are_rejected():
    import pytest
    with pytest.raises(ValueError, match="exceed"):
        nn.LearnedPositionalEmbedding(4, 2)(tt.ones(1, 5, 2))
