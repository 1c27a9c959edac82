"""Storage models: ingest bandwidth, checkpoints across tiers, small objects, shuffle buffers."""

import numpy as np
import pytest

import mlsysim as ms


def test_ingest_is_rate_times_bytes_times_gpus_less_cache():
    d = ms.ingest_bandwidth(3000, 110e3, 1024, cache_hit_rate=0.75)
    assert d.per_gpu_bytes_per_s == pytest.approx(3000 * 110e3)
    assert d.cluster_bytes_per_s == pytest.approx(3000 * 110e3 * 1024)
    assert d.storage_bytes_per_s == pytest.approx(0.25 * d.cluster_bytes_per_s)
    sweep = ms.ingest_bandwidth(np.array([1.0, 2.0]), 10.0, 4)
    assert list(sweep.cluster_bytes_per_s) == [40.0, 80.0]


def test_ingest_rejects_a_hit_rate_above_one():
    with pytest.raises(ms.InvalidInputError, match="cache_hit_rate"):
        ms.ingest_bandwidth(1, 1, 1, cache_hit_rate=1.5)


def test_checkpoint_is_14_bytes_per_param_for_mixed_precision_adam():
    m = ms.model("Llama-3-70B")
    assert ms.checkpoint_bytes(m) == pytest.approx(14 * m.params)
    assert ms.checkpoint_bytes(m, optimizer="sgd") == pytest.approx(2 * m.params + 4 * m.params)
    assert ms.checkpoint_bytes(m, precision="fp32") == pytest.approx(12 * m.params)
    with pytest.raises(ms.InvalidInputError, match="precision"):
        ms.checkpoint_bytes(m, precision="fp7")


def test_tiered_checkpoint_stalls_only_for_the_first_tier():
    host = ms.StorageTier("host", 100e9)
    nvme = ms.StorageTier("nvme", 10e9)
    pfs = ms.StorageTier("pfs", 5e9, aggregate_bytes_per_s=200e9)
    r = ms.tiered_checkpoint(1e12, 100, 1800, [host, nvme, pfs])
    assert r.tier_seconds == pytest.approx((0.1, 1.0, 5.0))  # pfs: min(500, 200) GB/s
    assert r.stall_s == pytest.approx(0.1)
    assert r.durable_s == pytest.approx(5.1)
    assert r.drains_in_time
    slow = ms.tiered_checkpoint(1e12, 100, 4, [host, pfs])
    assert not slow.drains_in_time


def test_tiered_checkpoint_needs_tiers():
    with pytest.raises(ms.InvalidInputError, match="tiers"):
        ms.tiered_checkpoint(1e12, 4, 60, [])
    with pytest.raises(ms.InvalidInputError, match="per_node"):
        ms.StorageTier("bad", 0)


def test_write_bandwidth_for_one_percent():
    assert ms.checkpoint_write_bandwidth(1e12, 1800, 0.01) == pytest.approx(1e12 / 18)
    with pytest.raises(ms.InvalidInputError, match="max_overhead"):
        ms.checkpoint_write_bandwidth(1e12, 1800, 1.0)


def test_small_objects_are_request_bound_large_ones_bandwidth_bound():
    r = ms.object_read_throughput(np.array([10e3, 1e9]), request_latency_s=0.02, concurrency=64,
                                  stream_bytes_per_s=100e6, aggregate_bytes_per_s=5e9)
    assert list(r.bound) == ["requests", "bandwidth"]
    assert r.objects_per_s[0] == pytest.approx(64 / (0.02 + 10e3 / 100e6))
    assert r.bytes_per_s[1] == pytest.approx(5e9)
    md = ms.object_read_throughput(4e3, request_latency_s=0.0005, concurrency=1024,
                                   metadata_ops_per_s=50e3)
    assert md.bound == "metadata" and md.objects_per_s == pytest.approx(50e3)


def test_shuffle_buffer_mean_delay_matches_a_simulation():
    b, n = 64, 20000
    rng = np.random.default_rng(0)
    buf = list(range(b))
    nxt, delays = b, []
    for step in range(n - b):
        i = rng.integers(b)
        delays.append(step - max(buf[i] - b, 0))  # draws since the sample entered the buffer
        buf[i] = nxt
        nxt += 1
    # samples that entered after the initial fill wait a geometric number of draws, mean B
    assert np.mean(delays[5 * b:]) == pytest.approx(ms.shuffle_buffer(b, n, 1.0).mean_delay_samples,
                                                    rel=0.1)
    s = ms.shuffle_buffer(10_000, 1_000_000, 150e3, samples_per_shard=1000, open_shards=8)
    assert s.memory_bytes == pytest.approx(1.5e9)
    assert s.window_fraction == pytest.approx(0.01)
    assert s.shards_spanned == pytest.approx(18)
    with pytest.raises(ms.InvalidInputError, match="buffer_samples"):
        ms.shuffle_buffer(10, 5, 1.0)
