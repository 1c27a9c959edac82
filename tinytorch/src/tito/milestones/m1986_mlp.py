"""1986: backpropagation trains a multi-layer network to read handwritten-style digits.

Rumelhart, Hinton and Williams showed that gradients computed layer by layer (the chain rule,
i.e. module 02) train hidden layers that learn their own features. Here: a two-layer MLP on
generated 8x8 digit images.
"""

from __future__ import annotations

from . import Result
from .common import accuracy, train_classifier
from .data import digits


def make_data(seed: int = 0):
    x, y = digits(3000, size=8, seed=seed)
    x = x.reshape(len(x), -1)
    return (x[:2400], y[:2400]), (x[2400:], y[2400:])


def train_mlp(seed: int = 0, epochs: int = 12):
    import tinytorch as tt
    from tinytorch import nn

    (xtr, ytr), (xte, yte) = make_data(seed)
    tt.manual_seed(seed)
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
                          nn.Linear(64, 10))
    losses = train_classifier(model, xtr, ytr, epochs=epochs, lr=3e-3, seed=seed)
    return model, losses, (xtr, ytr), (xte, yte)


def run(seed: int = 0) -> Result:
    model, losses, (xtr, ytr), (xte, yte) = train_mlp(seed)
    train_acc, test_acc = accuracy(model, xtr, ytr), accuracy(model, xte, yte)
    table = [{"epoch": i + 1, "loss": loss} for i, loss in enumerate(losses)]
    return Result(test_acc >= 0.90, {"train_accuracy": train_acc, "test_accuracy": test_acc},
                  table)
