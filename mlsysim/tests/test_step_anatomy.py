"""The step timeline, pipeline schedules and fine-tuning budgets agree with the totals and
formulas they are built from."""

import numpy as np
import pytest
from mlsysim.errors import InvalidInputError
from mlsysim.step_anatomy import (
    NF4_BITS_PER_PARAM,
    bubble_fraction,
    finetune_memory,
    lora_params,
    pipeline_schedule,
    step_memory_timeline,
)

import mlsysim


@pytest.mark.parametrize("fused", [False, True])
def test_timeline_peaks_at_start_of_backward_and_matches_training_memory(fused):
    tl = step_memory_timeline("Llama-2-7B", seq_len=4096, fused_attention=fused)
    tm = mlsysim.training_memory("Llama-2-7B", seq_len=4096, fused_attention=fused)
    assert tl.peak_phase == "backward"
    assert tl.peak_time == mlsysim.model("Llama-2-7B").n_layers  # the first backward event
    # the peak holds all activations, weights, optimizer state and one layer's gradients
    one_layer_grads = tm.grads_bytes / mlsysim.model("Llama-2-7B").n_layers
    assert tl.peak_bytes == pytest.approx(tm.weights_bytes + tm.optimizer_bytes
                                          + tm.activations_bytes + one_layer_grads)
    assert tl.live_bytes[0] == tl.live_bytes[-1] == tl.resident_bytes
    # just before the update every activation is freed and every gradient allocated
    assert tl.live_bytes[-2] == pytest.approx(tm.weights_bytes + tm.grads_bytes + tm.optimizer_bytes)


def test_recompute_lowers_the_peak_and_stretches_the_backward():
    plain = step_memory_timeline("Llama-2-7B", seq_len=4096)
    rc = step_memory_timeline("Llama-2-7B", seq_len=4096, recompute="full")
    assert rc.peak_bytes - rc.resident_bytes < (plain.peak_bytes - plain.resident_bytes) / 4
    # with activations this small, the gradients set the peak, late in the backward pass
    assert rc.peak_time > plain.peak_time
    assert rc.time[-1] > plain.time[-1]
    assert rc.resident_bytes == plain.resident_bytes


def test_timeline_rejects_a_cnn():
    with pytest.raises(InvalidInputError):
        step_memory_timeline("ResNet-50")


@pytest.mark.parametrize("kind", ["gpipe", "1f1b"])
@pytest.mark.parametrize("p,m", [(4, 1), (4, 8), (2, 5), (8, 16)])
def test_simulated_schedule_has_the_closed_form_bubble(kind, p, m):
    s = pipeline_schedule(p, m, kind)
    assert s.step_time == pytest.approx(3 * (m + p - 1))
    busy = 3 * m
    assert 1 - busy / s.step_time == pytest.approx(bubble_fraction(p, m))
    assert len(s.slots) == 2 * p * m
    # no stage ever runs two operations at once
    for stage in range(p):
        spans = sorted((t, t + (1 if op == "F" else 2)) for st, t, _, op in s.slots if st == stage)
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))


def test_1f1b_bounds_activations_in_flight_by_stages():
    assert pipeline_schedule(4, 16, "gpipe").max_in_flight == 16
    assert pipeline_schedule(4, 16, "1f1b").max_in_flight == 4


def test_bubble_rejects_bad_input():
    with pytest.raises(InvalidInputError):
        bubble_fraction(0, 4)
    with pytest.raises(InvalidInputError):
        pipeline_schedule(4, 4, "zigzag")


def test_lora_counts_llama_adapters_by_hand():
    m = mlsysim.model("Llama-2-7B")
    d, f, r = m.d_model, m.ffn, 8
    by_hand = m.n_layers * r * (4 * 2 * d + 3 * (d + f))  # q,k,v,o square; gated MLP of three
    assert lora_params(m, r) == by_hand
    assert lora_params(m, 16) / m.params < 0.01


def test_finetune_memory_orders_methods_and_keeps_activations():
    full = finetune_memory("Llama-2-7B", "full", seq_len=2048)
    lora = finetune_memory("Llama-2-7B", "lora", seq_len=2048)
    q = finetune_memory("Llama-2-7B", "qlora", seq_len=2048)
    tm = mlsysim.training_memory("Llama-2-7B", seq_len=2048, recompute="full",
                                 fused_attention=True)
    assert full.total_bytes == pytest.approx(tm.total_bytes)
    assert full.total_bytes > 4 * lora.total_bytes
    assert lora.total_bytes > q.total_bytes
    assert full.activations_bytes == lora.activations_bytes == q.activations_bytes
    m = mlsysim.model("Llama-2-7B")
    assert q.base_weights_bytes == pytest.approx(
        (m.params - m.embedding_params) * NF4_BITS_PER_PARAM / 8 + 2 * m.embedding_params)
    assert NF4_BITS_PER_PARAM == pytest.approx(4.127, abs=1e-3)
    assert np.isclose(lora.trainable_state_bytes, 16 * lora.trainable_params)
    with pytest.raises(InvalidInputError):
        finetune_memory("Llama-2-7B", "prefix")
