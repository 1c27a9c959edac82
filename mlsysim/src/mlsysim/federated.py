"""Federated learning rounds: how long one round of federated averaging takes on a fleet of
phones, how many bytes it moves, and how long training takes when rounds close at a deadline.

A round (McMahan et al. 2017, "Communication-Efficient Learning of Deep Networks from
Decentralized Data", AISTATS) sends the global model to `m` sampled clients, each trains
locally and uploads an update, and the server averages the first `k` reports. Client times
vary widely (network, device, charging state), so we model each client's time as a median
time times a lognormal factor exp(spread x Z). The round ends when the `k`-th report
arrives. Its expected time uses Blom's approximation to the mean of the k-th of n standard
normal order statistics, z_k = Phi^-1((k - 0.375) / (n + 0.25)), and the asymptotic variance
of that order statistic, v_k = p (1 - p) / ((n + 2) phi(Phi^-1(p))^2) with p = k / (n + 1),
so E[round] ~ median x exp(spread z_k + spread^2 v_k / 2) (David and Nagaraja, *Order
Statistics*, 3rd ed., 2003). Against a Monte Carlo of lognormal clients it is within a few
percent for tens of clients or more.
Over-selecting clients and dropping late ones is the production remedy for stragglers
(Bonawitz et al. 2019, "Towards Federated Learning at Scale: System Design", MLSys).

The same order statistics serve a production round policy (`federated_training`): read as a
normal law, log(T_(r) / median) ~ N(spread z_r, spread^2 v_r), they give the chance that the
r-th report beats a deadline, hence the round's expected close time min(deadline, k-th report)
(the limited mean of a lognormal), the expected reports sum_r P(T_(r) <= deadline), and the
chance that a round collects too few of them to count. The policy averages them over the
binomial number of clients that survive drop-outs, which matters when over-selection barely
covers them; `federated_round` evaluates them at the expected number, as the edge chapter's
equation does. Training progress treats averaging k
reports like a step on a batch of k: rounds to target = R_min (1 + K_crit / k) (`large_batch`,
McCandlish et al. 2018), an assumption standing in for a measured convergence curve; McMahan
et al. report diminishing returns from adding clients per round."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist

import numpy as np

from ._units import ResultMixin, check_positive
from .batching import large_batch
from .errors import InvalidInputError

_STD = NormalDist()


@dataclass(frozen=True)
class FederatedRound(ResultMixin):
    """One round of federated averaging, from the server's point of view."""

    clients: int  # reports the server waits for (k)
    selected: int  # clients sampled at the start of the round (m >= k)
    expected_survivors: float  # selected clients expected not to drop out
    complete: bool  # whether enough clients are expected to report
    download_s: float  # median client: fetch the global model
    compute_s: float  # median client: local training
    upload_s: float  # median client: send the (compressed) update
    median_client_s: float
    round_s: float  # expected time until the k-th report arrives
    straggler_factor: float  # round_s / median_client_s
    server_egress_bytes: float  # model sent to every selected client
    server_ingress_bytes: float  # updates received from the k reporting clients

    _units = {"download_s": "s", "compute_s": "s", "upload_s": "s", "median_client_s": "s",
              "round_s": "s", "server_egress_bytes": "B", "server_ingress_bytes": "B"}


def _check_args(clients: int, spread: float, overselect: float, dropout: float,
                compression: float) -> None:
    check_positive("clients", clients, integer=True)
    check_positive("spread", spread, allow_zero=True)
    check_positive("overselect", overselect, allow_zero=True)
    if not 0.0 <= dropout < 1.0:
        raise InvalidInputError("dropout", f"must be in [0, 1), got {dropout!r}")
    if compression < 1.0:
        raise InvalidInputError("compression", f"must be >= 1 (1 = no compression), got {compression!r}")


def _selected(clients: int, overselect: float) -> int:
    """Clients sampled for `clients` reports with over-selection: ceil(k (1 + overselect))."""
    return math.ceil(clients * (1.0 + overselect) - 1e-9)


def _log_order_stat(k: float, n: float, spread: float) -> tuple[float, float]:
    """Mean and variance of spread x Z_(k of n), the log of the k-th of n client times over the
    median: Blom's mean and the order statistic's asymptotic variance (module docstring)."""
    z = _STD.inv_cdf((k - 0.375) / (n + 0.25))
    p = k / (n + 1.0)
    var = p * (1.0 - p) / ((n + 2.0) * _STD.pdf(_STD.inv_cdf(p)) ** 2)
    return spread * z, spread * spread * var


def _order_stat_factor(k: float, n: float, spread: float) -> float:
    """E[exp(spread x Z_(k of n))]: the lognormal mean of `_log_order_stat`."""
    mean, var = _log_order_stat(k, n, spread)
    return math.exp(mean + var / 2.0)


def federated_round(model_bytes: float, clients: int, uplink_bytes_per_s: float,
                    downlink_bytes_per_s: float, compute_s: float, spread: float = 0.5,
                    overselect: float = 0.0, dropout: float = 0.0,
                    compression: float = 1.0) -> FederatedRound:
    """Expected wall-clock time of one federated-averaging round.

    median client time = model/downlink + compute + model/(compression x uplink);
    m = ceil(k (1 + overselect)) clients are sampled, each drops out with probability
    `dropout`, and the round ends at the k-th fastest of the n = m (1 - dropout) survivors
    (see the module docstring for the order-statistic approximation). If n < k the round
    cannot collect k reports (`complete=False`) and the time is that of the slowest survivor."""
    check_positive("model_bytes", model_bytes)
    check_positive("uplink_bytes_per_s", uplink_bytes_per_s)
    check_positive("downlink_bytes_per_s", downlink_bytes_per_s)
    check_positive("compute_s", compute_s, allow_zero=True)
    _check_args(clients, spread, overselect, dropout, compression)
    k = int(clients)
    m = _selected(k, overselect)
    n = m * (1.0 - dropout)
    down = model_bytes / downlink_bytes_per_s
    up = model_bytes / compression / uplink_bytes_per_s
    median = down + compute_s + up
    complete = n >= k
    rank = min(k, n)
    factor = _order_stat_factor(rank, n, spread) if n > 0 else 0.0
    return FederatedRound(k, m, n, complete, down, compute_s, up, median, median * factor, factor,
                          m * model_bytes, rank * model_bytes / compression)


def rounds_within(deadline_s: float, round_: FederatedRound) -> int:
    """Whole rounds that fit in `deadline_s` (for example the hours a night's charging window
    leaves), at the round's expected duration."""
    check_positive("deadline_s", deadline_s)
    return int(deadline_s // round_.round_s) if round_.round_s > 0 else 0


#: Rounds that succeed less often than this are reported as never reaching the target: the
#: expected time would be astronomically long, and the policy is broken either way.
MIN_ROUND_SUCCESS = 1e-6


@dataclass(frozen=True)
class FederatedTraining(ResultMixin):
    """Round time, reports, waste and time to a target accuracy under one round policy."""

    invited: int
    target_reports: int
    deadline_s: float
    mean_round_s: float
    mean_reports: float
    deadline_share: float  # rounds that run to the deadline
    failed_share: float  # rounds abandoned with too few reports
    wasted_share: float  # invited clients whose work is not averaged
    rounds_to_target: float
    hours_to_target: float

    _units = {"deadline_s": "s", "mean_round_s": "s"}


def _arrivals(k: int, s: int, median: float, spread: float, deadline: float) -> np.ndarray:
    """P(the r-th of `s` surviving reports arrives by the deadline), r = 1..k; 0 past s."""
    log_d = math.log(deadline / median)
    probs = np.zeros(k)
    for r in range(1, min(k, s) + 1):
        mean, var = _log_order_stat(r, s, spread)
        probs[r - 1] = (_STD.cdf((log_d - mean) / math.sqrt(var)) if var > 0
                        else float(mean <= log_d))
    return probs


def _mean_close(k: int, s: int, median: float, spread: float, deadline: float) -> float:
    """E[min(deadline, k-th of `s` reports)]: the limited mean of the lognormal k-th report."""
    if k > s:
        return deadline
    mean, var = _log_order_stat(k, s, spread)
    mu = math.log(median) + mean
    if var == 0:
        return min(math.exp(mu), deadline)
    sd, log_d = math.sqrt(var), math.log(deadline)
    return (math.exp(mu + var / 2) * _STD.cdf((log_d - mu - var) / sd)
            + deadline * (1 - _STD.cdf((log_d - mu) / sd)))


def _survivors(m: int, dropout: float) -> list[tuple[int, float]]:
    """(s, P(s of m selected clients survive)) for the binomial drop-outs, leaving out counts
    less likely than 1e-12 (their total is negligible)."""
    if dropout == 0:
        return [(m, 1.0)]
    lp, lq = math.log(1 - dropout), math.log(dropout)
    out = []
    for s in range(m + 1):
        log_pmf = (math.lgamma(m + 1) - math.lgamma(s + 1) - math.lgamma(m - s + 1)
                   + s * lp + (m - s) * lq)
        if log_pmf > -27.6:  # 1e-12
            out.append((s, math.exp(log_pmf)))
    return out


@lru_cache(maxsize=1024)
def _round_close(k: int, m: int, dropout: float, median: float, spread: float,
                 deadline: float) -> tuple[np.ndarray, float]:
    """(P(at least r reports by the deadline) for r = 1..k, expected close time), averaging
    the order statistics over the binomial number of survivors."""
    probs, close = np.zeros(k), 0.0
    for s, w in _survivors(m, dropout):
        probs += w * _arrivals(k, s, median, spread, deadline)
        close += w * _mean_close(k, s, median, spread, deadline)
    probs.setflags(write=False)  # cached: shared by every caller with these inputs
    return probs, close


def federated_training(clients: int, overselect: float = 0.3, deadline_s: float = 1800.0,
                       median_client_s: float = 300.0, spread: float = 0.8,
                       dropout: float = 0.1, min_fraction: float = 0.8, server_s: float = 30.0,
                       rounds_min: float = 300.0,
                       critical_cohort: float = 100.0) -> FederatedTraining:
    """Training by rounds that want `clients` reports, invite ceil(k (1 + `overselect`)),
    close at the k-th report or at `deadline_s` plus `server_s` of selection and averaging, and
    count only with at least `min_fraction` of k reports (Bonawitz et al. 2019); client times
    and drop-outs as in `federated_round`, progress by the batch law (module docstring)."""
    _check_args(clients, spread, overselect, dropout, 1.0)
    deadline = float(check_positive("deadline_s", deadline_s))
    median = float(check_positive("median_client_s", median_client_s))
    if not 0 < min_fraction <= 1:
        raise InvalidInputError("min_fraction", f"must be in (0, 1], got {min_fraction!r}")
    server = check_positive("server_s", server_s, allow_zero=True)
    check_positive("rounds_min", rounds_min)
    check_positive("critical_cohort", critical_cohort)
    k, m = int(clients), _selected(int(clients), overselect)
    probs, close = _round_close(k, m, float(dropout), median, float(spread), deadline)
    need = math.ceil(min_fraction * k - 1e-9)
    success = float(probs[need - 1])
    used = need * success + float(probs[need:].sum())  # E[reports, counted rounds only]
    mean_round = close + server
    if success < MIN_ROUND_SUCCESS:
        rounds = hours = math.inf
    else:
        steps = float(large_batch(used / success, critical_cohort).steps_factor)
        rounds = steps * rounds_min / success
        hours = rounds * mean_round / 3600
    return FederatedTraining(m, k, deadline, mean_round, float(probs.sum()),
                             1.0 - float(probs[-1]), 1.0 - success, 1.0 - used / m, rounds, hours)
