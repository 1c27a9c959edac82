"""Registry: forgiving lookup, clear misses, and parameter counts derived from architecture."""

import pytest

import mlsysim as ms


@pytest.mark.parametrize("name,expected", [
    ("H100", "H100-SXM"), ("h100-sxm", "H100-SXM"), ("A100 80GB", "A100-80GB"),
    ("tpu v5e", "TPU-v5e"), ("Jetson Orin", "Jetson-AGX-Orin-64GB"), ("nicla vision", "STM32H747"),
])
def test_hardware_lookup_is_forgiving(name, expected):
    assert ms.hardware(name).name == expected


@pytest.mark.parametrize("name,expected", [
    ("llama-3-70b", "Llama-3-70B"), ("Llama3 70B", "Llama-3-70B"), ("GPT-3 175B", "GPT-3-175B"),
    ("gpt2", "GPT-2"), ("DS-CNN KWS", "DS-CNN-KWS"), ("ViT-B/16", "ViT-B/16"),
])
def test_model_lookup_is_forgiving(name, expected):
    assert ms.model(name).name == expected


def test_unknown_name_suggests_closest():
    with pytest.raises(ms.UnknownNameError) as e:
        ms.hardware("H1000")
    assert isinstance(e.value, ValueError)
    assert "H100" in str(e.value)
    with pytest.raises(ValueError, match="Llama"):
        ms.model("Lama-2-7B")


def test_registry_sizes_and_categories():
    assert len(ms.list_hardware()) >= 25
    assert {"datacenter", "edge", "tiny"} <= {ms.hardware(n).category for n in ms.list_hardware()}
    assert all(ms.hardware(n).category == "tiny" for n in ms.list_hardware("tiny"))
    with pytest.raises(ms.MlsysimError, match="category"):
        ms.list_hardware("space")


@pytest.mark.parametrize("name", [n for n in ms.list_models()
                                  if ms.model(n).published_params is not None])
def test_derived_params_match_published_within_2pct(name):
    m = ms.model(name)
    assert m.params == pytest.approx(m.published_params, rel=0.02)


def test_moe_active_params():
    mix, ds = ms.model("Mixtral-8x7B"), ms.model("DeepSeek-V3")
    assert mix.active_params == pytest.approx(12.9e9, rel=0.02)
    assert ds.active_params == pytest.approx(37e9, rel=0.03)
    assert mix.active_params < mix.params


def test_hand_computed_gpt2_small():
    # 50257*768 + 1024*768 + 12*(4*768^2 + 4*768 + 2*768*3072 + 3072 + 768 + 4*768) + 2*768
    layer = 4 * 768 ** 2 + 4 * 768 + 2 * 768 * 3072 + 3072 + 768 + 4 * 768
    assert ms.model("GPT-2").params == 50257 * 768 + 1024 * 768 + 12 * layer + 2 * 768


def test_cnn_flops_match_published():
    for name in ("ResNet-50", "MobileNetV2", "MobileNetV1-0.25", "DS-CNN-KWS"):
        m = ms.model(name)
        assert ms.flops_per_inference(m) == pytest.approx(m.published_flops, rel=0.03), name


def test_hardware_fields_and_precision_errors():
    h = ms.hardware("H100")
    assert h.flops["bf16"] == pytest.approx(989.4e12)
    assert h.memory == h.memory_bytes == 80e9
    assert h.memory_bw == 3.35e12 and h.tdp == 700
    assert ms.hardware("A100-40GB").memory_bw == 1555e9
    with pytest.raises(ms.PrecisionError, match="fp8"):
        ms.hardware("A100").peak("fp8")
    mcu = ms.hardware("STM32H747")
    assert mcu.flash_bytes == 2e6 and mcu.sram == 1e6


def test_registry_objects_are_hashable_and_frozen():
    import dataclasses
    d = {ms.hardware("H100"): "gpu", ms.model("Mixtral"): "moe", ms.fabric("IB-NDR"): "net"}
    assert d[ms.hardware("h100-sxm")] == "gpu" and d[ms.model("Mixtral-8x7B")] == "moe"
    try:
        ms.hardware("H100").memory_bw = 1.0
    except dataclasses.FrozenInstanceError:
        pass
    else:
        raise AssertionError("Hardware should be immutable")


def test_custom_transformer_rederives_counts():
    rebuilt = ms.transformer(layers=32, d_model=4096, heads=32, ffn=11008, vocab=32000,
                             gated=True, norm="rmsnorm", pos="rope", max_seq=4096)
    assert rebuilt.params == ms.model("Llama-2-7B").params
    gqa = ms.variant("Llama-2-7B", kv_heads=8)
    # K and V projections shrink from 4096x4096 to 4096x1024 each, in all 32 layers
    assert ms.model("Llama-2-7B").params - gqa.params == 32 * 2 * 4096 * (4096 - 1024)
    assert ms.kv_cache_bytes(gqa, 1) == ms.kv_cache_bytes("Llama-2-7B", 1) / 4
    run = ms.train(gqa, ms.cluster("H100", 8), tokens=1e9, global_batch=64, seq_len=2048)
    assert run.feasible


@pytest.mark.parametrize("kwargs,field", [
    (dict(layers=0, d_model=64, heads=4, ffn=256), "layers"),
    (dict(layers=2, d_model=64, heads=4, ffn=256, kv_heads=3), "kv_heads"),
    (dict(layers=2, d_model=64, heads=4, ffn=256, colour="red"), "colour"),
    (dict(layers=2, d_model=100, heads=3, ffn=256), "heads"),
])
def test_custom_transformer_bad_fields(kwargs, field):
    with pytest.raises(ms.MlsysimError, match=field):
        ms.transformer(**kwargs)


def test_cnn_builds_a_project_network_like_the_registry_does():
    m = ms.cnn("tiny-kws", (16, 16, 1), ["conv 3x3 8 nobn bias", "maxpool 2x2 s2", "fc 4"])
    assert m.params == 3 * 3 * 8 + 8 + 8 * 8 * 8 * 4 + 4
    assert ms.flops_per_inference(m) == 2 * (16 * 16 * 72 + 512 * 4)
    with pytest.raises(ms.MlsysimError, match="layer 1"):
        ms.cnn("bad", (8, 8, 1), ["conv 3 8"])


def test_kit_boards_carry_their_cpu_core_and_clock():
    we2 = ms.hardware("Grove Vision AI V2")
    assert we2.name == "Himax-WE2" and "Cortex-M55" in we2.core and we2.clock_hz == 400e6
    assert ms.hardware("Nicla Vision").core.startswith("Cortex-M7")


def test_the_registry_holds_data_and_imports_no_cost_model() -> None:
    """registry -> compute/memory -> registry was a cycle; the cost models read the registry,
    never the other way round."""
    import ast
    import inspect

    from mlsysim import registry

    tree = ast.parse(inspect.getsource(registry))
    imported = {node.module for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module}
    assert not imported & {"compute", "memory", "train", "serve", "network", "tinyml"}


def test_flops_per_inference_counts_one_image_or_one_token() -> None:
    assert ms.flops_per_inference("ResNet-50") == ms.model("ResNet-50").cnn.flops
    llama = ms.model("llama-2-7b")
    assert ms.flops_per_inference(llama) == pytest.approx(ms.forward_flops(llama, 1))
