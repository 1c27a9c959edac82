"""The Python side: data, training, int8 quantization, the reference ops, planner, ONNX."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mlsys_kits.datasets import make_dataset
from mlsys_kits.fixedpoint import mbqm, quantize_multiplier, rdbpot, srdhm
from mlsys_kits.graph import GRAPHS
from mlsys_kits.planner import plan_memory
from mlsys_kits.train import train

from .conftest import TASKS


def test_datasets_are_deterministic_and_balanced() -> None:
    a, b = make_dataset("motion"), make_dataset("motion")
    assert np.array_equal(a.x_train, b.x_train) and np.array_equal(a.y_test, b.y_test)
    assert a.x_train.shape == (640, 3, 1, 32)
    assert min(np.bincount(a.y_train)) > 100


def test_training_is_seeded_same_weights_twice() -> None:
    data = make_dataset("motion")
    _, t1 = train(GRAPHS["motion"](), data, epochs=2)
    _, t2 = train(GRAPHS["motion"](), data, epochs=2)
    for k in t1.weights:
        assert np.array_equal(t1.weights[k], t2.weights[k])


@pytest.mark.parametrize("task", TASKS)
def test_float_model_learns_and_int8_keeps_its_accuracy(artifacts, task) -> None:
    art = artifacts[task]
    assert art.float_accuracy >= 0.8  # noisy on purpose: int8 vs float must be visible
    assert art.int8_accuracy >= art.float_accuracy - 0.02


@given(st.floats(min_value=1e-6, max_value=30.0))
def test_quantized_multiplier_reconstructs_the_real_factor(m) -> None:
    q, shift = quantize_multiplier(m)
    assert 2**30 <= q < 2**31
    assert abs(q * 2.0 ** (shift - 31) - m) <= m * 2**-30


@settings(max_examples=200)
@given(st.integers(-(2**31), 2**31 - 1), st.floats(min_value=1e-4, max_value=0.99))
def test_mbqm_is_x_times_m_rounded(x, m) -> None:
    q, shift = quantize_multiplier(m)
    got = int(mbqm(np.array([x]), q, shift)[0])
    assert abs(got - x * m) <= 1 + abs(x) * m * 2**-29


def test_fixed_point_edge_cases_follow_c_semantics() -> None:
    assert int(srdhm(np.int64(-(2**31)), np.int64(-(2**31)))) == 2**31 - 1
    # ties round away from zero, in both directions
    assert rdbpot(np.array([5, -5, 6, -6]), 1).tolist() == [3, -3, 3, -3]
    assert rdbpot(np.array([-7]), 2).tolist() == [-2]


@pytest.mark.parametrize("task", TASKS)
def test_int8_tensors_track_the_float_network(artifacts, task) -> None:
    """Every intermediate tensor, dequantized, stays within a few steps of the float one (fed
    the same, already quantized input, so clipping of outliers at the input does not count)."""
    from mlsys_kits.reference import run_int8
    from mlsys_kits.train import float_outputs

    art = artifacts[task]
    qin = art.qmodel.input_qparams
    xq = qin.quantize(art.data.x_test[:50])
    q = run_int8(art.qmodel, xq)
    f = float_outputs(art.net, qin.dequantize(xq))
    for n in art.graph.nodes[:-1]:
        qp = art.qmodel.qparams[n.output]
        err = np.abs(qp.dequantize(q[n.output]) - f[n.output]).max()
        assert err < 12 * qp.scale, (n.output, err / qp.scale)


@pytest.mark.parametrize("task", TASKS)
def test_planner_reuses_dead_buffers_without_overlapping_live_ones(task) -> None:
    g = GRAPHS[task]()
    plan = plan_memory(g)
    assert plan.peak_bytes < plan.naive_bytes
    ts = plan.tensors
    for i, a in enumerate(ts):
        for b in ts[i + 1:]:
            live_together = a.first <= b.last and b.first <= a.last
            apart = a.offset + a.size <= b.offset or b.offset + b.size <= a.offset
            assert apart or not live_together, (a, b)


@pytest.mark.parametrize("task", TASKS)
def test_onnx_export_matches_tinytorch_under_onnxruntime(artifacts, task) -> None:
    pytest.importorskip("onnxruntime", reason="pip install onnx onnxruntime")
    from mlsys_kits.onnx_export import run_onnxruntime, to_onnx

    art = artifacts[task]
    out = run_onnxruntime(to_onnx(art.trained), art.data.x_test)
    np.testing.assert_allclose(out, art.float_probs, atol=1e-5)


@st.composite
def residual_chains(draw):
    """Random conv/pool/relu/add chains, with adds reaching back to an earlier same-shape
    tensor, so lifetimes overlap in ways the three shipped models do not."""
    from mlsys_kits.graph import Graph, Node, Op

    nodes, shapes, last = [], {"x": (draw(st.integers(1, 8)), 8, 8)}, "x"
    for i in range(draw(st.integers(1, 12))):
        kind = draw(st.sampled_from(["conv", "pool", "relu", "add"]))
        out = f"t{i}"
        same = [k for k, s in shapes.items() if s == shapes[last] and k != last]
        if kind == "conv":
            node = Node(Op.CONV2D, (last,), out, draw(st.integers(1, 16)), (3, 3), (1, 1), (1, 1))
        elif kind == "pool" and shapes[last][1] >= 2:
            node = Node(Op.MAXPOOL, (last,), out, 0, (2, 2), (2, 2))
        elif kind == "add" and same:
            node = Node(Op.ADD, (last, draw(st.sampled_from(same))), out)
        else:
            node = Node(Op.RELU, (last,), out)
        nodes.append(node)
        shapes = Graph("g", shapes["x"], tuple(nodes)).shapes()
        last = out
    return Graph("g", shapes["x"], tuple(nodes))


@settings(max_examples=60, deadline=None)
@given(residual_chains())
def test_planner_never_overlaps_live_tensors_on_random_graphs(graph) -> None:
    plan = plan_memory(graph)
    ts = plan.tensors
    assert len(ts) == len(graph.nodes) + 1
    assert plan.peak_bytes <= plan.naive_bytes
    # no plan can beat the bytes alive together at the busiest op
    busiest = max(sum(t.size for t in ts if t.first <= op <= t.last)
                  for op in range(-1, len(graph.nodes) + 1))
    assert plan.peak_bytes >= busiest
    for i, a in enumerate(ts):
        for b in ts[i + 1:]:
            if a.first <= b.last and b.first <= a.last:
                assert a.offset + a.size <= b.offset or b.offset + b.size <= a.offset, (a, b)
