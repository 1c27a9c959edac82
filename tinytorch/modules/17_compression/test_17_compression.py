"""Module 17 tests: pruning removes the right weights, SVD is optimal, distillation trains."""

import numpy as np
import pytest
from tinytorch.compression import (
    apply_masks_,
    distillation_loss,
    low_rank,
    magnitude_masks,
    magnitude_prune_,
    prune_neurons,
    sparsity_report,
)

import tinytorch as tt
from tinytorch import nn


def mlp():
    tt.manual_seed(0)
    return nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 5))


def test_global_pruning_hits_the_requested_sparsity_and_removes_the_smallest_weights():
    model = mlp()
    before = {n: p.data.copy() for n, p in model.named_parameters()}
    magnitude_prune_(model, 0.6)
    total = sparsity_report(model)[-1]
    assert total.name == "total" and total.sparsity == pytest.approx(0.6, abs=1e-3)
    pruned = np.concatenate([np.abs(before[n])[p.data == 0] for n, p in model.named_parameters()
                             if p.ndim == 2])
    kept = np.concatenate([np.abs(p.data[p.data != 0]) for p in model.parameters() if p.ndim == 2])
    assert pruned.max() <= kept.min()


def test_layer_scope_prunes_every_layer_by_the_same_fraction():
    model = mlp()
    magnitude_prune_(model, 0.5, scope="layer")
    for row in sparsity_report(model)[:-1]:
        assert row.sparsity == pytest.approx(0.5, abs=1e-3)


def test_layer_scope_removes_each_layers_smallest_weights():
    model = mlp()
    masks = magnitude_masks(model, 0.5, scope="layer")
    for name, p in model.named_parameters():
        if name not in masks:
            continue
        w = np.abs(p.data)
        dropped, kept = w[~masks[name]], w[masks[name]]
        assert dropped.max() <= kept.min(), (
            f"{name}: every dropped weight must be smaller in magnitude than every kept one "
            f"(largest dropped {dropped.max():.4f}, smallest kept {kept.min():.4f})")


def test_biases_are_not_pruned_and_zero_amount_changes_nothing():
    model = mlp()
    bias = model[0].bias.data.copy()
    magnitude_prune_(model, 0.9)
    np.testing.assert_array_equal(model[0].bias.data, bias)
    fresh = mlp()
    masks = magnitude_masks(fresh, 0.0)
    assert all(m.all() for m in masks.values())


def test_masks_keep_pruned_weights_at_zero_after_training_steps():
    model = mlp()
    masks = magnitude_prune_(model, 0.5)
    opt = tt.optim.SGD(model.parameters(), lr=0.1)
    x, y = tt.randn(16, 20), np.arange(16) % 5
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    assert sparsity_report(model)[-1].sparsity < 0.5  # the step revived some weights ...
    apply_masks_(model, masks=masks)
    assert sparsity_report(model)[-1].sparsity == pytest.approx(0.5, abs=1e-3)  # ... masks fix it


def test_bad_pruning_arguments_are_rejected():
    with pytest.raises(ValueError):
        magnitude_masks(mlp(), 1.0)
    with pytest.raises(ValueError):
        magnitude_masks(mlp(), 0.5, scope="everything")
    with pytest.raises(KeyError):
        apply_masks_(mlp(), {"nope.weight": np.ones(1, dtype=bool)})


def test_removing_dead_neurons_gives_smaller_layers_with_the_same_outputs():
    model = mlp()
    dead = np.arange(0, 64, 2)  # half the hidden neurons never fire
    model[0].weight.data[dead] = 0.0
    model[0].bias.data[dead] = 0.0
    first, second, keep = prune_neurons(model[0], model[2], 0.5)
    assert first.weight.shape == (32, 20) and second.weight.shape == (5, 32)
    np.testing.assert_array_equal(keep, np.arange(1, 64, 2))
    small = nn.Sequential(first, nn.ReLU(), second)
    x = tt.randn(10, 20)
    np.testing.assert_allclose(small(x).data, model(x).data, rtol=1e-5, atol=1e-5)


def test_neuron_pruning_checks_that_the_layers_connect():
    with pytest.raises(ValueError, match="do not connect"):
        prune_neurons(nn.Linear(4, 8), nn.Linear(7, 2), 0.5)


def test_full_rank_factorisation_is_exact():
    tt.manual_seed(1)
    layer = nn.Linear(12, 9)
    fact = low_rank(layer, 9)
    x = tt.randn(5, 12)
    np.testing.assert_allclose(fact(x).data, layer(x).data, rtol=1e-4, atol=1e-5)


def test_truncated_svd_error_is_the_discarded_singular_values():
    tt.manual_seed(2)
    layer = nn.Linear(40, 30)
    fact = low_rank(layer, 5)
    a, b = fact[0].weight.data, fact[1].weight.data
    assert a.shape == (5, 40) and b.shape == (30, 5)
    s = np.linalg.svd(layer.weight.data.astype(np.float64), compute_uv=False)
    err = np.linalg.norm(layer.weight.data - b @ a)
    assert err == pytest.approx(np.sqrt((s[5:] ** 2).sum()), rel=1e-3)
    n_params = sum(p.numel() for p in fact.parameters())
    assert n_params == 5 * (40 + 30) + 30 < 40 * 30 + 30


def test_low_rank_rejects_impossible_ranks():
    with pytest.raises(ValueError):
        low_rank(nn.Linear(4, 3), 4)


def test_distillation_with_alpha_zero_is_plain_cross_entropy():
    s = tt.randn(6, 4)
    y = np.array([0, 1, 2, 3, 0, 1])
    loss = distillation_loss(s, tt.randn(6, 4), y, alpha=0.0)
    ce = nn.functional.cross_entropy(s, y)
    assert loss.item() == pytest.approx(ce.item(), rel=1e-5)


def test_matching_the_teacher_exactly_costs_nothing_in_the_soft_term():
    t = tt.randn(6, 4)
    loss = distillation_loss(tt.Tensor(t.data.copy()), t, np.zeros(6, dtype=np.int64), alpha=1.0)
    assert abs(loss.item()) < 1e-5


def test_distillation_gradient_matches_finite_differences_and_moves_towards_the_teacher():
    rng = np.random.default_rng(3)
    s0 = rng.standard_normal((3, 4)).astype(np.float64)
    t = rng.standard_normal((3, 4))
    y = np.array([1, 0, 3])
    s = tt.Tensor(s0, requires_grad=True, dtype=np.float64)
    distillation_loss(s, t, y, temperature=2.0, alpha=0.7).backward()
    eps = 1e-5
    for idx in [(0, 0), (1, 2), (2, 3)]:
        up, down = s0.copy(), s0.copy()
        up[idx] += eps
        down[idx] -= eps
        f = [distillation_loss(tt.Tensor(v, dtype=np.float64), t, y, 2.0, 0.7).item()
             for v in (up, down)]
        assert s.grad.data[idx] == pytest.approx((f[0] - f[1]) / (2 * eps), rel=1e-3, abs=1e-6)


def test_distillation_rejects_bad_temperature_and_alpha():
    with pytest.raises(ValueError):
        distillation_loss(tt.randn(2, 3), tt.randn(2, 3), np.zeros(2, dtype=np.int64), 0.0)
    with pytest.raises(ValueError):
        distillation_loss(tt.randn(2, 3), tt.randn(2, 3), np.zeros(2, dtype=np.int64), 2.0, 1.5)
