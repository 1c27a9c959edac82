"""Governance models: subgroup sample sizes, audits, collection time, feedback loops, the cost
of explanations and of exact unlearning."""

import numpy as np
import pytest

import mlsysim as ms


def test_sample_size_matches_the_textbook_two_proportion_value():
    # 10% vs 15%, alpha 0.05 two-sided, power 0.8: about 686 per group (Fleiss et al., no
    # continuity correction)
    g = ms.subgroup_sample_size(0.10, 0.15)
    assert 680 <= g.n_per_group <= 690
    assert g.n_total == 2 * g.n_per_group


def test_smaller_gaps_and_more_slices_need_more_data():
    wide = ms.subgroup_sample_size(0.10, 0.15).n_per_group
    narrow = ms.subgroup_sample_size(0.10, 0.12).n_per_group
    assert narrow > 5 * wide  # n grows as 1/gap^2
    many = ms.subgroup_sample_size(0.10, 0.12, comparisons=20).n_per_group
    assert many > 1.5 * narrow


def test_detectable_gap_inverts_the_sample_size_roughly():
    n = ms.subgroup_sample_size(0.10, 0.12).n_per_group
    assert ms.detectable_gap(n, 0.11) == pytest.approx(0.02, rel=0.05)
    gaps = ms.detectable_gap(np.array([100.0, 400.0]), 0.1)
    assert gaps[0] == pytest.approx(2 * gaps[1])  # four times the data halves the gap


def test_audit_and_collection_time():
    assert ms.audit_sample_size(0.05) == 385  # the classic +/-5% at 95% figure
    assert ms.days_to_collect(1000, 1e4, 0.1, 0.1) == pytest.approx(10.0)


def test_bad_rates_are_named_errors():
    with pytest.raises(ms.InvalidInputError, match="p2"):
        ms.subgroup_sample_size(0.1, 0.1)
    with pytest.raises(ms.InvalidInputError, match="p1"):
        ms.subgroup_sample_size(1.2, 0.1)
    with pytest.raises(ms.InvalidInputError, match="label_rate"):
        ms.days_to_collect(10, 10, 0.5, 0)


def test_feedback_loop_persists_or_runs_away():
    flat = ms.feedback_loop(0.55, 1.0, 1.0, amplification=1.0, rounds=30)
    assert np.allclose(flat, 0.55)  # proportional allocation keeps the initial bias
    run = ms.feedback_loop(0.55, 1.0, 1.0, amplification=2.0, rounds=30)
    assert run[-1] > 0.99  # ranking amplifies a small bias to all-or-nothing
    fair = ms.feedback_loop(0.5, 1.0, 1.0, amplification=3.0, rounds=30)
    assert np.allclose(fair, 0.5)
    fixed = ms.feedback_loop(0.55, 1.0, 1.0, amplification=2.0, rounds=5, reweight=True)
    assert np.allclose(fixed[1:], 0.5)  # logged propensities recover the true, equal rates
    real = ms.feedback_loop(0.3, 2.0, 1.0, amplification=1.0, rounds=5, reweight=True)
    assert real[-1] == pytest.approx(2 / 3)  # and track a real difference


def test_explanations_multiply_the_fleet():
    g = ms.explanation_cost("gradient", 100, replicas=10)
    assert g.fleet_multiplier == pytest.approx(4.0) and g.extra_replicas == 30
    shap = ms.explanation_cost("kernel_shap", 100, replicas=10, explained_fraction=0.01,
                               samples=2000)
    assert shap.fleet_multiplier == pytest.approx(21.0)
    assert ms.explanation_cost("occlusion", 99, 1).forward_equivalents == 100
    with pytest.raises(ms.InvalidInputError, match="method"):
        ms.explanation_cost("vibes", 10, 1)


def test_sisa_saves_on_single_deletions_but_not_on_large_batches():
    assert ms.sisa_unlearning(100.0, 1).cost == pytest.approx(100.0)
    one = ms.sisa_unlearning(100.0, 20, slices=10, deletions=1)
    assert one.fraction_of_full == pytest.approx(21 / 30 / 20)
    batch = ms.sisa_unlearning(100.0, 20, slices=10, deletions=500)
    assert batch.shards_touched == pytest.approx(20, rel=1e-6)
    assert batch.fraction_of_full > 0.99  # every shard restarts from its first slice


def test_rule_of_three():
    assert ms.zero_event_bound(1000) == pytest.approx(3.0 / 1000, rel=0.01)
    assert ms.zero_event_bound(1000, 0.99) > ms.zero_event_bound(1000)
