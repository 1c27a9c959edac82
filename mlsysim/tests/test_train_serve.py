"""train() and serve(): plans, feasibility, and input errors."""

import numpy as np
import pytest

import mlsysim as ms


def test_train_explicit_plan_and_search():
    cl = ms.cluster("A100", 1024)
    r = ms.train("GPT-3", cl, tokens=300e9, global_batch=1536, seq_len=2048, tp=8, pp=16)
    assert r.feasible and r.tp * r.pp * r.dp == 1024
    assert 0.2 < r.mfu < 0.7
    assert r.gpu_hours == pytest.approx(r.total_time_s * 1024 / 3600)
    best = ms.train("GPT-3", cl, tokens=300e9, global_batch=1536, seq_len=2048)
    assert best.feasible and best.step_time_s <= r.step_time_s * 1.0001


def test_train_infeasible_has_reason_not_nan():
    cl = ms.cluster("A100-40GB", 8)
    r = ms.train("GPT-3", cl, tokens=1e9, global_batch=8, seq_len=2048)
    assert r.feasible is False and "GB per GPU" in r.reason and "has 40 GB" in r.reason
    assert not np.isnan(r.step_time_s)
    assert "INFEASIBLE" in str(r)
    assert r.to_dict()["feasible"] is False


@pytest.mark.parametrize("kwargs,field", [
    (dict(tp=5), "tp"), (dict(pp=7), "pp"), (dict(tp=8, pp=4, dp=3), "dp"),
    (dict(tokens=-1), "tokens"), (dict(global_batch=2.5), "global_batch"),
    (dict(precision="fp8"), "precision"),
])
def test_train_bad_input_names_field(kwargs, field):
    cl = ms.cluster("A100", 64)
    base = dict(tokens=1e9, global_batch=64, seq_len=2048)
    base.update(kwargs)
    with pytest.raises(ms.MlsysimError, match=field):
        ms.train("Llama-2-7B", cl, **base)


def test_serve_basic_and_sweep():
    r = ms.serve("Llama-2-7B", "H100", batch=1, prompt_len=512, output_len=256)
    # decode at batch 1 must take about weights / bandwidth
    assert r.tpot_s > 13.5e9 / 3.35e12
    assert r.tpot_s < 3 * 13.5e9 / 3.35e12
    assert r.ttft_s > 0 and r.tokens_per_s == pytest.approx(1 / r.tpot_s)
    sweep = ms.serve("Llama-2-7B", "H100", batch=np.array([1, 8, 64]))
    assert np.all(np.diff(sweep.tokens_per_s) > 0) and np.all(np.diff(sweep.tpot_s) >= 0)


def test_serve_infeasible():
    r = ms.serve("Llama-2-70B", "A100-40GB", batch=1)
    assert r.feasible is False and "weights need" in r.reason
    ok = ms.serve("Llama-2-70B", "A100", batch=1, gpus=4)
    assert ok.feasible
    with pytest.raises(ms.MlsysimError, match="gpus"):
        ms.serve("Llama-2-70B", "A100", gpus=3)
    with pytest.raises(ms.MlsysimError, match="batch"):
        ms.serve("Llama-2-7B", "H100", batch=0)


def test_results_print_and_serialise():
    r = ms.serve("Llama-2-7B", "H100", batch=4)
    assert "tpot_s" in str(r) and "ms" in str(r)
    assert r.to_dict()["batch"] == 4
    import json
    assert json.loads(r.to_json())["model"] == "Llama-2-7B"


def test_train_sweep_matches_train_and_flags_invalid():
    cl = ms.cluster("H100", 64)
    tp = np.array([1, 2, 4, 8, 3])
    pp = np.array([8, 4, 2, 1, 1])
    dp = 64 // (tp * pp)
    sw = ms.train_sweep("Llama-2-13B", cl, 512, 4096, tp, pp, dp, micro_batch=1,
                        recompute="selective")
    single = ms.train("Llama-2-13B", cl, tokens=1e9, global_batch=512, seq_len=4096, tp=4,
                      pp=2, dp=8, micro_batch=1, recompute="selective")
    assert sw["step_time_s"][2] == pytest.approx(single.step_time_s)
    assert not sw["feasible"][4] and np.isinf(sw["step_time_s"][4])  # tp=3: 40 heads, 64 GPUs
    with pytest.raises(ms.MlsysimError, match="recompute"):
        ms.train_sweep("GPT-2", cl, 64, 1024, 8, 1, 8, recompute="sometimes")


def test_broken_registry_entry_names_file_and_field(monkeypatch):
    from mlsysim import registry
    registry._index.cache_clear()
    monkeypatch.setattr(registry, "_load", lambda f: [{"name": "X", "kind": "scale-up"}])
    try:
        with pytest.raises(ms.MlsysimError, match=r"fabrics.yaml: entry 1 \(X\): missing.*bw_per"):
            registry.fabric("X")
    finally:
        registry._index.cache_clear()


def test_sweep_results_print_values_not_shapes():
    s = str(ms.serve("Llama-2-7B", "H100", batch=np.array([1, 8])))
    assert "[1, 8]" in s and "ms," in s and "array(" not in s
    long = str(ms.serve("Llama-2-7B", "H100", batch=np.arange(1, 50)))
    assert "49 values" in long


def test_pipeline_bubble_follows_1f1b_and_interleaving():
    cl = ms.cluster("A100", 64)
    kw = dict(tokens=1e9, global_batch=64, seq_len=2048, tp=8, pp=4, dp=2, micro_batch=4,
              recompute="selective")
    plain = ms.train("Llama-2-13B", cl, **kw)
    inter = ms.train("Llama-2-13B", cl, schedule="interleaved", virtual_stages=2, **kw)
    m = plain.microbatches
    assert m == 64 // (2 * 4)
    # 1F1B: bubble = (p-1) stage-times, independent of m; each extra micro-batch adds one
    stage = plain.bubble_s / 3
    kw2 = {**kw, "global_batch": 128}
    more = ms.train("Llama-2-13B", cl, **kw2)
    assert more.microbatches == 2 * m and more.bubble_s == pytest.approx(plain.bubble_s)
    extra = more.step_time_s - plain.step_time_s - (more.pp_comm_s - plain.pp_comm_s)
    assert extra == pytest.approx(m * stage, rel=0.02)
    assert inter.bubble_s == pytest.approx(plain.bubble_s / 2, rel=1e-6)
    assert inter.step_time_s < plain.step_time_s
    with pytest.raises(ms.MlsysimError, match="virtual_stages"):
        ms.train("Llama-2-13B", cl, schedule="interleaved", virtual_stages=3, **kw)


def test_hierarchical_allreduce_hand_calculation():
    nv, ib = ms.fabric("NVLink4"), ms.fabric("IB-NDR")
    b, g, nodes = 1e9, 8, 4
    local = (g - 1) * nv.latency_s + (g - 1) / g * b / nv.bw_per_direction
    cross = 2 * (nodes - 1) * ib.latency_s + 2 * (nodes - 1) / nodes * (b / g) / ib.bw_per_direction
    t = ms.allreduce_time(b, 32, ib, algorithm="hierarchical", gpus_per_node=8, intra=nv)
    assert t == pytest.approx(2 * local + cross)


def test_tp_overlap_hides_tensor_parallel_traffic():
    cl = ms.cluster("H100", 64)
    kw = dict(tokens=1e9, global_batch=256, seq_len=4096, tp=8, pp=1, dp=8, micro_batch=1,
              recompute="selective")
    base = ms.train("Llama-2-70B", cl, **kw)
    hidden = ms.train("Llama-2-70B", cl, tp_overlap=1.0, **kw)
    assert base.tp_comm_s > 0 and hidden.tp_comm_s == 0
    # the stage gets shorter by exactly the TP time; a shorter backward also hides less DP
    # sync, and what is no longer hidden no longer pays the contention share
    dp_change = hidden.dp_comm_exposed_s - base.dp_comm_exposed_s
    assert dp_change >= 0
    kappa = ms.efficiency.device_efficiency("H100").contention
    assert hidden.step_time_s == pytest.approx(
        base.step_time_s - base.tp_comm_s + (1 - kappa) * dp_change, rel=1e-6)
    with pytest.raises(ms.MlsysimError, match="tp_overlap"):
        ms.train("Llama-2-70B", cl, tp_overlap=1.5, **kw)
