"""Every lab, run headless through marimo's App.run: defaults, a prediction, a fixed design.

Each case names the widget values that solve the lab's design challenge; the default
configuration must show the failure (that is the wall the learner has to find), the solved one
must show success, and the answer to the prediction must stay hidden until a guess is made.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import labkit as kit

LABS = Path(__file__).resolve().parents[1]

# lab -> (a prediction to commit, widget values that pass the design challenge,
#         a widget change that must visibly change the page)
CASES: dict[str, dict[str, Any]] = {
    "where_time_goes": {
        "guess": "memory-bound",
        "fix": {"model": "DS-CNN-KWS", "precision": "int8", "batch": 64},
        "change": {"batch": 128},
    },
    "tinyml_fit": {
        "guess": "flash only",
        "fix": {"model": "Person-Detection-MobileNetV1-0.25"},
        "change": {"device": "ESP32-S3"},
    },
    "training_memory": {
        "guess": "2-4x too big",
        "fix": {"zero": "3", "recompute": "full"},
        "change": {"micro_batch": 4},
    },
    "scaling_laws": {
        "guess": "about 3x parameters and 3x tokens",
        "fix": {"size": 10.7},
        "change": {"budget": 22.0},
    },
    "operator_roofline": {
        "guess": "almost none",
        "fix": {"batch": 512},
        "change": {"phase": "prefill"},
    },
    "serving_batching": {
        "guess": "5x",
        "fix": {"gpus": "2", "precision": "fp8", "batch": 64},
        "change": {"prompt": 4096},
    },
    "parallelism": {
        "guess": "it does not fit in memory",
        "fix": {"tp": "8", "pp": "2"},
        "change": {"tp": "4", "pp": "4"},
    },
    "collectives": {
        "guess": "tree",
        "fix": {"algorithm": "hierarchical"},
        "change": {"gpus": 1024},
    },
    "failures_checkpointing": {
        "guess": "every day or two",
        "fix": {"save": 30, "restart": 120, "interval": 14},
        "change": {"interval": 60},
    },
    "serving_slo": {
        "guess": "more than 30x",
        "fix": {"max_batch": 128},
        "change": {"rate": 10},
    },
    "energy_carbon": {
        "guess": "a grid ten times cleaner",
        "fix": {"gpu": "H100-SXM", "gpus": 1024, "grid": 50},
        "change": {"grid": 100},
    },
    "benchmarking_pitfalls": {
        "guess": "more than 50% too high",
        "fix": {"synced": True, "discard": 20, "runs": 200, "statistic": "median"},
        "change": {"discard": 10},
    },
    "data_pipeline": {
        "guess": "under 15%",
        "fix": {"workers": 64},
        "change": {"decode_ms": 2.0},
    },
    "cost_of_layers": {
        "guess": "convolution",
        "fix": {"batch": 1024},
        "change": {"seq": 4096},
    },
    "kernel_fusion": {
        "guess": "about 4x faster",
        "fix": {"fused": True, "size": 8.0},
        "change": {"ops": 16},
    },
    "compression": {
        "guess": "4-bit",
        "fix": {"bits": "4"},
        "change": {"bits": "8"},
    },
    "fabric_alltoall": {
        "guess": "2x to 4x",
        "fix": {"design": "fat-tree 1:1"},
        "change": {"tokens": 65536},
    },
    "checkpoint_bandwidth": {
        "guess": "3 to 8 TB",
        "fix": {"asynchronous": True, "interval": 5},
        "change": {"bw": 1000},
    },
    "gang_scheduling": {
        "guess": "more than half a day",
        "fix": {"policy": "easy"},
        "change": {"gpus": 448},
    },
    "kv_paging": {
        "guess": "2x to 3x",
        "fix": {"policy": "paged", "block": 16, "watermark": 1.0},
        "change": {"mean_out": 256},
    },
    "disaggregated_serving": {
        "guess": "100 to 300 ms",
        "fix": {"mode": "disaggregated", "prefill": 4},
        "change": {"prompt": 4096},
    },
    "federated_stragglers": {
        "guess": "the whole 30-minute deadline",
        "fix": {"over": 50},
        "change": {"deadline": 10},
    },
    "fleet_carbon": {
        "guess": "about 15x",
        "fix": {"grid": "solar-rich", "start": 6, "pue": "hyperscale (1.10)"},
        "change": {"start": 6},
    },
    "sdc_detection": {
        "guess": "about four",
        "fix": {"screen": "daily", "checksums": True},
        "change": {"devices": 65536},
    },
}


def test_every_catalogued_lab_has_a_case_and_a_notebook() -> None:
    names = [lab.name for lab in kit.catalog()]
    assert names, "labs.yaml lists no labs"
    assert set(names) == set(CASES), "each lab needs its headless test case"
    for name in names:
        assert (LABS / f"{name}.py").is_file()


@pytest.fixture(scope="module", params=sorted(CASES))
def lab(request: pytest.FixtureRequest) -> tuple[str, kit.LabRun]:
    return request.param, kit.run_lab(request.param)


def test_default_run_shows_the_wall_and_hides_the_answer(lab: tuple[str, kit.LabRun]) -> None:
    name, run = lab
    info = kit.info(name)
    assert info.title in run.text
    assert info.href in run.text, "the lab links back to its chapter"
    assert not run.revealed(), "the answer must wait for a prediction"
    assert run.verdicts() == ["fail"], "the default design must show its failure state"
    assert 'data-kind=\'"danger"\'' in run.html or "danger" in run.text
    assert "<svg" in run.text, "a plot is drawn"
    assert "Traceback" not in run.text


def test_prediction_reveals_the_answer(lab: tuple[str, kit.LabRun]) -> None:
    name, _ = lab
    run = kit.run_lab(name, guess=CASES[name]["guess"])
    assert run.revealed()
    assert re.search(r"Your prediction was right|You predicted", run.text)


def test_fixed_design_passes(lab: tuple[str, kit.LabRun]) -> None:
    name, _ = lab
    run = kit.run_lab(name, **CASES[name]["fix"])
    assert run.verdicts() == ["pass"], run.text[-2000:]


def test_moving_a_widget_changes_the_page(lab: tuple[str, kit.LabRun]) -> None:
    name, default = lab
    run = kit.run_lab(name, **CASES[name]["change"])
    svgs = re.findall(r"<svg.*?</svg>", run.text, flags=re.S)
    before = re.findall(r"<svg.*?</svg>", default.text, flags=re.S)
    assert run.text != default.text
    assert svgs != before, "the plot follows the widget"


# ---------------------------------------------------------------- lab-specific numbers
def test_where_time_goes_cloud_gpu_crosses_the_ridge_with_batch() -> None:
    low = kit.run_lab("where_time_goes", batch=1)
    high = kit.run_lab("where_time_goes", batch=256)
    assert low.defs["placed"][0]["r"].bound == "memory"
    assert high.defs["placed"][0]["r"].bound == "compute"
    assert re.search(r"H100-SXM [\d,.]+ FLOP/B [\d,.]+ FLOP/B memory", low.plain)
    # mlsysim's reasons are shown: no fp16 on the MCU; in fp32 ResNet-50 overflows its flash
    assert re.search(r"STM32H747: precision: .*no fp16", low.plain)
    fp32 = kit.run_lab("where_time_goes", precision="fp32")
    assert re.search(r"STM32H747: ResNet-50 needs [\d.]+ MB of weights", fp32.plain)


def test_training_memory_each_zero_stage_shrinks_the_bill() -> None:
    run = kit.run_lab("training_memory")
    totals = [s.total_bytes for s in run.defs["stages"]]
    assert all(a > b for a, b in zip(totals, totals[1:], strict=False))
    assert run.defs["mem"].total_bytes > run.defs["capacity"]  # the default is out of memory
    assert re.search(r"Out of memory: needs [\d,]+ GB per GPU, has 80 GB", run.plain)


def test_collectives_hierarchical_sends_less_over_the_slow_network() -> None:
    ring = kit.run_lab("collectives", algorithm="ring").plain
    hier = kit.run_lab("collectives", algorithm="hierarchical").plain
    seconds = lambda t: re.search(r"takes ([\d.]+) s", t)  # noqa: E731
    assert seconds(ring) and float(seconds(ring).group(1)) > 0.5
    assert "PASS." in hier


def test_failures_young_daly_interval_is_the_best_on_the_curve() -> None:
    run = kit.run_lab("failures_checkpointing", interval=14, save=30, restart=120)
    best, result = run.defs["best"], run.defs["result"]
    assert best.goodput >= result.goodput - 1e-9
    assert 13 * 60 <= run.defs["optimum"] <= 15 * 60  # sqrt(2 x 30 s x fleet MTBF)


def test_serving_slo_tail_grows_faster_than_the_load() -> None:
    run = kit.run_lab("serving_slo")
    sweep = run.defs["sweep"]
    p99 = [s.ttft_p99_s for s in sweep]
    assert all(a <= b * 1.05 for a, b in zip(p99, p99[1:], strict=False))
    rates = run.defs["rates"]
    # from 2 to 5 requests/s (2.5x the load) the p99 wait grows more than tenfold
    assert rates[0] == 2 and rates[1] == 5 and p99[1] / p99[0] > 10


def test_kernel_fusion_large_tensors_speed_up_by_about_the_chain_length() -> None:
    run = kit.run_lab("kernel_fusion", size=9.0, ops=8)
    assert run.defs["chain"].speedup == pytest.approx(8, rel=0.05)
    small = kit.run_lab("kernel_fusion", size=3.0, fused=True)
    assert "launch" in small.plain and small.verdicts() == ["fail"]


def test_compression_4bit_fits_and_structured_sparsity_needs_half() -> None:
    ok = kit.run_lab("compression", bits="4")
    assert ok.defs["result"].fits and ok.defs["result"].compression == pytest.approx(4.0)
    bad = kit.run_lab("compression", structured=True, sparsity=0.3)
    assert bad.defs["result"] is None
    assert "Infeasible. sparsity: 2:4 structured sparsity keeps exactly half" in bad.plain


def test_parallelism_invalid_plan_shows_mlsysims_reason() -> None:
    run = kit.run_lab("parallelism", gpus=8, tp="8", pp="16")
    assert run.defs["run"] is None
    assert "does not divide 8 GPUs" in run.plain or "not divisible" in run.plain
    assert run.verdicts() == ["fail"]


def test_scaling_laws_optimum_is_near_twenty_tokens_per_parameter() -> None:
    run = kit.run_lab("scaling_laws", size=10.7)
    ratio = run.defs["tokens"] / run.defs["params"]
    assert 10 < ratio < 40
    assert run.defs["loss"] <= run.defs["best_loss"] * 1.005


def test_serving_slo_sizes_a_fleet_from_the_rate_one_replica_sustains() -> None:
    run = kit.run_lab("serving_slo", max_batch=128, fleet=200)
    m = re.search(r"one replica within SLO: up to ([\d.]+) req/s replicas for 200 req/s: (\d+)",
                  run.plain)
    assert m, run.plain[:3000]
    per, replicas = float(m.group(1)), int(m.group(2))
    assert replicas == -(-200 // per)


def test_failures_more_reliable_gpus_raise_the_fleet_mtbf() -> None:
    base = kit.run_lab("failures_checkpointing")
    steps = list(base.defs["device_mtbf"].steps)
    better = kit.run_lab("failures_checkpointing", device_mtbf=steps[-1])
    assert better.defs["mtbf_s"] == pytest.approx(base.defs["mtbf_s"] * steps[-1]
                                                  / base.defs["device_mtbf"].value, rel=0.01)
    assert better.defs["best"].goodput > base.defs["best"].goodput


# ---------------------------------------------------------------- Volume II at scale
def test_fabric_alltoall_oversubscription_shows_the_fabric_as_the_bound() -> None:
    over = kit.run_lab("fabric_alltoall")
    full = kit.run_lab("fabric_alltoall", design="fat-tree 1:1")
    assert over.defs["result"].bound == "fabric"
    assert over.defs["result"].time_s > 2 * full.defs["result"].time_s
    assert over.defs["result"].switches < full.defs["result"].switches
    torus = kit.run_lab("fabric_alltoall", design="3-D torus")
    assert "switches: 0" in torus.plain and torus.verdicts() == ["fail"]
    rail = kit.run_lab("fabric_alltoall", design="rail-optimised", gpus=2048)
    assert rail.verdicts() == ["pass"]


def test_checkpoint_bandwidth_async_stalls_for_milliseconds_and_wins_on_goodput() -> None:
    sync = kit.run_lab("checkpoint_bandwidth", interval=13)
    asyn = kit.run_lab("checkpoint_bandwidth", asynchronous=True, interval=13)
    assert sync.defs["plan"].blocking_s > 10 > 0.1 > asyn.defs["plan"].blocking_s
    assert asyn.defs["plan"].goodput > sync.defs["plan"].goodput
    assert re.search(r"checkpoint: 5\.68 TB", sync.plain)
    over = kit.run_lab("checkpoint_bandwidth", bw=1000, asynchronous=True, interval=5)
    assert "over the 200 GB/s budget" in over.plain and over.verdicts() == ["fail"]


def test_gang_scheduling_easy_protects_the_largest_gangs() -> None:
    ff = kit.run_lab("gang_scheduling", policy="first-fit").defs["run"]
    easy = kit.run_lab("gang_scheduling", policy="easy").defs["run"]
    assert ff.mean_wait_s < easy.mean_wait_s
    assert easy.largest_mean_wait_s < ff.largest_mean_wait_s
    big = kit.run_lab("gang_scheduling", policy="easy", gpus=1024)
    assert "utilisation" in big.plain and "below 75%" in big.plain


def test_kv_paging_without_headroom_preempts_and_big_blocks_fragment() -> None:
    thrash = kit.run_lab("kv_paging", policy="paged")
    assert thrash.defs["result"].preemptions_per_1k > 100
    assert "preemptions per 1,000 requests (max 10)" in thrash.plain
    big = kit.run_lab("kv_paging", policy="paged", watermark=1.0, block=512)
    assert big.defs["result"].fragmentation > 0.05 and big.verdicts() == ["fail"]


def test_disaggregated_serving_pool_too_small_is_infeasible_and_too_big_is_wasteful() -> None:
    small = kit.run_lab("disaggregated_serving", mode="disaggregated", prefill=2)
    assert "Infeasible." in small.plain and small.verdicts() == ["fail"]
    big = kit.run_lab("disaggregated_serving", mode="disaggregated", prefill=8)
    assert "tokens/s per GPU, below 150" in big.plain
    chunked = kit.run_lab("disaggregated_serving", mode="chunked", chunk=128)
    assert chunked.defs["result"].tpot_worst_s < kit.run_lab(
        "disaggregated_serving").defs["result"].tpot_worst_s


def test_federated_stragglers_over_selection_shortens_rounds_but_wastes_work() -> None:
    none = kit.run_lab("federated_stragglers").defs["result"]
    half = kit.run_lab("federated_stragglers", over=50).defs["result"]
    assert half.mean_round_s < none.mean_round_s / 2
    assert half.wasted_share > none.wasted_share
    lots = kit.run_lab("federated_stragglers", over=100)
    assert "thrown away (max 35%)" in lots.plain and lots.verdicts() == ["fail"]


def test_fleet_carbon_pausing_misses_the_deadline_and_hydro_is_not_allowed() -> None:
    paused = kit.run_lab("fleet_carbon", grid="solar-rich", per_day=8,
                         pue="hyperscale (1.10)")
    assert paused.defs["result"].wall_hours > 24 and paused.verdicts() == ["fail"]
    hydro = kit.run_lab("fleet_carbon", grid="hydro-dominated")
    assert hydro.defs["result"].total_kg < 200 and "not an allowed region" in hydro.plain
    coal = kit.run_lab("fleet_carbon", grid="coal-dominated")
    assert coal.defs["result"].total_kg > 10 * hydro.defs["result"].total_kg


def test_sdc_detection_defects_scale_with_the_fleet_and_reexecution_is_costly() -> None:
    small = kit.run_lab("sdc_detection", devices=1024).defs["result"]
    big = kit.run_lab("sdc_detection", devices=65536).defs["result"]
    assert big.defective_devices == pytest.approx(64 * small.defective_devices)
    full = kit.run_lab("sdc_detection", reexec=100)
    assert full.defs["result"].missed_per_day == 0
    assert "Detection costs 100.0% of the compute" in full.plain
