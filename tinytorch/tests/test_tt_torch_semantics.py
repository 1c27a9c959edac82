"""Behaviours where TinyTorch once differed from PyTorch 2.13, each pinned to PyTorch's answer.

The expected values are PyTorch's (checked against torch 2.13 by hand; the parity suite in
test_torch_parity.py compares live when torch is installed)."""

from __future__ import annotations

import ast
import importlib
import inspect

import numpy as np
import pytest
import tinytorch.nn.functional as F

import tinytorch as tt
from tinytorch import autograd

# the module, not the `tinytorch.tensor` factory function of the same name
tensor_module = importlib.import_module("tinytorch.tensor")


def test_a_dot_product_of_a_vector_with_itself_backpropagates() -> None:
    a = tt.arange(3.0)
    a.requires_grad_()
    (a @ a).backward()
    np.testing.assert_allclose(a.grad.numpy(), [0.0, 2.0, 4.0])


def test_gelu_accepts_a_zero_dimensional_tensor() -> None:
    out = F.gelu(tt.tensor(1.0))
    assert out.shape == ()
    assert out.item() == pytest.approx(0.8413447, rel=1e-6)


def test_sigmoid_of_a_large_negative_number_is_tiny_not_zero() -> None:
    x = tt.tensor(-20.0)
    assert x.sigmoid().item() == pytest.approx(2.0611537e-09, rel=1e-5)
    assert x.sigmoid().log().item() == pytest.approx(-20.0, rel=1e-6)
    assert tt.tensor(40.0).sigmoid().item() == 1.0


def test_var_is_unbiased_by_default_as_in_pytorch() -> None:
    x = tt.tensor([1.0, 2.0, 3.0, 4.0])
    assert x.var().item() == pytest.approx(5.0 / 3.0)
    assert x.var(unbiased=False).item() == pytest.approx(1.25)


def test_the_gradient_of_x_to_the_zero_at_zero_is_zero_not_nan() -> None:
    x = tt.tensor(0.0, requires_grad=True)
    (x ** 0).backward()
    assert x.grad.item() == 0.0


def test_expand_keeps_a_dimension_given_as_minus_one() -> None:
    assert tt.ones(3, 1).expand(-1, 4).shape == (3, 4)
    with pytest.raises(ValueError, match="new leading ones need a size"):
        tt.ones(3).expand(-1, 3)


@pytest.mark.parametrize("make", [
    lambda: tt.arange(5) * 0.5,
    lambda: tt.arange(5) / tt.arange(1, 6),
    lambda: 1.5 + tt.arange(3),
], ids=["int-times-float", "int-over-int", "float-plus-int"])
def test_integer_and_float_arithmetic_stays_float32(make) -> None:
    assert make().dtype == np.float32


def test_float64_inputs_still_give_float64() -> None:
    assert (tt.tensor([1.0], dtype=np.float64) * 2).dtype == np.float64


def test_transposing_a_vector_past_its_dimensions_is_an_index_error() -> None:
    with pytest.raises(IndexError, match=r"expected to be in range of \[-1, 0\], but got 1"):
        tt.arange(3).transpose(0, 1)
    assert tt.arange(3).transpose(0, 0).shape == (3,)


def test_changing_a_saved_input_in_place_makes_backward_refuse() -> None:
    w = tt.ones(3, requires_grad=True)
    x = tt.ones(3)
    y = (w * x).sum()
    x[0] = 5.0  # w's gradient is x: it would now read 5 instead of 1
    with pytest.raises(RuntimeError, match="input 1 of MulBackward was modified by an in-place"):
        y.backward()


def test_changing_a_saved_output_in_place_makes_backward_refuse() -> None:
    x = tt.ones(3, requires_grad=True)
    y = x.exp()
    with tt.no_grad():
        y[0] = 0.0  # exp's rule reads its own output
    with pytest.raises(RuntimeError, match="its output of ExpBackward was modified"):
        y.sum().backward()


def test_an_unmodified_graph_still_differentiates() -> None:
    x = tt.ones(3)
    w = tt.ones(3, requires_grad=True)
    (w * x).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), 1.0)


def test_a_rule_for_a_misspelt_op_is_an_error_where_it_is_defined() -> None:
    with pytest.raises(ValueError, match=r"rule\('ad'\): no Tensor op is called 'ad'"):
        autograd.rule("ad")


def test_an_op_naming_an_unknown_rule_fails_when_it_runs_even_without_grad() -> None:
    with pytest.raises(ValueError, match="no op is called 'addd'"):
        tensor_module._op(np.zeros(1), (), "addd")


def test_every_op_name_has_a_rule_and_every_name_used_in_tensor_py_is_listed() -> None:
    assert tensor_module.OP_NAMES <= autograd.RULES.keys()
    tree = ast.parse(inspect.getsource(tensor_module))
    used = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_op":
            used |= {a.value for a in node.args[2:3] if isinstance(a, ast.Constant)}
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "_binary":
            used |= {a.value for a in node.args[1:2] if isinstance(a, ast.Constant)}
    assert used and used <= tensor_module.OP_NAMES, used - tensor_module.OP_NAMES
