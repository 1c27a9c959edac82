"""Plans a user gets wrong, and what mlsysim says about them (issue: fix what a user hits)."""

from __future__ import annotations

import numpy as np
import pytest

import mlsysim as ms


@pytest.fixture(scope="module")
def node() -> ms.Cluster:
    return ms.cluster("H100", 8)


@pytest.mark.parametrize("stage", [5, -1, 1.5, True], ids=["five", "minus-one", "fraction", "bool"])
def test_train_rejects_a_zero_stage_that_does_not_exist(node: ms.Cluster, stage: object) -> None:
    with pytest.raises(ms.InvalidInputError, match="zero_stage: must be 0, 1, 2 or 3"):
        ms.train("llama-2-7b", node, 1e9, 64, 2048, zero_stage=stage)


def test_train_sweep_rejects_a_zero_stage_that_does_not_exist(node: ms.Cluster) -> None:
    with pytest.raises(ms.InvalidInputError, match="zero_stage"):
        ms.train_sweep("llama-2-7b", node, 64, 2048, tp=1, pp=1, dp=8, zero_stage=4)


def test_more_tensor_parallel_ranks_than_gpus_names_the_real_cause(node: ms.Cluster) -> None:
    with pytest.raises(ms.InvalidInputError, match=r"tp=16 does not divide the cluster's 8 GPUs "
                       r"\(it needs at least 16\)"):
        ms.train("llama-2-7b", node, 1e9, 64, 2048, tp=16)


def test_impossible_virtual_stages_say_so_instead_of_blaming_the_batch(node: ms.Cluster) -> None:
    r = ms.train("llama-2-7b", node, 1e9, 64, 2048, schedule="interleaved", virtual_stages=7)
    assert not r.feasible
    assert "virtual_stages=7" in r.reason and "dp must divide" not in r.reason


def test_train_sweep_with_plan_arrays_of_different_lengths_is_a_clear_error(
        node: ms.Cluster) -> None:
    with pytest.raises(ms.InvalidInputError, match=r"one length.*tp\(2,\), pp\(3,\)"):
        ms.train_sweep("llama-2-7b", node, 64, 2048, tp=np.array([1, 2]),
                       pp=np.array([1, 2, 4]), dp=np.array([8]))


def test_a_prompt_past_the_context_window_is_infeasible_with_the_reason() -> None:
    r = ms.serve("Llama-2-70B", "H100", gpus=8, prompt_len=100_000)
    assert r.feasible is False
    assert "context window of 4,096 tokens" in r.reason


def test_a_batch_sweep_past_the_context_window_is_infeasible_everywhere() -> None:
    r = ms.serve("Llama-2-70B", "H100", gpus=8, batch=np.array([1, 2]), prompt_len=8000)
    assert not np.asarray(r.feasible).any()


def test_tensor_parallelism_past_one_node_pays_the_scale_out_network() -> None:
    two_nodes = ms.serve("Llama-2-70B", "H100", gpus=16)
    one_big_node = ms.serve("Llama-2-70B", "H100", gpus=16, gpus_per_node=16)
    # prefill moves megabytes per all-reduce: InfiniBand is far slower than NVLink for it
    assert two_nodes.ttft_s > one_big_node.ttft_s


def test_sixteen_way_tensor_parallelism_over_infiniband_is_slower_than_one_node() -> None:
    """The issue's report: gpus=16 showed a lower TTFT than gpus=8 because only 1/8 of a
    hierarchical all-reduce crossed the nodes. A tensor-parallel group over two nodes is one
    ring whose every step waits on InfiniBand: twice the GPUs, but slower on both counts."""
    eight = ms.serve("Llama-2-70B", "H100", gpus=8)
    sixteen = ms.serve("Llama-2-70B", "H100", gpus=16)
    assert sixteen.ttft_s > 1.5 * eight.ttft_s
    assert sixteen.tpot_s > eight.tpot_s
    # the same 16 GPUs as two pipeline stages of 8 keep the all-reduces on NVLink
    staged = ms.serve("Llama-2-70B", "H100", gpus=16, pp=2)
    assert staged.ttft_s < sixteen.ttft_s


def test_gpus_without_a_scale_up_link_still_pay_for_their_all_reduces() -> None:
    """Two Jetson boards (no NVLink) split a model: their all-reduces cross the network
    between boards, slower than the same two devices on one PCIe host would be (before the
    fix, a device without a scale-up link paid nothing at all, so both were equal)."""
    boards = ms.serve("llama-2-7b", "Jetson-AGX-Orin-64GB", gpus=2)
    one_host = ms.serve("llama-2-7b", "Jetson-AGX-Orin-64GB", gpus=2, gpus_per_node=2)
    assert boards.tpot_s > one_host.tpot_s
