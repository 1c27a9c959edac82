"""1957: Rosenblatt's perceptron learns a line that separates two classes.

The learning rule predates gradients: for every misclassified point, add the point to the
weights (or subtract it), and repeat until a full pass makes no mistake. The perceptron
convergence theorem guarantees this ends when the classes are linearly separable.
"""

from __future__ import annotations

import numpy as np

from . import Result
from .data import linearly_separable


def run(seed: int = 0) -> Result:
    import tinytorch as tt
    from tinytorch import nn

    x, y = linearly_separable(100, seed=seed)
    tt.manual_seed(seed)
    unit = nn.Linear(2, 1)
    target = 2 * y - 1  # labels as -1 / +1
    epochs = 0
    for epoch in range(1, 101):
        epochs = epoch
        mistakes = 0
        for i in range(len(x)):
            score = unit(tt.Tensor(x[i : i + 1])).data[0, 0]
            if np.sign(score) != target[i]:  # a score of exactly 0 counts as a mistake
                unit.weight.data += target[i] * x[i][None, :]
                unit.bias.data += target[i]
                mistakes += 1
        if mistakes == 0:
            break
    pred = (unit(tt.Tensor(x)).data[:, 0] > 0).astype(np.int64)
    acc = float((pred == y).mean())
    return Result(acc == 1.0, {"train_accuracy": acc, "epochs": float(epochs)},
                  notes=[f"separated {len(x)} points after {epochs} passes"])
