"""Module 01 - Tensors: the forward maths of the Tensor class (no gradients yet)."""

import numpy as np
import pytest

import tinytorch as tt


def test_tensor_holds_float32_data_with_shape_and_ndim():
    t = tt.Tensor([[1, 2, 3], [4, 5, 6]])
    assert t.shape == (2, 3)
    assert t.ndim == 2
    assert t.dtype == np.float32
    np.testing.assert_array_equal(t.numpy(), [[1, 2, 3], [4, 5, 6]])


def test_integer_numpy_arrays_keep_their_dtype_for_labels():
    assert tt.Tensor(np.array([0, 2, 1])).dtype == np.int64


def test_elementwise_arithmetic_broadcasts_like_numpy():
    a = tt.Tensor([[1.0], [2.0]])       # (2, 1)
    b = tt.Tensor([10.0, 20.0, 30.0])   # (3,)
    np.testing.assert_allclose((a + b).numpy(), [[11, 21, 31], [12, 22, 32]])
    np.testing.assert_allclose((a * b).numpy(), [[10, 20, 30], [20, 40, 60]])
    np.testing.assert_allclose((b - a).numpy(), [[9, 19, 29], [8, 18, 28]])
    np.testing.assert_allclose((b / a).numpy(), [[10, 20, 30], [5, 10, 15]])


def test_python_numbers_work_on_either_side():
    x = tt.Tensor([1.0, 2.0, 4.0])
    np.testing.assert_allclose((2 * x + 1).numpy(), [3, 5, 9])
    np.testing.assert_allclose((1 - x).numpy(), [0, -1, -3])
    np.testing.assert_allclose((8 / x).numpy(), [8, 4, 2])
    np.testing.assert_allclose((x ** 2).numpy(), [1, 4, 16])
    np.testing.assert_allclose((-x).numpy(), [-1, -2, -4])


def test_matmul_multiplies_matrices_and_batches():
    a = tt.Tensor(np.arange(6).reshape(2, 3))
    b = tt.Tensor(np.arange(12).reshape(3, 4))
    np.testing.assert_allclose((a @ b).numpy(), np.arange(6).reshape(2, 3) @ np.arange(12).reshape(3, 4))
    batch = tt.ones(5, 2, 3) @ tt.ones(3, 4)
    assert batch.shape == (5, 2, 4)


def test_matmul_with_misaligned_shapes_names_both_shapes():
    with pytest.raises(ValueError, match=r"matmul: shapes \(3, 4\) and \(5, 2\) are not aligned"):
        tt.ones(3, 4) @ tt.ones(5, 2)


def test_reductions_over_axes_with_and_without_keepdims():
    x = tt.Tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
    assert x.sum().item() == 21
    np.testing.assert_allclose(x.sum(axis=0).numpy(), [5, 7, 9])
    assert x.mean(axis=1, keepdims=True).shape == (2, 1)
    np.testing.assert_allclose(x.max(axis=1).numpy(), [5, 6])
    np.testing.assert_allclose(x.min(axis=0).numpy(), [1, 2, 3])


def test_elementwise_functions():
    x = tt.Tensor([-1.0, 0.0, 2.0])
    np.testing.assert_allclose(x.relu().numpy(), [0, 0, 2])
    np.testing.assert_allclose(x.exp().numpy(), np.exp([-1, 0, 2]), rtol=1e-6)
    np.testing.assert_allclose(x.tanh().numpy(), np.tanh([-1, 0, 2]), rtol=1e-6)
    np.testing.assert_allclose(x.sigmoid().numpy(), 1 / (1 + np.exp([1, 0, -2])), rtol=1e-6)
    np.testing.assert_allclose(tt.Tensor([1.0, 4.0]).sqrt().numpy(), [1, 2])
    np.testing.assert_allclose(tt.Tensor([1.0, np.e]).log().numpy(), [0, 1], atol=1e-6)


def test_sigmoid_does_not_overflow_for_huge_inputs():
    with np.errstate(over="raise"):
        s = tt.Tensor([-1000.0, 1000.0]).sigmoid().numpy()
    np.testing.assert_allclose(s, [0, 1])


def test_reshape_transpose_and_indexing():
    x = tt.Tensor(np.arange(12.0).reshape(3, 4))
    assert x.reshape(4, 3).shape == (4, 3)
    assert x.reshape(-1).shape == (12,)
    assert x.T.shape == (4, 3)
    assert x.permute(1, 0).shape == (4, 3)
    np.testing.assert_array_equal(x[1].numpy(), [4, 5, 6, 7])
    np.testing.assert_array_equal(x[:, 1:3].numpy(), [[1, 2], [5, 6], [9, 10]])


def test_comparisons_give_booleans():
    x = tt.Tensor([1.0, 2.0, 3.0])
    np.testing.assert_array_equal((x > 1.5).numpy(), [False, True, True])
    assert (x == tt.Tensor([1.0, 0.0, 3.0])).sum().item() == 2


def test_factories():
    assert tt.zeros(2, 3).numpy().sum() == 0
    assert tt.ones(4).numpy().sum() == 4
    np.testing.assert_array_equal(tt.arange(4).numpy(), [0, 1, 2, 3])
    np.testing.assert_array_equal(tt.randn(3, 2, seed=0).numpy(), tt.randn(3, 2, seed=0).numpy())
    assert tt.cat([tt.ones(2, 2), tt.zeros(3, 2)]).shape == (5, 2)
    assert tt.stack([tt.ones(2), tt.ones(2)]).shape == (2, 2)


def test_item_and_repr():
    assert tt.Tensor([[3.5]]).item() == 3.5
    assert "tensor(" in repr(tt.Tensor([1.0, 2.0]))
