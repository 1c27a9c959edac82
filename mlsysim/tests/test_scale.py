"""Serving and training at scale: node boundaries, pipelines, replicas, chunked prefill,
disaggregation, MoE routing, speculative decoding, uneven stages, context parallelism and
offload. Each test states the behaviour a user would see."""

from __future__ import annotations

import dataclasses
import json
import math
import subprocess
import sys

import numpy as np
import pytest
from mlsysim.memory import expected_experts
from mlsysim.serve import erlang_c_wait, tokens_per_verify
from mlsysim.train import Options, Plan, PlanCost, evaluate_plans, stage_layers

import mlsysim as ms

BIG = "Llama-2-70B"


# ---------------------------------------------------------------- pipeline-parallel serving
def test_pipeline_stages_across_nodes_pay_the_scale_out_network() -> None:
    """Two stages of 8 GPUs sit on two nodes: the send between them crosses InfiniBand,
    slower than the same split inside one 16-GPU node."""
    two_nodes = ms.serve(BIG, "H100", gpus=16, pp=2, batch=8)
    one_node = ms.serve(BIG, "H100", gpus=16, pp=2, batch=8, gpus_per_node=16)
    assert two_nodes.tp == 8 and two_nodes.pp == 2
    assert two_nodes.stage_transfer_s > one_node.stage_transfer_s > 0


def test_pipeline_parallel_decode_does_not_cut_latency_but_stays_bubble_free() -> None:
    """Splitting layers into stages leaves each token's latency about where one 8-GPU group
    has it; with batch >= pp every stage stays busy, so 4 sequences give ~4x the tokens/s."""
    flat = ms.serve(BIG, "H100", gpus=8, batch=1)
    staged = ms.serve(BIG, "H100", gpus=32, pp=4, batch=1)
    assert staged.tpot_s == pytest.approx(flat.tpot_s, rel=0.15)
    full = ms.serve(BIG, "H100", gpus=32, pp=4, batch=4)
    assert full.tokens_per_s > 3.5 * staged.tokens_per_s


def test_pipeline_depth_must_divide_the_replica() -> None:
    with pytest.raises(ms.InvalidInputError, match="pp=3 does not divide gpus=8"):
        ms.serve(BIG, "H100", gpus=8, pp=3)


# ---------------------------------------------------------------- replicas and queueing
def test_replicas_multiply_throughput_and_keep_latency() -> None:
    one = ms.serve(BIG, "H100", gpus=8, batch=16)
    four = ms.serve(BIG, "H100", gpus=8, batch=16, replicas=4)
    assert four.tokens_per_s == pytest.approx(4 * one.tokens_per_s)
    assert four.tpot_s == one.tpot_s and four.total_gpus == 32


def test_erlang_c_matches_textbook_queues() -> None:
    """M/M/1 at load 0.5 with unit service waits 0.5/(1-0.5) = 1; M/M/2 at one Erlang waits
    (1/3)/(2-1) = 1/3 (Erlang C probability of waiting 1/3)."""
    assert erlang_c_wait(0.5, 1, 1.0) == pytest.approx(1.0)
    assert erlang_c_wait(1.0, 2, 1.0) == pytest.approx(1 / 3)
    assert math.isinf(erlang_c_wait(2.0, 2, 1.0))


def test_queueing_grows_with_load_and_overload_is_infeasible() -> None:
    base = ms.serve(BIG, "H100", gpus=8, batch=16, replicas=2)
    capacity = 2 * 16 / base.request_latency_s  # requests/s two replicas complete
    light = ms.serve(BIG, "H100", gpus=8, batch=16, replicas=2, rate=0.5 * capacity)
    heavy = ms.serve(BIG, "H100", gpus=8, batch=16, replicas=2, rate=0.95 * capacity)
    assert 0 <= light.queue_wait_s < heavy.queue_wait_s
    assert light.utilisation == pytest.approx(0.5) and light.feasible
    over = ms.serve(BIG, "H100", gpus=8, batch=16, replicas=2, rate=1.2 * capacity)
    assert over.feasible is False and "arrival rate exceeds" in over.reason


# ---------------------------------------------------------------- chunked prefill
def test_chunk_size_trades_time_to_first_token_against_decode_interference() -> None:
    small = ms.serve(BIG, "H100", gpus=8, batch=32, prompt_len=4096, chunk_size=256)
    large = ms.serve(BIG, "H100", gpus=8, batch=32, prompt_len=4096, chunk_size=2048)
    plain = ms.serve(BIG, "H100", gpus=8, batch=32, prompt_len=4096)
    assert small.ttft_s > large.ttft_s
    assert plain.tpot_max_s < small.tpot_max_s < large.tpot_max_s
    # on average a step carries the prefill work the batch brings: never below pure decode
    assert min(small.tpot_s, large.tpot_s) > plain.tpot_s


# ---------------------------------------------------------------- disaggregation
def test_disaggregated_prefill_ships_the_kv_cache_and_spares_decode() -> None:
    plain = ms.serve(BIG, "H100", gpus=8, batch=16, prompt_len=2048)
    split = ms.serve(BIG, "H100", gpus=8, batch=16, prompt_len=2048, prefill_gpus=8)
    kv = ms.kv_cache_bytes(BIG, 2048, 16)
    ib = ms.fabric("IB-NDR")
    # KV bytes over 8 NICs: at least the wire time, and no interference with decode
    assert split.kv_transfer_s >= kv / (8 * ib.bw_per_direction)
    assert split.tpot_s == plain.tpot_s and split.total_gpus == 16
    assert split.request_latency_s > plain.request_latency_s


def test_chunking_and_disaggregation_are_alternatives() -> None:
    with pytest.raises(ms.InvalidInputError, match="alternatives"):
        ms.serve(BIG, "H100", gpus=8, chunk_size=512, prefill_gpus=8)


# ---------------------------------------------------------------- MoE routing
def test_expected_experts_matches_random_routing() -> None:
    """E(1-(1-k/E)^T) against a simulation of uniform top-2 routing on 8 experts."""
    rng = np.random.default_rng(0)
    for tokens in (1, 3, 8, 32):
        picks = np.argsort(rng.random((4000, tokens, 8)), axis=-1)[..., :2]
        distinct = np.array([len(np.unique(p)) for p in picks.reshape(4000, -1)])
        assert expected_experts(8, 2, tokens) == pytest.approx(distinct.mean(), rel=0.02)
    assert expected_experts(8, 2, 1) == pytest.approx(2.0)


def test_moe_decode_reads_more_experts_as_the_batch_grows() -> None:
    """Batch 1 reads 2 of Mixtral's 8 experts, batch 4 about 5.3, not all 8: the step time
    climbs with the experts touched and then flattens."""
    t = ms.serve("Mixtral-8x7B", "H100", gpus=2, batch=np.array([1, 2, 4, 64])).tpot_s
    assert t[0] < t[1] < t[2]
    assert (t[3] - t[2]) / 60 < (t[2] - t[0]) / 3  # per extra sequence, far cheaper once saturated


# ---------------------------------------------------------------- speculative decoding
def test_tokens_per_verify_follows_leviathan_et_al() -> None:
    assert tokens_per_verify(0.8, 4) == pytest.approx((1 - 0.8 ** 5) / 0.2)
    assert tokens_per_verify(1.0, 4) == 5.0
    assert tokens_per_verify(0.0, 4) == 1.0


def test_speculation_helps_only_when_drafts_are_accepted() -> None:
    plain = ms.serve(BIG, "H100", gpus=8, batch=1)
    good = ms.serve(BIG, "H100", gpus=8, batch=1, draft="Llama-2-7B", acceptance=0.9)
    bad = ms.serve(BIG, "H100", gpus=8, batch=1, draft="Llama-2-7B", acceptance=0.0)
    assert good.tpot_s < plain.tpot_s < bad.tpot_s
    assert good.tokens_per_step == pytest.approx(tokens_per_verify(0.9, 4))
    assert good.weights_bytes > plain.weights_bytes  # the draft's weights are resident too


def test_a_draft_with_another_vocabulary_is_rejected() -> None:
    with pytest.raises(ms.InvalidInputError, match="draft"):
        ms.serve(BIG, "H100", gpus=8, draft="Llama-3-8B")


# ---------------------------------------------------------------- training: uneven stages
def test_llama3_405b_stages_hold_7_8_and_7_layers() -> None:
    """126 layers on 16 stages (Grattafiori et al. 2024): 14 middle stages of 8 layers, the
    first and last with 7."""
    first, mid, last = (int(x) for x in stage_layers(126, 16, True))
    assert (first, mid, last) == (7, 8, 7) and first + 14 * mid + last == 126


def test_plan_search_finds_uneven_pipelines_only_when_allowed() -> None:
    cl = ms.cluster("H100", 128)
    kw = dict(tokens=1e12, global_batch=16, seq_len=8192, tp=8, dp=1, micro_batch=1)
    uneven = ms.train("Llama-3-405B", cl, uneven_stages=True, **kw)
    assert uneven.feasible and uneven.pp == 16
    even = ms.train("Llama-3-405B", cl, **kw)
    assert not even.feasible


def test_uneven_pp_without_the_flag_names_the_fix() -> None:
    with pytest.raises(ms.InvalidInputError, match="uneven_stages=True"):
        ms.train("Llama-3-405B", ms.cluster("H100", 128), 1e12, 16, 8192, tp=8, pp=16)


# ---------------------------------------------------------------- context parallelism
def test_context_parallelism_halves_activations_and_pays_kv_gathers() -> None:
    cl = ms.cluster("H100", 64)
    kw = dict(tokens=1e11, global_batch=8, seq_len=32768, tp=8, pp=4, micro_batch=1,
              recompute="full")
    no_cp = ms.train("Llama-3-70B", cl, cp=1, dp=2, **kw)
    cp2 = ms.train("Llama-3-70B", cl, cp=2, dp=1, **kw)
    assert cp2.cp == 2 and cp2.cp_comm_s > 0 == no_cp.cp_comm_s
    assert cp2.memory_per_gpu_bytes < no_cp.memory_per_gpu_bytes


def test_context_parallel_degree_must_divide_the_sequence() -> None:
    with pytest.raises(ms.InvalidInputError, match="seq_len=1002 is not divisible by cp=4"):
        ms.train("Llama-3-8B", ms.cluster("H100", 8), 1e9, 8, 1002, cp=4)


# ---------------------------------------------------------------- offload
def test_optimizer_offload_frees_its_states_and_pays_the_host_link() -> None:
    cl = ms.cluster("H100", 8)
    kw = dict(tokens=1e9, global_batch=8, seq_len=1024, tp=1, pp=1, dp=8, micro_batch=1,
              recompute="full", zero_stage=0)
    on_gpu = ms.train("GPT-2-XL", cl, **kw)
    off = ms.train("GPT-2-XL", cl, offload_optimizer=True, **kw)
    # Adam's fp32 master + 2 moments are 12 of the 16 bytes per parameter
    freed = on_gpu.memory_per_gpu_bytes - off.memory_per_gpu_bytes
    assert freed > 12 * ms.model("GPT-2-XL").params
    assert off.offload_s > 0 and off.step_time_s > on_gpu.step_time_s


def test_optimizer_offload_lets_a_7b_model_train_on_one_gpus_worth_of_memory() -> None:
    kw = dict(tokens=1e9, global_batch=8, seq_len=2048, tp=1, pp=1, dp=8, micro_batch=1,
              recompute="full", zero_stage=0)
    assert not ms.train("Llama-2-7B", ms.cluster("H100", 8), **kw).feasible  # 16 B/param
    assert ms.train("Llama-2-7B", ms.cluster("H100", 8), offload_optimizer=True, **kw).feasible


def test_activation_offload_cuts_activation_memory() -> None:
    cl = ms.cluster("H100", 8)
    kw = dict(tokens=1e9, global_batch=8, seq_len=8192, tp=8, pp=1, dp=1, micro_batch=1,
              recompute="none")
    keep = ms.train("Llama-2-13B", cl, **kw)
    park = ms.train("Llama-2-13B", cl, offload_activations=True, **kw)
    assert park.memory_per_gpu_bytes < keep.memory_per_gpu_bytes - 5e9
    assert park.step_time_s >= keep.step_time_s


# ---------------------------------------------------------------- memory overheads, seams
def test_memory_counts_the_runtime_and_fp32_logits() -> None:
    """A plan's memory is more than its ZeRO states and activations: the runtime's fixed
    share and the last stage's logits (128k vocabulary, fp32 for the loss) are there."""
    cl = ms.cluster("H100", 8)
    r = ms.train("Llama-3-8B", cl, 1e9, 8, 8192, tp=8, pp=1, dp=1, micro_batch=1,
                 recompute="full")
    states = ms.training_memory("Llama-3-8B", tp=8, zero_stage=1, dp=1, seq_len=8192,
                                recompute="full", sequence_parallel=True,
                                fused_attention=True).total_bytes
    logits = 8192 * ms.model("Llama-3-8B").vocab / 8 * (2 + 4)
    assert r.memory_per_gpu_bytes >= states + logits + 1e9


def test_evaluate_plans_returns_a_frozen_plan_cost() -> None:
    m, cl = ms.model("Llama-2-7B"), ms.cluster("H100", 8)
    one = np.asarray(1)
    plan = Plan(np.array([1, 2, 8]), one, np.array([8, 4, 1]), one, np.asarray(0), one, one)
    r = evaluate_plans(m, cl, 64, 2048, plan, Options())
    assert isinstance(r, PlanCost) and r.step.shape == (3,)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.step = r.step  # type: ignore[misc]


@pytest.mark.parametrize("gpus", [2, 8, 16, 64])
def test_the_scalar_all_reduce_fast_path_agrees_with_the_general_formula(gpus: int) -> None:
    cl = ms.cluster("H100", gpus)
    general = ms.allreduce_time(np.array([3e6]), cl)[0]  # arrays take the general path
    assert ms.allreduce_time(3e6, cl) == pytest.approx(general, rel=1e-12)


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mlsysim.cli", *args], capture_output=True,
                          text=True, timeout=60)


def test_the_cli_serves_pipelined_replicas_and_speculates() -> None:
    r = _cli("serve", "llama-2-70b", "--gpus", "16", "--pp", "2", "--replicas", "2",
             "--batch", "8", "--draft", "llama-2-7b", "--json")
    assert r.returncode == 1 and "pp=1" in r.stderr  # speculation needs a TP-only replica
    r = _cli("serve", "llama-2-70b", "--gpus", "16", "--pp", "2", "--replicas", "2",
             "--batch", "8", "--json")
    d = json.loads(r.stdout)
    assert r.returncode == 0 and (d["tp"], d["pp"], d["total_gpus"]) == (8, 2, 32)


def test_the_cli_trains_on_uneven_stages_with_context_parallelism() -> None:
    r = _cli("train", "llama-3-405b", "--gpus", "256", "--tokens", "1T", "--global-batch", "16",
             "--seq-len", "8192", "--tp", "8", "--dp", "1", "--cp", "2", "--uneven-stages",
             "--json")
    d = json.loads(r.stdout)
    assert r.returncode == 0, r.stderr
    assert (d["pp"], d["cp"]) == (16, 2) and d["cp_comm_s"] > 0
