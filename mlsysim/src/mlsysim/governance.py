"""Quantities of responsible AI at fleet scale: evaluation sample sizes, feedback loops, the
compute cost of explanations and of deleting data, and regulatory compute thresholds.

Governance is usually discussed in words; these functions give the numbers that decide whether
a promise can be kept: how many labelled examples show a subgroup gap, how long a fleet must
collect them, how many accelerators per-request explanations cost, what a deletion request costs
to honour. Formulas and sources are in each docstring."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._stats import STD, two_proportion_n
from ._units import ResultMixin, check_positive
from .errors import InvalidInputError

#: EU AI Act (Regulation (EU) 2024/1689), Art. 51(2): a general-purpose AI model is presumed to
#: have high-impact capabilities (systemic risk) when its cumulative training compute exceeds
#: 10^25 floating-point operations.
EU_AI_ACT_SYSTEMIC_FLOPS = 1e25


def _z(p: float) -> float:
    return STD.inv_cdf(p)


def _check_prob(field: str, value: float) -> float:
    if not isinstance(value, int | float) or not 0 < value < 1:
        raise InvalidInputError(field, f"must be strictly between 0 and 1, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class GapSample(ResultMixin):
    """Examples per group needed to detect a gap between two groups' error rates."""

    p1: float
    p2: float
    alpha: float
    power: float
    comparisons: int
    n_per_group: int
    n_total: int


def subgroup_sample_size(p1: float, p2: float, alpha: float = 0.05, power: float = 0.8,
                         comparisons: int = 1) -> GapSample:
    """Per-group n for a two-sided two-proportion z-test (Fleiss, Levin and Paik 2003, 4.2):

    n = [z_(1-a/2) sqrt(2 p q) + z_(1-b) sqrt(p1 q1 + p2 q2)]^2 / (p1 - p2)^2, p = (p1+p2)/2.
    With `comparisons` > 1 the level is Bonferroni-corrected to a / comparisons, as it must be
    when many slices are tested at once."""
    _check_prob("p1", p1)
    _check_prob("p2", p2)
    if p1 == p2:
        raise InvalidInputError("p2", "the two rates are equal: no gap to detect")
    _check_prob("alpha", alpha)
    _check_prob("power", power)
    k = check_positive("comparisons", comparisons, integer=True)
    n = two_proportion_n(p1, p2, _z(1 - alpha / k / 2), _z(power))
    return GapSample(p1, p2, alpha, power, k, n, 2 * n)


def detectable_gap(n_per_group: float, p: float, alpha: float = 0.05,
                   power: float = 0.8) -> float:
    """Smallest gap in a rate near `p` that n examples per group detect (equal-variance
    approximation): delta = (z_(1-a/2) + z_(1-b)) sqrt(2 p (1-p) / n). Broadcasts over n."""
    n = check_positive("n_per_group", n_per_group)
    _check_prob("p", p)
    _check_prob("alpha", alpha)
    _check_prob("power", power)
    return (_z(1 - alpha / 2) + _z(power)) * np.sqrt(2 * p * (1 - p) / np.asarray(n, float))


def audit_sample_size(margin: float, p: float = 0.5, confidence: float = 0.95) -> int:
    """Cases an auditor must label to estimate a rate to +/- `margin` at `confidence`:
    n = z^2 p (1-p) / margin^2 (normal approximation; p = 0.5 is the worst case)."""
    _check_prob("margin", margin)
    _check_prob("p", p)
    _check_prob("confidence", confidence)
    return math.ceil(_z(1 - (1 - confidence) / 2) ** 2 * p * (1 - p) / margin ** 2)


def days_to_collect(n_needed: int, requests_per_day: float, group_share: float,
                    label_rate: float) -> float:
    """Days of traffic before a group has `n_needed` labelled examples:
    n / (requests per day x group share x fraction of requests that get a ground-truth label)."""
    check_positive("n_needed", n_needed)
    check_positive("requests_per_day", requests_per_day)
    if not 0 < group_share <= 1:
        raise InvalidInputError("group_share", f"must be in (0, 1], got {group_share!r}")
    if not 0 < label_rate <= 1:
        raise InvalidInputError("label_rate", f"must be in (0, 1], got {label_rate!r}")
    return n_needed / (requests_per_day * group_share * label_rate)


def feedback_loop(initial_share: float, rate_a: float, rate_b: float,
                  amplification: float = 1.0, rounds: int = 20,
                  reweight: bool = False) -> np.ndarray:
    """Share of attention given to group A over rounds, when the system learns from the data
    its own attention produced (after Ensign et al. 2018, "Runaway feedback loops").

    Observed incidents: o_A = a_t r_A, o_B = (1 - a_t) r_B. Next share:
    a_(t+1) = o_A^g / (o_A^g + o_B^g). g = 1 is proportional allocation (the initial bias
    persists); g > 1 models ranking or thresholding, which amplifies it toward 0 or 1.
    `reweight=True` divides each observation by the attention that produced it (inverse
    propensity weighting, possible only when decision probabilities are logged), so the
    system estimates the true rates and allocates from them."""
    a = _check_prob("initial_share", initial_share)
    check_positive("rate_a", rate_a)
    check_positive("rate_b", rate_b)
    g = check_positive("amplification", amplification)
    n = check_positive("rounds", rounds, integer=True)
    out = np.empty(n + 1)
    out[0] = a
    for t in range(n):
        oa, ob = out[t] * rate_a, (1 - out[t]) * rate_b
        if reweight:
            oa, ob = oa / out[t], ob / (1 - out[t])
        oa, ob = oa ** g, ob ** g
        out[t + 1] = oa / (oa + ob) if oa + ob > 0 else out[t]
    return out


#: Forward-pass equivalents of one explanation, as functions of the input size d (features or
#: tokens) and the method's own budget. A backward pass is charged as two forwards (the usual
#: rule for dense layers). Gradient saliency: 1 fwd + 1 bwd; integrated gradients
#: (Sundararajan et al. 2017): steps x (fwd + bwd); occlusion: d + 1 forwards; KernelSHAP
#: (Lundberg and Lee 2017) and LIME (Ribeiro et al. 2016): one forward per perturbed sample.
EXPLANATION_METHODS = ("gradient", "integrated_gradients", "occlusion", "kernel_shap", "lime")


@dataclass(frozen=True)
class ExplanationCost(ResultMixin):
    """Compute of explaining a share of requests, relative to serving them."""

    method: str
    forward_equivalents: float
    explained_fraction: float
    fleet_multiplier: float
    extra_replicas: int


def explanation_cost(method: str, features: int, replicas: int, explained_fraction: float = 1.0,
                     samples: int = 1000, steps: int = 50) -> ExplanationCost:
    """Fleet multiplier = 1 + explained_fraction x forward-equivalents per explanation, for a
    serving fleet of `replicas` sized for predictions alone (assumes explanations batch as well
    as predictions do, a lower bound on their cost)."""
    d = check_positive("features", features, integer=True)
    r = check_positive("replicas", replicas, integer=True)
    if not 0 <= explained_fraction <= 1:
        raise InvalidInputError("explained_fraction", f"must be in [0, 1], got {explained_fraction!r}")
    s = check_positive("samples", samples, integer=True)
    k = check_positive("steps", steps, integer=True)
    fe = {"gradient": 3.0, "integrated_gradients": 3.0 * k, "occlusion": d + 1.0,
          "kernel_shap": float(s), "lime": float(s)}
    if method not in fe:
        raise InvalidInputError("method", f"unknown method {method!r} (choose from "
                                f"{', '.join(EXPLANATION_METHODS)})")
    mult = 1.0 + explained_fraction * fe[method]
    return ExplanationCost(method, fe[method], float(explained_fraction), mult,
                           math.ceil(r * mult) - r)


@dataclass(frozen=True)
class UnlearningCost(ResultMixin):
    """Compute to honour a batch of deletion requests by exact retraining."""

    shards: int
    slices: int
    deletions: int
    shards_touched: float
    fraction_of_full: float
    cost: float


def sisa_unlearning(full_cost: float, shards: int, slices: int = 1,
                    deletions: int = 1) -> UnlearningCost:
    """Expected retraining cost of deleting `deletions` points (uniformly placed) from a SISA
    ensemble (Bourtoule et al. 2021): data split into S shards, each trained alone, each shard
    trained incrementally over R slices with a checkpoint after each.

    Shards touched = S (1 - (1 - 1/S)^K). Within a shard, stage r trains on slices 1..r (cost
    proportional to r, an assumption), so deletions whose earliest slice is j rerun stages
    j..R. With m deletions in a shard, P(earliest >= j) = ((R - j + 1) / R)^m; m is taken as its
    mean over touched shards, K / touched. One deletion costs (2R + 1) / (3R) of a shard on
    average. Each shard costs full_cost / S; S = R = 1 is plain retraining."""
    check_positive("full_cost", full_cost)
    S = check_positive("shards", shards, integer=True)
    R = check_positive("slices", slices, integer=True)
    K = check_positive("deletions", deletions, integer=True)
    touched = S * (1 - (1 - 1 / S) ** K)
    m = K / touched
    j = np.arange(1, R + 1)
    p_ge = ((R - j + 1) / R) ** m
    p_eq = p_ge - np.append(p_ge[1:], 0.0)
    total = R * (R + 1) / 2
    per_shard = float(np.sum(p_eq * (total - j * (j - 1) / 2)) / total)
    frac = touched / S * per_shard
    return UnlearningCost(S, R, K, touched, frac, frac * full_cost)


def zero_event_bound(trials: float, confidence: float = 0.95) -> float:
    """Upper bound on an event's rate after `trials` with no event: -ln(1 - confidence) / n,
    about 3 / n at 95% ("the rule of three", Hanley and Lippman-Hand 1983). Broadcasts."""
    n = check_positive("trials", trials)
    _check_prob("confidence", confidence)
    return -math.log(1 - confidence) / np.asarray(n, float)
