"""The samplers agree with exact numerical integration, within Monte Carlo error
(4 MCSE for means and quantiles: tests/_agreement.py)."""

import pytest
from _agreement import assert_mean_agrees, assert_quantile_agrees

import teachkit as tk
from teachkit import exact
from teachkit.priors import InverseGamma, Normal, UniformSD

HOFF = dict(mu_prior=Normal(7, 5), tau2_prior=InverseGamma(1, 10), sigma2_prior=InverseGamma(1, 15))




@pytest.mark.parametrize("sigma2_prior", [InverseGamma(0.01, 0.01), UniformSD(1000)], ids=str)
def test_model_1_matches_exact(data, sigma2_prior):
    post = tk.fit_complete_pooling(data, draws=10_000, seed=3, sigma2_prior=sigma2_prior)
    ex = exact.complete_pooling(data, sigma2_prior=sigma2_prior)
    for name in ("theta", "sigma2"):
        assert_mean_agrees(post[name], ex.mean(name), name)
        for q in (0.025, 0.25, 0.5, 0.75, 0.975):
            assert_quantile_agrees(post[name], ex.quantile(name, q), q, f"{name} q={q}")


def test_model_2_matches_exact_for_every_school(data):
    post = tk.fit_no_pooling(data, draws=10_000, seed=4)
    for j, ex in enumerate(exact.no_pooling(data)):
        for name in ("theta", "sigma2"):
            draws = post[name][:, :, j]
            assert_mean_agrees(draws, ex.mean(name), f"{name}[{j + 1}]")
            for q in (0.025, 0.5, 0.975):
                assert_quantile_agrees(draws, ex.quantile(name, q), q, f"{name}[{j + 1}] q={q}")


@pytest.mark.parametrize("priors", [{}, HOFF, {"tau2_prior": InverseGamma(0.01, 0.01)}],
                         ids=["lecture (uniform sd)", "Hoff 8.3 (inverse-gamma)", "IG(0.01, 0.01) on tau2"])
def test_model_3_matches_exact(data, priors):
    post = tk.fit_hierarchical(data, draws=20_000, seed=5, **priors)
    ex = exact.hierarchical(data, **priors)
    theta = ex.mean("theta")
    for j in range(data.J):
        assert_mean_agrees(post["theta"][:, :, j], theta[j], f"theta[{j + 1}]")
    for name in ("mu", "sigma2", "tau2"):
        assert_mean_agrees(post[name], ex.mean(name), name)


def test_the_check_has_teeth(data):
    """A sampler that shrinks θ_5 a little too much (by 0.15 h) is caught."""
    post = tk.fit_hierarchical(data, draws=20_000, seed=5)
    ex = exact.hierarchical(data)
    with pytest.raises(AssertionError, match="theta"):
        assert_mean_agrees(post["theta"][:, :, 4] - 0.15, ex.mean("theta")[4], "theta[5]")
