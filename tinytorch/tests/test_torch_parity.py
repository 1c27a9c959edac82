"""Forward and backward of every layer and loss, and optimiser trajectories, against PyTorch.

Weights are copied from the PyTorch layer into ours, both run on the same input, and outputs,
input gradients and weight gradients must agree to float32 tolerances.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="PyTorch is not installed (pip install torch)")

import tinytorch.nn.functional as F  # noqa: E402
from tinytorch.optim import lr_scheduler  # noqa: E402

import tinytorch as tt  # noqa: E402
from tinytorch import nn, optim  # noqa: E402

pytestmark = pytest.mark.torch
TF = torch.nn.functional
RTOL, ATOL = 1e-4, 1e-5


def copy_weights(ours: nn.Module, theirs: torch.nn.Module) -> None:
    state = {k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()
             if k != "num_batches_tracked"}
    ours.load_state_dict(state)


def run_both(ours, theirs, x: np.ndarray, *extra, grad_input: bool = True):
    """Forward both on x, backward a fixed random projection; return outputs and grads."""
    tx = tt.Tensor(x.copy(), requires_grad=grad_input)
    px = torch.tensor(x.copy(), requires_grad=grad_input)
    out_t = ours(tx, *extra)
    out_p = theirs(px, *[torch.from_numpy(np.asarray(e)) for e in extra])
    w = np.random.default_rng(7).standard_normal(out_p.shape).astype(np.float32)
    (out_t * tt.Tensor(w)).sum().backward()
    (out_p * torch.from_numpy(w)).sum().backward()
    return out_t, out_p, tx, px


def close(a, b, rtol=RTOL, atol=ATOL):
    a = a.numpy() if isinstance(a, tt.Tensor) else a
    b = b.detach().numpy() if isinstance(b, torch.Tensor) else b
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def check_param_grads(ours: nn.Module, theirs: torch.nn.Module, rtol=RTOL, atol=ATOL):
    ours_g = {k: p.grad for k, p in ours.named_parameters()}
    for k, p in theirs.named_parameters():
        assert ours_g[k] is not None, f"no gradient for {k}"
        close(ours_g[k], p.grad, rtol, atol)


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


LAYERS = {
    "linear": (lambda: nn.Linear(5, 3), lambda: torch.nn.Linear(5, 3), (4, 2, 5)),
    "conv_stride_pad": (lambda: nn.Conv2d(3, 4, 3, stride=2, padding=1),
                        lambda: torch.nn.Conv2d(3, 4, 3, stride=2, padding=1), (2, 3, 9, 8)),
    "conv_rect_nobias": (lambda: nn.Conv2d(2, 3, (3, 2), bias=False),
                         lambda: torch.nn.Conv2d(2, 3, (3, 2), bias=False), (2, 2, 6, 5)),
    "maxpool": (lambda: nn.MaxPool2d(2), lambda: torch.nn.MaxPool2d(2), (2, 3, 6, 6)),
    "maxpool_overlap_pad": (lambda: nn.MaxPool2d(3, 2, 1), lambda: torch.nn.MaxPool2d(3, 2, 1),
                            (2, 2, 7, 7)),
    "avgpool": (lambda: nn.AvgPool2d(2, 1), lambda: torch.nn.AvgPool2d(2, 1), (2, 3, 5, 4)),
    "batchnorm_train": (lambda: nn.BatchNorm2d(3), lambda: torch.nn.BatchNorm2d(3), (4, 3, 5, 5)),
    "batchnorm1d": (lambda: nn.BatchNorm1d(6), lambda: torch.nn.BatchNorm1d(6), (8, 6)),
    "layernorm": (lambda: nn.LayerNorm(6), lambda: torch.nn.LayerNorm(6), (3, 4, 6)),
    "relu": (lambda: nn.ReLU(), lambda: torch.nn.ReLU(), (4, 7)),
    "sigmoid": (lambda: nn.Sigmoid(), lambda: torch.nn.Sigmoid(), (4, 7)),
    "tanh": (lambda: nn.Tanh(), lambda: torch.nn.Tanh(), (4, 7)),
    "gelu": (lambda: nn.GELU(), lambda: torch.nn.GELU(), (4, 7)),
    "gelu_tanh": (lambda: nn.GELU("tanh"), lambda: torch.nn.GELU("tanh"), (4, 7)),
    "softmax": (lambda: nn.Softmax(-1), lambda: torch.nn.Softmax(-1), (4, 7)),
    "log_softmax": (lambda: nn.LogSoftmax(1), lambda: torch.nn.LogSoftmax(1), (4, 7, 2)),
    "leaky_relu": (lambda: nn.LeakyReLU(0.2), lambda: torch.nn.LeakyReLU(0.2), (4, 7)),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_forward_and_backward_match_pytorch(name):
    make_ours, make_theirs, shape = LAYERS[name]
    torch.manual_seed(0)
    theirs, ours = make_theirs(), make_ours()
    if list(theirs.parameters()) or list(theirs.buffers()):
        copy_weights(ours, theirs)
    out_t, out_p, tx, px = run_both(ours, theirs, rand(*shape) * 3)
    close(out_t, out_p)
    close(tx.grad, px.grad)
    check_param_grads(ours, theirs)


def test_batchnorm_running_statistics_and_eval_mode_match_pytorch():
    torch.manual_seed(0)
    theirs, ours = torch.nn.BatchNorm2d(3, momentum=0.2), nn.BatchNorm2d(3, momentum=0.2)
    copy_weights(ours, theirs)
    for seed in range(4):
        x = rand(5, 3, 4, 4, seed=seed) * (seed + 1)
        ours(tt.Tensor(x))
        theirs(torch.from_numpy(x))
    close(ours.running_mean, theirs.running_mean)
    close(ours.running_var, theirs.running_var)
    ours.eval()
    theirs.eval()
    out_t, out_p, tx, px = run_both(ours, theirs, rand(2, 3, 4, 4, seed=9))
    close(out_t, out_p)
    close(tx.grad, px.grad)
    check_param_grads(ours, theirs)


def test_embedding_matches_pytorch():
    torch.manual_seed(0)
    theirs, ours = torch.nn.Embedding(10, 4), nn.Embedding(10, 4)
    copy_weights(ours, theirs)
    ids = np.array([[1, 2, 2], [9, 0, 1]])
    out_t, out_p = ours(ids), theirs(torch.from_numpy(ids))
    w = rand(*out_p.shape)
    (out_t * tt.Tensor(w)).sum().backward()
    (out_p * torch.from_numpy(w)).sum().backward()
    close(out_t, out_p)
    check_param_grads(ours, theirs)


@pytest.mark.parametrize("causal", [False, True])
def test_multihead_attention_matches_pytorch(causal):
    torch.manual_seed(0)
    theirs = torch.nn.MultiheadAttention(8, 2, batch_first=True)
    ours = nn.MultiheadAttention(8, 2)
    copy_weights(ours, theirs)
    x = rand(3, 5, 8)
    tx, px = tt.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out_t = ours(tx, is_causal=causal)
    mask = torch.triu(torch.ones(5, 5, dtype=torch.bool), 1) if causal else None
    out_p = theirs(px, px, px, attn_mask=mask, need_weights=False)[0]
    w = rand(*out_p.shape, seed=3)
    (out_t * tt.Tensor(w)).sum().backward()
    (out_p * torch.from_numpy(w)).sum().backward()
    close(out_t, out_p)
    close(tx.grad, px.grad)
    check_param_grads(ours, theirs)


def test_scaled_dot_product_attention_matches_pytorch():
    q, k, v = rand(2, 3, 4, 5, seed=1), rand(2, 3, 6, 5, seed=2), rand(2, 3, 6, 5, seed=3)
    mask = np.random.default_rng(0).random((4, 6)) < 0.3
    mask[:, 0] = False  # every query keeps at least one key
    ts = [tt.Tensor(a, requires_grad=True) for a in (q, k, v)]
    ps = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
    out_t = F.scaled_dot_product_attention(*ts, mask=mask)
    out_p = TF.scaled_dot_product_attention(*ps, attn_mask=torch.from_numpy(~mask))
    out_t.sum().backward()
    out_p.sum().backward()
    close(out_t, out_p)
    for a, b in zip(ts, ps, strict=True):
        close(a.grad, b.grad)


LOSSES = {
    "mse": (lambda p, t: F.mse_loss(p, t), lambda p, t: TF.mse_loss(p, t), "float"),
    "mse_sum": (lambda p, t: F.mse_loss(p, t, "sum"), lambda p, t: TF.mse_loss(p, t,
                                                                              reduction="sum"),
                "float"),
    "cross_entropy": (lambda p, t: F.cross_entropy(p, t), lambda p, t: TF.cross_entropy(p, t),
                      "class"),
    "cross_entropy_none": (lambda p, t: F.cross_entropy(p, t, "none"),
                           lambda p, t: TF.cross_entropy(p, t, reduction="none"), "class"),
    "bce_logits": (lambda p, t: F.binary_cross_entropy_with_logits(p, t),
                   lambda p, t: TF.binary_cross_entropy_with_logits(p, t), "prob"),
}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_loss_value_and_gradient_match_pytorch(name):
    ours_fn, theirs_fn, kind = LOSSES[name]
    logits = rand(6, 5) * 4
    rng = np.random.default_rng(1)
    target = {"float": rand(6, 5, seed=2), "class": rng.integers(0, 5, 6),
              "prob": rng.random((6, 5)).astype(np.float32)}[kind]
    tl, pl = tt.Tensor(logits, requires_grad=True), torch.tensor(logits, requires_grad=True)
    lt = ours_fn(tl, target if kind == "class" else tt.Tensor(target))
    lp = theirs_fn(pl, torch.from_numpy(target))
    close(lt, lp)
    w = rand(*lp.shape, seed=5) if lp.ndim else np.float32(1.0)
    (lt * tt.Tensor(w)).sum().backward()
    (lp * torch.tensor(w)).sum().backward()
    close(tl.grad, pl.grad)


def test_cross_entropy_is_stable_for_huge_logits_like_pytorch():
    logits = np.array([[1000.0, -1000.0, 0.0], [-5e4, 5e4, 1.0]], dtype=np.float32)
    target = np.array([0, 2])
    ours = F.cross_entropy(tt.Tensor(logits), target).item()
    theirs = TF.cross_entropy(torch.from_numpy(logits), torch.from_numpy(target)).item()
    assert np.isfinite(ours)
    assert ours == pytest.approx(theirs, rel=1e-5)


def small_model_pair():
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2))
    ours = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))
    copy_weights(ours, theirs)
    return ours, theirs


OPTIMISERS = {
    "sgd": (lambda p: optim.SGD(p, lr=0.1), lambda p: torch.optim.SGD(p, lr=0.1)),
    "sgd_momentum_wd": (lambda p: optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=0.01),
                        lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=0.01)),
    "sgd_nesterov": (lambda p: optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True),
                     lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True)),
    "adam": (lambda p: optim.Adam(p, lr=0.01), lambda p: torch.optim.Adam(p, lr=0.01)),
    "adam_l2": (lambda p: optim.Adam(p, lr=0.01, weight_decay=0.1),
                lambda p: torch.optim.Adam(p, lr=0.01, weight_decay=0.1)),
    "adamw": (lambda p: optim.AdamW(p, lr=0.01, weight_decay=0.1),
              lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.1)),
}


@pytest.mark.parametrize("name", sorted(OPTIMISERS))
def test_optimiser_trajectory_over_ten_steps_matches_pytorch(name):
    ours, theirs = small_model_pair()
    make_ours, make_theirs = OPTIMISERS[name]
    opt_t, opt_p = make_ours(list(ours.parameters())), make_theirs(theirs.parameters())
    x, y = rand(16, 4, seed=1), np.random.default_rng(2).integers(0, 2, 16)
    for _ in range(10):
        opt_t.zero_grad()
        opt_p.zero_grad()
        F.cross_entropy(ours(tt.Tensor(x)), y).backward()
        TF.cross_entropy(theirs(torch.from_numpy(x)), torch.from_numpy(y)).backward()
        opt_t.step()
        opt_p.step()
    for (k, a), b in zip(ours.state_dict().items(), theirs.state_dict().values(), strict=True):
        np.testing.assert_allclose(a, b.numpy(), rtol=1e-4, atol=2e-5, err_msg=k)


SCHEDULES = {
    "step": (lambda o: lr_scheduler.StepLR(o, 3, 0.5),
             lambda o: torch.optim.lr_scheduler.StepLR(o, 3, 0.5)),
    "cosine": (lambda o: lr_scheduler.CosineAnnealingLR(o, 7, 0.01),
               lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, 7, 0.01)),
    "linear": (lambda o: lr_scheduler.LinearLR(o, 0.1, 1.0, 4),
               lambda o: torch.optim.lr_scheduler.LinearLR(o, 0.1, 1.0, 4)),
}


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_learning_rate_schedules_match_pytorch(name):
    ours, theirs = small_model_pair()
    opt_t = optim.SGD(ours.parameters(), lr=0.5)
    opt_p = torch.optim.SGD(theirs.parameters(), lr=0.5)
    s_t, s_p = SCHEDULES[name][0](opt_t), SCHEDULES[name][1](opt_p)
    for _ in range(10):
        assert s_t.get_last_lr()[0] == pytest.approx(s_p.get_last_lr()[0], rel=1e-9, abs=1e-12)
        opt_p.step()
        s_t.step()
        s_p.step()


def test_clip_grad_norm_matches_pytorch():
    ours, theirs = small_model_pair()
    x, y = rand(16, 4, seed=1) * 10, np.random.default_rng(2).integers(0, 2, 16)
    F.cross_entropy(ours(tt.Tensor(x)), y).backward()
    TF.cross_entropy(theirs(torch.from_numpy(x)), torch.from_numpy(y)).backward()
    n_t = nn.utils.clip_grad_norm_(ours.parameters(), 0.1)
    n_p = torch.nn.utils.clip_grad_norm_(theirs.parameters(), 0.1)
    assert n_t == pytest.approx(float(n_p), rel=1e-5)
    check_param_grads(ours, theirs)


def test_small_gpt_loss_and_gradients_match_an_equivalent_pytorch_model():
    """Our GPT block by block against PyTorch's TransformerEncoderLayer-free equivalent."""
    tt.manual_seed(0)
    ours = nn.GPT(vocab_size=11, context_length=8, d_model=16, num_heads=2, num_layers=2)
    ids = np.random.default_rng(0).integers(0, 11, (2, 8))
    state = {k: torch.tensor(v) for k, v in ours.state_dict().items()}
    loss_t = F.cross_entropy(ours(ids[:, :-1]), ids[:, 1:])
    loss_t.backward()

    params = {k: v.requires_grad_() for k, v in state.items()}
    x = params["token_emb.weight"][torch.from_numpy(ids[:, :-1])] + params["pos_emb.weight"][:7]
    for i in range(2):
        p = lambda n, i=i: params[f"blocks.{i}.{n}"]  # noqa: E731
        h = TF.layer_norm(x, (16,), p("ln1.weight"), p("ln1.bias"))
        mask = torch.triu(torch.ones(7, 7, dtype=torch.bool), 1)
        a, _ = TF.multi_head_attention_forward(
            h.transpose(0, 1), h.transpose(0, 1), h.transpose(0, 1), 16, 2,
            p("attn.in_proj_weight"), p("attn.in_proj_bias"), None, None, False, 0.0,
            p("attn.out_proj.weight"), p("attn.out_proj.bias"), attn_mask=mask,
            need_weights=False)
        x = x + a.transpose(0, 1)
        h = TF.layer_norm(x, (16,), p("ln2.weight"), p("ln2.bias"))
        h = TF.linear(TF.gelu(TF.linear(h, p("mlp.0.weight"), p("mlp.0.bias"))),
                      p("mlp.2.weight"), p("mlp.2.bias"))
        x = x + h
    x = TF.layer_norm(x, (16,), params["ln_f.weight"], params["ln_f.bias"])
    logits = TF.linear(x, params["head.weight"])
    loss_p = TF.cross_entropy(logits.reshape(-1, 11), torch.from_numpy(ids[:, 1:]).reshape(-1))
    loss_p.backward()
    assert loss_t.item() == pytest.approx(loss_p.item(), rel=1e-5)
    for k, p in ours.named_parameters():
        close(p.grad, params[k].grad, rtol=1e-3, atol=1e-6)
