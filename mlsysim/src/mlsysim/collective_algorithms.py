"""Step and byte counts of collective algorithms, and the bandwidth figures benchmarks print.

Every algorithm is summarised by the alpha-beta model (Hockney 1994): `steps` sequential
messages, each paying the latency alpha, and `bytes_per_gpu` sent out of each GPU at the
per-direction bandwidth beta, so time = steps x alpha + bytes_per_gpu / beta. The step and byte
counts are those of Thakur, Rabenseifner and Gropp (IJHPCA 2005) for a power-of-two `n`, except
the pipelined double binary tree (Sanders, Speck and Traeff, Parallel Computing 2009), which uses
the same counts as `allreduce_time(..., algorithm="tree")`.
Benchmarks report algorithm bandwidth (buffer / time) and bus bandwidth (algorithm bandwidth x
the op's byte factor), the convention of NVIDIA's nccl-tests, so that bus bandwidth of a
bandwidth-optimal algorithm approaches beta for large buffers."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ._units import ResultMixin, check_positive
from .errors import InvalidInputError
from .registry import Fabric, fabric

# (op, algorithm) -> (steps(n), bytes sent per GPU as a fraction of the buffer S, given n)
_ALGORITHMS = {
    ("allreduce", "ring"): (lambda n: 2 * (n - 1), lambda n: 2 * (n - 1) / n),
    ("allreduce", "halving-doubling"): (lambda n: 2 * math.log2(n), lambda n: 2 * (n - 1) / n),
    ("allreduce", "recursive-doubling"): (lambda n: math.log2(n), lambda n: math.log2(n)),
    ("allreduce", "tree"): (lambda n: 2 * math.log2(n), lambda n: 2.0),
    ("reducescatter", "ring"): (lambda n: n - 1, lambda n: (n - 1) / n),
    ("reducescatter", "halving-doubling"): (lambda n: math.log2(n), lambda n: (n - 1) / n),
    ("allgather", "ring"): (lambda n: n - 1, lambda n: (n - 1) / n),
    ("allgather", "halving-doubling"): (lambda n: math.log2(n), lambda n: (n - 1) / n),
    ("broadcast", "binomial"): (lambda n: math.log2(n), lambda n: math.log2(n)),
    ("broadcast", "scatter-allgather"): (lambda n: math.log2(n) + n - 1, lambda n: 2 * (n - 1) / n),
    ("alltoall", "pairwise"): (lambda n: n - 1, lambda n: (n - 1) / n),
}

#: bus bandwidth = algorithm bandwidth x this factor (nccl-tests' PERFORMANCE.md convention)
_BUS_FACTOR = {
    "allreduce": lambda n: 2 * (n - 1) / n, "reducescatter": lambda n: (n - 1) / n,
    "allgather": lambda n: (n - 1) / n, "alltoall": lambda n: (n - 1) / n,
    "broadcast": lambda n: 1.0,
}


@dataclass(frozen=True)
class CollectiveCost(ResultMixin):
    """One collective priced by the alpha-beta model, with the bandwidths a benchmark prints."""

    op: str
    algorithm: str
    n: int
    steps: float
    bytes_per_gpu: float
    latency_s: float
    bandwidth_s: float
    algbw: float
    busbw: float

    _units = {"bytes_per_gpu": "B", "latency_s": "s", "bandwidth_s": "s", "algbw": "B/s",
              "busbw": "B/s", "seconds": "s"}

    @property
    def seconds(self) -> float:
        return self.latency_s + self.bandwidth_s


def _check_op(op: str, algorithm: str, n: int) -> None:
    if (op, algorithm) not in _ALGORITHMS:
        pairs = ", ".join(f"{o}/{a}" for o, a in _ALGORITHMS)
        raise InvalidInputError("algorithm", f"{op}/{algorithm} is not modelled (choose from {pairs})")
    needs_pow2 = algorithm in ("halving-doubling", "recursive-doubling", "binomial", "tree",
                               "scatter-allgather")
    if needs_pow2 and n & (n - 1):
        raise InvalidInputError("n", f"{algorithm} is modelled for a power of two, got {n}")


def collective_cost(op: str, nbytes: float, n: int, link: Fabric | str,
                    algorithm: str = "ring") -> CollectiveCost:
    """Price `op` ('allreduce', 'reducescatter', 'allgather', 'broadcast', 'alltoall') of an
    `nbytes` buffer across `n` GPUs on `link` by `algorithm`.

    time = steps(n) x alpha + fraction(n) x nbytes / beta; for example ring all-reduce has
    2(n-1) steps and sends 2(n-1)/n of the buffer, recursive halving-doubling (Rabenseifner)
    the same bytes in 2 log2(n) steps (Thakur, Rabenseifner and Gropp, IJHPCA 2005)."""
    nbytes = check_positive("nbytes", nbytes)
    n = check_positive("n", n, integer=True)
    if n < 2:
        raise InvalidInputError("n", f"a collective needs at least 2 GPUs, got {n}")
    _check_op(op, algorithm, n)
    f = fabric(link)
    steps_of, frac_of = _ALGORITHMS[(op, algorithm)]
    steps, sent = steps_of(n), frac_of(n) * nbytes
    lat, bw = steps * f.latency_s, sent / f.bw_per_direction
    algbw = nbytes / (lat + bw)
    return CollectiveCost(op, algorithm, n, float(steps), float(sent), float(lat), float(bw),
                          float(algbw), float(algbw * _BUS_FACTOR[op](n)))


def straggler_step_time(mean_s: float, jitter_s: float, n: int) -> float:
    """Upper bound on the expected time of a synchronous step over `n` GPUs whose own step
    times are independent with mean `mean_s` and standard deviation `jitter_s`: everyone
    waits for the slowest, and for Gaussian noise E[max] <= mean + jitter x sqrt(2 ln n)
    (the standard maximal inequality for sub-Gaussian variables)."""
    check_positive("mean_s", mean_s)
    check_positive("jitter_s", jitter_s, allow_zero=True)
    n = check_positive("n", n, integer=True)
    return float(mean_s + jitter_s * math.sqrt(2 * math.log(n)))
