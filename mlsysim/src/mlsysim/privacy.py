"""Privacy at scale: DP-SGD accounting, the noise a fleet must average away, and the costs of
per-example gradients, secure aggregation and encrypted transfers into a trusted enclave.

Why a module: a privacy budget is a number with a price. The accountant says how much noise a
target epsilon needs; the noise says how large the batch must be; the per-example gradients say
how much extra memory or compute each step pays. The book computes each of these here."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._units import ArrayLike, ResultMixin, check_positive, scalar_or_array
from .errors import InvalidInputError

#: Integer Renyi orders searched when converting to (epsilon, delta); 2..256 covers the range
#: where the optimum falls for epsilons between about 0.1 and 50.
DEFAULT_ORDERS = tuple(range(2, 257))


def _check_fraction(field: str, value: float, allow_one: bool = True) -> float:
    """A probability in (0, 1] (or (0, 1) when `allow_one` is False)."""
    v = check_positive(field, value)
    if v > 1 or (v == 1 and not allow_one):
        raise InvalidInputError(field, f"must be {'<= 1' if allow_one else '< 1'}, got {value!r}")
    return float(v)


def sgm_rdp(q: float, sigma: float, orders: tuple[int, ...] = DEFAULT_ORDERS) -> np.ndarray:
    """Renyi DP of one step of the sampled Gaussian mechanism at integer orders `alpha`.

    `rho(alpha) = log(A_alpha) / (alpha - 1)` with
    `A_alpha = sum_k C(alpha, k) (1-q)^(alpha-k) q^k exp((k^2 - k) / (2 sigma^2))`, where `q` is
    the probability that an example is in a batch and `sigma` the noise multiplier (noise
    standard deviation over the clipping norm). Mironov, Talwar and Zhang 2019, "Renyi
    Differential Privacy of the Sampled Gaussian Mechanism" (arXiv:1908.10530), Sec. 3.3; at
    `q = 1` it reduces to the Gaussian mechanism's `alpha / (2 sigma^2)`."""
    q = _check_fraction("q", q)
    sigma = float(check_positive("sigma", sigma))
    out = np.empty(len(orders))
    for i, a in enumerate(orders):
        a = check_positive("orders", a, integer=True)
        if a < 2:
            raise InvalidInputError("orders", f"must be integers >= 2, got {a}")
        k = np.arange(a + 1, dtype=float)
        log_binom = np.array([math.lgamma(a + 1) - math.lgamma(j + 1) - math.lgamma(a - j + 1)
                              for j in range(a + 1)])
        log_1mq = math.log1p(-q) if q < 1 else -math.inf
        with np.errstate(invalid="ignore"):  # 0 * log(0) = 0 for k = alpha when q == 1
            misses = np.where(k == a, 0.0, (a - k) * log_1mq)
        terms = log_binom + misses + k * math.log(q) + (k * k - k) / (2 * sigma**2)
        m = terms.max()
        out[i] = (m + math.log(np.exp(terms - m).sum())) / (a - 1)
    return out


@dataclass(frozen=True)
class PrivacySpent(ResultMixin):
    """The (epsilon, delta) guarantee of a DP-SGD run and the Renyi order that gave it."""

    epsilon: float
    delta: float
    q: float
    sigma: float
    steps: int
    order: int


def dp_sgd_epsilon(q: float, sigma: float, steps: int, delta: float = 1e-5,
                   orders: tuple[int, ...] = DEFAULT_ORDERS) -> PrivacySpent:
    """Epsilon after `steps` DP-SGD steps with sampling rate `q` and noise multiplier `sigma`.

    Renyi DP composes by addition, so the run has `rho_T(alpha) = T rho(alpha)`; it converts to
    `(epsilon, delta)` by `epsilon = min_alpha T rho(alpha) + log(1/delta) / (alpha - 1)`
    (Mironov 2017, "Renyi Differential Privacy", CSF, Prop. 3). This is the accountant of
    Abadi et al. 2016 in Renyi form; tighter conversions exist and give slightly smaller
    epsilons, so the value here is a valid upper bound."""
    steps = check_positive("steps", steps, integer=True)
    delta = _check_fraction("delta", delta, allow_one=False)
    rdp = sgm_rdp(q, sigma, orders)
    alphas = np.asarray(orders, dtype=float)
    eps = steps * rdp + math.log(1 / delta) / (alphas - 1)
    i = int(np.argmin(eps))
    return PrivacySpent(float(eps[i]), delta, float(q), float(sigma), steps, int(orders[i]))


def noise_for_epsilon(target_epsilon: float, q: float, steps: int, delta: float = 1e-5) -> float:
    """The smallest noise multiplier `sigma` whose run of `steps` stays within `target_epsilon`
    (bisection on `dp_sgd_epsilon`, which falls monotonically as `sigma` grows)."""
    target = float(check_positive("target_epsilon", target_epsilon))
    lo, hi = 0.05, 1.0
    while dp_sgd_epsilon(q, hi, steps, delta).epsilon > target:
        hi *= 2
        if hi > 1e4:
            raise InvalidInputError("target_epsilon", f"{target} is out of reach for {steps} steps")
    for _ in range(50):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if dp_sgd_epsilon(q, mid, steps, delta).epsilon > target else (lo, mid)
    return hi


def dp_noise_ratio(params: ArrayLike, batch: ArrayLike, sigma: float) -> ArrayLike:
    """Norm of the noise in DP-SGD's averaged gradient over the largest possible clipped signal:
    `sigma sqrt(P) / B`. The noise `N(0, sigma^2 C^2 I)` over `P` coordinates has norm about
    `sigma C sqrt(P)`; the average of `B` clipped gradients has norm at most `C`
    (Abadi et al. 2016). The ratio falls only with the batch, which is why private training
    of large models needs batches of tens of thousands of examples."""
    p = check_positive("params", params)
    b = check_positive("batch", batch)
    sigma = check_positive("sigma", sigma)
    return sigma * np.sqrt(p) / b


def membership_tpr_bound(epsilon: ArrayLike, fpr: ArrayLike, delta: float = 0.0) -> ArrayLike:
    """The highest true-positive rate any membership test can reach at false-positive rate
    `fpr` against an `(epsilon, delta)`-DP model:
    `min(1, e^eps FPR + delta, 1 - e^-eps (1 - delta - FPR))`
    (Kairouz, Oh and Viswanath 2015, "The Composition Theorem for Differential Privacy")."""
    eps = np.asarray(check_positive("epsilon", epsilon, allow_zero=True), float)
    f = np.asarray(check_positive("fpr", fpr, allow_zero=True), float)
    if np.any(f > 1):
        raise InvalidInputError("fpr", f"must be <= 1, got {fpr!r}")
    d = check_positive("delta", delta, allow_zero=True)
    if d >= 1:
        raise InvalidInputError("delta", f"must be < 1, got {delta!r}")
    tpr = np.minimum.reduce([np.ones_like(eps * f), np.exp(eps) * f + d,
                             1 - np.exp(-eps) * (1 - d - f)])
    return scalar_or_array(tpr)


@dataclass(frozen=True)
class PerExampleCost(ResultMixin):
    """What clipping each example's gradient costs one DP-SGD step, against ordinary SGD."""

    method: str
    extra_memory_bytes: float
    flop_multiplier: float

    _units = {"extra_memory_bytes": "B"}


#: Forward = 1 unit, backward = 2 units of `2 N` FLOPs per token (the 6N rule of Kaplan et al.).
_FWD, _BWD = 1.0, 2.0


def per_example_gradient_cost(params: float, batch: int, method: str = "ghost",
                              grad_bytes: float = 4.0) -> PerExampleCost:
    """Extra memory and compute of per-example clipping, by implementation:

    - `"materialize"`: keep one gradient per example (Opacus-style hooks): `B P` gradient
      elements at `grad_bytes` each, with the same FLOPs as ordinary training;
    - `"ghost"`: ghost clipping (Li et al. 2022, "Large Language Models Can Be Strong
      Differentially Private Learners", ICLR): per-example norms from activations and output
      gradients, then a second backward pass with reweighted examples, so a step costs
      `(fwd + 2 bwd) / (fwd + bwd) = 5/3` of ordinary training and no per-example storage;
    - `"microbatch"`: one example at a time, no extra memory or FLOPs, but every matrix
      multiply runs at batch 1 (its slowdown is the hardware's, not counted here)."""
    p = check_positive("params", params)
    b = check_positive("batch", batch, integer=True)
    gb = check_positive("grad_bytes", grad_bytes)
    if method == "materialize":
        return PerExampleCost(method, float(b * p * gb), 1.0)
    if method == "ghost":
        return PerExampleCost(method, 0.0, (_FWD + 2 * _BWD) / (_FWD + _BWD))
    if method == "microbatch":
        return PerExampleCost(method, 0.0, 1.0)
    raise InvalidInputError("method", f"unknown method {method!r} (materialize, ghost, microbatch)")


@dataclass(frozen=True)
class SecureAggregation(ResultMixin):
    """Per-round costs of pairwise-masked secure aggregation for `n` clients and `m` values."""

    clients: int
    vector_len: int
    client_prg_values: float
    server_prg_values: float
    client_upload_bytes: float
    upload_overhead: float

    _units = {"client_upload_bytes": "B"}


def secure_aggregation(clients: int, vector_len: float, dropout: float = 0.0,
                       value_bytes: float = 4.0, key_bytes: float = 64.0) -> SecureAggregation:
    """Costs of the protocol of Bonawitz et al. 2017 ("Practical Secure Aggregation for
    Privacy-Preserving Machine Learning", CCS). Each client expands one pairwise mask per other
    client plus a self mask, `n m` pseudorandom values; it uploads its masked vector plus a key
    pair and secret shares for every peer (`key_bytes` per peer, an assumption); the server
    regenerates the `n - 1` pairwise masks of each dropped client, `d n (n-1) m` values for a
    dropout fraction `d`, plus the self masks of the survivors. `upload_overhead` is the upload
    over that of plain (unmasked) federated averaging."""
    n = check_positive("clients", clients, integer=True)
    if n < 2:
        raise InvalidInputError("clients", f"secure aggregation needs at least 2 clients, got {n}")
    m = check_positive("vector_len", vector_len)
    d = check_positive("dropout", dropout, allow_zero=True)
    if d >= 1:
        raise InvalidInputError("dropout", f"must be < 1, got {dropout!r}")
    check_positive("value_bytes", value_bytes)
    check_positive("key_bytes", key_bytes, allow_zero=True)
    dropped = d * n
    server = dropped * (n - 1) * m + (n - dropped) * m
    plain = m * value_bytes
    upload = plain + (n - 1) * key_bytes
    return SecureAggregation(n, int(m), float(n * m), float(server), float(upload),
                             float(upload / plain))


def sealed_transfer_time(nbytes: ArrayLike, link_bytes_per_s: float, crypto_bytes_per_s: float,
                         pipelined: bool = True) -> ArrayLike:
    """Seconds to move `nbytes` into a confidential-computing enclave whose traffic is encrypted
    on one side of the link and decrypted on the other (bounce buffers). Pipelined, the slower
    of link and cipher sets the pace: `bytes / min(link, crypto)`; unpipelined, the two add:
    `bytes / link + bytes / crypto`."""
    b = check_positive("nbytes", nbytes, allow_zero=True)
    link = check_positive("link_bytes_per_s", link_bytes_per_s)
    crypto = check_positive("crypto_bytes_per_s", crypto_bytes_per_s)
    if pipelined:
        return b / min(link, crypto)
    return b / link + b / crypto
