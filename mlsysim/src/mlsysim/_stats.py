"""Small statistical helpers shared by the models that size samples (governance, operations,
mlops). One copy of the two-proportion formula, so a correction reaches every chapter."""

from __future__ import annotations

import math
from statistics import NormalDist

STD = NormalDist()


def two_proportion_n(p1: float, p2: float, z_alpha: float, z_beta: float) -> int:
    """Per-group sample size of a two-proportion z-test (Fleiss, Levin and Paik 2003, 4.2):
    n = (z_a sqrt(2 pbar (1 - pbar)) + z_b sqrt(p1 (1 - p1) + p2 (1 - p2)))^2 / (p2 - p1)^2.
    The caller picks `z_alpha` (one- or two-sided, corrected or not) and `z_beta` = z(power)."""
    pbar = (p1 + p2) / 2
    num = z_alpha * math.sqrt(2 * pbar * (1 - pbar)) + z_beta * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    return math.ceil(num * num / (p2 - p1) ** 2)
