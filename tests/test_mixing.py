"""Model 3's three samplers (centred, non-centred, interweaving) draw from the same posterior.

Each agrees with exact numerical integration (teachkit.exact) within 4 Monte Carlo
standard errors on the homework data and on data where schools barely differ
(small τ, where the centred sampler crawls); the same seed gives the same draws;
what a method cannot treat exactly is refused. Calibration (SBC) is in test_sbc.py;
speed and mixing are measured by benchmarks/bench_mixing.py, not here.
"""

import numpy as np
import pytest
from _agreement import assert_mean_agrees, assert_quantile_agrees

import teachkit as tk
from teachkit import diagnostics, exact
from teachkit.models import conjugate, hierarchical
from teachkit.priors import InverseGamma, Normal, UniformSD

METHODS = ("centred", "noncentred", "interweaving")


@pytest.fixture(scope="module")
def examples():
    return tk.data.mixing_examples()


@pytest.mark.parametrize("dataset", ["homework", "small tau"])
@pytest.mark.parametrize("method", METHODS)
def test_every_method_matches_exact(examples, method, dataset):
    data = examples[dataset]
    post = tk.fit_hierarchical(data, draws=10_000, seed=21, method=method)
    ex = exact.hierarchical(data)
    assert post.max_rhat() < 1.01
    theta = ex.mean("theta")
    for j in range(data.J):
        assert_mean_agrees(post["theta"][:, :, j], theta[j], f"{method}, {dataset}: theta[{j + 1}]")
    for name in ("mu", "sigma2", "tau2"):
        assert_mean_agrees(post[name], ex.mean(name), f"{method}, {dataset}: {name}")
    for q in (0.1, 0.5, 0.9):
        assert_quantile_agrees(post["tau2"], ex.quantile("tau2", q), q, f"{method}, {dataset}: tau2 q={q}")


def test_a_tight_bound_on_tau_is_respected(examples):
    """τ ~ U(0, 0.5) on the homework data: the truncation binds, and the non-centred step honours it."""
    data, prior = examples["homework"], UniformSD(0.5)
    ex = exact.hierarchical(data, tau2_prior=prior)
    for method in ("noncentred", "interweaving"):
        post = tk.fit_hierarchical(data, draws=5_000, seed=22, method=method, tau2_prior=prior)
        assert post["tau2"].max() < 0.25
        assert_mean_agrees(post["tau2"], ex.mean("tau2"), f"{method}: tau2 under U(0, 0.5)")
        assert_mean_agrees(post["mu"], ex.mean("mu"), f"{method}: mu under U(0, 0.5)")


@pytest.mark.parametrize("method", METHODS)
def test_same_seed_same_draws(examples, method):
    data = examples["homework"]
    a = tk.fit_hierarchical(data, draws=300, warmup=30, seed=7, method=method)
    b = tk.fit_hierarchical(data, draws=300, warmup=30, seed=np.random.default_rng(7), method=method)
    c = tk.fit_hierarchical(data, draws=300, warmup=30, seed=8, method=method)
    for name in a.draws:
        np.testing.assert_array_equal(a.draws[name], b.draws[name])
        np.testing.assert_array_equal(a.warmup_draws[name], b.warmup_draws[name])
        assert not np.array_equal(a.draws[name], c.draws[name])


def test_centred_is_the_default(examples):
    data = examples["homework"]
    a = tk.fit_hierarchical(data, draws=200, warmup=20, seed=3)
    b = tk.fit_hierarchical(data, draws=200, warmup=20, seed=3, method="centred")
    for name in a.draws:
        np.testing.assert_array_equal(a.draws[name], b.draws[name])


def test_the_methods_really_differ(examples):
    """Three names for one sampler would pass every test above: the draws must differ."""
    data = examples["homework"]
    fits = {m: tk.fit_hierarchical(data, draws=100, warmup=0, seed=4, method=m) for m in METHODS}
    for a, b in [("centred", "noncentred"), ("centred", "interweaving"), ("noncentred", "interweaving")]:
        assert not np.array_equal(fits[a]["tau2"], fits[b]["tau2"])


def test_interweaving_mixes_where_the_centred_sampler_crawls(examples):
    """The reason the methods exist, as a fact that could fail: on small-τ data the
    interwoven chain's τ² is worth several times more effective draws than the centred one's."""
    data = examples["small tau"]
    ess = {m: diagnostics.ess_bulk(tk.fit_hierarchical(data, draws=4_000, seed=5, method=m)["tau2"])
           for m in ("centred", "interweaving")}
    assert ess["interweaving"] > 5 * ess["centred"], ess


@pytest.mark.parametrize("method", [1, None, "centered", "Centred", "ncp"])
def test_unknown_method_is_named(examples, method):
    with pytest.raises(ValueError, match=f"unknown method {method!r}"):
        tk.fit_hierarchical(examples["homework"], draws=10, method=method)


@pytest.mark.parametrize("method", ["noncentred", "interweaving"])
def test_inverse_gamma_on_tau2_is_refused_with_the_reason(examples, method):
    with pytest.raises(ValueError, match=rf"method='{method}' needs tau2_prior=UniformSD.*flat.*centred"):
        tk.fit_hierarchical(examples["homework"], draws=10, method=method, tau2_prior=InverseGamma(1, 1))


@pytest.mark.parametrize("method", ["noncentred", "interweaving"])
def test_other_priors_are_fine(examples, method):
    post = tk.fit_hierarchical(examples["homework"], draws=50, warmup=10, seed=1, method=method,
                               mu_prior=Normal(7, 5), sigma2_prior=InverseGamma(1, 15))
    assert np.all(np.isfinite(post["theta"]))


@pytest.mark.parametrize("mean, sd, lower, upper", [
    (0.3, 1.0, 0.0, 1e3),      # mostly inside: the plain draw
    (-2.0, 1.0, 0.0, 1e3),     # mostly outside: the exact redraw
    (-40.0, 1.0, 0.0, 1e3),    # far upper tail: Q(a) underflows without logs
    (5.0, 0.1, 0.0, 3.0),      # far lower tail, mirrored
    (1.0, 2.0, -1.0, 0.5),     # both ends bind
])
def test_truncated_normal_is_the_truncated_normal(mean, sd, lower, upper):
    from scipy import stats

    rng = np.random.default_rng(6)
    x = conjugate.truncated_normal(np.full(20_000, mean), np.full(20_000, sd), lower, upper, rng)
    assert np.all((x > lower) & (x < upper))
    target = stats.truncnorm((lower - mean) / sd, (upper - mean) / sd, loc=mean, scale=sd)
    assert stats.kstest(x, target.cdf).pvalue > 0.001


def test_each_step_is_documented_by_its_conditional():
    from teachkit.models import hierarchical_noncentred as nc

    assert nc.draw_eta.__doc__.startswith("η_j | μ, τ, σ², y ~ N(")
    assert nc.draw_tau.__doc__.startswith("τ | η, σ², y ~ N(")
    assert nc.draw_mu_given_eta.__doc__.startswith("μ | τ, η, σ², y ~ N(")
    assert set(hierarchical.METHODS) == set(METHODS)


class _FixedNormals:
    """A stand-in Generator whose standard normals are all ``z``: a draw at z = 0 is the mean, at 1 the mean plus one sd."""

    def __init__(self, z):
        self.z = z

    def standard_normal(self, shape):
        return np.full(shape, self.z)


def test_the_regression_gives_the_bivariate_normal_of_mu_and_tau():
    """(μ, τ) | η, σ², y written out as a weighted least-squares problem with matrices, against
    regress_on_eta + draw_tau + draw_mu_given_eta (the scalar sums the sampler uses)."""
    from teachkit.models import hierarchical_noncentred as nc

    rng = np.random.default_rng(8)
    n = np.array([3.0, 10, 25, 1, 7])
    prior = Normal(2.0, 9.0)
    for _ in range(10):
        eta = rng.normal(size=(1, 5))
        ybar = 4 + 2 * eta[0] + rng.normal(0, 0.5, size=5)  # a clearly positive slope: τ's draw stays plain
        sigma2 = np.array([rng.uniform(1, 30)])
        # rows (1, x) for the intercept μ and slope τ: J schools and the prior's point (x = 0, z = m0)
        X = np.column_stack([np.ones(6), np.append(eta[0], 0.0)])
        W = np.diag(np.append(n / sigma2[0], 1 / prior.var))
        z = np.append(ybar, prior.mean)
        precision = X.T @ W @ X
        mean = np.linalg.solve(precision, X.T @ W @ z)
        cov = np.linalg.inv(precision)
        fit = nc.regress_on_eta(eta, sigma2, n, ybar, prior)
        # τ's marginal: a bound far away leaves the plain normal draw
        tau_mean = nc.draw_tau(fit, 1e9, _FixedNormals(0.0))
        tau_sd = nc.draw_tau(fit, 1e9, _FixedNormals(1.0)) - tau_mean
        np.testing.assert_allclose(tau_mean, mean[1], rtol=1e-9)
        np.testing.assert_allclose(tau_sd, np.sqrt(cov[1, 1]), rtol=1e-9)
        # μ given τ: the bivariate normal's conditional, and the textbook formula in the docstring
        tau = np.array([rng.uniform(0.1, 5)])
        mu_mean = nc.draw_mu_given_eta(tau, fit, _FixedNormals(0.0))
        mu_sd = nc.draw_mu_given_eta(tau, fit, _FixedNormals(1.0)) - mu_mean
        conditional_mean = mean[0] + cov[0, 1] / cov[1, 1] * (tau[0] - mean[1])
        conditional_var = cov[0, 0] - cov[0, 1] ** 2 / cov[1, 1]
        np.testing.assert_allclose(mu_mean, conditional_mean, rtol=1e-9)
        np.testing.assert_allclose(mu_sd, np.sqrt(conditional_var), rtol=1e-9)
        textbook_precision = 1 / prior.var + n.sum() / sigma2
        textbook_mean = (prior.mean / prior.var + (ybar - tau * eta[0]) @ n / sigma2) / textbook_precision
        np.testing.assert_allclose(mu_mean, textbook_mean, rtol=1e-9)
        np.testing.assert_allclose(mu_sd, 1 / np.sqrt(textbook_precision), rtol=1e-9)


def test_mixing_examples_are_reproducible_and_as_stated():
    a, b = tk.data.mixing_examples(), tk.data.mixing_examples()
    assert list(a) == ["homework", "small tau", "large tau"]
    for name in a:
        np.testing.assert_array_equal(a[name].values, b[name].values)
    assert list(a["small tau"].n) == list(a["homework"].n)
    assert list(a["large tau"].n) == [100] * 8


@pytest.mark.parametrize("kwargs, message", [
    (dict(tau=0.0), "tau must be a positive"),
    (dict(sigma=-1.0), "sigma must be a positive"),
    (dict(mu=float("nan")), "mu must be a finite"),
    (dict(sizes=[3, 0]), "sizes must be positive integers"),
    (dict(seed=-1), "seed must be"),
])
def test_simulate_grouped_refuses_bad_input(kwargs, message):
    args = dict(mu=0.0, tau=1.0, sigma=1.0, sizes=[3, 4], seed=1) | kwargs
    with pytest.raises(ValueError, match=message):
        tk.data.simulate_grouped(**args)
