"""Datasets for the milestones, generated on the learner's machine (nothing is downloaded).

Digits are drawn from 5x7 glyphs designed for this course, then randomly scaled, rotated,
sheared, shifted, thickened and blurred by supersampled rendering into a small image with
noise. That keeps the data self-contained, deterministic per seed, and hard enough that a linear
model does not solve it perfectly.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

# 5 columns x 7 rows per digit; '#' is ink.
_GLYPHS = {
    0: [".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."],
    1: ["..#..", ".##..", "#.#..", "..#..", "..#..", "..#..", "#####"],
    2: [".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"],
    3: ["####.", "....#", "....#", ".###.", "....#", "....#", "####."],
    4: ["...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."],
    5: ["#####", "#....", "####.", "....#", "....#", "#...#", ".###."],
    6: ["..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."],
    7: ["#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."],
    8: [".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."],
    9: [".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."],
}
GLYPHS = np.stack([
    np.array([[c == "#" for c in row] for row in _GLYPHS[d]], dtype=np.float32) for d in range(10)
])  # (10, 7, 5)


def digits(n: int, size: int = 8, seed: int = 0, noise: float = 0.15,
           supersample: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random digit images of ``size`` x ``size`` in [0, 1] and their labels (0-9).

    Every output pixel averages ``supersample``^2 sample points, each mapped by the image's
    random affine transform back into glyph coordinates (nearest glyph cell, with ink thickened
    by a random dilation radius). Fully vectorised over images and samples.
    """
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, size=n)
    s = size * supersample
    # sample points in the unit square, centred
    u = (np.arange(s) + 0.5) / s - 0.5
    gy, gx = np.meshgrid(u, u, indexing="ij")  # (s, s)
    scale = rng.uniform(0.75, 1.0, size=(n, 1, 1))
    angle = rng.uniform(-0.25, 0.25, size=(n, 1, 1))
    shear = rng.uniform(-0.2, 0.2, size=(n, 1, 1))
    shift = rng.uniform(-0.1, 0.1, size=(n, 2, 1, 1))
    cos, sin = np.cos(angle), np.sin(angle)
    x = (gx - shift[:, 0]) / scale
    y = (gy - shift[:, 1]) / scale
    xr = cos * x + sin * y + shear * y
    yr = -sin * x + cos * y
    # glyph occupies 5/7 of the height: map [-0.5, 0.5] height to 7 rows, width to 5 columns
    col = (xr * 7.0 + 2.5)
    row = (yr * 7.0 + 3.5)
    thick = rng.uniform(0.0, 0.35, size=(n, 1, 1))
    ink = np.zeros((n, s, s), dtype=np.float32)
    for dr, dc in ((0, 0), (1, 0), (-1, 0), (0, 1), (0, -1)):
        r = np.floor(row + dr * thick).astype(np.int64)
        c = np.floor(col + dc * thick).astype(np.int64)
        inside = (r >= 0) & (r < 7) & (c >= 0) & (c < 5)
        vals = GLYPHS[labels[:, None, None], np.clip(r, 0, 6), np.clip(c, 0, 4)]
        ink = np.maximum(ink, np.where(inside, vals, 0.0))
    img = ink.reshape(n, size, supersample, size, supersample).mean(axis=(2, 4))
    img *= rng.uniform(0.7, 1.0, size=(n, 1, 1))
    img += rng.normal(0.0, noise, size=img.shape)
    return np.clip(img, 0.0, 1.0).astype(np.float32), labels.astype(np.int64)


def linearly_separable(n: int = 100, seed: int = 0, margin: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    """2-D points labelled by a random line, with a gap of ``margin`` around the line."""
    rng = np.random.default_rng(seed)
    w = rng.normal(size=2)
    w /= np.linalg.norm(w)
    pts = rng.uniform(-1, 1, size=(4 * n, 2))
    d = pts @ w
    keep = np.abs(d) > margin / 2
    pts, d = pts[keep][:n], d[keep][:n]
    return pts.astype(np.float32), (d > 0).astype(np.int64)


def xor() -> tuple[np.ndarray, np.ndarray]:
    """The four points of XOR."""
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    return x, np.array([0, 1, 1, 0], dtype=np.int64)


def reversal(n: int, length: int = 6, vocab: int = 8, seed: int = 0) -> np.ndarray:
    """Sequences ``x SEP reversed(x)`` as token ids; SEP is id ``vocab``. Shape (n, 2*length+1)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, vocab, size=(n, length))
    sep = np.full((n, 1), vocab)
    return np.concatenate([x, sep, x[:, ::-1]], axis=1).astype(np.int64)


@lru_cache(maxsize=1)
def corpus() -> str:
    """The short English text shipped with tito for the character-level language model."""
    return (Path(__file__).parent / "data" / "corpus.txt").read_text(encoding="utf-8")
