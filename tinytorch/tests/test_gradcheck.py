"""Every differentiable op against central finite differences (float64), over random shapes."""

from __future__ import annotations

import numpy as np
import pytest
import tinytorch.nn.functional as F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from tinytorch.autograd import gradcheck

import tinytorch as tt

SETTINGS = settings(max_examples=15, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

dims = st.integers(1, 4)
shapes = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)


def arrays(shape, lo=-2.0, hi=2.0):
    return hnp.arrays(np.float64, shape, elements=st.floats(lo, hi, allow_nan=False,
                                                             allow_subnormal=False))


@st.composite
def broadcast_pair(draw):
    """Two shapes that broadcast together (some dims of one set to 1 or dropped)."""
    shape = draw(shapes)
    other = list(shape)
    for i in range(len(other)):
        if draw(st.booleans()):
            other[i] = 1
    drop = draw(st.integers(0, len(other) - 1))
    return shape, tuple(other[drop:])


BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 1.0),
    "pow": lambda a, b: (a * a + 1.0) ** b,
    "where": lambda a, b: tt.where(a.data > 0, a, b),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@SETTINGS
@given(data=st.data())
def test_binary_ops_with_broadcasting_match_finite_differences(name, data):
    sa, sb = data.draw(broadcast_pair())
    if data.draw(st.booleans()):
        sa, sb = sb, sa
    a = data.draw(arrays(sa))
    b = data.draw(arrays(sb))
    if name == "where":
        a = a + np.where(np.abs(a) < 1e-3, 0.1, 0.0)  # keep away from the switch point
    gradcheck(BINARY[name], a, b)


UNARY = {
    "neg": lambda x: -x,
    "exp": lambda x: x.exp(),
    "log": lambda x: (x * x + 0.5).log(),
    "sqrt": lambda x: (x * x + 0.5).sqrt(),
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "pow_scalar": lambda x: (x * x + 1.0) ** 1.5,
    "rpow": lambda x: 2.0 ** x,
    "sum_all": lambda x: x.sum(),
    "mean_all": lambda x: x.mean(),
    "sum_axis": lambda x: x.sum(axis=-1),
    "mean_keepdims": lambda x: x.mean(axis=0, keepdims=True),
    "var": lambda x: x.var(axis=-1),
    "reshape": lambda x: x.reshape(-1) * tt.arange(x.numel()).float().double(),
    "transpose": lambda x: x.T * 2.0,
    "getitem_slice": lambda x: x[..., :1] * 3.0,
    "getitem_fancy_repeats": lambda x: x.reshape(-1)[tt.Tensor(np.array([0, 0, -1]))],
    "clone": lambda x: x.clone() * x,
    "expand": lambda x: x.unsqueeze(0).expand((3,) + x.shape),
    "softmax": lambda x: F.softmax(x, axis=-1),
    "log_softmax": lambda x: F.log_softmax(x, axis=0),
    "gelu": lambda x: F.gelu(x),
    "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@SETTINGS
@given(data=st.data())
def test_unary_ops_match_finite_differences(name, data):
    gradcheck(UNARY[name], data.draw(arrays(data.draw(shapes))))


KINKED = {  # non-smooth at 0 or at ties: inputs are kept away from the kinks
    "relu": lambda x: x.relu(),
    "abs": lambda x: x.abs(),
    "leaky_relu": lambda x: F.leaky_relu(x, 0.1),
    "clip": lambda x: x.clip(-1.0, 1.0),
    "max_axis": lambda x: x.max(axis=-1),
    "min_all": lambda x: x.min(),
}


@pytest.mark.parametrize("name", sorted(KINKED))
@SETTINGS
@given(data=st.data())
def test_piecewise_ops_match_finite_differences_away_from_kinks(name, data):
    shape = data.draw(shapes)
    n = int(np.prod(shape))
    # distinct values, at least 0.05 apart and away from 0 and +-1
    base = np.arange(1, n + 1) * 0.37 + 0.05
    perm = data.draw(st.permutations(range(n)))
    signs = data.draw(hnp.arrays(np.float64, n, elements=st.sampled_from([-1.0, 1.0])))
    x = (base[list(perm)] % 1.7 + 0.1) * signs
    x = np.where(np.abs(np.abs(x) - 1.0) < 0.05, x * 1.1, x).reshape(shape)
    gradcheck(KINKED[name], x)


@SETTINGS
@given(data=st.data(), n=dims, k=dims, m=dims, batch=st.integers(0, 2))
def test_matmul_including_batched_and_broadcast_batches(data, n, k, m, batch):
    lead = (2,) * batch
    a = data.draw(arrays(lead + (n, k)))
    b = data.draw(arrays((k, m)))
    gradcheck(lambda x, y: x @ y, a, b)
    gradcheck(lambda x, y: y @ x, data.draw(arrays((m, n))), b)


def test_matmul_with_vectors():
    rng = np.random.default_rng(0)
    gradcheck(lambda v, w: v @ w, rng.standard_normal(3), rng.standard_normal((3, 2)))
    gradcheck(lambda w, v: w @ v, rng.standard_normal((2, 3)), rng.standard_normal(3))


@SETTINGS
@given(data=st.data(), axis=st.integers(0, 1))
def test_cat_and_stack_route_gradients_to_each_input(data, axis):
    a = data.draw(arrays((2, 3)))
    b = data.draw(arrays((2, 3)))
    gradcheck(lambda x, y: tt.cat([x, y * 2.0, x], axis=axis), a, b)
    gradcheck(lambda x, y: tt.stack([x, y], axis=axis) * 3.0, a, b)


def test_shared_subgraph_gets_the_sum_of_both_paths():
    rng = np.random.default_rng(1)

    def f(x):
        h = x.tanh()          # used by three consumers below
        return h * h + h.exp() * x - (h @ h.T).sum(axis=0, keepdims=True)

    gradcheck(f, rng.standard_normal((3, 3)))


def test_deep_chain_of_a_thousand_ops_needs_no_recursion():
    x = tt.Tensor(np.array([0.5]), requires_grad=True)
    y = x
    for _ in range(3000):
        y = y * 1.0001 + 0.0
    y.sum().backward()
    assert x.grad.data[0] == pytest.approx(1.0001 ** 3000, rel=1e-3)


def test_deep_chain_gradcheck():
    def f(x):
        for _ in range(30):
            x = (x * 0.9).tanh() + x * 0.1
        return x

    gradcheck(f, np.random.default_rng(2).standard_normal((2, 3)))
