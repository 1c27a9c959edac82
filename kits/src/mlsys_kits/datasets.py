"""Synthetic data each kit generates itself, so the whole pipeline runs offline and the same
seed always gives the same bytes.

Three tasks, one per sensor a kit carries:
* `kws`: keyword spotting on 16 x 16 log-mel-like features (time x band): each keyword is a
  different formant trajectory (a ridge of energy moving across the bands) plus noise;
* `image`: 3 x 16 x 16 colour images of stripes, rings or checkerboards at random phase, colour
  and contrast;
* `motion`: 3-axis IMU traces of 32 samples: idle, walking (periodic), shaking (fast, large),
  circling (phase-shifted sines on two axes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Dataset:
    """Float inputs in NCHW and integer labels, split once."""

    task: str
    classes: tuple[str, ...]
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def _kws(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    y = rng.integers(0, 4, n)
    t = np.linspace(0, 1, 16)[None, :, None]
    band = np.arange(16)[None, None, :]
    start = np.array([3.0, 12.0, 4.0, 8.0])[y][:, None, None]
    slope = np.array([8.0, -8.0, 0.0, 0.0])[y][:, None, None]
    wobble = np.array([0.0, 0.0, 0.0, 4.0])[y][:, None, None]
    shift = rng.uniform(-1.5, 1.5, (n, 1, 1))
    centre = start + shift + slope * t + wobble * np.sin(2 * np.pi * 2 * t)
    width = rng.uniform(1.0, 2.0, (n, 1, 1))
    energy = np.exp(-0.5 * ((band - centre) / width) ** 2)
    onset = (t > rng.uniform(0.0, 0.2, (n, 1, 1))) & (t < rng.uniform(0.8, 1.0, (n, 1, 1)))
    x = energy * onset * rng.uniform(0.6, 1.2, (n, 1, 1)) + rng.normal(0, 0.9, (n, 16, 16))
    return x[:, None].astype(np.float32), y


def _image(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    y = rng.integers(0, 4, n)
    yy, xx = np.mgrid[0:16, 0:16][:, None].astype(float)
    phase = rng.uniform(0, 2 * np.pi, (n, 1, 1))
    freq = rng.uniform(0.6, 1.0, (n, 1, 1))
    cy, cx = rng.uniform(6, 10, (2, n, 1, 1))
    r = np.hypot(yy - cy, xx - cx)
    patterns = np.stack([
        np.sin(freq * yy + phase),                       # horizontal stripes
        np.sin(freq * xx + phase),                       # vertical stripes
        np.sin(freq * 1.3 * r + phase),                  # rings
        np.sin(freq * xx + phase) * np.sin(freq * yy),   # checkerboard
    ])
    g = patterns[y, np.arange(n)]
    colour = rng.uniform(0.3, 1.0, (n, 3, 1, 1))
    x = 0.5 + 0.5 * g[:, None] * colour + rng.normal(0, 0.6, (n, 3, 16, 16))
    return x.astype(np.float32), y


def _motion(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    y = rng.integers(0, 4, n)
    t = np.arange(32)[None, None, :] / 32.0
    phase = rng.uniform(0, 2 * np.pi, (n, 1, 1))
    f = np.array([0.0, 2.0, 7.0, 1.5])[y][:, None, None] * rng.uniform(0.85, 1.15, (n, 1, 1))
    amp = np.array([0.05, 0.6, 1.2, 0.8])[y][:, None, None]
    axes = np.arange(3)[None, :, None]
    # circling drives x and y a quarter period apart; the others shake z hardest
    lag = np.where(y[:, None, None] == 3, axes * np.pi / 2, 0.0)
    gain = np.where(y[:, None, None] == 3, np.array([1.0, 1.0, 0.1])[None, :, None],
                    np.array([0.4, 0.6, 1.0])[None, :, None])
    x = amp * gain * np.sin(2 * np.pi * f * t + phase + lag) + rng.normal(0, 0.7, (n, 3, 32))
    x[:, 2] += 1.0  # gravity on z
    return x[:, :, None, :].astype(np.float32), y


_MAKERS = {
    "kws": (_kws, ("yes", "no", "up", "down")),
    "image": (_image, ("h-stripes", "v-stripes", "rings", "checks")),
    "motion": (_motion, ("idle", "walk", "shake", "circle")),
}
TASKS = tuple(_MAKERS)


def make_dataset(task: str, n_train: int = 640, n_test: int = 200, seed: int = 0) -> Dataset:
    """The task's train and test sets; the same arguments always give identical arrays."""
    if task not in _MAKERS:
        raise ValueError(f"unknown task {task!r} (tasks: {', '.join(TASKS)})")
    make, classes = _MAKERS[task]
    rng = np.random.default_rng([seed, TASKS.index(task)])
    x, y = make(rng, n_train + n_test)
    return Dataset(task, classes, x[:n_train], y[:n_train].astype(np.int64), x[n_train:],
                   y[n_train:].astype(np.int64))
