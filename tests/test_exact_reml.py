"""Model 3's posterior of (σ, τ) and REML: the same function, so the same maximum (notebook 09).

Under flat priors on σ and τ and a vague normal prior on μ, p(σ, τ | y) is, up to a constant, the
restricted likelihood of the one-way random-effects model. These tests check
``ExactHierarchical.log_density_sd`` and ``mode_sd`` against a REML log-likelihood written here
with matrices (an independent computation), and against statsmodels' MixedLM, the tool notebook 09 uses.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize

import teachkit as tk


def _reml_loglik(sigma, tau, y, groups):
    """-½ [log|V| + log|X'V⁻¹X| + r'V⁻¹r] for y = μ + b_group + e, V = σ²I + τ²ZZ'."""
    Z = (groups[:, None] == np.unique(groups)[None, :]).astype(float)
    V = sigma**2 * np.eye(y.size) + tau**2 * Z @ Z.T
    X = np.ones((y.size, 1))
    Vi = np.linalg.inv(V)
    XtViX = X.T @ Vi @ X
    beta = np.linalg.solve(XtViX, X.T @ Vi @ y)
    r = y - X @ beta
    return -0.5 * (np.linalg.slogdet(V)[1] + np.linalg.slogdet(XtViX)[1] + float(r @ Vi @ r))


def _reml_by_matrices(data):
    best = minimize(lambda x: -_reml_loglik(x[0], x[1], data.values, data.groups), x0=[4.0, 1.0],
                    method="L-BFGS-B", bounds=[(0.1, 50), (0.0, 50)])
    return best.x


def test_the_density_of_sigma_and_tau_integrates_to_one(data):
    exact = tk.exact.hierarchical(data)
    sigma = np.linspace(2.5, 6.0, 401)
    tau = np.linspace(0.0, 14.0, 1401)
    S, T = np.meshgrid(sigma, tau, indexing="ij")
    mass = np.exp(exact.log_density_sd(S, T)).sum() * (sigma[1] - sigma[0]) * (tau[1] - tau[0])
    assert mass == pytest.approx(1.0, abs=0.01)


def test_the_posterior_mode_is_the_reml_estimate_written_with_matrices(data):
    sigma, tau = tk.exact.hierarchical(data).mode_sd()
    ref_sigma, ref_tau = _reml_by_matrices(data)
    assert sigma == pytest.approx(ref_sigma, rel=1e-4) and tau == pytest.approx(ref_tau, rel=1e-3)
    # and it moves with the log-likelihood: a point off the mode is lower
    exact = tk.exact.hierarchical(data)
    assert exact.log_density_sd(sigma, tau) > exact.log_density_sd(sigma, 1.2 * tau)


def test_statsmodels_reml_agrees_with_the_mode_and_with_the_boundary(data):
    smf = pytest.importorskip("statsmodels.formula.api")
    frame = pd.DataFrame({"y": data.values, "g": data.groups})
    fit = smf.mixedlm("y ~ 1", frame, groups="g").fit(reml=True)
    sigma, tau = tk.exact.hierarchical(data).mode_sd()
    assert np.sqrt(fit.scale) == pytest.approx(sigma, rel=1e-5)
    assert np.sqrt(float(fit.cov_re.iloc[0, 0])) == pytest.approx(tau, rel=1e-4)
    # schools that barely differ: both put tau on the boundary 0 (statsmodels warns), and REML's mu
    # is the mean of all values (statsmodels' issue 10239 would make it 0 below tau2 ~ 1e-10)
    small = tk.data.mixing_examples()["small tau"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = smf.mixedlm("y ~ 1", pd.DataFrame({"y": small.values, "g": small.groups}), groups="g").fit(reml=True)
    assert float(fit.cov_re.iloc[0, 0]) < 1e-6
    assert fit.fe_params["Intercept"] == pytest.approx(small.values.mean(), abs=1e-6)
    assert tk.exact.hierarchical(small).mode_sd()[1] == 0.0


def test_bad_values_are_refused(data):
    exact = tk.exact.hierarchical(data)
    with pytest.raises(ValueError, match="sigma must be > 0 and tau >= 0"):
        exact.log_density_sd(-1.0, 1.0)
    with pytest.raises(ValueError, match="sigma must be > 0 and tau >= 0"):
        exact.log_density_sd(1.0, np.nan)
