"""1998: a LeNet-style convolutional network reads digits.

LeCun et al. combined convolutions (weights shared across positions), pooling (tolerance to
small shifts) and a small classifier. Sharing weights means far fewer parameters than an MLP
on the same pixels, and the right inductive bias for images.
"""

from __future__ import annotations

from . import Result
from .common import accuracy, train_classifier
from .data import digits


def run(seed: int = 0) -> Result:
    import tinytorch as tt
    from tinytorch import nn

    x, y = digits(2000, size=16, seed=seed + 1)
    x = x[:, None]  # (N, 1, 16, 16)
    (xtr, ytr), (xte, yte) = (x[:1600], y[:1600]), (x[1600:], y[1600:])
    tt.manual_seed(seed)
    model = nn.Sequential(
        nn.Conv2d(1, 6, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),    # 6 x 8 x 8
        nn.Conv2d(6, 12, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),   # 12 x 4 x 4
        nn.Flatten(), nn.Linear(12 * 4 * 4, 10),
    )
    losses = train_classifier(model, xtr, ytr, epochs=4, lr=5e-3, batch_size=32, seed=seed)
    test_acc = accuracy(model, xte, yte)
    params = sum(p.numel() for p in model.parameters())
    table = [{"epoch": i + 1, "loss": loss} for i, loss in enumerate(losses)]
    return Result(test_acc >= 0.90, {"test_accuracy": test_acc, "parameters": float(params)},
                  table)
