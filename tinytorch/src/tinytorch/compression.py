"""Compression (module 17): fewer numbers for (almost) the same function.

Three independent ideas. *Pruning* sets weights to zero — unstructured by magnitude (high
sparsity, but dense hardware gains nothing unless the zeros are exploited), or structured by
removing whole neurons (smaller dense layers that are genuinely faster). *Low-rank
factorisation* replaces a weight matrix by the product of two thin ones from its SVD.
*Distillation* trains a small student to match a large teacher's softened predictions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activations import log_softmax, softmax
from .nn.linear import Linear
from .nn.losses import cross_entropy
from .nn.module import Module, Parameter, Sequential
from .tensor import Tensor


def _prunable(model: Module) -> list[tuple[str, Parameter]]:
    """Weight matrices and conv kernels (biases and norm scales are too small to matter)."""
    return [(n, p) for n, p in model.named_parameters() if p.ndim >= 2]


def magnitude_masks(model: Module, amount: float, scope: str = "global") -> dict[str, np.ndarray]:
    """Boolean keep-masks that drop the ``amount`` fraction of smallest-magnitude weights.

    ``scope="global"`` ranks all weights together (layers with many small weights lose more);
    ``"layer"`` prunes each layer by the same fraction.
    """
    if not 0.0 <= amount < 1.0:
        raise ValueError(f"amount must be in [0, 1), got {amount}")
    if scope not in ("global", "layer"):
        raise ValueError(f"scope must be 'global' or 'layer', got {scope!r}")
    params = _prunable(model)
    # BEGIN SOLUTION
    # HINT: find the magnitude threshold with np.quantile (or a partition) over |w|;
    # HINT: keep |w| > threshold; for "global" concatenate every layer's |w| first
    if scope == "global":
        allw = np.concatenate([np.abs(p.data).ravel() for _, p in params])
        k = int(amount * allw.size)
        thr = np.partition(allw, k - 1)[k - 1] if k > 0 else -np.inf
        return {n: np.abs(p.data) > thr for n, p in params}
    masks = {}
    for n, p in params:
        a = np.abs(p.data).ravel()
        k = int(amount * a.size)
        thr = np.partition(a, k - 1)[k - 1] if k > 0 else -np.inf
        masks[n] = np.abs(p.data) > thr
    return masks
    # END SOLUTION


def apply_masks_(model: Module, masks: dict[str, np.ndarray]) -> Module:
    """Zero the pruned weights in place (call again after each optimiser step to keep them 0)."""
    params = dict(model.named_parameters())
    for name, mask in masks.items():
        if name not in params:
            raise KeyError(f"no parameter named {name!r} in the model")
        params[name].data *= mask
    return model


def magnitude_prune_(model: Module, amount: float, scope: str = "global") -> dict[str, np.ndarray]:
    """Prune in place; returns the masks so training can keep pruned weights at zero."""
    masks = magnitude_masks(model, amount, scope)
    apply_masks_(model, masks)
    return masks


@dataclass(frozen=True)
class SparsityRow:
    name: str
    zeros: int
    total: int

    @property
    def sparsity(self) -> float:
        return self.zeros / self.total if self.total else 0.0


def sparsity_report(model: Module) -> list[SparsityRow]:
    """Zeros per weight tensor, with a final ``total`` row."""
    rows = [SparsityRow(n, int(np.count_nonzero(p.data == 0)), int(p.data.size))
            for n, p in _prunable(model)]
    rows.append(SparsityRow("total", sum(r.zeros for r in rows), sum(r.total for r in rows)))
    return rows


def prune_neurons(first: Linear, second: Linear, amount: float) -> tuple[Linear, Linear, np.ndarray]:
    """Structured pruning: remove the hidden neurons with the smallest weight norms.

    ``first`` produces the hidden units and ``second`` consumes them, so removing neuron j
    deletes row j of ``first`` (and its bias) and column j of ``second``. The result is two
    genuinely smaller dense layers. Returns (new_first, new_second, kept indices).
    """
    if first.out_features != second.in_features:
        raise ValueError(f"layers do not connect: {first.out_features} outputs feed "
                         f"{second.in_features} inputs")
    if not 0.0 <= amount < 1.0:
        raise ValueError(f"amount must be in [0, 1), got {amount}")
    n = first.out_features
    n_keep = max(1, n - int(round(amount * n)))
    # BEGIN SOLUTION
    # HINT: score neuron j by the L2 norm of its incoming row times its outgoing column;
    # HINT: keep = the n_keep best indices (np.argsort), sorted so the order is unchanged;
    # HINT: build new_first = Linear(in, n_keep) and new_second = Linear(n_keep, out) from
    # HINT: the kept rows / columns (and biases) of the old weights
    score = np.linalg.norm(first.weight.data, axis=1) * np.linalg.norm(second.weight.data, axis=0)
    keep = np.sort(np.argsort(-score, kind="stable")[:n_keep])
    new_first = Linear(first.in_features, n_keep, bias=first.bias is not None)
    new_first.weight.data = first.weight.data[keep].copy()
    if first.bias is not None:
        new_first.bias.data = first.bias.data[keep].copy()
    new_second = Linear(n_keep, second.out_features, bias=second.bias is not None)
    new_second.weight.data = second.weight.data[:, keep].copy()
    if second.bias is not None:
        new_second.bias.data = second.bias.data.copy()
    # END SOLUTION
    return new_first, new_second, keep


def low_rank(linear: Linear, rank: int) -> Sequential:
    """Replace W (out, in) by B (out, r) @ A (r, in) from the truncated SVD: two Linear layers.

    Parameters drop from out*in to r*(out+in); the Eckart-Young theorem says no rank-r matrix
    is closer to W in Frobenius norm.
    """
    out_f, in_f = linear.weight.shape
    if not 1 <= rank <= min(out_f, in_f):
        raise ValueError(f"rank must be between 1 and {min(out_f, in_f)}, got {rank}")
    # BEGIN SOLUTION
    # HINT: U, S, Vt = np.linalg.svd(W, full_matrices=False); split sqrt(S) between the factors
    u, s, vt = np.linalg.svd(linear.weight.data.astype(np.float64), full_matrices=False)
    root = np.sqrt(s[:rank])
    a = Linear(in_f, rank, bias=False)
    a.weight.data = (root[:, None] * vt[:rank]).astype(np.float32)
    b = Linear(rank, out_f, bias=linear.bias is not None)
    b.weight.data = (u[:, :rank] * root[None, :]).astype(np.float32)
    if linear.bias is not None:
        b.bias.data = linear.bias.data.copy()
    return Sequential(a, b)
    # END SOLUTION


def distillation_loss(student_logits: Tensor, teacher_logits: Tensor | np.ndarray,
                      targets: Tensor | np.ndarray, temperature: float = 4.0,
                      alpha: float = 0.5) -> Tensor:
    """Hinton et al.'s loss: alpha * T^2 * KL(teacher_T || student_T) + (1 - alpha) * CE.

    Dividing logits by a temperature T > 1 softens both distributions so the student also learns
    how the teacher ranks the wrong classes; the T^2 factor keeps the gradient scale independent
    of T. Gradients flow to the student only.
    """
    if temperature <= 0 or not 0.0 <= alpha <= 1.0:
        raise ValueError(f"need temperature > 0 and alpha in [0, 1], got {temperature}, {alpha}")
    t_logits = np.asarray(getattr(teacher_logits, "data", teacher_logits), dtype=np.float32)
    # BEGIN SOLUTION
    # HINT: p_t = softmax(teacher / T) as a constant; log_q = log_softmax(student / T);
    # HINT: KL = sum(p_t * (log p_t - log_q)) / batch; CE on the unscaled student logits
    p_t = softmax(Tensor(t_logits / temperature), axis=-1).data
    log_p_t = np.log(np.clip(p_t, 1e-12, None))
    log_q = log_softmax(student_logits * (1.0 / temperature), axis=-1)
    rows = int(np.prod(student_logits.shape[:-1]))
    kl = (Tensor(p_t) * (Tensor(log_p_t) - log_q)).sum() * (1.0 / rows)
    ce = cross_entropy(student_logits, targets)
    return kl * (alpha * temperature**2) + ce * (1.0 - alpha)
    # END SOLUTION
