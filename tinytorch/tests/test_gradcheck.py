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

SETTINGS = settings(max_examples=25, deadline=None,
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
    "var": lambda x: x.var(axis=-1, unbiased=False),  # unbiased: nan for one element
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


# --------------------------------------------------------------------------- fused layer ops
@SETTINGS
@given(data=st.data(), lead=hnp.array_shapes(min_dims=1, max_dims=2, max_side=3),
       din=dims, dout=dims, bias=st.booleans())
def test_fused_linear(data, lead, din, dout, bias):
    x = data.draw(arrays(lead + (din,)))
    w = data.draw(arrays((dout, din)))
    if bias:
        gradcheck(lambda a, b, c: F.linear(a, b, c), x, w, data.draw(arrays((dout,))))
    else:
        gradcheck(lambda a, b: F.linear(a, b), x, w)


@SETTINGS
@given(data=st.data(), n=st.integers(1, 2), c=st.integers(1, 3), o=st.integers(1, 3),
       h=st.integers(3, 6), w=st.integers(3, 6), k=st.integers(1, 3), stride=st.integers(1, 2),
       pad=st.integers(0, 1))
def test_conv2d_over_random_geometry(data, n, c, o, h, w, k, stride, pad):
    x = data.draw(arrays((n, c, h, w)))
    wt = data.draw(arrays((o, c, k, k)))
    b = data.draw(arrays((o,)))
    gradcheck(lambda a, ww, bb: F.conv2d(a, ww, bb, stride=stride, padding=pad), x, wt, b)


@SETTINGS
@given(data=st.data(), h=st.integers(2, 6), w=st.integers(2, 6), k=st.integers(1, 3),
       stride=st.integers(1, 3))
def test_pooling_over_random_geometry(data, h, w, k, stride):
    k = min(k, h, w)
    pad = data.draw(st.integers(0, k // 2))
    n = 2 * h * w
    # distinct values so the max is never tied
    x = (np.array(data.draw(st.permutations(range(n)))) / 7.0).reshape(1, 2, h, w)
    gradcheck(lambda a: F.max_pool2d(a, k, stride, pad), x)
    gradcheck(lambda a: F.avg_pool2d(a, k, stride, pad), x)


@SETTINGS
@given(data=st.data(), shape=hnp.array_shapes(min_dims=2, max_dims=4, min_side=2, max_side=4))
def test_batch_norm_and_layer_norm(data, shape):
    x = data.draw(arrays(shape))
    x = x + np.linspace(0, 1, x.size).reshape(shape)  # never constant along an axis
    c = shape[1]
    w, b = data.draw(arrays((c,))), data.draw(arrays((c,)))
    gradcheck(lambda a, ww, bb: F.batch_norm(a, None, None, ww, bb, training=True), x, w, b)
    d = shape[-1]
    wl, bl = data.draw(arrays((d,))), data.draw(arrays((d,)))
    gradcheck(lambda a, ww, bb: F.layer_norm(a, (d,), ww, bb), x, wl, bl)


@SETTINGS
@given(data=st.data(), v=st.integers(1, 5), d=dims, shape=hnp.array_shapes(max_dims=2,
                                                                              max_side=4))
def test_embedding_with_repeated_ids(data, v, d, shape):
    ids = data.draw(hnp.arrays(np.int64, shape, elements=st.integers(0, v - 1)))
    gradcheck(lambda w: F.embedding(ids, w), data.draw(arrays((v, d))))


@SETTINGS
@given(data=st.data(), b=st.integers(1, 2), tq=st.integers(1, 4), extra=st.integers(0, 2),
       d=dims, causal=st.booleans())
def test_attention_with_and_without_causal_mask(data, b, tq, extra, d, causal):
    tk = tq + extra
    q, k, v = (data.draw(arrays((b, t, d))) for t in (tq, tk, tk))
    gradcheck(lambda x, y, z: F.scaled_dot_product_attention(x, y, z, is_causal=causal), q, k, v)


@SETTINGS
@given(data=st.data(), n=st.integers(1, 5), c=st.integers(2, 5),
       reduction=st.sampled_from(["mean", "sum", "none"]))
def test_losses(data, n, c, reduction):
    z = data.draw(arrays((n, c), -4, 4))
    t = data.draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, c - 1)))
    y = data.draw(arrays((n, c), 0, 1))
    gradcheck(lambda a: F.cross_entropy(a, t, reduction), z)
    gradcheck(lambda a, b: F.mse_loss(a, b, reduction), z, y)
    gradcheck(lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction), z, y)


def test_dropout_with_a_fixed_mask():
    x = np.random.default_rng(0).standard_normal((4, 5))

    def f(a):
        tt.manual_seed(3)  # the same mask on every call, so the function is deterministic
        return F.dropout(a, 0.4, training=True)

    gradcheck(f, x)


def test_gradcheck_catches_a_wrong_backward_rule():
    from tinytorch.autograd import Function
    from tinytorch.tensor import _op

    class WrongSquare(Function):
        def backward(self, grad):
            return (grad * self.inputs[0].data,)  # should be 2x

    with pytest.raises(AssertionError, match="input 0 .* differs from finite differences"):
        gradcheck(lambda a: _op(a.data ** 2, (a,), WrongSquare), np.array([1.0, -2.0, 3.0]))


def test_attention_with_dropout_on_the_weights_and_a_fixed_mask():
    rng = np.random.default_rng(4)
    q, k, v = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 5, 4)), \
        rng.standard_normal((2, 5, 3))

    def f(a, b, c):
        return F.scaled_dot_product_attention(a, b, c, dropout_p=0.3, generator=tt.Generator(7))

    gradcheck(f, q, k, v)
