"""Predictions for a new school and for a new student in a surveyed school.

Given the posterior draws, each predictive draw is an independent draw from a known
distribution, so its empirical CDF must match the average of those distributions' CDFs
within binomial error: no autocorrelation enters, and the check is exact.
"""

import numpy as np
import pytest
from scipy import stats

import teachkit as tk

POINTS = (0.05, 0.25, 0.5, 0.75, 0.95)  # check the CDF at these quantiles of the draws


@pytest.fixture(scope="module")
def model3(data):
    return tk.fit_hierarchical(data, draws=5000, chains=4, seed=1)


@pytest.fixture(scope="module")
def model4(data):
    return tk.fit_school_variances(data, draws=5000, chains=4, seed=1, nu0_max=200)


def assert_cdf_matches(draws, cdf, what):
    """draws[s] ~ F_s independently given the posterior; compare the ECDF with mean_s F_s."""
    draws = draws.ravel()
    for x in np.quantile(draws, POINTS):
        expected = cdf(x).ravel().mean()
        observed = np.mean(draws <= x)
        se = np.sqrt(expected * (1 - expected) / draws.size)
        assert abs(observed - expected) < 4 * se, f"{what} at {x:.2f}: {observed:.4f} vs {expected:.4f}"


def test_new_school_model_3(model3):
    pred = tk.predict_new_school(model3, seed=2)
    assert set(pred) == {"theta", "y"}
    assert pred["theta"].shape == pred["y"].shape == model3["mu"].shape == (4, 5000)
    mu, tau, sigma = model3["mu"], np.sqrt(model3["tau2"]), np.sqrt(model3["sigma2"])
    assert_cdf_matches(pred["theta"], lambda x: stats.norm.cdf((x - mu) / tau), "theta_new")
    assert_cdf_matches(pred["y"], lambda x: stats.norm.cdf((x - mu) / np.sqrt(tau**2 + sigma**2)), "y_new")


def test_new_school_model_4(model4):
    """θ_new ~ N(μ, τ²); ỹ − θ_new is N(0, σ_new²) with σ_new² ~ IG(ν0/2, ν0σ0²/2), i.e. σ0 · t_ν0."""
    pred = tk.predict_new_school(model4, seed=3)
    assert pred["theta"].shape == pred["y"].shape == (4, 5000)
    mu, tau = model4["mu"], np.sqrt(model4["tau2"])
    nu0, sigma0 = model4["nu0"], np.sqrt(model4["sigma02"])
    assert_cdf_matches(pred["theta"], lambda x: stats.norm.cdf((x - mu) / tau), "theta_new")
    gap = pred["y"] - pred["theta"]
    assert_cdf_matches(gap, lambda x: stats.t.cdf(x / sigma0, nu0), "y_new - theta_new")


def test_new_school_is_wider_than_any_surveyed_school(model3, model4):
    for post in (model3, model4):
        pred = tk.predict_new_school(post, seed=4)
        width = np.diff(np.quantile(pred["theta"], [0.025, 0.975]))[0]
        assert width > np.diff(post.interval("theta"), axis=1).max()


def test_same_seed_same_prediction(model4):
    a, b = tk.predict_new_school(model4, seed=5), tk.predict_new_school(model4, seed=5)
    c = tk.predict_new_school(model4, seed=6)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
        assert not np.array_equal(a[k], c[k])


@pytest.mark.parametrize("fit, name", [(tk.fit_complete_pooling, "complete pooling"),
                                       (tk.fit_no_pooling, "no pooling")])
def test_models_1_and_2_are_refused(data, fit, name):
    post = fit(data, draws=50, warmup=5, seed=1)
    with pytest.raises(ValueError, match=f"a {name} posterior has no population of schools"):
        tk.predict_new_school(post)


def test_not_a_posterior():
    with pytest.raises(ValueError, match="predict_new_school: posterior must be a teachkit Posterior"):
        tk.predict_new_school({"mu": np.zeros((1, 3)), "tau2": np.ones((1, 3))})


def test_bad_seed(model3):
    with pytest.raises(ValueError, match="predict_new_school: seed must be a non-negative int"):
        tk.predict_new_school(model3, seed=-1)


# ------------------------------------------------------------------ a new student, surveyed school
def test_new_student_model_3_and_4(model3, model4):
    y3 = tk.predict_new_student(model3, "5", seed=1)
    theta, sigma = model3["theta[5]"], np.sqrt(model3["sigma2"])
    assert y3.shape == (4, 5000)
    assert_cdf_matches(y3, lambda x: stats.norm.cdf((x - theta) / sigma), "model 3, school 5")
    y4 = tk.predict_new_student(model4, 5, seed=1)
    theta, sigma = model4["theta[5]"], np.sqrt(model4["sigma2[5]"])
    assert_cdf_matches(y4, lambda x: stats.norm.cdf((x - theta) / sigma), "model 4, school 5")


def test_new_student_in_model_1_is_the_same_everywhere_and_model_2_works(data):
    m1 = tk.fit_complete_pooling(data, draws=200, seed=1)
    np.testing.assert_array_equal(tk.predict_new_student(m1, "1", seed=2), tk.predict_new_student(m1, "8", seed=2))
    m2 = tk.fit_no_pooling(data, draws=2000, seed=1)
    y = tk.predict_new_student(m2, "5", seed=3)
    theta, sigma = m2["theta[5]"], np.sqrt(m2["sigma2[5]"])
    assert_cdf_matches(y, lambda x: stats.norm.cdf((x - theta) / sigma), "model 2, school 5")


def test_new_student_unknown_school(model3):
    with pytest.raises(ValueError, match=r"school '9' is not one of the surveyed schools .*predict_new_school"):
        tk.predict_new_student(model3, "9")
