"""Privacy models: the Renyi accountant of DP-SGD, noise, per-example costs, secure aggregation."""

import math

import numpy as np
import pytest

import mlsysim as ms


def _rdp_by_integration(q: float, sigma: float, alpha: int) -> float:
    """The same Renyi divergence from its definition, E_mu0[(mu/mu0)^alpha], by quadrature."""
    z = np.linspace(-40 * sigma, 40 * sigma + 1, 400_001)
    mu0 = np.exp(-z**2 / (2 * sigma**2)) / (sigma * math.sqrt(2 * math.pi))
    ratio = (1 - q) + q * np.exp((2 * z - 1) / (2 * sigma**2))
    a = np.trapezoid(mu0 * ratio**alpha, z)
    return math.log(a) / (alpha - 1)


@pytest.mark.parametrize("q,sigma,alpha", [(0.01, 1.0, 8), (0.1, 2.0, 16), (0.5, 1.5, 4)],
                         ids=["small-q", "mid-q", "large-q"])
def test_closed_form_rdp_matches_the_definition(q, sigma, alpha):
    closed = ms.sgm_rdp(q, sigma, (alpha,))[0]
    assert closed == pytest.approx(_rdp_by_integration(q, sigma, alpha), rel=1e-6)


def test_full_batch_is_the_gaussian_mechanism():
    orders = (2, 5, 32)
    assert ms.sgm_rdp(1.0, 2.0, orders) == pytest.approx([a / 8 for a in orders])


def test_abadi_setting_gives_their_epsilon():
    # Abadi et al. 2016: q = 0.01, sigma = 4, delta = 1e-5, 10,000 steps -> epsilon about 1.26
    r = ms.dp_sgd_epsilon(0.01, 4.0, 10_000, delta=1e-5)
    assert r.epsilon == pytest.approx(1.26, abs=0.02)
    assert 2 <= r.order <= 256


def test_epsilon_grows_with_steps_and_shrinks_with_noise():
    e = [ms.dp_sgd_epsilon(0.01, 1.0, t).epsilon for t in (100, 1000, 10_000)]
    assert e[0] < e[1] < e[2]
    assert ms.dp_sgd_epsilon(0.01, 2.0, 1000).epsilon < e[1]


def test_noise_for_epsilon_inverts_the_accountant():
    s = ms.noise_for_epsilon(2.0, 0.01, 5000)
    assert ms.dp_sgd_epsilon(0.01, s, 5000).epsilon == pytest.approx(2.0, rel=1e-3)


def test_bad_privacy_inputs_name_the_field():
    with pytest.raises(ms.InvalidInputError, match="q"):
        ms.dp_sgd_epsilon(1.5, 1.0, 10)
    with pytest.raises(ms.InvalidInputError, match="delta"):
        ms.dp_sgd_epsilon(0.1, 1.0, 10, delta=1.0)
    with pytest.raises(ms.InvalidInputError, match="orders"):
        ms.sgm_rdp(0.1, 1.0, (1,))


def test_noise_ratio_falls_with_batch():
    r = ms.dp_noise_ratio(1e8, np.array([1e3, 1e4]), 1.0)
    assert r == pytest.approx([10.0, 1.0])


def test_membership_bound_is_fpr_without_privacy_loss_and_caps_at_one():
    assert ms.membership_tpr_bound(0.0, 0.05) == pytest.approx(0.05)
    assert ms.membership_tpr_bound(1.0, 0.01) == pytest.approx(math.e * 0.01)
    assert ms.membership_tpr_bound(20.0, 0.5) == pytest.approx(1.0)


def test_per_example_costs_by_method():
    m = ms.per_example_gradient_cost(1e9, 16, "materialize")
    assert m.extra_memory_bytes == pytest.approx(64e9)
    assert ms.per_example_gradient_cost(1e9, 16, "ghost").flop_multiplier == pytest.approx(5 / 3)
    with pytest.raises(ms.InvalidInputError, match="method"):
        ms.per_example_gradient_cost(1e9, 16, "magic")


def test_secure_aggregation_server_cost_is_quadratic_in_clients_under_dropout():
    a = ms.secure_aggregation(100, 1e6, dropout=0.1)
    b = ms.secure_aggregation(200, 1e6, dropout=0.1)
    assert b.server_prg_values / a.server_prg_values == pytest.approx(
        (20 * 199 + 180) / (10 * 99 + 90))
    assert a.client_prg_values == pytest.approx(1e8)
    assert ms.secure_aggregation(100, 1e6).server_prg_values == pytest.approx(1e8)
    with pytest.raises(ms.InvalidInputError, match="clients"):
        ms.secure_aggregation(1, 10)


def test_sealed_transfer_is_paced_by_the_slower_side():
    assert ms.sealed_transfer_time(8e9, 64e9, 4e9) == pytest.approx(2.0)
    assert ms.sealed_transfer_time(8e9, 64e9, 4e9, pipelined=False) == pytest.approx(2.125)
