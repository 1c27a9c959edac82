"""Module 02 - Autograd: backward() fills .grad through every op by the chain rule."""

import numpy as np
import pytest

import tinytorch as tt


def test_gradient_of_a_product():
    a = tt.Tensor([2.0, 3.0], requires_grad=True)
    b = tt.Tensor([5.0, 7.0], requires_grad=True)
    (a * b).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [5, 7])
    np.testing.assert_allclose(b.grad.numpy(), [2, 3])


def test_chain_rule_through_several_ops():
    x = tt.Tensor([0.5], requires_grad=True)
    y = (x * x + 1.0).log().exp() * 3.0     # = 3 (x^2 + 1)
    y.sum().backward()
    assert x.grad.item() == pytest.approx(3.0, rel=1e-5)  # 6x at 0.5


def test_a_tensor_used_twice_gets_both_contributions():
    x = tt.Tensor([3.0], requires_grad=True)
    (x * x + x).sum().backward()
    assert x.grad.item() == pytest.approx(7.0)  # 2x + 1


def test_broadcast_gradients_are_summed_back_to_the_input_shape():
    x = tt.ones(4, 3, requires_grad=True)
    b = tt.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x + b).sum().backward()
    assert b.grad.shape == (3,)
    np.testing.assert_allclose(b.grad.numpy(), [4, 4, 4])


def test_matmul_gradients():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    assert tt.gradcheck(lambda x, y: x @ y, a, b)


@pytest.mark.parametrize("fn", [
    lambda x: x.exp(), lambda x: x.tanh(), lambda x: x.sigmoid(),
    lambda x: (x * x + 1.0).sqrt(), lambda x: (x * x + 1.0).log(), lambda x: x ** 3,
    lambda x: x / (x * x + 1.0), lambda x: x - 2.0 * x, lambda x: x.mean(axis=0),
    lambda x: x.sum(axis=1, keepdims=True), lambda x: x.reshape(-1), lambda x: x.T,
    lambda x: x[1:, ::2], lambda x: x.max(axis=1),
], ids=["exp", "tanh", "sigmoid", "sqrt", "log", "pow", "div", "sub", "mean", "sum",
        "reshape", "transpose", "slice", "max"])
def test_every_op_matches_finite_differences(fn):
    x = np.array([[0.3, -1.2, 0.8], [1.5, 0.1, -0.4]])
    assert tt.gradcheck(fn, x)


def test_relu_gradient_passes_only_positive_inputs():
    x = tt.Tensor([-2.0, 3.0], requires_grad=True)
    x.relu().sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0, 1])


def test_backward_on_a_non_scalar_needs_a_gradient():
    x = tt.ones(2, 2, requires_grad=True)
    with pytest.raises(RuntimeError, match="scalar"):
        (x * 2).backward()
    (x * 2).backward(gradient=np.ones((2, 2)))
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.ones((2, 2)))


def test_backward_on_something_without_grad_is_an_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        tt.ones(2).sum().backward()


def test_graph_is_freed_unless_retained():
    x = tt.Tensor([1.0], requires_grad=True)
    y = (x * 2).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()


def test_no_grad_builds_no_graph():
    x = tt.ones(3, requires_grad=True)
    with tt.no_grad():
        y = x * 2
    assert not y.requires_grad


def test_detach_cuts_the_graph():
    x = tt.Tensor([2.0], requires_grad=True)
    y = (x * x.detach()).sum()
    y.backward()
    assert x.grad.item() == pytest.approx(2.0)  # the detached factor is a constant


def test_deep_chains_do_not_hit_the_recursion_limit():
    x = tt.Tensor([1.0], requires_grad=True)
    y = x
    for _ in range(2000):
        y = y + 0.0
    y.sum().backward()
    assert x.grad.item() == 1.0
