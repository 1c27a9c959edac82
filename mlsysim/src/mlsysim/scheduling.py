"""Sharing a cluster: queueing delay, gang fragmentation, preemption and fair shares.

A scheduler trades utilisation against waiting: the closer a shared pool runs to full, the
longer jobs queue (M/M/c, Erlang C). Synchronous jobs need all their GPUs at once, so free
GPUs in the wrong places are stranded, and reserving GPUs for a big job idles them while the
rest drain. Preemption costs a restart plus lost work; fairness across several resources is
dominant resource fairness (DRF)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._units import ArrayLike, ResultMixin, check_positive
from .errors import InvalidInputError


def erlang_c_prob(servers: ArrayLike, offered_load: ArrayLike) -> ArrayLike:
    """Erlang C, vectorised over arrays of `servers` and `offered_load`; 1 where a >= c.

    The stable Erlang B recursion B_k = a B_{k-1} / (k + a B_{k-1}) up to the largest c, then
    C = c B / (c - a (1 - B)) (Harchol-Balter 2013, ch. 14). No checks: callers validate."""
    c = np.asarray(servers, dtype=float)
    a = np.asarray(offered_load, dtype=float)
    erl_b = np.ones(np.broadcast(a, c).shape)
    at_c = np.ones_like(erl_b)
    for k in range(1, int(np.max(c)) + 1):
        erl_b = a * erl_b / (k + a * erl_b)
        at_c = np.where(c == k, erl_b, at_c)
    ok = a < c
    p = np.where(ok, c * at_c / np.where(ok, c - a * (1 - at_c), 1.0), 1.0)
    return float(p) if np.ndim(p) == 0 else p


def erlang_c(servers: int, offered_load: float) -> float:
    """Probability that an arrival must wait in an M/M/c queue (Erlang C).

    `offered_load` is a = lambda / mu in servers' worth of work (see `erlang_c_prob`).
    Requires a < c, else the queue grows without bound."""
    c = check_positive("servers", servers, integer=True)
    a = check_positive("offered_load", offered_load)
    if a >= c:
        raise InvalidInputError("offered_load", f"must be below servers ({c}) for a stable queue, got {a!r}")
    return float(erlang_c_prob(c, a))


@dataclass(frozen=True)
class Queue(ResultMixin):
    """Steady state of an M/M/c queue; `mean_in_system` is Little's law L = lambda x T."""

    servers: int
    utilisation: float
    p_wait: float
    mean_wait_s: float
    mean_response_s: float
    mean_queue_length: float
    mean_in_system: float

    _units = {"mean_wait_s": "s", "mean_response_s": "s"}


def mmc_queue(arrival_rate: float, service_s: float, servers: int) -> Queue:
    """Waiting time of jobs arriving at `arrival_rate` per second (Poisson) for `servers`
    identical servers with exponential service of mean `service_s` seconds.

    W_q = C(c, a) / (c mu - lambda); T = W_q + 1/mu; L = lambda T (Little 1961)."""
    lam = check_positive("arrival_rate", arrival_rate)
    s = check_positive("service_s", service_s)
    c = check_positive("servers", servers, integer=True)
    a = lam * s
    pw = erlang_c(c, a)
    wq = pw / (c / s - lam)
    return Queue(servers=c, utilisation=a / c, p_wait=pw, mean_wait_s=wq,
                 mean_response_s=wq + s, mean_queue_length=lam * wq, mean_in_system=lam * (wq + s))


def servers_for_wait(arrival_rate: float, service_s: float, max_wait_s: float) -> Queue:
    """The smallest M/M/c system whose mean queueing delay is at most `max_wait_s`: how many
    replicas an autoscaler needs for a load, found by walking c up from the stability bound."""
    lam = check_positive("arrival_rate", arrival_rate)
    s = check_positive("service_s", service_s)
    target = check_positive("max_wait_s", max_wait_s, allow_zero=True)
    c = math.floor(lam * s) + 1
    while True:
        q = mmc_queue(lam, s, c)
        if q.mean_wait_s <= target or q.p_wait < 1e-12:
            return q
        c += 1


@dataclass(frozen=True)
class Fragmentation(ResultMixin):
    """How many copies of one job shape fit in the free GPUs, and how many GPUs are stranded."""

    free_gpus: int
    placeable_jobs: int
    stranded_gpus: int
    stranded_fraction: float


def fragmentation(free_per_node: np.ndarray | list[int], gpus_per_node: int, job_gpus: int) -> Fragmentation:
    """Place as many `job_gpus`-GPU gangs as fit in nodes with `free_per_node` free GPUs.

    Placement rule (topology-aware): a job up to one node must sit inside one node (one NVLink
    domain); a larger job must be a whole multiple of nodes and take only entirely free nodes.
    Free GPUs no copy can use are stranded."""
    n = check_positive("gpus_per_node", gpus_per_node, integer=True)
    k = check_positive("job_gpus", job_gpus, integer=True)
    free = np.asarray(check_positive("free_per_node", np.asarray(free_per_node), integer=True,
                                     allow_zero=True), dtype=int)
    if free.ndim != 1 or np.any(free > n):
        raise InvalidInputError("free_per_node", f"must be a list of counts between 0 and {n}")
    if k <= n:
        placeable = int(np.sum(free // k))
    elif k % n:
        raise InvalidInputError("job_gpus", f"a multi-node job must be a multiple of {n}, got {k}")
    else:
        placeable = int(np.sum(free == n)) // (k // n)
    total = int(free.sum())
    stranded = total - placeable * k
    return Fragmentation(free_gpus=total, placeable_jobs=placeable, stranded_gpus=stranded,
                         stranded_fraction=stranded / total if total else 0.0)


@dataclass(frozen=True)
class GangReservation(ResultMixin):
    """Cost of holding GPUs for a gang while the jobs on them drain (no backfilling)."""

    gpus: int
    wait_s: float
    idle_gpu_s: float
    idle_fraction: float

    _units = {"wait_s": "s"}


def gang_reservation(gpus: int, mean_remaining_s: float) -> GangReservation:
    """Reserve `gpus` GPUs, each busy with a job whose remaining time is exponential with mean
    `mean_remaining_s`, and hold each as it frees until the last one does.

    The wait is the maximum of k exponentials, mean x H_k (the k-th harmonic number); each GPU
    idles for the wait minus its own remaining time, so idle GPU-seconds = k (H_k - 1) mean."""
    k = check_positive("gpus", gpus, integer=True)
    m = check_positive("mean_remaining_s", mean_remaining_s)
    h = float(np.sum(1.0 / np.arange(1, k + 1)))
    wait = m * h
    idle = k * (h - 1.0) * m
    return GangReservation(gpus=k, wait_s=wait, idle_gpu_s=idle, idle_fraction=idle / (k * wait))


@dataclass(frozen=True)
class Preemption(ResultMixin):
    """Fraction of a preemptible job's time lost to preemptions and its own checkpoints."""

    lost_per_preemption_s: float
    checkpoint_overhead: float
    preemption_overhead: float
    goodput: float

    _units = {"lost_per_preemption_s": "s"}


def preemption_cost(preemptions_per_hour: float, interval_s: float, checkpoint_s: float,
                    restart_s: float, save_on_notice: bool = False) -> Preemption:
    """Goodput of a job that checkpoints every `interval_s` and is preempted at a given rate.

    Each preemption costs the restart plus the work since the last checkpoint (on average half
    an interval), or only one checkpoint save if the scheduler gives notice and the job saves
    then. Goodput = 1 - C/tau - rate x lost (clipped at 0), first order as in Young (1974)."""
    rate = check_positive("preemptions_per_hour", preemptions_per_hour, allow_zero=True) / 3600.0
    tau = check_positive("interval_s", interval_s)
    c = check_positive("checkpoint_s", checkpoint_s, allow_zero=True)
    r = check_positive("restart_s", restart_s, allow_zero=True)
    lost = r + (c if save_on_notice else tau / 2.0)
    ckpt = c / tau
    pre = rate * lost
    return Preemption(lost_per_preemption_s=lost, checkpoint_overhead=ckpt,
                      preemption_overhead=pre, goodput=max(0.0, 1.0 - ckpt - pre))


@dataclass(frozen=True)
class DRFAllocation(ResultMixin):
    """Tasks per user and each user's dominant share under dominant resource fairness."""

    tasks: np.ndarray
    dominant_shares: np.ndarray
    resource_use: np.ndarray


def drf(capacity: np.ndarray | list[float], demands: np.ndarray | list[list[float]]) -> DRFAllocation:
    """Progressive filling of dominant resource fairness (Ghodsi et al. 2011), divisible tasks.

    `capacity` has one entry per resource; `demands[i]` is user i's per-task demand. All
    active users' dominant shares rise together; when a resource fills, every user needing it
    stops. Returns (fractional) tasks per user, dominant shares and the fraction of each
    resource used."""
    cap = np.asarray(check_positive("capacity", np.asarray(capacity, float)), float)
    d = np.asarray(check_positive("demands", np.asarray(demands, float), allow_zero=True), float)
    if d.ndim != 2 or d.shape[1] != cap.size:
        raise InvalidInputError("demands", f"must be users x {cap.size} resources")
    share = d / cap  # per-task share of each resource
    dom = share.max(axis=1)
    if np.any(dom <= 0):
        raise InvalidInputError("demands", "every user must demand some resource")
    rate = share / dom[:, None]  # resource share used per unit of dominant share
    s = np.zeros(len(d))
    active = np.ones(len(d), bool)
    used = np.zeros(cap.size)
    while active.any():
        grow = rate[active].sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            steps = np.where(grow > 0, (1.0 - used) / grow, np.inf)
        step = steps.min()
        s[active] += step
        used += step * grow
        full = used >= 1.0 - 1e-12
        active &= ~np.any(rate[:, full] > 0, axis=1)
    return DRFAllocation(tasks=s / dom, dominant_shares=s, resource_use=used)
