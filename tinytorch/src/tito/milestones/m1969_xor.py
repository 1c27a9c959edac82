"""1969: one layer cannot compute XOR; one hidden layer can.

Minsky and Papert's observation: no straight line separates {(0,1), (1,0)} from {(0,0), (1,1)},
so a single linear unit gets at most 3 of the 4 points right however long it trains. Adding a
hidden layer of non-linear units bends the decision boundary and solves it.
"""

from __future__ import annotations

import numpy as np

from . import Result
from .data import xor


def _train(model, x, y, steps: int, lr: float) -> float:
    import tinytorch as tt
    from tinytorch import nn

    opt = tt.optim.Adam(model.parameters(), lr=lr)
    xt, yt = tt.Tensor(x), tt.Tensor(y[:, None].astype(np.float32))
    for _ in range(steps):
        opt.zero_grad()
        loss = nn.functional.binary_cross_entropy_with_logits(model(xt), yt)
        loss.backward()
        opt.step()
    pred = (model(xt).data[:, 0] > 0).astype(np.int64)
    return float((pred == y).mean())


def run(seed: int = 0) -> Result:
    import tinytorch as tt
    from tinytorch import nn

    x, y = xor()
    tt.manual_seed(seed)
    single = _train(nn.Linear(2, 1), x, y, steps=500, lr=0.1)
    tt.manual_seed(seed)
    mlp = _train(nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1)), x, y,
                 steps=500, lr=0.05)
    table = [{"model": "single layer", "accuracy": single},
             {"model": "hidden layer (8 tanh)", "accuracy": mlp}]
    return Result(single <= 0.75 and mlp == 1.0,
                  {"single_layer_accuracy": single, "mlp_accuracy": mlp}, table)
