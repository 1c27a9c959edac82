"""Quantities of a labeling operation: what a label budget costs, how much two annotators agree
by chance, how many redundant votes a target label accuracy needs, what label noise does to the
value of a label, and how many labels active learning saves on a task we can actually run.

Labeling is usually planned in spreadsheets; these functions put the same arithmetic behind the
book's numbers so a change of assumption (seconds per label, annotator accuracy) flows through.
Formulas and sources are in each docstring."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._units import ResultMixin, check_positive, scalar_or_array
from .errors import InvalidInputError


def _check_accuracy(field: str, value: float, low: float = 0.0) -> float:
    v = float(value)
    if not low < v < 1.0:
        raise InvalidInputError(field, f"must lie strictly between {low} and 1, got {value!r}")
    return v


@dataclass(frozen=True)
class LabelBudget(ResultMixin):
    """Annotator time and money to collect `labels` items, each labelled `redundancy` times."""

    judgments: float
    annotator_hours: float
    cost: float
    cost_per_item: float
    calendar_days: float


def label_budget(labels: float, seconds_per_label: float, cost_per_hour: float,
                 redundancy: int = 1, annotators: int = 1, hours_per_day: float = 6.0,
                 overhead: float = 0.0) -> LabelBudget:
    """Labels x seconds per label x cost per hour, with `redundancy` judgments per item and an
    `overhead` fraction for review, gold questions and guideline meetings (0.2 = 20% extra time).
    Calendar days assume `annotators` people each labelling `hours_per_day` productive hours."""
    n = check_positive("labels", labels)
    s = check_positive("seconds_per_label", seconds_per_label)
    rate = check_positive("cost_per_hour", cost_per_hour)
    r = check_positive("redundancy", redundancy, integer=True)
    people = check_positive("annotators", annotators, integer=True)
    day = check_positive("hours_per_day", hours_per_day)
    if overhead < 0:
        raise InvalidInputError("overhead", f"must be >= 0, got {overhead!r}")
    judgments = n * r
    hours = judgments * s / 3600 * (1 + overhead)
    cost = hours * rate
    return LabelBudget(judgments, hours, cost, cost / n, hours / (people * day))


def cohen_kappa(observed_agreement: float, chance_agreement: float) -> float:
    """Cohen's kappa (Cohen 1960): (p_o - p_e) / (1 - p_e), agreement beyond chance as a fraction
    of the agreement beyond chance that was possible."""
    po = float(observed_agreement)
    pe = _check_accuracy("chance_agreement", chance_agreement, low=-1e-12)
    if not 0.0 <= po <= 1.0:
        raise InvalidInputError("observed_agreement", f"must lie in [0, 1], got {po!r}")
    return (po - pe) / (1 - pe)


def kappa_for_accuracy(accuracy: float, classes: int = 2) -> float:
    """Expected kappa between two independent annotators who are each right with probability
    `accuracy` on a task with `classes` balanced classes, errors spread evenly over the wrong
    classes: p_o = a^2 + (1 - a)^2 / (K - 1), p_e = 1 / K. Inverts the common question "what
    does a kappa of 0.6 say about each annotator?"."""
    a = _check_accuracy("accuracy", accuracy)
    k = check_positive("classes", classes, integer=True)
    if k < 2:
        raise InvalidInputError("classes", f"needs at least 2 classes, got {classes!r}")
    po = a * a + (1 - a) ** 2 / (k - 1)
    return cohen_kappa(po, 1 / k)


def accuracy_for_kappa(kappa: float, classes: int = 2) -> float:
    """The per-annotator accuracy (above chance) that `kappa_for_accuracy` maps to `kappa`,
    found by bisection since kappa rises monotonically with accuracy above 1/K."""
    k = check_positive("classes", classes, integer=True)
    if not 0.0 < float(kappa) < 1.0:
        raise InvalidInputError("kappa", f"must lie strictly between 0 and 1, got {kappa!r}")
    lo, hi = 1 / k, 1.0 - 1e-12
    for _ in range(80):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if kappa_for_accuracy(mid, k) < kappa else (lo, mid)
    return (lo + hi) / 2


def majority_vote_accuracy(accuracy: float, votes: int) -> float:
    """Probability that the majority of `votes` independent binary judgments, each right with
    probability `accuracy`, is right; ties (even `votes`) are broken by a fair coin. This is the
    Condorcet jury calculation; real annotators' errors are correlated on hard items, so treat
    it as an upper bound on what redundancy buys."""
    a = _check_accuracy("accuracy", accuracy)
    n = check_positive("votes", votes, integer=True)
    k = np.arange(n + 1)
    comb = np.array([math.comb(n, int(i)) for i in k], float)
    pmf = comb * a ** k * (1 - a) ** (n - k)
    win = pmf[2 * k > n].sum()
    tie = pmf[2 * k == n].sum()
    return float(win + tie / 2)


def votes_needed(accuracy: float, target: float, max_votes: int = 99) -> int:
    """Smallest odd number of independent votes whose majority reaches `target` accuracy. Raises
    when an annotator no better than a coin (or `max_votes`) cannot get there."""
    a = _check_accuracy("accuracy", accuracy)
    t = _check_accuracy("target", target)
    if a <= 0.5:
        raise InvalidInputError("accuracy", f"annotators at {a:.2f} cannot be outvoted into accuracy")
    for n in range(1, max_votes + 1, 2):
        if majority_vote_accuracy(a, n) >= t:
            return n
    raise InvalidInputError("target", f"{t} needs more than {max_votes} votes at accuracy {a}")


def noisy_label_value(noise_rate: float) -> float:
    """Worth of one label with symmetric binary noise rate eta, in clean labels: (1 - 2 eta)^2.
    Angluin and Laird (1988) showed the sample size to learn under random classification noise
    grows as 1 / (1 - 2 eta)^2; this is its reciprocal. Broadcasts over numpy arrays."""
    eta = np.asarray(noise_rate, float)
    if np.any((eta < 0) | (eta >= 0.5)):
        raise InvalidInputError("noise_rate", "must lie in [0, 0.5)")
    out = (1 - 2 * eta) ** 2
    return scalar_or_array(out)


@dataclass(frozen=True)
class ActiveLearningCurve(ResultMixin):
    """Test error against labels bought, for random and for uncertainty sampling."""

    labels: np.ndarray
    random_error: np.ndarray
    active_error: np.ndarray


def _fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-2, steps: int = 12) -> np.ndarray:
    """Ridge-regularised logistic regression by Newton's method; small d, so exact Hessians."""
    w = np.zeros(x.shape[1])
    eye = l2 * np.eye(x.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-np.clip(x @ w, -30, 30)))
        grad = x.T @ (p - y) + l2 * w
        hess = (x * (p * (1 - p))[:, None]).T @ x + eye
        w -= np.linalg.solve(hess, grad)
    return w


def active_learning_curve(dims: int = 20, pool: int = 4000, test: int = 4000, seed_labels: int = 20,
                          batch: int = 20, rounds: int = 24, noise: float = 0.0,
                          trials: int = 5, seed: int = 0) -> ActiveLearningCurve:
    """Runs pool-based active learning (Settles 2009) on a synthetic linearly separable task:
    points uniform in a `dims`-dimensional cube, label = side of a random hyperplane through the
    origin, flipped with probability `noise`. Each round a logistic regression is refit and
    `batch` more labels are bought either at random or where the model is least certain
    (probability nearest 0.5). Errors are averaged over `trials` seeded repetitions."""
    d = check_positive("dims", dims, integer=True)
    for name, v in (("pool", pool), ("test", test), ("seed_labels", seed_labels),
                    ("batch", batch), ("rounds", rounds), ("trials", trials)):
        check_positive(name, v, integer=True)
    if seed_labels + batch * rounds > pool:
        raise InvalidInputError("rounds", "the pool is smaller than the labels requested")
    rng = np.random.default_rng(seed)
    sizes = seed_labels + batch * np.arange(rounds + 1)
    errs = np.zeros((2, trials, rounds + 1))
    for t in range(trials):
        w_true = rng.normal(size=d)
        x = rng.uniform(-1, 1, size=(pool + test, d))
        y = (x @ w_true > 0).astype(float)
        flip = rng.random(pool) < noise
        y_pool = np.where(flip, 1 - y[:pool], y[:pool])
        xp, xt, yt = x[:pool], x[pool:], y[pool:]
        start = rng.choice(pool, seed_labels, replace=False)
        for s, strategy in enumerate(("random", "active")):
            chosen = list(start)
            for r in range(rounds + 1):
                w = _fit_logistic(xp[chosen], y_pool[chosen])
                errs[s, t, r] = np.mean((xt @ w > 0) != (yt > 0.5))
                if r == rounds:
                    break
                free = np.setdiff1d(np.arange(pool), chosen)
                if strategy == "random":
                    pick = rng.choice(free, batch, replace=False)
                else:
                    pick = free[np.argsort(np.abs(xp[free] @ w))[:batch]]
                chosen.extend(pick.tolist())
    mean = errs.mean(axis=1)
    return ActiveLearningCurve(sizes.astype(float), mean[0], mean[1])


def labels_to_reach(curve_labels: np.ndarray, curve_error: np.ndarray, target: float) -> float:
    """Fewest labels at which a learning curve first reaches `target` error (linear
    interpolation between measured points); inf when it never does."""
    e = np.asarray(curve_error, float)
    n = np.asarray(curve_labels, float)
    hit = np.nonzero(e <= target)[0]
    if hit.size == 0:
        return math.inf
    i = int(hit[0])
    if i == 0:
        return float(n[0])
    frac = (e[i - 1] - target) / (e[i - 1] - e[i])
    return float(n[i - 1] + frac * (n[i] - n[i - 1]))
