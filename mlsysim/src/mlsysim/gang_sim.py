"""Gang scheduling on a shared GPU cluster, simulated: utilisation, queueing delay, fragmentation.

A synchronous training job needs all its GPUs at once (a gang). Jobs of mixed sizes arrive as
a Poisson stream with exponential run times; the placement rule is `fragmentation`'s: a job of
up to one node sits inside one node (one NVLink domain, best-fit), a larger one takes whole
free nodes. Three queue policies:

- `fifo`: strict first-come first-served; the head of the queue blocks everyone behind it;
- `first-fit`: any queued job that fits starts (aggressive backfilling, no reservation), so
  small jobs flow but a large gang may wait for a gap that never comes;
- `easy`: EASY backfilling [Lifka 1995; Mu'alem and Feitelson 2001]: the head job gets a
  reservation at the earliest time enough nodes free up (run times are assumed known), and a
  later job may start now only if it fits and ends before that reservation.

Utilisation is busy GPU-seconds over GPU-seconds between the end of a warm-up (the first 10%
of arrivals) and the last arrival; waits are of jobs arriving after the warm-up."""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ._units import ResultMixin, check_positive
from .errors import InvalidInputError

POLICIES = ("fifo", "first-fit", "easy")
#: Job-size mixes, (gpus, share of jobs): most jobs are small, a few are large gangs (the shape
#: reported for shared clusters by Jeon et al. 2019, "Analysis of Large-Scale Multi-Tenant GPU
#: Clusters for DNN Training Workloads", USENIX ATC). The shares are assumptions.
MIXES = {
    "small jobs": ((1, 0.5), (2, 0.2), (4, 0.2), (8, 0.1)),
    "mixed": ((1, 0.4), (2, 0.15), (4, 0.15), (8, 0.15), (32, 0.1), (64, 0.05)),
    "large gangs": ((1, 0.3), (8, 0.3), (32, 0.2), (64, 0.1), (128, 0.1)),
}
#: Queued jobs a backfilling pass examines (schedulers bound this for speed, as Slurm's
#: bf_max_job_test does).
BACKFILL_WINDOW = 64


@dataclass(frozen=True)
class GangSchedule(ResultMixin):
    """What a scheduling policy achieves on one workload."""

    policy: str
    gpus: int
    offered_load: float
    utilisation: float
    mean_wait_s: float
    p95_wait_s: float
    largest_job_gpus: int
    largest_mean_wait_s: float
    idle_while_waiting: float
    jobs: int

    _units = {"mean_wait_s": "s", "p95_wait_s": "s", "largest_mean_wait_s": "s"}


class _State:
    """Free GPUs per node and the running jobs (end time, job id, allocation). Plain lists:
    the cluster has at most a few hundred nodes and numpy's per-call cost would dominate."""

    def __init__(self, nodes: int, per_node: int) -> None:
        self.free = [per_node] * nodes
        self.per_node = per_node
        self.running: list[tuple[float, int, tuple[tuple[int, int], ...]]] = []

    def place(self, k: int) -> tuple[tuple[int, int], ...] | None:
        """Best-fit node for a job of up to one node; whole free nodes for a larger one."""
        free, g = self.free, self.per_node
        if k <= g:
            best = min((f, i) for i, f in enumerate(free) if f >= k) if max(free) >= k else None
            return None if best is None else ((best[1], k),)
        need = k // g
        if free.count(g) < need:
            return None
        whole = [i for i, f in enumerate(free) if f == g]
        return None if len(whole) < need else tuple((i, g) for i in whole[:need])

    def shadow(self, k: int) -> float:
        """Earliest time a `k`-GPU job fits as running jobs end (EASY's reservation)."""
        free, g = self.free[:], self.per_node
        need = -(-k // g)
        full = free.count(g)
        for end, _, alloc in sorted(self.running):
            for node, n in alloc:
                free[node] += n
                full += free[node] == g
                if k <= g and free[node] >= k:
                    return end
            if k > g and full >= need:
                return end
        return float("inf")


def _schedule(st: _State, queue: list[int], sizes: np.ndarray, runs: np.ndarray, t: float,
              policy: str, starts: np.ndarray) -> None:
    """Start what the policy allows at time `t` (queue holds job ids, oldest first)."""
    while queue and (alloc := st.place(int(sizes[queue[0]]))) is not None:
        _start(st, queue.pop(0), alloc, sizes, runs, t, starts)
    if policy == "fifo" or not queue:
        return
    limit = st.shadow(int(sizes[queue[0]])) if policy == "easy" else float("inf")
    for j in list(queue[1:BACKFILL_WINDOW]):
        if t + runs[j] <= limit and (alloc := st.place(int(sizes[j]))) is not None:
            queue.remove(j)
            _start(st, j, alloc, sizes, runs, t, starts)


def _start(st: _State, j: int, alloc: tuple[tuple[int, int], ...], sizes: np.ndarray,
           runs: np.ndarray, t: float, starts: np.ndarray) -> None:
    for node, n in alloc:
        st.free[node] -= n
    heapq.heappush(st.running, (t + float(runs[j]), j, alloc))
    starts[j] = t


@lru_cache(maxsize=256)
def _simulate(gpus: int, per_node: int, mix: str, load: float, mean_run_s: float,
              policy: str, jobs: int, seed: int) -> GangSchedule:
    rng = np.random.default_rng(seed)
    size_opts = np.array([s for s, _ in MIXES[mix]])
    probs = np.array([p for _, p in MIXES[mix]])
    sizes = rng.choice(size_opts, size=jobs, p=probs / probs.sum())
    runs = rng.exponential(mean_run_s, jobs)
    rate = load * gpus / (float(size_opts @ (probs / probs.sum())) * mean_run_s)
    arrivals = np.cumsum(rng.exponential(1 / rate, jobs))
    st, queue = _State(gpus // per_node, per_node), []
    starts = np.full(jobs, np.nan)
    warm, stop = float(arrivals[jobs // 10]), float(arrivals[-1])
    busy = idle_waiting = 0.0
    t, i = 0.0, 0
    while i < jobs or st.running:
        nxt = min(arrivals[i] if i < jobs else np.inf, st.running[0][0] if st.running else np.inf)
        lo, hi = max(t, warm), min(nxt, stop)
        if hi > lo:
            used = gpus - sum(st.free)
            busy += used * (hi - lo)
            idle_waiting += (gpus - used) * (hi - lo) * bool(queue)
        t = float(nxt)
        if i < jobs and arrivals[i] == nxt:
            queue.append(i)
            i += 1
        else:
            _, _, alloc = heapq.heappop(st.running)
            for node, n in alloc:
                st.free[node] += n
        if i >= jobs and t > stop and not st.running and queue:
            break  # only jobs too big for the cluster are left
        _schedule(st, queue, sizes, runs, t, policy, starts)
    return _summary(policy, gpus, load, sizes, arrivals, starts, warm, stop, busy, idle_waiting)


def _summary(policy: str, gpus: int, load: float, sizes: np.ndarray, arrivals: np.ndarray,
             starts: np.ndarray, warm: float, stop: float, busy: float,
             idle_waiting: float) -> GangSchedule:
    span = gpus * (stop - warm)
    keep = arrivals >= warm
    wait = (starts - arrivals)[keep]
    big = sizes[keep] == sizes.max()
    return GangSchedule(policy, gpus, load, busy / span, float(np.nanmean(wait)),
                        float(np.nanpercentile(wait, 95)), int(sizes.max()),
                        float(np.nanmean(wait[big])) if big.any() else 0.0,
                        idle_waiting / span, int(keep.sum()))


def simulate_gang_scheduling(gpus: int, offered_load: float, policy: str = "fifo",
                             mix: str = "mixed", mean_run_s: float = 4 * 3600.0,
                             gpus_per_node: int = 8, jobs: int = 3000,
                             seed: int = 0) -> GangSchedule:
    """Simulate `jobs` gang jobs of a `MIXES` size mix arriving at `offered_load` (the share of
    the cluster's GPU-seconds the arrivals ask for) on `gpus` GPUs under one of `POLICIES`.

    `idle_while_waiting` is the share of GPU time left idle while some job waited: GPUs
    stranded by fragmentation or held back by a blocked queue. Seeded and cached."""
    gpus = check_positive("gpus", gpus, integer=True)
    per_node = check_positive("gpus_per_node", gpus_per_node, integer=True)
    if gpus % per_node:
        raise InvalidInputError("gpus", f"must be whole nodes of {per_node} GPUs, got {gpus}")
    if not 0 < offered_load <= 4:
        raise InvalidInputError("offered_load", f"must be in (0, 4], got {offered_load!r}")
    if policy not in POLICIES:
        raise InvalidInputError("policy", f"unknown policy {policy!r}; one of {', '.join(POLICIES)}")
    if mix not in MIXES:
        raise InvalidInputError("mix", f"unknown job mix {mix!r}; one of {', '.join(MIXES)}")
    biggest = max(s for s, _ in MIXES[mix])
    if biggest > gpus:
        raise InvalidInputError("gpus", f"the {mix!r} mix has {biggest}-GPU jobs; the cluster "
                                f"has only {gpus} GPUs")
    check_positive("mean_run_s", mean_run_s)
    jobs = check_positive("jobs", jobs, integer=True)
    if jobs < 20:
        raise InvalidInputError("jobs", f"simulate at least 20 jobs, got {jobs}")
    return _simulate(gpus, per_node, mix, float(offered_load), float(mean_run_s), policy,
                     jobs, int(seed))
