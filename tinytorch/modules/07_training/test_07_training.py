"""Module 07 - Training: data loading, schedules, clipping and the loop."""

import numpy as np
import pytest
from tinytorch.data import DataLoader, Dataset, TensorDataset
from tinytorch.nn.utils import clip_grad_norm_
from tinytorch.optim.lr_scheduler import CosineAnnealingLR, LinearLR, StepLR, warmup_cosine
from tinytorch.training import evaluate, fit, train_epoch

import tinytorch as tt
from tinytorch import nn, optim


def test_dataloader_covers_every_example_once_per_epoch():
    ds = TensorDataset(np.arange(10.0)[:, None], np.arange(10))
    seen = np.concatenate([y.numpy() for _, y in DataLoader(ds, 3, shuffle=True, seed=0)])
    assert sorted(seen.tolist()) == list(range(10))


def test_shuffling_is_repeatable_with_a_seed_and_differs_between_epochs():
    ds = TensorDataset(np.arange(20))
    first = [b[0].numpy().tolist() for b in DataLoader(ds, 5, shuffle=True, seed=1)]
    again = [b[0].numpy().tolist() for b in DataLoader(ds, 5, shuffle=True, seed=1)]
    assert first == again
    loader = DataLoader(ds, 20, shuffle=True, seed=1)
    assert next(iter(loader))[0].numpy().tolist() != next(iter(loader))[0].numpy().tolist()


def test_drop_last_and_batch_count():
    ds = TensorDataset(np.zeros((10, 2)))
    assert [len(b[0]) for b in DataLoader(ds, 4)] == [4, 4, 2]
    assert [len(b[0]) for b in DataLoader(ds, 4, drop_last=True)] == [4, 4]
    assert len(DataLoader(ds, 4)) == 3


def test_custom_datasets_are_collated_into_batches():
    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.array([i], dtype=np.float32), i * i

    xs, ys = next(iter(DataLoader(Squares(), 5)))
    assert xs.shape == (5, 1)
    np.testing.assert_array_equal(ys.numpy(), [0, 1, 4, 9, 16])


def test_step_and_cosine_schedules_follow_their_formulas():
    opt = optim.SGD([nn.Parameter(np.zeros(1))], lr=1.0)
    sched = StepLR(opt, step_size=2, gamma=0.5)
    lrs = []
    for _ in range(5):
        lrs.append(sched.get_last_lr()[0])
        sched.step()
    assert lrs == [1.0, 1.0, 0.5, 0.5, 0.25]
    opt = optim.SGD([nn.Parameter(np.zeros(1))], lr=1.0)
    cos = CosineAnnealingLR(opt, T_max=4)
    values = [cos.get_last_lr()[0]] + [(cos.step(), cos.get_last_lr()[0])[1] for _ in range(4)]
    np.testing.assert_allclose(values, [1.0, (1 + np.cos(np.pi / 4)) / 2, 0.5,
                                        (1 + np.cos(3 * np.pi / 4)) / 2, 0.0], atol=1e-12)


def test_linear_warmup_then_cosine():
    opt = optim.SGD([nn.Parameter(np.zeros(1))], lr=0.1)
    warm = LinearLR(opt, start_factor=0.1, total_iters=4)
    assert warm.get_last_lr()[0] == pytest.approx(0.01)
    for _ in range(4):
        warm.step()
    assert warm.get_last_lr()[0] == pytest.approx(0.1)
    opt = optim.SGD([nn.Parameter(np.zeros(1))], lr=1.0)
    wc = warmup_cosine(opt, warmup_steps=2, total_steps=6)
    lrs = [wc.get_last_lr()[0]] + [(wc.step(), wc.get_last_lr()[0])[1] for _ in range(6)]
    assert lrs[0] == pytest.approx(0.5) and lrs[1] == pytest.approx(1.0)
    assert lrs[-1] == pytest.approx(0.0, abs=1e-12) and lrs == sorted(lrs[:2]) + sorted(
        lrs[2:], reverse=True)


def test_clip_grad_norm_rescales_to_the_limit_and_reports_the_old_norm():
    a, b = nn.Parameter(np.zeros(2)), nn.Parameter(np.zeros(1))
    a.grad, b.grad = tt.Tensor([3.0, 0.0]), tt.Tensor([4.0])
    assert clip_grad_norm_([a, b], 1.0) == pytest.approx(5.0)
    new_norm = np.sqrt((a.grad.numpy() ** 2).sum() + (b.grad.numpy() ** 2).sum())
    assert new_norm == pytest.approx(1.0, rel=1e-5)
    a.grad = tt.Tensor([0.3, 0.4])
    clip_grad_norm_([a], 1.0)
    np.testing.assert_allclose(a.grad.numpy(), [0.3, 0.4])  # already small: untouched


def test_training_a_classifier_reduces_the_loss_and_reaches_high_accuracy():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((300, 2)).astype(np.float32)
    y = (x[:, 0] + 2 * x[:, 1] > 0).astype(np.int64)
    tt.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loader = DataLoader(TensorDataset(x, y), 32, shuffle=True, seed=0)
    first = train_epoch(model, loader, nn.CrossEntropyLoss(), opt)
    hist = fit(model, loader, nn.CrossEntropyLoss(), opt, epochs=10,
               val_loader=DataLoader(TensorDataset(x, y), 100))
    assert hist.train_loss[-1] < first / 3
    assert hist.val[-1]["accuracy"] > 0.95
    assert evaluate(model, DataLoader(TensorDataset(x, y), 300))["n"] == 300
