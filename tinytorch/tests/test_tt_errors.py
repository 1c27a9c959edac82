"""Mistakes a learner makes get a message naming the op and the shapes, not a numpy traceback."""

from __future__ import annotations

import numpy as np
import pytest
import tinytorch.nn.functional as F

import tinytorch as tt
from tinytorch import nn, optim


def test_matmul_shape_mismatch_names_op_and_both_shapes():
    with pytest.raises(ValueError, match=r"matmul: shapes \(3, 4\) and \(5, 2\) are not aligned"):
        tt.ones(3, 4) @ tt.ones(5, 2)


def test_broadcast_mismatch_names_op_and_shapes():
    with pytest.raises(ValueError, match=r"add: shapes \(3,\) and \(4,\) cannot be broadcast"):
        tt.ones(3) + tt.ones(4)
    with pytest.raises(ValueError, match=r"mul: shapes \(2, 3\) and \(2,\)"):
        tt.ones(2, 3) * tt.ones(2)


def test_reshape_to_wrong_size_says_how_many_elements():
    with pytest.raises(ValueError, match=r"reshape: cannot reshape tensor of shape \(2, 3\) "
                                         r"\(6 elements\) into \(4, 2\)"):
        tt.ones(2, 3).reshape(4, 2)


def test_backward_on_non_scalar_without_gradient_explains_what_to_pass():
    x = tt.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"scalar output.*shape \(2, 3\).*gradient="):
        (x * 2).backward()


def test_backward_on_tensor_that_does_not_require_grad_says_so():
    with pytest.raises(RuntimeError, match="does not require grad"):
        (tt.ones(3) * 2).sum().backward()


def test_backward_through_freed_graph_says_retain_graph():
    x = tt.ones(3, requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time.*retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward_that_accumulates():
    x = tt.Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 8.0])


def test_backward_with_wrong_gradient_shape():
    x = tt.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"gradient has shape \(3,\).*\(2, 3\)"):
        (x * 2).backward(gradient=np.ones(3))


def test_integer_tensors_cannot_require_grad():
    with pytest.raises(TypeError, match="floating-point"):
        tt.Tensor(np.arange(3), requires_grad=True)


def test_item_on_many_elements():
    with pytest.raises(ValueError, match=r"item\(\).*shape \(3,\)"):
        tt.ones(3).item()


def test_linear_with_wrong_input_features():
    with pytest.raises(ValueError, match=r"linear: input of shape \(2, 5\).*\(3, 4\)"):
        nn.Linear(4, 3)(tt.ones(2, 5))


def test_conv_with_wrong_channels_and_wrong_rank():
    with pytest.raises(ValueError, match="conv2d: input has 2 channels.*expects 3"):
        nn.Conv2d(3, 4, 3)(tt.ones(1, 2, 8, 8))
    with pytest.raises(ValueError, match=r"conv2d: expected input of shape \(N, C, H, W\)"):
        nn.Conv2d(3, 4, 3)(tt.ones(3, 8, 8))


def test_cross_entropy_target_problems():
    logits = tt.ones(4, 3)
    with pytest.raises(ValueError, match=r"need targets of shape \(4,\), got \(3,\)"):
        F.cross_entropy(logits, np.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"target ids must be in \[0, 3\)"):
        F.cross_entropy(logits, np.array([0, 1, 2, 3]))
    with pytest.raises(TypeError, match="integer class ids"):
        F.cross_entropy(logits, np.array([0.5, 1, 2, 0]))


def test_mse_shape_mismatch():
    with pytest.raises(ValueError, match=r"mse_loss: prediction shape \(3, 1\) and target "
                                         r"shape \(3,\)"):
        F.mse_loss(tt.ones(3, 1), tt.ones(3))


def test_embedding_out_of_range_ids():
    with pytest.raises(IndexError, match="ids from 0 to 10 for a table of 10 rows"):
        nn.Embedding(10, 4)(np.array([0, 10]))


def test_load_state_dict_reports_every_problem_at_once():
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    state = model.state_dict()
    del state["1.bias"]
    state["0.weight"] = np.zeros((5, 3))
    state["2.weight"] = np.zeros(1)
    with pytest.raises(ValueError) as info:
        model.load_state_dict(state)
    msg = str(info.value)
    assert "missing keys: 1.bias" in msg
    assert "unexpected keys: 2.weight" in msg
    assert "0.weight: expected shape (4, 3), got (5, 3)" in msg


def test_module_without_super_init_is_explained():
    class Broken(nn.Module):
        def __init__(self):
            self.layer = nn.Linear(2, 2)

    with pytest.raises(RuntimeError, match=r"super\(\).__init__\(\)"):
        Broken()


def test_optimizer_rejects_empty_and_bad_parameters():
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="expected Tensors"):
        optim.Adam([np.zeros(3)])


def test_attention_heads_must_divide_width():
    with pytest.raises(ValueError, match="embed_dim 10 is not divisible by num_heads 3"):
        nn.MultiheadAttention(10, 3)


def test_gpt_rejects_sequences_longer_than_its_context():
    gpt = nn.GPT(vocab_size=5, context_length=4, d_model=8, num_heads=2, num_layers=1)
    with pytest.raises(ValueError, match="5 tokens is longer than the context length 4"):
        gpt(np.zeros((1, 5), dtype=np.int64))


def test_in_place_assignment_into_a_tensor_that_requires_grad():
    x = tt.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="no_grad"):
        x[0] = 5.0
    with tt.no_grad():
        x[0] = 5.0
    assert x.numpy()[0] == 5.0


def test_backward_without_autograd_module_explains_which_module_adds_it(monkeypatch):
    import sys

    monkeypatch.setattr(sys.modules["tinytorch.tensor"], "_engine", None)
    with pytest.raises(RuntimeError, match="module 02"):
        tt.Tensor([1.0]).backward()
