"""Static memory planning: offsets never collide, and reuse makes the arena small."""

import pytest
from mlsysim.memplan import Buffer, cnn_buffers, plan_arena

import mlsysim


def _collisions(plan):
    bad = []
    items = list(zip(plan.buffers, plan.offsets, strict=True))
    for i, (a, oa) in enumerate(items):
        for b, ob in items[i + 1:]:
            if a.overlaps(b) and oa < ob + b.size_bytes and ob < oa + a.size_bytes:
                bad.append((a.name, b.name))
    return bad


def test_buffers_alive_together_never_share_bytes():
    bufs = [Buffer("a", 100, 0, 2), Buffer("b", 60, 1, 3), Buffer("c", 80, 3, 4),
            Buffer("d", 30, 0, 4), Buffer("e", 100, 4, 5)]
    plan = plan_arena(bufs)
    assert _collisions(plan) == []
    assert plan.peak_live_bytes <= plan.arena_bytes <= plan.total_bytes


def test_disjoint_lifetimes_reuse_the_same_offset():
    plan = plan_arena([Buffer("x", 64, 0, 0), Buffer("y", 64, 1, 1), Buffer("z", 64, 2, 2)])
    assert plan.offsets == (0.0, 0.0, 0.0)
    assert plan.arena_bytes == 64 and plan.saving == pytest.approx(3.0)


def test_a_gap_below_a_live_buffer_is_filled():
    # a dies after step 0; c, alive at step 1 with b, fits in the bytes a used below b
    plan = plan_arena([Buffer("a", 100, 0, 0), Buffer("b", 100, 0, 1), Buffer("c", 50, 1, 1)])
    assert _collisions(plan) == []
    assert plan.offsets == (0.0, 100.0, 0.0)
    assert plan.arena_bytes == 200


def test_catalog_cnn_chain_reaches_the_lower_bound_and_matches_registry_peak():
    m = mlsysim.model("Person-Detection-MobileNetV1-0.25")
    plan = plan_arena(cnn_buffers(m))
    assert _collisions(plan) == []
    # on a chain, the greedy plan is optimal: arena = largest input + output pair
    assert plan.arena_bytes == pytest.approx(plan.peak_live_bytes)
    assert plan.arena_bytes == pytest.approx(m.cnn.peak_activation_elems)  # int8: 1 B each
    assert plan.saving > 3


def test_bad_input_names_the_field():
    with pytest.raises(mlsysim.InvalidInputError, match="buffers"):
        plan_arena([])
    with pytest.raises(mlsysim.InvalidInputError, match=r"buffers\[t\]"):
        plan_arena([Buffer("t", 10, 3, 1)])
    with pytest.raises(mlsysim.InvalidInputError, match="size_bytes"):
        plan_arena([Buffer("t", 0, 0, 1)])
    with pytest.raises(mlsysim.InvalidInputError, match="not a CNN"):
        cnn_buffers("GPT-2")
