"""teachkit.exact.hierarchical_given_tau: Model 3 with τ held fixed (what the shrinkage explorer
shows when τ is "fixed"), checked against a plain brute-force grid over (μ, σ), against
conditional_theta_mean, against Model 1 at τ = 0, and against Model 3 by averaging over τ."""

import math

import numpy as np
import pytest
from scipy import optimize, special

from teachkit import exact
from teachkit.priors import InverseGamma, Normal, UniformSD


def brute_force(data, tau, mu_prior=Normal(0, 1000**2), n_s=500, n_mu=1500):
    """p(μ, σ | τ, y) on a plain rectangle grid (σ ~ U(0, 1000)), nothing integrated by hand but θ_j
    (whose conditional given μ, σ, τ is the textbook normal-normal update)."""
    n, ybar, ss = data.n.astype(float), data.means, data.ss
    s = np.linspace(math.log(2.0), math.log(8.0), n_s)          # σ between 2 and 8 hours
    mu = np.linspace(-15.0, 30.0, n_mu)                         # μ ± 7 posterior sd at τ = 6
    S, MU = np.meshgrid(s, mu, indexing="ij")
    sigma2 = np.exp(2 * S)
    lp = S + mu_prior.logpdf(MU)                               # p(σ) flat; Jacobian dσ/ds = σ
    for j in range(data.J):
        v = sigma2 / n[j] + tau**2
        lp += (-(n[j] - 1) / 2 * np.log(sigma2) - ss[j] / (2 * sigma2)
               - 0.5 * np.log(v) - (ybar[j] - MU) ** 2 / (2 * v))
    W = np.exp(lp - lp.max())
    W /= W.sum()
    with np.errstate(divide="ignore"):
        w = 1 / (1 + sigma2[..., None] / (n * tau**2))           # (s, μ, J)
    mean = w * ybar + (1 - w) * MU[..., None]
    var = w * sigma2[..., None] / n
    return W, w, mean, var, MU, sigma2


@pytest.mark.parametrize("tau", [0.3, 1.5, 6.0])
def test_matches_a_brute_force_grid(data, tau):
    cond = exact.hierarchical_given_tau(data, tau)
    W, w, mean, var, MU, sigma2 = brute_force(data, tau)
    m = np.einsum("ab,abj->j", W, mean)
    sd = np.sqrt(np.einsum("ab,abj->j", W, var + (mean - m) ** 2))
    np.testing.assert_allclose(cond.mean("theta"), m, atol=1e-4)
    np.testing.assert_allclose(cond.sd("theta"), sd, atol=1e-4)
    np.testing.assert_allclose(cond.shrinkage_weight(), np.einsum("ab,abj->j", W, w), atol=1e-5)
    assert math.isclose(cond.mean("mu"), float((W * MU).sum()), abs_tol=1e-4)
    assert math.isclose(cond.mean("sigma2"), float((W * sigma2).sum()), rel_tol=1e-4)
    # 95% interval of θ_5: the root of the mixture's CDF
    for q in (0.025, 0.975):
        def cdf_minus_q(x):
            return float((W * special.ndtr((x - mean[..., 4]) / np.sqrt(var[..., 4]))).sum()) - q
        target = optimize.brentq(cdf_minus_q, 0, 25, xtol=1e-10)
        assert math.isclose(float(cond.quantile("theta", q)[4]), target, abs_tol=1e-4)


@pytest.mark.parametrize("tau", [0.0, 0.01, 0.7, 2.0, 30.0])
def test_mean_is_conditional_theta_mean(data, tau):
    cond = exact.hierarchical_given_tau(data, tau)
    np.testing.assert_allclose(cond.mean("theta"), exact.hierarchical(data).conditional_theta_mean([tau])[0],
                               rtol=0, atol=1e-8)


def test_tau_zero_is_complete_pooling(data):
    cond = exact.hierarchical_given_tau(data, 0.0)
    model1 = exact.complete_pooling(data, theta_prior=Normal(0, 1000**2), sigma2_prior=UniformSD(1000))
    np.testing.assert_allclose(cond.mean("theta"), model1.mean("theta"), atol=1e-8)
    np.testing.assert_allclose(cond.quantile("theta", 0.975), model1.quantile("theta", 0.975), atol=1e-6)
    assert math.isclose(cond.mean("mu"), model1.mean("theta"), abs_tol=1e-8)
    np.testing.assert_array_equal(cond.shrinkage_weight(), 0.0)


def test_large_tau_is_nearly_no_pooling(data):
    cond = exact.hierarchical_given_tau(data, 1e4)
    np.testing.assert_allclose(cond.mean("theta"), data.means, atol=1e-4)
    assert (cond.shrinkage_weight() > 1 - 1e-6).all()


def test_averaging_over_tau_gives_model_3(data):
    """E[θ_j | y] = ∫ E[θ_j | τ, y] p(τ | y) dτ (and the same for the weights)."""
    full = exact.hierarchical(data)
    tau = np.linspace(0, math.sqrt(float(full.quantile("tau2", 0.9999))), 301)
    _, dens = full.tau_density(tau)
    weights = dens / np.trapezoid(dens, tau)
    means = np.array([exact.hierarchical_given_tau(data, t, n_sigma=201).mean("theta") for t in tau])
    ws = np.array([exact.hierarchical_given_tau(data, t, n_sigma=201).shrinkage_weight() for t in tau])
    np.testing.assert_allclose(np.trapezoid(weights[:, None] * means, tau, axis=0), full.mean("theta"), atol=2e-3)
    np.testing.assert_allclose(np.trapezoid(weights[:, None] * ws, tau, axis=0), full.shrinkage_weight(),
                               atol=2e-3)


def test_priors_are_used(data):
    tight = exact.hierarchical_given_tau(data, 1.0, mu_prior=Normal(0, 0.01))
    assert tight.mean("mu") < 0.5   # the data's precision about μ is about 4.4, the prior's 100
    ig = exact.hierarchical_given_tau(data, 1.0, sigma2_prior=InverseGamma(1, 15))
    assert ig.sigma2_prior == InverseGamma(1, 15) and math.isfinite(ig.mean("sigma2"))


def test_given_tau_method_uses_the_models_priors(data):
    full = exact.hierarchical(data, mu_prior=Normal(5, 4.0), tau2_prior=UniformSD(3.0))
    via_method = full.given_tau(1.2)
    direct = exact.hierarchical_given_tau(data, 1.2, mu_prior=Normal(5, 4.0))
    np.testing.assert_allclose(via_method.mean("theta"), direct.mean("theta"), atol=1e-9)


def test_quantiles_and_cdf_agree(data):
    cond = exact.hierarchical_given_tau(data, 1.0)
    q = cond.quantile("theta", [0.025, 0.5, 0.975])
    assert q.shape == (3, data.J)
    np.testing.assert_allclose(cond.cdf("theta", q[2])[np.arange(data.J), np.arange(data.J)], 0.975, atol=1e-9)
    assert math.isclose(float(cond.cdf("mu", cond.quantile("mu", 0.3))), 0.3, abs_tol=1e-9)
    assert math.isclose(float(cond.cdf("sigma2", cond.quantile("sigma2", 0.8))), 0.8, abs_tol=1e-6)
    assert "tau=1" in repr(cond)


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf"), True, "1", None])
def test_refuses_a_bad_tau(data, bad):
    with pytest.raises(ValueError, match="tau"):
        exact.hierarchical_given_tau(data, bad)


def test_refuses_bad_arguments(data):
    with pytest.raises(ValueError, match="GroupedData"):
        exact.hierarchical_given_tau([1, 2, 3], 1.0)
    with pytest.raises(ValueError, match="mu_prior"):
        exact.hierarchical_given_tau(data, 1.0, mu_prior=UniformSD(3))
    with pytest.raises(ValueError, match="unknown parameter"):
        exact.hierarchical_given_tau(data, 1.0).mean("tau2")
