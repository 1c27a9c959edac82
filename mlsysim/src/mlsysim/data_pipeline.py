"""Input pipelines: can storage and CPU decoding keep the accelerators fed?"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._units import ArrayLike, ResultMixin, check_positive


@dataclass(frozen=True)
class PipelineThroughput(ResultMixin):
    """Samples per second each stage can sustain, and which one limits."""

    storage_samples_per_s: ArrayLike
    decode_samples_per_s: ArrayLike
    network_samples_per_s: ArrayLike
    samples_per_s: ArrayLike
    bottleneck: str | np.ndarray
    demand_samples_per_s: float | None
    keeps_up: bool | np.ndarray | None


def data_pipeline(bytes_per_sample: ArrayLike, decode_s_per_sample: ArrayLike,
                  workers: ArrayLike = 8, storage_bw: float = 2e9,
                  network_bw: float | None = None,
                  demand_samples_per_s: float | None = None) -> PipelineThroughput:
    """Throughput of read -> (network) -> decode/augment with `workers` CPU processes.

    Each stage is a rate limit: storage_bw / bytes, network_bw / bytes (None = local data, no
    network stage), workers / decode time.
    The pipeline runs at the slowest; pass the trainer's demand (e.g. tokens/s / tokens per
    sample, or images/s) to see whether the accelerators starve. Arrays sweep."""
    nb = np.asarray(check_positive("bytes_per_sample", bytes_per_sample), dtype=float)
    dec = np.asarray(check_positive("decode_s_per_sample", decode_s_per_sample), dtype=float)
    w = np.asarray(check_positive("workers", workers, integer=True), dtype=float)
    check_positive("storage_bw", storage_bw)
    net = np.inf if network_bw is None else check_positive("network_bw", network_bw) / nb
    rates = np.broadcast_arrays(storage_bw / nb, w / dec, net)
    stack = np.stack(rates)
    best = stack.min(axis=0)
    names = np.array(["storage", "decode", "network"])[stack.argmin(axis=0)]
    keeps = None if demand_samples_per_s is None else best >= demand_samples_per_s
    if best.ndim == 0:
        return PipelineThroughput(float(rates[0]), float(rates[1]), float(rates[2]),
                                  float(best), str(names),
                                  demand_samples_per_s, None if keeps is None else bool(keeps))
    return PipelineThroughput(rates[0], rates[1], rates[2], best, names,
                              demand_samples_per_s, keeps)
