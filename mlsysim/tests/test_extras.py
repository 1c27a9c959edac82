"""Energy/cost, reliability, TinyML and the serving simulator."""

import numpy as np
import pytest

import mlsysim as ms


def test_energy_hand_calc_and_train_result():
    e = ms.energy("H100", 3600, gpus=8, pue=1.2, grid_g_per_kwh=500)
    assert e.kwh == pytest.approx(700 * 8 * 1.2 / 1000)
    assert e.co2_kg == pytest.approx(e.kwh * 0.5)
    run = ms.train("GPT-2", ms.cluster("H100", 8), tokens=1e9, global_batch=64, seq_len=1024)
    er = ms.energy(run)
    assert er.seconds == pytest.approx(run.total_time_s) and er.gpus == 8
    with pytest.raises(ms.MlsysimError, match="pue"):
        ms.energy("H100", 10, pue=0.5)


def test_tco_and_cost_per_token():
    t = ms.tco("H100", 8, years=4)
    assert t.total_usd > t.capex_usd >= 8 * 30000
    assert t.usd_per_useful_gpu_hour > t.usd_per_gpu_hour
    cheap = ms.cost_per_million_tokens("Llama-2-7B", "H100", batch=64)
    dear = ms.cost_per_million_tokens("Llama-2-7B", "H100", batch=1)
    assert 0 < cheap < dear
    assert ms.cost_per_million_tokens("Llama-2-70B", "H100", batch=1) == float("inf")
    with pytest.raises(ms.MlsysimError, match="price"):
        ms.tco("TPU-v4")


def test_reliability():
    assert ms.fleet_mtbf(1000, device_mtbf_hours=50000) == pytest.approx(50)
    assert ms.young_daly_interval(60, 3600) == pytest.approx((2 * 60 * 3600) ** 0.5)
    g = ms.training_goodput(mtbf_s=3600 * 3, checkpoint_s=60, restart_s=600)
    assert 0 < g.goodput < 1
    worse = ms.training_goodput(mtbf_s=3600 * 3, checkpoint_s=60, restart_s=600,
                                interval_s=g.interval_s * 4)
    assert worse.goodput < g.goodput  # Young-Daly beats a 4x longer interval


def test_tinyml_verdicts():
    ok = ms.tinyml_fit("DS-CNN KWS", "STM32H747")
    assert ok.fits and ok.reasons == ()
    assert ok.latency_s == pytest.approx(ms.flops_per_inference("DS-CNN KWS") / 1.92e9)
    bad = ms.tinyml_fit("ResNet-50", "STM32H747")
    assert not bad.fits and not bad.fits_flash and not bad.fits_sram
    assert any("flash" in r for r in bad.reasons) and any("SRAM" in r for r in bad.reasons)
    with pytest.raises(ms.PrecisionError):
        ms.tinyml_fit("DS-CNN KWS", "Raspberry Pi 4", precision="int8")


def test_simulator_seeded_and_load_sensitive():
    a = ms.simulate_serving("Llama-2-7B", "H100", rate=4, requests=300, seed=1)
    b = ms.simulate_serving("Llama-2-7B", "H100", rate=4, requests=300, seed=1)
    assert a == b and a.completed == 300
    heavy = ms.simulate_serving("Llama-2-7B", "H100", rate=60, requests=300, seed=1)
    assert heavy.ttft_p99_s > a.ttft_p99_s and heavy.mean_batch > a.mean_batch
    assert heavy.slo_attainment <= a.slo_attainment
    assert a.ttft_p50_s <= a.ttft_p90_s <= a.ttft_p99_s
    # a lone request at low load: TPOT close to serve()'s batch-1 decode step
    lone = ms.serve("Llama-2-7B", "H100", batch=1)
    assert a.tpot_p50_s == pytest.approx(lone.tpot_s, rel=0.5)


def test_allreduce_over_cluster():
    node = ms.cluster("H100", 8)
    t = ms.allreduce_time(13.5e9, node)
    assert t == pytest.approx(ms.allreduce_time(13.5e9, 8, "NVLink4"))
    multi = ms.cluster("H100", 64)
    assert ms.allreduce_time(13.5e9, multi) > t
    assert isinstance(ms.allreduce_time(np.array([1e6, 1e9]), 8, "NVLink4"), np.ndarray)


def test_moe_expert_parallel_search():
    cl = ms.cluster("H100", 64)
    r = ms.train("Mixtral-8x7B", cl, tokens=1e11, global_batch=512, seq_len=4096, ep=None)
    assert r.feasible and r.ep in (1, 2, 4, 8) and r.dp % r.ep == 0
    with pytest.raises(ms.MlsysimError, match="ep"):
        ms.train("Mixtral-8x7B", cl, tokens=1e11, global_batch=512, seq_len=4096, ep=3)
    with pytest.raises(ms.MlsysimError, match="ep"):
        ms.train("Llama-2-7B", cl, tokens=1e11, global_batch=512, seq_len=4096, ep=2)


def test_training_cost_of_a_run():
    run = ms.train("Llama-2-7B", ms.cluster("A100", 256), tokens=1e11, global_batch=512,
                   seq_len=4096)
    c = ms.training_cost(run, price_per_hour=2.0)
    assert c.rental_usd == pytest.approx(run.gpu_hours * 2.0)
    assert c.mwh == pytest.approx(run.gpu_hours * 400 * 0.8 * 1.1 / 1e6)
    with pytest.raises(ms.MlsysimError, match="TrainResult"):
        ms.training_cost("not a run")


def test_data_pipeline_bottleneck():
    p = ms.data_pipeline(110e3, 5e-3, workers=16, storage_bw=2e9, demand_samples_per_s=3000)
    assert p.bottleneck == "decode" and p.samples_per_s == pytest.approx(3200) and p.keeps_up
    sweep = ms.data_pipeline(110e3, 5e-3, workers=np.array([4, 64, 4096]), storage_bw=2e9)
    assert list(sweep.bottleneck) == ["decode", "decode", "storage"]
    with pytest.raises(ms.MlsysimError, match="workers"):
        ms.data_pipeline(1e5, 1e-3, workers=0)


def test_training_memory_rejects_bad_parallel_degrees():
    with pytest.raises(ms.MlsysimError, match="tp"):
        ms.training_memory("Llama-2-7B", tp=3)
    with pytest.raises(ms.MlsysimError, match="pp"):
        ms.training_memory("Llama-2-7B", pp=5)
    with pytest.raises(ms.MlsysimError, match="zero_stage"):
        ms.training_memory("Llama-2-7B", zero_stage=4)
    with pytest.raises(ms.MlsysimError, match="optimizer"):
        ms.training_memory("Llama-2-7B", optimizer="lion")


def test_kv_precision_and_int4_serving():
    fp16 = ms.serve("Llama-2-7B", "H100", batch=8)
    int4 = ms.serve("Llama-2-7B", "H100", batch=8, precision="int4")
    assert int4.weights_bytes == pytest.approx(fp16.weights_bytes / 4)
    assert int4.kv_cache_bytes == fp16.kv_cache_bytes  # KV stays fp16 under weight-only int4
    assert int4.tpot_s < fp16.tpot_s
    fp8kv = ms.serve("Llama-2-7B", "H100", batch=8, kv_precision="fp8")
    assert fp8kv.kv_cache_bytes == pytest.approx(fp16.kv_cache_bytes / 2)


def test_simulator_single_request_equals_static_model():
    one = ms.simulate_serving("Llama-2-13B", "A100", rate=1.0, requests=1, prompt_len=700,
                              output_len=300)
    static = ms.serve("Llama-2-13B", "A100", batch=1, prompt_len=700, output_len=300)
    assert one.ttft_p50_s == pytest.approx(static.ttft_s)
    assert one.tpot_p50_s == pytest.approx(static.tpot_s)


def test_simulator_throughput_bounded_by_full_batch_decode():
    sim = ms.simulate_serving("Llama-2-7B", "H100", rate=500, requests=600, seed=3)
    full = ms.serve("Llama-2-7B", "H100", batch=sim.max_batch)
    assert sim.throughput_tokens_per_s <= full.tokens_per_s * 1.001
    assert sim.mean_batch <= sim.max_batch


def test_battery_life_divides_stored_energy_by_average_power():
    # 1 mJ four times a second is 4 mW; a 2,430 J coin cell lasts 607,500 s (about a week)
    r = ms.battery_life(1e-3, 4, "CR2032")
    assert r.average_power_w == pytest.approx(4e-3)
    assert r.life_s == pytest.approx(0.225 * 3.0 * 3600 / 4e-3)
    assert ms.battery_life(1e-3, 4, "2xAA").life_s > 10 * r.life_s
    assert ms.battery_life(1e-3, 4, idle_power_w=4e-3).life_s == pytest.approx(r.life_s / 2)


def test_battery_life_rejects_unknown_battery_and_zero_power():
    with pytest.raises(ms.InvalidInputError, match="battery"):
        ms.battery_life(1e-3, 4, "D-cell")
    with pytest.raises(ms.InvalidInputError, match="events_per_s"):
        ms.battery_life(1e-3, 0)
