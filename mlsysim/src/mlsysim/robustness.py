"""Robustness at scale: how many samples reveal a distribution shift, what adversarial training
and certification cost, and what checksums add to a matrix product.

Why a module: each robustness decision is a sample size or a multiplier on compute. A monitor
needs enough requests per window to see a shift; a robust model pays for its attack steps; a
checked product pays for its checksum row and column. Silent data corruption in a fleet (how
many defective devices, how often to screen) is modelled once, in `silent_corruption`."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

from ._units import ArrayLike, check_positive, scalar_or_array
from .errors import InvalidInputError

_Z = NormalDist()


def _check_prob(field: str, value: float) -> float:
    v = float(check_positive(field, value))
    if v >= 1:
        raise InvalidInputError(field, f"must be < 1, got {value!r}")
    return v


def shift_sample_size(effect: ArrayLike, sd: float = 1.0, alpha: float = 0.05, power: float = 0.8,
                      tests: int = 1) -> ArrayLike:
    """Samples per window (in each of the reference and the live window) for a two-sided z-test
    to detect a shift `effect` in the mean of a feature with standard deviation `sd`:
    `n = 2 (z_{1 - a/2} + z_power)^2 sd^2 / effect^2`, with the false-alarm rate split over
    `tests` monitored statistics (Bonferroni, `a = alpha / tests`). The textbook two-sample
    power calculation (e.g. Rabanser et al. 2019 use such tests on each feature)."""
    e = check_positive("effect", effect)
    sd = check_positive("sd", sd)
    alpha = _check_prob("alpha", alpha)
    power = _check_prob("power", power)
    tests = check_positive("tests", tests, integer=True)
    z = _Z.inv_cdf(1 - alpha / tests / 2) + _Z.inv_cdf(power)
    n = np.ceil(2 * z**2 * sd**2 / np.asarray(e, float) ** 2)
    return scalar_or_array(n)


def ks_critical_distance(n: ArrayLike, m: ArrayLike | None = None, alpha: float = 0.05) -> ArrayLike:
    """The smallest Kolmogorov-Smirnov distance between two empirical distributions of `n` and
    `m` samples that a two-sample KS test flags at level `alpha` (large-sample form):
    `D = sqrt(-ln(alpha / 2) / 2) sqrt((n + m) / (n m))`. `m` defaults to `n`."""
    n = np.asarray(check_positive("n", n), float)
    m = n if m is None else np.asarray(check_positive("m", m), float)
    alpha = _check_prob("alpha", alpha)
    d = math.sqrt(-math.log(alpha / 2) / 2) * np.sqrt((n + m) / (n * m))
    return scalar_or_array(d)


def adversarial_training_multiplier(attack_steps: ArrayLike, input_grad_only: bool = False) -> ArrayLike:
    """Compute of adversarial training over ordinary training, for `attack_steps` steps of
    projected gradient descent per example (Madry et al. 2018). A training step is one forward
    and one backward pass (3 units of forward cost); each attack step is a forward and a
    backward pass too, costing 3 units as frameworks usually run it, or 2 when only the input
    gradient is computed. `1 + k` for PGD-k in the usual case; `k = 1` is the FGSM-based "fast"
    training of Wong et al. 2020."""
    k = np.asarray(check_positive("attack_steps", attack_steps, allow_zero=True), float)
    per_step = 2.0 if input_grad_only else 3.0
    r = (3.0 + k * per_step) / 3.0
    return scalar_or_array(r)


def smoothing_radius(sigma: float, samples: ArrayLike, p_top: float = 1.0,
                     alpha: float = 0.001) -> ArrayLike:
    """L2 radius certified by randomized smoothing (Cohen et al. 2019):
    `R = sigma Phi^-1(p_lower)`, where `p_lower` is a `1 - alpha` lower confidence bound on the
    probability of the top class under Gaussian noise of scale `sigma`, estimated from `samples`
    noisy forward passes with an observed top-class rate `p_top`. The bound here is Hoeffding's,
    `p_top - sqrt(ln(1/alpha) / (2 n))`, a little looser than the Clopper-Pearson bound of the
    paper. Returns 0 (abstain) when `p_lower <= 1/2`."""
    sigma = check_positive("sigma", sigma)
    n = np.asarray(check_positive("samples", samples, integer=True), float)
    p = float(check_positive("p_top", p_top))
    if p > 1:
        raise InvalidInputError("p_top", f"must be <= 1, got {p_top!r}")
    alpha = _check_prob("alpha", alpha)
    lower = np.clip(p - np.sqrt(math.log(1 / alpha) / (2 * n)), 0.0, 1 - 1e-15)
    r = np.where(lower > 0.5, sigma * np.vectorize(_Z.inv_cdf)(np.maximum(lower, 0.5)), 0.0)
    return scalar_or_array(r)


def abft_overhead(m: ArrayLike, k: ArrayLike, n: ArrayLike) -> ArrayLike:
    """Extra multiply-accumulates of checksum-protected matrix multiplication (Huang and Abraham
    1984): an `m x k` by `k x n` product extended by a checksum row of A and a checksum column
    of B computes `(m + 1)(n + 1) k` instead of `m n k`, a fraction `(m + n + 1) / (m n)` more,
    plus `O(m n)` additions to verify. It falls as the matrices grow."""
    m = np.asarray(check_positive("m", m), float)
    check_positive("k", k)
    n = np.asarray(check_positive("n", n), float)
    r = (m + n + 1) / (m * n)
    return scalar_or_array(r)
