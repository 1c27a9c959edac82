"""Module 06 - Optimizers: SGD (momentum, Nesterov, weight decay), Adam, AdamW."""

import numpy as np
import pytest

import tinytorch as tt
from tinytorch import nn, optim


def quadratic_descent(make_opt, steps=200):
    """Minimise ||w - target||^2 from zero; return the final distance."""
    target = np.array([3.0, -2.0, 0.5], dtype=np.float32)
    w = nn.Parameter(np.zeros(3, dtype=np.float32))
    opt = make_opt([w])
    for _ in range(steps):
        opt.zero_grad()
        ((w - tt.Tensor(target)) ** 2).sum().backward()
        opt.step()
    return float(np.abs(w.numpy() - target).max())


@pytest.mark.parametrize("make_opt", [
    lambda p: optim.SGD(p, lr=0.1),
    lambda p: optim.SGD(p, lr=0.05, momentum=0.9),
    lambda p: optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True),
    lambda p: optim.Adam(p, lr=0.1),
    lambda p: optim.AdamW(p, lr=0.1, weight_decay=0.0),
], ids=["sgd", "momentum", "nesterov", "adam", "adamw"])
def test_every_optimizer_finds_the_minimum_of_a_quadratic(make_opt):
    assert quadratic_descent(make_opt) < 1e-2


def test_one_sgd_step_is_w_minus_lr_times_grad():
    w = nn.Parameter(np.array([1.0, 2.0], dtype=np.float32))
    (w * w).sum().backward()
    optim.SGD([w], lr=0.1).step()
    np.testing.assert_allclose(w.numpy(), [1 - 0.1 * 2, 2 - 0.1 * 4], rtol=1e-6)


def _two_steps(opt_factory, grads=(1.0, 1.0)):
    """Two steps from w = 1 with the given gradients; returns w after each step."""
    w = nn.Parameter(np.array([1.0], dtype=np.float32))
    opt = opt_factory([w])
    seen = []
    for g in grads:
        w.grad = tt.Tensor(np.array([g], dtype=np.float32))
        opt.step()
        seen.append(float(w.numpy()[0]))
    return seen


def test_sgd_weight_decay_adds_wd_times_w_to_the_gradient():
    # g_eff = g + wd * w = 1 + 0.5 * 1, so w = 1 - 0.1 * 1.5; decay pulls weights towards 0
    got = _two_steps(lambda p: optim.SGD(p, lr=0.1, weight_decay=0.5), grads=(1.0,))
    assert got[0] == pytest.approx(0.85, rel=1e-6), f"expected w = 0.85, got {got[0]}"


def test_momentum_and_nesterov_follow_their_update_rules():
    # momentum: buf = g, then buf = 0.9 buf + g; step = buf
    plain = _two_steps(lambda p: optim.SGD(p, lr=0.1, momentum=0.9))
    assert plain == pytest.approx([0.9, 0.9 - 0.1 * 1.9], rel=1e-6), plain
    # Nesterov looks ahead: step = g + 0.9 * buf
    ahead = _two_steps(lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True))
    assert ahead == pytest.approx([1 - 0.1 * 1.9, 0.81 - 0.1 * (1 + 0.9 * 1.9)], rel=1e-6), (
        f"Nesterov: expected w = 0.81 then 0.539, got {ahead}")


def test_first_adam_step_moves_each_weight_by_about_lr():
    w = nn.Parameter(np.array([1.0, -5.0, 100.0], dtype=np.float32))
    (w * tt.Tensor([0.001, 10.0, -3.0])).sum().backward()
    optim.Adam([w], lr=0.01).step()
    np.testing.assert_allclose(w.numpy(), [1 - 0.01, -5 - 0.01, 100 + 0.01], rtol=1e-5)


def test_adamw_decays_weights_even_with_zero_gradient_but_adam_l2_scales_it():
    w1 = nn.Parameter(np.array([1.0], dtype=np.float32))
    w1.grad = tt.zeros(1)
    optim.AdamW([w1], lr=0.1, weight_decay=0.5).step()
    assert w1.item() == pytest.approx(1 - 0.1 * 0.5)


def test_optimizer_updates_weights_in_place_so_layers_see_them():
    layer = nn.Linear(2, 1)
    w_obj, before = layer.weight, layer.weight.numpy().copy()
    layer(tt.ones(3, 2)).sum().backward()
    optim.SGD(layer.parameters(), lr=0.1).step()
    assert layer.weight is w_obj and not np.allclose(before, layer.weight.numpy())


def test_parameters_without_gradient_are_left_alone():
    a = nn.Parameter(np.ones(2, dtype=np.float32))
    b = nn.Parameter(np.ones(2, dtype=np.float32))
    (a * 2).sum().backward()
    optim.Adam([a, b], lr=0.1).step()
    np.testing.assert_array_equal(b.numpy(), [1, 1])


def test_zero_grad_and_param_groups():
    w = nn.Parameter(np.ones(2, dtype=np.float32))
    opt = optim.SGD([w], lr=0.3)
    (w * 2).sum().backward()
    opt.zero_grad()
    assert w.grad is None
    assert opt.param_groups[0]["lr"] == 0.3
