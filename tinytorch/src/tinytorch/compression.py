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
    # BEGIN SOLUTION
    # HINT: Only weight matrices and kernels (two or more dimensions) are worth pruning; biases and
    # HINT: norm scales are tiny and sensitive. Keep their dotted names.
    return [(n, p) for n, p in model.named_parameters() if p.ndim >= 2]
    # END SOLUTION


def magnitude_masks(model: Module, amount: float, scope: str = "global") -> dict[str, np.ndarray]:
    """Boolean keep-masks that drop the ``amount`` fraction of smallest-magnitude weights.

    ``scope="global"`` ranks all weights together (layers with many small weights lose more);
    ``"layer"`` prunes each layer by the same fraction.
    """
    # BEGIN SOLUTION
    # HINT: Validate amount in [0, 1) and the scope (ValueError with the value).
    # HINT:
    # HINT: Keep-masks: the `amount` fraction of smallest |w| are dropped. "global" ranks all
    # HINT: prunable weights together (one threshold), "layer" finds one threshold per tensor. Find
    # HINT: the k-th smallest magnitude without a full sort (numpy can partition).
    # HINT:
    # HINT: Edge cases: amount 0 keeps everything; ties at the threshold are dropped together;
    # HINT: masks are booleans shaped like each weight.
    if not 0.0 <= amount < 1.0:
        raise ValueError(f"amount must be in [0, 1), got {amount}")
    if scope not in ("global", "layer"):
        raise ValueError(f"scope must be 'global' or 'layer', got {scope!r}")
    params = _prunable(model)
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
    # BEGIN SOLUTION
    # HINT: Multiply each named weight by its mask in place. A mask naming a parameter the model
    # HINT: does not have is a KeyError naming it (a typo would otherwise prune nothing, silently).
    # HINT: Return the model.
    params = dict(model.named_parameters())
    for name, mask in masks.items():
        if name not in params:
            raise KeyError(f"no parameter named {name!r} in the model")
        params[name].data *= mask
    return model
    # END SOLUTION


def magnitude_prune_(model: Module, amount: float, scope: str = "global") -> dict[str, np.ndarray]:
    """Prune in place; returns the masks so training can keep pruned weights at zero."""
    # BEGIN SOLUTION
    # HINT: Compute the masks, apply them, return them so training can re-apply them after each
    # HINT: optimiser step.
    masks = magnitude_masks(model, amount, scope)
    apply_masks_(model, masks)
    return masks
    # END SOLUTION


@dataclass(frozen=True)
class SparsityRow:
    name: str
    zeros: int
    total: int

    @property
    def sparsity(self) -> float:
        # BEGIN SOLUTION
        # HINT: The fraction of zeros, 0 for an empty tensor.
        return self.zeros / self.total if self.total else 0.0
        # END SOLUTION


def sparsity_report(model: Module) -> list[SparsityRow]:
    """Zeros per weight tensor, with a final ``total`` row."""
    # BEGIN SOLUTION
    # HINT: One row per prunable weight with its zero count and size, then a "total" row summing
    # HINT: both.
    rows = [SparsityRow(n, int(np.count_nonzero(p.data == 0)), int(p.data.size))
            for n, p in _prunable(model)]
    rows.append(SparsityRow("total", sum(r.zeros for r in rows), sum(r.total for r in rows)))
    return rows
    # END SOLUTION


def prune_neurons(first: Linear, second: Linear, amount: float) -> tuple[Linear, Linear, np.ndarray]:
    """Structured pruning: remove the hidden neurons with the smallest weight norms.

    ``first`` produces the hidden units and ``second`` consumes them, so removing neuron j
    deletes row j of ``first`` (and its bias) and column j of ``second``. The result is two
    genuinely smaller dense layers. Returns (new_first, new_second, kept indices).
    """
    # BEGIN SOLUTION
    # HINT: Structured pruning gives genuinely smaller dense layers. The two layers must connect
    # HINT: (ValueError with both sizes) and amount is in [0, 1); keep at least one neuron.
    # HINT:
    # HINT: Neuron j's importance involves both sides: the norm of row j of the first weight (what
    # HINT: it reads) times the norm of column j of the second (how much it is listened to). Keep
    # HINT: the best, but in their original order.
    # HINT:
    # HINT: Build two new Linear layers of the reduced size and copy in the kept rows (and biases)
    # HINT: of the first and the kept columns of the second; the second's bias is unchanged.
    # HINT: Copies, never views of the old weights.
    # HINT:
    # HINT: The first message says the layers "do not connect".
    if first.out_features != second.in_features:
        raise ValueError(f"layers do not connect: {first.out_features} outputs feed "
                         f"{second.in_features} inputs")
    if not 0.0 <= amount < 1.0:
        raise ValueError(f"amount must be in [0, 1), got {amount}")
    n = first.out_features
    n_keep = max(1, n - int(round(amount * n)))
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
    return new_first, new_second, keep
    # END SOLUTION


def low_rank(linear: Linear, rank: int) -> Sequential:
    """Replace W (out, in) by B (out, r) @ A (r, in) from the truncated SVD: two Linear layers.

    Parameters drop from out*in to r*(out+in); the Eckart-Young theorem says no rank-r matrix
    is closer to W in Frobenius norm.
    """
    # BEGIN SOLUTION
    # HINT: The rank must be between 1 and min(out, in) (ValueError otherwise).
    # HINT:
    # HINT: The truncated SVD gives the closest rank-r matrix (Eckart-Young): W is about U_r S_r
    # HINT: V_r^T. Split the singular values evenly as square roots into the two factors so neither
    # HINT: is badly scaled: the first Linear (in -> r, no bias) holds sqrt(S_r) V_r^T, the second
    # HINT: (r -> out) holds U_r sqrt(S_r) and the original bias.
    # HINT:
    # HINT: Do the SVD in float64 and store float32. Return the two as a Sequential.
    out_f, in_f = linear.weight.shape
    if not 1 <= rank <= min(out_f, in_f):
        raise ValueError(f"rank must be between 1 and {min(out_f, in_f)}, got {rank}")
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
    # BEGIN SOLUTION
    # HINT: Validate temperature > 0 and alpha in [0, 1].
    # HINT:
    # HINT: The teacher is a constant: its softened probabilities p_t = softmax(teacher / T) are
    # HINT: plain arrays, no gradient. The student's softened log-probabilities use the stable
    # HINT: log_softmax, as tensor ops so gradients flow. KL(p_t
    # HINT:
    # HINT: q) = sum of p_t (log p_t - log q), averaged over rows; clip p_t away from 0 before its
    # HINT: log.
    # HINT:
    # HINT: Scale the KL by T^2 (it keeps the gradient size independent of T) and mix: alpha of it
    # HINT: plus (1 - alpha) of the ordinary cross-entropy on the unscaled student logits.
    if temperature <= 0 or not 0.0 <= alpha <= 1.0:
        raise ValueError(f"need temperature > 0 and alpha in [0, 1], got {temperature}, {alpha}")
    t_logits = np.asarray(getattr(teacher_logits, "data", teacher_logits), dtype=np.float32)
    p_t = softmax(Tensor(t_logits / temperature), axis=-1).data
    log_p_t = np.log(np.clip(p_t, 1e-12, None))
    log_q = log_softmax(student_logits * (1.0 / temperature), axis=-1)
    rows = int(np.prod(student_logits.shape[:-1]))
    kl = (Tensor(p_t) * (Tensor(log_p_t) - log_q)).sum() * (1.0 / rows)
    ce = cross_entropy(student_logits, targets)
    return kl * (alpha * temperature**2) + ce * (1.0 - alpha)
    # END SOLUTION
