"""Storage at scale: the bytes a cluster reads, the checkpoints it writes, and small files.

Four first-order models the storage chapter of Volume II is built on:

- `ingest_bandwidth`: samples/s per accelerator x accelerators x bytes per sample is the
  read bandwidth storage must sustain, less whatever a cache absorbs (Mohan et al. 2021,
  "Analyzing and Mitigating Data Stalls in DNN Training", VLDB).
- `checkpoint_bytes` and `tiered_checkpoint`: a checkpoint holds the weights and the optimizer
  state (not the gradients); writing it through host memory -> local NVMe -> a shared store
  stalls training only for the first copy when the rest drains in the background
  (Mohan et al. 2021, CheckFreq, FAST; Wang et al. 2023, Gemini, SOSP).
- `object_read_throughput`: every request pays a latency, so small objects are bound by
  requests in flight or by metadata operations, not by bandwidth (the small-file problem).
- `shuffle_buffer`: a streaming shuffle buffer of B samples keeps each sample for B draws on
  average and can only move it B positions earlier, which is why it mixes locally.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._units import ArrayLike, ResultMixin, check_positive
from .errors import InvalidInputError
from .memory import state_bytes
from .registry import Model, model


@dataclass(frozen=True)
class IngestDemand(ResultMixin):
    """Read bandwidth a training job needs, per accelerator, for the cluster, and from storage."""

    per_gpu_bytes_per_s: ArrayLike
    cluster_bytes_per_s: ArrayLike
    storage_bytes_per_s: ArrayLike
    samples_per_s: ArrayLike

    _units = {"per_gpu_bytes_per_s": "B/s", "cluster_bytes_per_s": "B/s",
              "storage_bytes_per_s": "B/s", "samples_per_s": ""}


def ingest_bandwidth(samples_per_s_per_gpu: ArrayLike, bytes_per_sample: ArrayLike,
                     gpus: ArrayLike, cache_hit_rate: ArrayLike = 0.0) -> IngestDemand:
    """Bytes per second storage must deliver to keep `gpus` accelerators busy.

    demand = r x b x N for r samples/s per accelerator, b stored bytes per sample and N
    accelerators; a cache (local NVMe, page cache, a cache tier) that serves a fraction h of
    reads leaves (1 - h) of it for shared storage. Language models read tokens: pass tokens/s
    and bytes per stored token. Arrays sweep."""
    r = np.asarray(check_positive("samples_per_s_per_gpu", samples_per_s_per_gpu), float)
    b = np.asarray(check_positive("bytes_per_sample", bytes_per_sample), float)
    n = np.asarray(check_positive("gpus", gpus, integer=True), float)
    h = np.asarray(check_positive("cache_hit_rate", cache_hit_rate, allow_zero=True), float)
    if np.any(h > 1):
        raise InvalidInputError("cache_hit_rate", f"must be between 0 and 1, got {cache_hit_rate!r}")
    per_gpu = r * b
    cluster = per_gpu * n
    out = (per_gpu, cluster, cluster * (1 - h), r * n)
    if all(np.ndim(x) == 0 for x in out):
        return IngestDemand(*(float(x) for x in out))
    return IngestDemand(*np.broadcast_arrays(*out))


def checkpoint_bytes(m: Model | str, precision: str = "bf16", optimizer: str = "adam",
                     master_weights: bool = True) -> float:
    """Bytes of a full training checkpoint: weights plus optimizer state (fp32 master copy and
    moments), no gradients. Mixed-precision Adam: 2 + 4 + 8 = 14 bytes per parameter
    (Rajbhandari et al. 2020 count 16 in memory; the 2 bytes of gradients are not saved)."""
    m = model(m)
    wb, _gb, ob = state_bytes(optimizer, precision, master_weights)
    return float(m.params * (wb + ob))


@dataclass(frozen=True)
class StorageTier:
    """One level a checkpoint is written to: what each node can push, and what the tier can
    absorb from all nodes together (None when it is node-local and scales with the nodes)."""

    name: str
    per_node_bytes_per_s: float
    aggregate_bytes_per_s: float | None = None

    def __post_init__(self) -> None:
        check_positive(f"{self.name}.per_node_bytes_per_s", self.per_node_bytes_per_s)
        if self.aggregate_bytes_per_s is not None:
            check_positive(f"{self.name}.aggregate_bytes_per_s", self.aggregate_bytes_per_s)

    def bandwidth(self, nodes: ArrayLike) -> ArrayLike:
        """Bytes/s into this tier from `nodes` nodes: min(nodes x per node, aggregate)."""
        total = np.asarray(nodes, float) * self.per_node_bytes_per_s
        if self.aggregate_bytes_per_s is not None:
            total = np.minimum(total, self.aggregate_bytes_per_s)
        return float(total) if np.ndim(total) == 0 else total


@dataclass(frozen=True)
class TieredCheckpoint(ResultMixin):
    """Time to write one checkpoint through each tier, what training waits for, and the cost."""

    tiers: tuple[str, ...]
    tier_seconds: tuple[float, ...]
    stall_s: float
    durable_s: float
    interval_s: float
    stall_fraction: float
    drains_in_time: bool

    _units = {"stall_s": "s", "durable_s": "s", "interval_s": "s"}


def tiered_checkpoint(checkpoint_bytes: float, nodes: int, interval_s: float,
                      tiers: tuple[StorageTier, ...] | list[StorageTier]) -> TieredCheckpoint:
    """Multi-tier checkpointing: training blocks only while the first tier is written
    (a snapshot to host memory), then the copy streams down the other tiers in the background.

    tier time = S / min(nodes x per-node bandwidth, aggregate bandwidth); the stall is the
    first tier's time; a streamed copy reaches the last tier after stall + the slowest later
    tier (a pipeline runs at its slowest stage). It must arrive before the next checkpoint
    starts, or copies pile up: `drains_in_time` is durable_s <= interval_s."""
    size = check_positive("checkpoint_bytes", checkpoint_bytes)
    nodes = check_positive("nodes", nodes, integer=True)
    interval_s = check_positive("interval_s", interval_s)
    if not tiers or not all(isinstance(t, StorageTier) for t in tiers):
        raise InvalidInputError("tiers", "pass one or more mlsysim.StorageTier, fastest first")
    times = tuple(float(size / t.bandwidth(nodes)) for t in tiers)
    stall = times[0]
    durable = stall + (max(times[1:]) if len(times) > 1 else 0.0)
    return TieredCheckpoint(tuple(t.name for t in tiers), times, stall, durable, float(interval_s),
                            stall / interval_s, durable <= interval_s)


def checkpoint_write_bandwidth(checkpoint_bytes: ArrayLike, interval_s: ArrayLike,
                               max_overhead: ArrayLike = 0.01) -> ArrayLike:
    """Bytes/s a blocking checkpoint needs so that writing takes at most `max_overhead` of
    the interval: S / (f x tau). Example: 1 TB every 30 min at 1% needs 55.6 GB/s."""
    s = check_positive("checkpoint_bytes", checkpoint_bytes)
    tau = check_positive("interval_s", interval_s)
    f = check_positive("max_overhead", max_overhead)
    if np.any(np.asarray(f) >= 1):
        raise InvalidInputError("max_overhead", f"must be below 1, got {max_overhead!r}")
    out = np.asarray(s, float) / (np.asarray(f, float) * np.asarray(tau, float))
    return float(out) if np.ndim(out) == 0 else out


@dataclass(frozen=True)
class ObjectReads(ResultMixin):
    """Throughput of many concurrent object (or file) reads, and which limit binds."""

    bytes_per_s: ArrayLike
    objects_per_s: ArrayLike
    bound: str | np.ndarray

    _units = {"bytes_per_s": "B/s", "objects_per_s": ""}


def object_read_throughput(object_bytes: ArrayLike, request_latency_s: float = 0.02,
                           concurrency: int = 64, stream_bytes_per_s: float = 100e6,
                           aggregate_bytes_per_s: float = 10e9,
                           metadata_ops_per_s: float | None = None) -> ObjectReads:
    """Reads of objects of `object_bytes` each with `concurrency` requests in flight.

    Each request costs latency + size / per-stream bandwidth, so by Little's law the reader
    completes concurrency / (latency + size / stream_bw) objects per second; the store caps
    bytes at `aggregate_bytes_per_s` and, for a file system, opens at `metadata_ops_per_s`.
    The defaults are illustrative, not a particular product: 20 ms to first byte and
    100 MB/s per stream are the order reported for cloud object stores. Arrays sweep."""
    size = np.asarray(check_positive("object_bytes", object_bytes), float)
    lat = check_positive("request_latency_s", request_latency_s, allow_zero=True)
    conc = check_positive("concurrency", concurrency, integer=True)
    stream = check_positive("stream_bytes_per_s", stream_bytes_per_s)
    agg = check_positive("aggregate_bytes_per_s", aggregate_bytes_per_s)
    limits = [conc / (lat + size / stream), np.broadcast_to(agg / size, size.shape)]
    names = ["requests", "bandwidth"]
    if metadata_ops_per_s is not None:
        limits.append(np.broadcast_to(check_positive("metadata_ops_per_s", metadata_ops_per_s),
                                      size.shape).astype(float))
        names.append("metadata")
    stack = np.stack(limits)
    rate = stack.min(axis=0)
    bound = np.array(names)[stack.argmin(axis=0)]
    if size.ndim == 0:
        return ObjectReads(float(rate * size), float(rate), str(bound))
    return ObjectReads(rate * size, rate, bound)


@dataclass(frozen=True)
class ShuffleBuffer(ResultMixin):
    """What a streaming shuffle buffer costs in memory and how far it can mix."""

    buffer_samples: int
    memory_bytes: float
    window_fraction: float
    mean_delay_samples: float
    max_advance_samples: int
    shards_spanned: float

    _units = {"memory_bytes": "B"}


def shuffle_buffer(buffer_samples: int, dataset_samples: int, bytes_per_sample: float,
                   samples_per_shard: int | None = None, open_shards: int = 1) -> ShuffleBuffer:
    """A buffer of B decoded samples refilled from a stream: each draw takes a uniformly random
    sample out and puts the next one in, so a sample stays a geometric number of draws with
    mean B, and can leave at most B positions before its place in the input. The buffer sees
    B / N of the dataset at once, and spans about open_shards + B / samples_per_shard shards
    when `open_shards` shards are read interleaved (the tf.data / WebDataset pattern)."""
    b = check_positive("buffer_samples", buffer_samples, integer=True)
    n = check_positive("dataset_samples", dataset_samples, integer=True)
    size = check_positive("bytes_per_sample", bytes_per_sample)
    k = check_positive("open_shards", open_shards, integer=True)
    if b > n:
        raise InvalidInputError("buffer_samples", f"{b} exceeds the dataset's {n} samples")
    spanned = float(k) if samples_per_shard is None else min(
        n / check_positive("samples_per_shard", samples_per_shard, integer=True),
        k + b / samples_per_shard)
    return ShuffleBuffer(b, float(b * size), b / n, float(b), b, spanned)
