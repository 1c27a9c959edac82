"""Module 04 - Layers: Module registration, Linear, Sequential, state_dict."""

import numpy as np
import pytest

import tinytorch as tt
from tinytorch import nn


def test_linear_computes_x_w_transpose_plus_b():
    layer = nn.Linear(3, 2)
    assert layer.weight.shape == (2, 3) and layer.bias.shape == (2,)
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    expected = x @ layer.weight.numpy().T + layer.bias.numpy()
    np.testing.assert_allclose(layer(tt.Tensor(x)).numpy(), expected, rtol=1e-5)


def test_linear_init_is_bounded_by_one_over_sqrt_fan_in():
    w = nn.Linear(100, 50).weight.numpy()
    assert np.abs(w).max() <= 0.1 + 1e-7 and w.std() > 0.03


def test_linear_works_on_any_leading_dimensions():
    assert nn.Linear(8, 4)(tt.ones(2, 5, 8)).shape == (2, 5, 4)


def test_linear_gradients_match_finite_differences():
    layer = nn.Linear(3, 2)

    def f(x, w, b):
        layer.weight.data, layer.bias.data = w.numpy(), b.numpy()
        return nn.functional.linear(x, w, b)

    rng = np.random.default_rng(1)
    assert tt.gradcheck(f, rng.standard_normal((4, 3)), rng.standard_normal((2, 3)),
                        rng.standard_normal(2))


def test_parameters_of_nested_modules_are_found_automatically():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8))
            self.head = nn.Linear(8, 2)

        def forward(self, x):
            return self.head(self.body(x))

    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["body.0.weight", "body.0.bias", "body.2.weight", "body.2.bias",
                     "head.weight", "head.bias"]
    assert sum(p.numel() for p in net.parameters()) == 4 * 8 + 8 + 8 * 8 + 8 + 8 * 2 + 2
    assert net(tt.ones(3, 4)).shape == (3, 2)


def test_sequential_applies_layers_in_order():
    seq = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    x = tt.Tensor([[1.0, -1.0]])
    np.testing.assert_allclose(seq(x).numpy(), np.maximum(seq[0](x).numpy(), 0))
    assert len(seq) == 2


def test_train_and_eval_switch_every_submodule():
    seq = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.ReLU()))
    seq.eval()
    assert all(not m.training for m in seq.modules())
    seq.train()
    assert all(m.training for m in seq.modules())


def test_zero_grad_clears_every_parameter_gradient():
    seq = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    seq(tt.ones(4, 2)).sum().backward()
    assert all(p.grad is not None for p in seq.parameters())
    seq.zero_grad()
    assert all(p.grad is None for p in seq.parameters())


def test_state_dict_round_trip_and_mismatch_errors():
    a, b = nn.Linear(3, 2), nn.Linear(3, 2)
    b.load_state_dict(a.state_dict())
    x = tt.ones(1, 3)
    np.testing.assert_allclose(a(x).numpy(), b(x).numpy())
    with pytest.raises(ValueError, match=r"weight: expected shape \(2, 3\), got \(3, 3\)"):
        b.load_state_dict({"weight": np.zeros((3, 3)), "bias": np.zeros(2)})
    with pytest.raises(ValueError, match="missing keys: bias"):
        b.load_state_dict({"weight": np.zeros((2, 3))})


def test_activation_layers_wrap_the_functions():
    x = tt.Tensor([-1.0, 1.0])
    np.testing.assert_allclose(nn.ReLU()(x).numpy(), [0, 1])
    np.testing.assert_allclose(nn.Softmax()(x).numpy().sum(), 1.0, rtol=1e-6)
    assert nn.GELU()(x).shape == (2,)
    assert nn.Flatten()(tt.ones(2, 3, 4)).shape == (2, 12)
