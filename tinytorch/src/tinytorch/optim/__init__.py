"""Optimisers (module 06): turn gradients into better weights.

All three keep per-parameter state as numpy arrays and update ``p.data`` IN PLACE: a parameter
object stays the same object for the whole run (layers and the optimiser share it), and no new
arrays are allocated per step beyond the temporaries of the update formula.
Hyper-parameters live in ``param_groups`` (a list of dicts, as in PyTorch) so a learning-rate
scheduler can change ``lr`` between steps.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..tensor import Tensor

__all__ = ["SGD", "Adam", "AdamW", "Optimizer"]


class Optimizer:
    """Holds the parameters and their state; subclasses implement ``_update`` for one tensor."""

    defaults: dict[str, Any] = {}

    def __init__(self, params: Iterable[Any], **hyper: Any) -> None:
        # BEGIN SOLUTION
        # HINT: Accept either a list of tensors or a list of group dicts (each with its own
        # HINT: "params" and overrides). An empty list is a ValueError: an optimiser with nothing
        # HINT: to optimise is always a bug.
        # HINT:
        # HINT: Each group's hyper-parameters: the class defaults, overridden by the constructor's
        # HINT: keywords, overridden by the group's own. Every param must be a Tensor (TypeError
        # HINT: otherwise) and the learning rate may not be negative.
        # HINT:
        # HINT: Per-parameter state (step counts, moments) lives in a dict keyed by the parameter's
        # HINT: identity.
        params = list(params)
        if not params:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        self.param_groups: list[dict[str, Any]] = []
        for group in groups:
            g = {**self.defaults, **hyper, **group}
            g["params"] = list(g["params"])
            for p in g["params"]:
                if not isinstance(p, Tensor):
                    raise TypeError(f"{type(self).__name__}: expected Tensors, got "
                                    f"{type(p).__name__}")
            if g["lr"] < 0:
                raise ValueError(f"{type(self).__name__}: invalid learning rate {g['lr']}")
            self.param_groups.append(g)
        self.state: dict[int, dict[str, Any]] = {}
        # END SOLUTION

    def zero_grad(self) -> None:
        """Forget the gradients (they accumulate across backward calls otherwise)."""
        # BEGIN SOLUTION
        # HINT: Forget every parameter's gradient in every group.
        for group in self.param_groups:
            for p in group["params"]:
                p.grad = None
        # END SOLUTION

    def step(self) -> None:
        """Apply one update to every parameter that has a gradient."""
        # BEGIN SOLUTION
        # HINT: The base class owns the loop: for every parameter that received a gradient, create
        # HINT: or fetch its state, count the step, and let the subclass update the raw arrays in
        # HINT: place with the group's hyper-parameters.
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state.setdefault(id(p), {"step": 0})
                state["step"] += 1
                self._update(p.data, p.grad.data, state, group)
        # END SOLUTION

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, Nesterov and L2 weight decay."""

    defaults = {"lr": 0.01, "momentum": 0.0, "weight_decay": 0.0, "nesterov": False,
                "dampening": 0.0}

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        # BEGIN SOLUTION
        # HINT: p and g are numpy arrays; update p IN PLACE (the layer and the optimiser share it).
        # HINT:
        # HINT: Weight decay is an L2 penalty: it adds wd times the weight to the gradient (make a
        # HINT: new gradient array: never modify .grad itself).
        # HINT:
        # HINT: Momentum keeps a velocity per parameter: on the first step it is the gradient
        # HINT: itself, afterwards it decays by the momentum and adds (1 - dampening) of the new
        # HINT: gradient. Nesterov looks ahead by stepping along the gradient plus momentum times
        # HINT: velocity; plain momentum steps along the velocity. Finally step against the
        # HINT: direction, scaled by lr.
        lr, mom, wd = group["lr"], group["momentum"], group["weight_decay"]
        if wd:
            g = g + wd * p
        if mom:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = g.copy()
            else:
                buf *= mom
                buf += (1.0 - group["dampening"]) * g
            g = g + mom * buf if group["nesterov"] else buf
        p -= lr * g
        # END SOLUTION


class Adam(Optimizer):
    """Adam: per-weight step sizes from running averages of the gradient and its square."""

    defaults = {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0}
    decoupled = False

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        # BEGIN SOLUTION
        # HINT: Weight decay: Adam folds it into the gradient like SGD; AdamW (the decoupled flag)
        # HINT: instead shrinks the weight itself by the factor 1 - lr wd.
        # HINT:
        # HINT: Two running averages per parameter, created as zeros on first use: of the gradient
        # HINT: (rate b1) and of its square (rate b2), updated in place.
        # HINT:
        # HINT: Both start at zero, so early averages are too small: divide by 1 - b^t (t = this
        # HINT: parameter's step count). The step is lr times the corrected first moment over
        # HINT: (square root of the corrected second moment plus eps); keep the parameter's dtype.
        lr, (b1, b2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        t = state["step"]
        if wd:
            if self.decoupled:
                p *= 1.0 - lr * wd  # AdamW: shrink the weight itself
            else:
                g = g + wd * p  # Adam: L2 penalty folded into the gradient
        if "m" not in state:
            state["m"] = np.zeros_like(p)
            state["v"] = np.zeros_like(p)
        m, v = state["m"], state["v"]
        m *= b1
        m += (1.0 - b1) * g
        v *= b2
        v += (1.0 - b2) * (g * g)
        step_size = lr / (1.0 - b1 ** t)
        denom = np.sqrt(v / (1.0 - b2 ** t))
        denom += eps
        p -= (step_size * m / denom).astype(p.dtype, copy=False)
        # END SOLUTION


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019): decay is not rescaled."""

    defaults = {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.01}
    decoupled = True
