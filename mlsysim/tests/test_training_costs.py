"""The training-step costs added for the held-out gate (issue 17): each against a hand count."""

import importlib

import numpy as np
import pytest
from mlsysim.compute import layer_op_table
from mlsysim.memory import activation_bytes_per_layer
from mlsysim.network import cluster
from mlsysim.validation import _gpt

import mlsysim as ms
from mlsysim import efficiency as eff

train_module = importlib.import_module("mlsysim.train")  # the module; `ms.train` is the function


def test_no_dropout_drops_the_two_output_masks():
    m = ms.model("Llama-2-7B")
    s, b, h = 4096, 2, m.d_model
    with_masks = activation_bytes_per_layer(m, s, b, 1, "none", False, True, dropout=True)
    without = activation_bytes_per_layer(m, s, b, 1, "none", False, True, dropout=False)
    assert with_masks - without == pytest.approx(2 * s * b * h)  # 1 byte each, two masks


def _step(model, gpus, **kw):
    kw.setdefault("zero_stage", 3)
    return ms.train(model, cluster("H100", gpus), tokens=1e9, global_batch=gpus * 2,
                    seq_len=2048, tp=1, pp=1, micro_batch=2, recompute="none", **kw)


def test_zero3_parameter_gather_is_hierarchical_across_nodes():
    """Going from one node to two adds the scale-out fabric to the gather, but each byte
    enters a node once: the exposed ZeRO-3 traffic grows by well under the NVLink/NIC ratio."""
    m = _gpt({"layers": 40, "d_model": 5120, "heads": 40})
    one = _step(m, 8, overlap=False).dp_comm_exposed_s
    two = _step(m, 16, overlap=False).dp_comm_exposed_s
    c = cluster("H100", 16)
    assert c.intra.bw_per_direction / c.inter.bw_per_direction > 4  # the naive bound's ratio
    assert 1.0 < two / one < 2.0


def test_loss_kernel_streams_every_logit():
    small = {"layers": 12, "d_model": 768, "heads": 12, "bias": False}
    base = _step(_gpt({**small, "vocab": 32000}), 8, zero_stage=0)
    wide = _step(_gpt({**small, "vocab": 64000}), 8, zero_stage=0)
    h = ms.hardware("H100")
    tokens = 2 * 2048  # one micro-batch per GPU
    floor = train_module.LOGIT_BYTES * tokens * 32000 / h.memory_bw
    assert wide.step_time_s - base.step_time_s > floor  # the extra logits' loss traffic at least
    # and the LM head's share of a step is exactly its GEMM (forward and backward) plus one
    # streaming pass of LOGIT_BYTES over every logit
    m, v = _gpt({**small, "vocab": 64000}), 64000.0
    one = np.asarray(1)
    plan = train_module.Plan(one, one, one, np.asarray(2), np.asarray(0), one, one)
    _, _, t_head = train_module._layer_compute_each(m, h, plan, 2048, 2.0, train_module.Options())
    gemm, loss = eff.op_times(
        h, "bf16", [("gemm", tokens, v, 768), ("memory",)], [2.0 * tokens * 768 * v, 0.0],
        [2.0 * tokens * (768 + v) + 2.0 * 768 * v, train_module.LOGIT_BYTES * tokens * v],
        training=True)
    assert float(t_head) == pytest.approx(3 * gemm + loss, rel=1e-9)


def test_fused_attention_backward_costs_two_and_a_half_forwards():
    """Step = 3 x forward for every kernel, plus half a forward more for fused attention."""
    m = ms.model("Llama-2-7B")
    h = ms.hardware("H100")
    one = np.asarray(1)
    plan = train_module.Plan(one, one, np.asarray(8), one, np.asarray(0), one, one)
    opts = train_module.Options()
    t_layer, t_fwd, _ = train_module._layer_compute_each(m, h, plan, 8192, 2.0, opts)
    shapes: list[tuple] = []
    names, fl, by = layer_op_table(m, 8192.0, 8192, 2.0, one, fused_attention=True, wb=2.0,
                                   shapes=shapes, seq_parallel=True, dropout=False)
    t_ops = eff.op_times(h, "bf16", shapes, fl, by, training=True)
    t_attn = sum(t for n, t in zip(names, t_ops, strict=True) if n == "attention")
    assert t_attn > 0
    assert float(t_layer - 3 * t_fwd) == pytest.approx(0.5 * t_attn, rel=1e-9)


def test_training_kernels_run_at_the_shared_framework_factor():
    h = ms.hardware("H100")
    e = eff.device_efficiency(h)
    shapes, fl, by = [("gemm", 8192, 8192, 8192)], [2.0 * 8192 ** 3], [3 * 2 * 8192 ** 2]
    serve_t = eff.op_times(h, "bf16", shapes, fl, by)[0]
    train_t = eff.op_times(h, "bf16", shapes, fl, by, training=True)[0]
    assert 0.5 <= e.train < 1.0
    assert (train_t - e.launch_s) == pytest.approx((serve_t - e.launch_s) / e.train, rel=1e-9)
    assert eff.device_efficiency("A100").train == e.train  # fitted once, shared


def test_hidden_collectives_slow_compute_by_the_contention_share():
    """Overlapped ZeRO-3 traffic is not free: the fitted share of its hidden time is added;
    a run with nothing to overlap (one GPU) pays nothing."""
    m = _gpt({"layers": 40, "d_model": 5120, "heads": 40})
    small = _gpt({"layers": 12, "d_model": 768, "heads": 12})
    base = eff.device_efficiency("H100").contention
    assert 0 < base < 1
    with eff.override("Hopper", contention=0.0):
        free = _step(m, 8).step_time_s
        alone_free = _step(small, 1).step_time_s
    paid = _step(m, 8).step_time_s
    exposed_if_serial = _step(m, 8, overlap=False).dp_comm_exposed_s
    assert paid > free
    assert paid - free <= base * exposed_if_serial + 1e-12  # at most the share of the traffic
    alone = _step(small, 1)
    assert alone.feasible and alone.step_time_s == pytest.approx(alone_free)


def test_grouped_query_attention_stores_smaller_keys_and_values():
    """Korthikanti's 11 sbh of attention activations keep K and V at full width (2 sbh
    each); with kv_heads / heads = g they are 2g each: Llama 3 405B (g = 1/16) saves 3.75."""
    m = ms.model("Llama-3-405B")
    mha = _gpt({"layers": 2, "d_model": m.d_model, "heads": m.heads})
    s, b = 8192, 1
    g = m.kv_heads / m.heads
    assert g == pytest.approx(1 / 16)
    gpt = activation_bytes_per_layer(mha, s, b, 1, "none", False, True, dropout=True)
    assert gpt == pytest.approx(34 * s * b * mha.d_model)  # the paper's number, unchanged
    llama = activation_bytes_per_layer(m, s, b, 1, "none", False, True, dropout=True)
    llama_as_mha = llama + 4 * (1 - g) * s * b * m.d_model
    gated = 2 + 4 * (m.ffn / m.d_model) * 1.5 + 1
    assert llama_as_mha == pytest.approx((11 + gated + 4) * s * b * m.d_model)


def _deepseek(schedule: str, **kw):
    return ms.train("DeepSeek-V3", cluster("H800", 2048), tokens=14.8e12, global_batch=15360,
                    seq_len=4096, precision="fp8", tp=1, pp=16, ep=64, uneven_stages=True,
                    schedule=schedule, **kw)


def test_dualpipe_hides_expert_traffic_and_shrinks_the_bubble():
    one, dual = _deepseek("1f1b", micro_batch=1), _deepseek("dualpipe", micro_batch=1)
    assert one.feasible and dual.feasible
    assert one.ep_comm_s > 0 and dual.ep_comm_s == 0 and dual.pp_comm_s == 0
    # bubble (pp/2 - 1) x 2 forwards = 7 x 2/3 of a stage (no TP or CP here: a stage is its
    # compute), against 1F1B's 15 stages
    stage = dual.compute_s / dual.microbatches
    assert dual.bubble_s == pytest.approx(7 * (2 / 3) * stage, rel=1e-9)
    assert one.bubble_s > 15 * stage
    assert dual.memory_per_gpu_bytes > one.memory_per_gpu_bytes  # a second weight copy
    assert dual.step_time_s < one.step_time_s
    with pytest.raises(ms.MlsysimError, match="pp must be even"):
        ms.train("Llama-2-7B", cluster("H100", 24), tokens=1e9, global_batch=24, seq_len=4096,
                 tp=8, pp=3, uneven_stages=True, schedule="dualpipe")
