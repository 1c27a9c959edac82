"""Module 20 tests: the optimisation pipeline produces real, measured, consistent variants."""

import numpy as np
import pytest
from tinytorch.capstone import optimise_classifier, optimise_generation, shrink_mlp, summarise

import tinytorch as tt
from tinytorch import nn


def classifier():
    tt.manual_seed(0)
    return nn.Sequential(nn.Linear(32, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
                         nn.Linear(64, 10))


def data(model, n=400):
    x = tt.randn(n, 32)
    return x, model(x).data.argmax(axis=-1)  # labels the baseline gets 100% on


def test_shrinking_halves_every_hidden_layer_and_leaves_the_original_alone():
    model = classifier()
    small = shrink_mlp(model, 0.5)
    shapes = [m.weight.shape for m in small if isinstance(m, nn.Linear)]
    assert shapes == [(64, 32), (32, 64), (10, 32)]
    assert model[0].weight.shape == (128, 32)
    assert [type(m).__name__ for m in small] == [type(m).__name__ for m in model]


def test_shrinking_by_zero_keeps_the_function():
    model = classifier()
    x = tt.randn(8, 32)
    np.testing.assert_allclose(shrink_mlp(model, 0.0)(x).data, model(x).data, rtol=1e-5)


def test_shrinking_refuses_layers_that_would_misalign_neurons():
    model = nn.Sequential(nn.Linear(4, 8), nn.LayerNorm(8), nn.Linear(8, 2))
    with pytest.raises(ValueError, match="parameters"):
        shrink_mlp(model, 0.5)


def test_pipeline_builds_four_measured_variants_that_shrink_in_the_right_order():
    model = classifier()
    x, y = data(model)
    report, variants = optimise_classifier(model, x.data[:100], x, y, prune_amount=0.5,
                                           repeats=3)
    names = [e.name for e in report.entries]
    assert names == ["fp32 baseline", "pruned", "int8", "pruned + int8"]
    size = {e.name: e.size_bytes for e in report.entries}
    assert size["pruned + int8"] < size["int8"] < size["fp32 baseline"]
    assert size["pruned + int8"] < size["pruned"] < size["fp32 baseline"]
    assert size["int8"] <= 0.3 * size["fp32 baseline"]
    acc = {e.name: e.accuracy for e in report.entries}
    assert acc["fp32 baseline"] == 1.0
    assert acc["int8"] >= 0.97
    assert all(len(e.latency.samples) == 3 for e in report.entries)
    assert type(variants["int8"][0]).__name__ == "QuantizedLinear"
    assert "fp32 baseline" in report.pareto  # the only 100% variant is never dominated
    assert "*" in report.table()


def test_finetuning_is_applied_to_the_pruned_model_before_quantization():
    model = classifier()
    x, y = data(model, 200)
    seen = []

    def finetune(pruned):
        seen.append(pruned[0].weight.shape)

    optimise_classifier(model, x.data[:50], x, y, finetune=finetune, repeats=1)
    assert seen == [(64, 32)]


def test_summary_compares_each_variant_with_the_baseline():
    model = classifier()
    x, y = data(model, 200)
    report, _ = optimise_classifier(model, x.data[:50], x, y, repeats=2)
    lines = summarise(report.entries)
    assert len(lines) == 3 and lines[1].startswith("int8:") and "smaller" in lines[1]


def test_generation_half_reports_identical_tokens_with_a_timing():
    tt.manual_seed(0)
    gpt = nn.GPT(30, context_length=40, d_model=32, num_heads=4, num_layers=1)
    result = optimise_generation(gpt, [[1, 2, 3, 4]], new_tokens=16, repeats=1)
    assert result.identical and result.cached_s > 0 and result.recompute_s > 0
