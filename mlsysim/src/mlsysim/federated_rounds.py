"""Federated averaging rounds under stragglers and drop-outs: round time and time to target.

In FedAvg (McMahan et al. 2017, "Communication-Efficient Learning of Deep Networks from
Decentralized Data", AISTATS) a server invites clients, each trains locally and uploads an
update, and the server averages the reports into the next global model. On phones the round
is set by the slowest reports it waits for. A production server (Bonawitz et al. 2019,
"Towards Federated Learning at Scale: System Design", MLSys) therefore invites more clients than
it needs (over-selection), closes the round at the K-th report or at a deadline, and abandons
a round that collects too few reports.

The model, Monte Carlo over seeded rounds:

- each invited client drops out with probability `dropout`; the others report after a
  log-normal time with median `median_client_s` and log-space spread `spread` (device and
  network heterogeneity; both are assumptions to vary, not measurements);
- the round closes at min(deadline, K-th report) plus `server_s` of selection and
  aggregation; it counts if at least `min_fraction` x K reports arrived, else it is wasted;
- progress: averaging k reports is treated like a step on a batch of k, with the
  diminishing returns of large batches: rounds to target = R_min (1 + K_crit / k)
  (`large_batch`, McCandlish et al. 2018), an assumption standing in for a measured
  convergence curve; McMahan et al. report diminishing returns from adding clients per round.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ._units import ResultMixin, check_positive
from .batching import large_batch
from .errors import InvalidInputError


@dataclass(frozen=True)
class FederatedRounds(ResultMixin):
    """Round time, reports, waste and time to a target accuracy of one round policy."""

    invited: int
    target_reports: int
    deadline_s: float
    mean_round_s: float
    mean_reports: float
    deadline_share: float
    failed_share: float
    wasted_share: float
    rounds_to_target: float
    hours_to_target: float

    _units = {"deadline_s": "s", "mean_round_s": "s"}


@lru_cache(maxsize=512)
def _rounds(invited: int, k: int, deadline: float, median: float, spread: float,
            dropout: float, trials: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(close time, reports) of each simulated round, before server overhead."""
    rng = np.random.default_rng(seed)
    t = median * np.exp(spread * rng.standard_normal((trials, invited)))
    t[rng.random((trials, invited)) < dropout] = np.inf
    t.sort(axis=1)
    kth = t[:, k - 1] if k <= invited else np.full(trials, np.inf)
    close = np.minimum(kth, deadline)
    reports = np.minimum((t <= close[:, None]).sum(axis=1), k)
    return close, reports


def federated_rounds(target_reports: int, over_selection: float = 0.3,
                     deadline_s: float = 1800.0, median_client_s: float = 300.0,
                     spread: float = 0.8, dropout: float = 0.1, min_fraction: float = 0.8,
                     server_s: float = 30.0, rounds_min: float = 300.0,
                     critical_cohort: float = 100.0, trials: int = 2000,
                     seed: int = 0) -> FederatedRounds:
    """Simulate rounds that invite ceil(K (1 + `over_selection`)) clients for K =
    `target_reports` (see the module's model). `wasted_share` is the share of invited clients
    whose work is not averaged (drop-outs, late reports, surplus, failed rounds)."""
    k = check_positive("target_reports", target_reports, integer=True)
    over = check_positive("over_selection", over_selection, allow_zero=True)
    deadline = check_positive("deadline_s", deadline_s)
    median = check_positive("median_client_s", median_client_s)
    spread = check_positive("spread", spread, allow_zero=True)
    if not 0 <= dropout < 1:
        raise InvalidInputError("dropout", f"must be in [0, 1), got {dropout!r}")
    if not 0 < min_fraction <= 1:
        raise InvalidInputError("min_fraction", f"must be in (0, 1], got {min_fraction!r}")
    server = check_positive("server_s", server_s, allow_zero=True)
    invited = math.ceil(k * (1 + over) - 1e-9)
    close, reports = _rounds(invited, k, float(deadline), float(median), float(spread),
                             float(dropout), check_positive("trials", trials, integer=True),
                             int(seed))
    ok = reports >= min_fraction * k
    mean_round = float(close.mean()) + server
    success = float(ok.mean())
    used = float(np.where(ok, reports, 0).mean())
    if success == 0:
        rounds = hours = float("inf")
    else:
        k_eff = float(reports[ok].mean())
        rounds = float(large_batch(k_eff, critical_cohort).steps_factor) * rounds_min / success
        hours = rounds * mean_round / 3600
    return FederatedRounds(invited, k, float(deadline), mean_round, float(reports.mean()),
                           float((close >= deadline).mean()), 1 - success,
                           1 - used / invited, rounds, hours)
