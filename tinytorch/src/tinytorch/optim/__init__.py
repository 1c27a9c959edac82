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

    def zero_grad(self) -> None:
        """Forget the gradients (they accumulate across backward calls otherwise)."""
        for group in self.param_groups:
            for p in group["params"]:
                p.grad = None

    def step(self) -> None:
        """Apply one update to every parameter that has a gradient."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state.setdefault(id(p), {"step": 0})
                state["step"] += 1
                self._update(p.data, p.grad.data, state, group)

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, Nesterov and L2 weight decay."""

    defaults = {"lr": 0.01, "momentum": 0.0, "weight_decay": 0.0, "nesterov": False,
                "dampening": 0.0}

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        lr, mom, wd = group["lr"], group["momentum"], group["weight_decay"]
        # BEGIN SOLUTION
        # HINT: weight decay adds wd * p to the gradient
        # HINT: momentum keeps a velocity buf = mom * buf + (1 - dampening) * g (buf = g at step 1)
        # HINT: nesterov uses g + mom * buf, plain momentum uses buf; then p -= lr * direction
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
        # BEGIN SOLUTION
        # HINT: m = b1*m + (1-b1)*g ; v = b2*v + (1-b2)*g^2 (update the arrays in place)
        # HINT: bias correction: m_hat = m/(1-b1^t), v_hat = v/(1-b2^t)
        # HINT: p -= lr * m_hat / (sqrt(v_hat) + eps)
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
