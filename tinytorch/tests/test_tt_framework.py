"""Framework behaviours beyond single ops: dtypes, graph lifetime, modules, data, training."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest
import tinytorch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from tinytorch.data import DataLoader, TensorDataset
from tinytorch.training import evaluate, fit

import tinytorch as tt
from tinytorch import nn, optim


def test_float32_everywhere_by_default_and_scalars_do_not_upcast():
    x = tt.Tensor([[1, 2], [3, 4]])
    assert x.dtype == np.float32
    assert tt.Tensor(np.ones(3)).dtype == np.float32  # float64 arrays come in as float32
    assert tt.Tensor(np.arange(3)).dtype == np.int64  # integer arrays stay integer (labels)
    y = (x * np.float64(0.5) + 1 / np.sqrt(2.0)) ** 2 / 3
    assert y.dtype == np.float32
    assert (2.0 ** x).dtype == np.float32


def test_a_whole_gpt_training_step_stays_float32():
    gpt = nn.GPT(vocab_size=9, context_length=6, d_model=8, num_heads=2, num_layers=1)
    ids = np.random.default_rng(0).integers(0, 9, (2, 6))
    logits = gpt(ids)
    assert logits.dtype == np.float32
    loss = F.cross_entropy(logits[:, :-1], ids[:, 1:])
    loss.backward()
    optim.AdamW(gpt.parameters()).step()
    for name, p in gpt.named_parameters():
        assert p.dtype == np.float32, name
        assert p.grad.dtype == np.float32, name


def test_no_grad_records_nothing_and_restores_state():
    w = tt.ones(3, requires_grad=True)
    with tt.no_grad():
        y = w * 2
    assert y.grad_fn is None and not y.requires_grad
    assert tt.is_grad_enabled()

    @tt.no_grad()
    def f(t):
        return t * 3

    assert f(w).grad_fn is None
    z = w * 2
    assert z.grad_fn is not None


def test_each_node_is_visited_once_even_with_many_paths():
    """A diamond of depth 25 has 2**25 paths; visiting per path would never finish."""
    x = tt.Tensor([1.0], requires_grad=True)
    y = x
    for _ in range(25):
        y = y * 0.5 + y * 0.5
    y.sum().backward()
    assert x.grad.item() == pytest.approx(1.0)


def test_graph_is_freed_after_backward():
    x = tt.ones(1000, requires_grad=True)
    h = x.exp()
    ref = weakref.ref(h)
    loss = (h * 2).sum()
    del h
    loss.backward()
    gc.collect()
    assert ref() is None  # the intermediate is gone once backward released the graph


def test_gradients_accumulate_until_zeroed():
    x = tt.Tensor([3.0], requires_grad=True)
    (x * x).sum().backward()
    (x * x).sum().backward()
    assert x.grad.item() == pytest.approx(12.0)
    x.zero_grad()
    assert x.grad is None


def test_indexing_scatters_gradient_and_repeated_indices_add_up():
    x = tt.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    y = x[:, 1].sum() + x[tt.Tensor(np.array([0, 0])), tt.Tensor(np.array([2, 2]))].sum()
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 1, 2], [0, 1, 0]])


def test_shape_ops_round_trip():
    x = tt.arange(24).float().reshape(2, 3, 4)
    assert x.permute(2, 0, 1).shape == (4, 2, 3)
    assert x.transpose(0, 2).shape == (4, 3, 2)
    assert x.flatten().shape == (24,)
    assert x.flatten(1).shape == (2, 12)
    assert x.unsqueeze(1).shape == (2, 1, 3, 4)
    assert x.unsqueeze(1).squeeze(1).shape == (2, 3, 4)
    assert x.view(6, 4).T.shape == (4, 6)
    np.testing.assert_array_equal(x.sum(dim=1, keepdim=True).numpy(),
                                  x.numpy().sum(axis=1, keepdims=True))
    assert x.max().item() == 23 and x.min(axis=0).shape == (3, 4)


def test_factories_are_repeatable_with_seed_or_generator():
    a = tt.randn(3, 4, seed=5)
    b = tt.randn(3, 4, seed=5)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    g1, g2 = tt.Generator(1), tt.Generator(1)
    np.testing.assert_array_equal(tt.rand(5, generator=g1).numpy(),
                                  tt.rand(5, generator=g2).numpy())
    assert tt.zeros(2, 3).shape == (2, 3) and tt.ones((4,)).numpy().sum() == 4
    assert tt.arange(5).dtype == np.int64 and tt.arange(0.0, 1.0, 0.25).shape == (4,)
    assert tt.cat([tt.ones(2, 3), tt.zeros(1, 3)]).shape == (3, 3)
    assert tt.stack([tt.ones(2), tt.zeros(2)], axis=1).shape == (2, 2)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(-1e4, 1e4, allow_nan=False), min_size=1, max_size=20))
def test_softmax_is_a_distribution_for_any_logits(values):
    p = F.softmax(tt.Tensor(values)).numpy()
    assert np.all(p >= 0) and np.isfinite(p).all()
    assert p.sum() == pytest.approx(1.0, abs=1e-5)


def test_module_registers_nested_parameters_and_shared_ones_once():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(3, 3)
            self.b = nn.Sequential(nn.Linear(3, 3), nn.ReLU())
            self.tied = self.a  # the same layer twice
            self.scale = nn.Parameter(np.ones(1))
            self.not_a_param = tt.ones(3)

        def forward(self, x):
            return self.b(self.a(x)) * self.scale

    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["scale", "a.weight", "a.bias", "b.0.weight", "b.0.bias"]
    assert len(list(net.children())) == 3
    net.eval()
    assert not net.b[0].training
    net.train()
    assert net.b[1].training


def test_state_dict_round_trip_restores_predictions():
    tt.manual_seed(0)
    a = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 2))
    a(tt.randn(16, 4, seed=1))  # move the running statistics
    a.eval()
    tt.manual_seed(1)
    b = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 2)).eval()
    x = tt.randn(5, 4, seed=2)
    assert not np.allclose(a(x).numpy(), b(x).numpy())
    b.load_state_dict(a.state_dict())
    np.testing.assert_allclose(a(x).numpy(), b(x).numpy())


def test_dropout_scales_in_training_and_is_identity_in_eval():
    tt.manual_seed(0)
    d = nn.Dropout(0.25)
    x = tt.ones(20000)
    y = d(x).numpy()
    assert set(np.unique(y)) <= {0.0, np.float32(1 / 0.75)}
    assert y.mean() == pytest.approx(1.0, abs=0.03)
    d.eval()
    assert d(x) is x


def test_dataloader_batches_shuffles_repeatably_and_drops_last():
    x = np.arange(10, dtype=np.float32)[:, None]
    y = np.arange(10)
    ds = TensorDataset(x, y)
    batches = list(DataLoader(ds, batch_size=4))
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    assert len(DataLoader(ds, batch_size=4, drop_last=True)) == 2
    order1 = np.concatenate([b[1].numpy() for b in DataLoader(ds, 3, shuffle=True, seed=7)])
    order2 = np.concatenate([b[1].numpy() for b in DataLoader(ds, 3, shuffle=True, seed=7)])
    np.testing.assert_array_equal(order1, order2)
    assert sorted(order1.tolist()) == list(range(10)) and order1.tolist() != list(range(10))
    loader = DataLoader(ds, 10, shuffle=True, seed=1)
    assert list(next(iter(loader))[1].numpy()) != list(next(iter(loader))[1].numpy())


def test_training_loop_learns_xor_like_data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((400, 2)).astype(np.float32)
    y = (x[:, 0] * x[:, 1] > 0).astype(np.int64)
    tt.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 32), nn.Tanh(), nn.Linear(32, 2))
    opt = optim.Adam(model.parameters(), lr=0.03)
    loader = DataLoader(TensorDataset(x, y), 50, shuffle=True, seed=0)
    hist = fit(model, loader, nn.CrossEntropyLoss(), opt, epochs=30, clip_norm=5.0)
    assert hist.train_loss[-1] < 0.3 * hist.train_loss[0]
    assert evaluate(model, DataLoader(TensorDataset(x, y), 400))["accuracy"] > 0.93


def test_gpt_learns_to_continue_a_repeating_sequence_and_generate_it():
    pattern = np.array([0, 1, 2, 3, 4, 5, 6, 7] * 4)
    tt.manual_seed(0)
    gpt = nn.GPT(vocab_size=8, context_length=16, d_model=32, num_heads=4, num_layers=1)
    opt = optim.AdamW(gpt.parameters(), lr=1e-2, weight_decay=0.0)
    rng = np.random.default_rng(0)
    for _ in range(60):
        starts = rng.integers(0, 16, 8)
        batch = np.stack([pattern[s:s + 17] for s in starts])
        opt.zero_grad()
        loss = F.cross_entropy(gpt(batch[:, :-1]), batch[:, 1:])
        loss.backward()
        opt.step()
    assert loss.item() < 0.1
    out = gpt.generate(np.array([[3, 4, 5]]), max_new_tokens=10, temperature=0).numpy()
    assert out[0].tolist() == [3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7]
    sampled = gpt.generate(np.array([[0]]), 5, temperature=0.5, top_k=2, seed=3).numpy()
    assert sampled.shape == (1, 6)


def test_kv_cache_seam_gives_the_same_logits_as_a_full_forward():
    tt.manual_seed(0)
    gpt = nn.GPT(vocab_size=13, context_length=12, d_model=16, num_heads=2, num_layers=2)
    ids = np.random.default_rng(1).integers(0, 13, (2, 9))
    full = gpt(ids).numpy()
    logits, kv = gpt(ids[:, :5], use_cache=True)
    steps = [logits.numpy()]
    for t in range(5, 9):
        logits, kv = gpt(ids[:, t:t + 1], past_kvs=kv, use_cache=True)
        steps.append(logits.numpy())
    np.testing.assert_allclose(np.concatenate(steps, axis=1), full, rtol=1e-4, atol=1e-5)
    assert kv[0][0].shape == (2, 2, 9, 8)  # (batch, heads, positions so far, head dim)


def test_every_kind_of_index_routes_gradients_correctly():
    x = tt.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    y = (x[x > 2.5].sum() + x[None, ::-1].sum() + x[..., None].sum()
         + x[[1, 1]].sum() + x[-1, -1])
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[2, 2, 2], [5, 5, 6]])
    tt.gradcheck(lambda a: a[np.array([True, False])] * a[::-1][:1], np.ones((2, 3)) * 0.5)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(0, 50), batch=st.integers(1, 12), shuffle=st.booleans(),
       drop_last=st.booleans(), seed=st.integers(0, 2**32 - 1))
def test_dataloader_partitions_the_dataset_for_any_sizes(n, batch, shuffle, drop_last, seed):
    ds = TensorDataset(np.arange(n))
    loader = DataLoader(ds, batch, shuffle=shuffle, drop_last=drop_last, seed=seed)
    sizes = [len(b[0]) for b in loader]
    seen = np.concatenate([b[0].numpy() for b in loader]) if sizes else np.array([])
    assert len(sizes) == len(loader)
    assert all(s == batch for s in sizes[:-1])
    if drop_last:
        assert sum(sizes) == n - n % batch and len(set(seen.tolist())) == len(seen)
    else:
        assert sorted(seen.tolist()) == list(range(n))


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_broadcast_gradient_of_a_sum_counts_how_often_each_entry_was_used(data):
    from hypothesis.extra import numpy as hnp

    big = data.draw(hnp.array_shapes(min_dims=1, max_dims=4, max_side=4))
    small = tuple(1 if data.draw(st.booleans()) else s for s in big)
    small = small[data.draw(st.integers(0, len(small))):]
    a = tt.ones(*big, requires_grad=True)
    b = tt.ones(*small, requires_grad=True) if small else tt.Tensor(1.0, requires_grad=True)
    (a * b).sum().backward()
    assert b.grad.shape == b.shape
    np.testing.assert_allclose(b.grad.numpy(), np.full(b.shape, a.numel() / b.numel()))
