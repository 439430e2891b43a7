"""teachkit.exact against brute-force quadrature, its own limits, and bad input.

The brute-force references here are written independently of teachkit.exact:
plain grids (evenly spaced, with a coarser stretch for a long tail where
needed), the trapezoid rule for moments, scipy's cumulative Simpson rule for
CDFs, and scipy.stats for every density. They are slow and crude but hard to get
wrong; exact must agree with them to ~1e-4 (Models 1/2) and ~1e-3 (Model 3).
"""

import subprocess
import sys
import time

import numpy as np
import pytest
from scipy import stats
from scipy.integrate import cumulative_simpson

import teachkit as tk
from teachkit import exact
from teachkit.data import GroupedData
from teachkit.priors import InverseGamma, Normal, UniformSD


# ===================================================================== brute-force helpers
def trapezoid_weights(x):
    """Trapezoid rule weights on any increasing grid: Σ w_i f(x_i) ≈ ∫ f."""
    gaps = np.diff(x)
    return 0.5 * (np.concatenate([gaps, [0.0]]) + np.concatenate([[0.0], gaps]))


def joined(*pieces):
    """Grids joined end to end (each piece starts where the previous one ends)."""
    return np.concatenate([pieces[0]] + [p[1:] for p in pieces[1:]])


def log_prior_of_sd(prior, sd):
    """log density of the sd implied by a prior on the variance (p(sd) = p(sd²)·2·sd)."""
    sd = np.asarray(sd, dtype=float)
    if isinstance(prior, UniformSD):
        return np.where(sd <= prior.upper, stats.uniform.logpdf(sd, 0, prior.upper), -np.inf)
    with np.errstate(divide="ignore"):
        return stats.invgamma.logpdf(sd**2, prior.shape, scale=prior.scale) + np.log(2 * sd)


def cdf_on_grid(x, density):
    """The CDF at the grid points, by the cumulative Simpson rule (normalised to end at 1)."""
    cdf = cumulative_simpson(density, x=x, initial=0.0)
    return cdf / cdf[-1]


def quantile_from_grid(x, density, q):
    """Quantile from a density on a grid: its CDF, then linear interpolation."""
    return np.interp(q, cdf_on_grid(x, density), x)


def brute_model1(y, theta_prior, sigma2_prior, theta_grid, sigma2_grid):
    """Model 1 on a plain 2-D grid over (θ, σ²): no analytic step at all."""
    theta, sigma2 = np.meshgrid(theta_grid, sigma2_grid, indexing="ij")
    with np.errstate(divide="ignore"):
        if isinstance(sigma2_prior, UniformSD):
            log_prior_s2 = np.where(sigma2 <= sigma2_prior.upper**2, -0.5 * np.log(sigma2), -np.inf)
        else:
            log_prior_s2 = stats.invgamma.logpdf(sigma2, sigma2_prior.shape, scale=sigma2_prior.scale)
    ss_theta = sum((yi - theta) ** 2 for yi in y)   # Σ_i (y_i − θ)², one value at a time
    lp = (stats.norm.logpdf(theta, theta_prior.mean, theta_prior.sd) + log_prior_s2
          - y.size / 2 * np.log(sigma2) - ss_theta / (2 * sigma2))
    dens = np.exp(lp - lp.max())
    dens_theta = dens @ trapezoid_weights(sigma2_grid)
    dens_sigma2 = trapezoid_weights(theta_grid) @ dens
    Z = trapezoid_weights(theta_grid) @ dens_theta
    return {
        "mean_theta": trapezoid_weights(theta_grid) @ (theta_grid * dens_theta) / Z,
        "mean_sigma2": trapezoid_weights(sigma2_grid) @ (sigma2_grid * dens_sigma2) / Z,
        "q_theta": lambda q: quantile_from_grid(theta_grid, dens_theta, q),
        "q_sigma2": lambda q: quantile_from_grid(sigma2_grid, dens_sigma2, q),
        "edges": (dens_theta[[0, -1]].max() / dens_theta.max(), dens_sigma2[-1] / dens_sigma2.max()),
    }


def brute_model3(data, mu_prior, sigma2_prior, tau2_prior, mu_grid, sigma_grid, tau_grid):
    """Model 3 on a plain 3-D grid over (μ, τ, σ), one σ at a time.

    The θ_j cannot be put on a grid as well (that would be 3 + J dimensions), so
    they are integrated out with the textbook marginal
    ȳ_j | μ, σ, τ ~ N(μ, σ²/n_j + τ²) and the within-group factor, checked on its
    own in test_theta_integral_for_one_group. For speed, Σ_j log N(ȳ_j | μ, V_j)
    is expanded as a quadratic in μ, so no array carries a group axis.
    """
    n, ybar, ss = data.n, data.means, data.ss
    w_mu, w_tau, w_sigma = (trapezoid_weights(g) for g in (mu_grid, tau_grid, sigma_grid))
    log_p_mu = stats.norm.logpdf(mu_grid, mu_prior.mean, mu_prior.sd)
    log_p_tau = log_prior_of_sd(tau2_prior, tau_grid)
    log_p_sigma = log_prior_of_sd(sigma2_prior, sigma_grid)
    mu = mu_grid[None, :]
    rows = []   # per σ: (log of the row's scale, sums over τ and μ of density × each quantity)
    for i, sigma in enumerate(sigma_grid):
        V = sigma**2 / n + tau_grid[:, None] ** 2                        # (τ, J)
        a = (-0.5 * np.log(2 * np.pi * V) - ybar**2 / (2 * V)).sum(axis=1)[:, None]
        b = (ybar / V).sum(axis=1)[:, None]
        c = (-1 / (2 * V)).sum(axis=1)[:, None]
        within = (-(n - 1) * np.log(sigma) - ss / (2 * sigma**2)).sum()
        lp = log_p_sigma[i] + within + log_p_tau[:, None] + log_p_mu + a + b * mu + c * mu**2
        top = lp.max()
        e = np.exp(lp - top) * w_tau[:, None] * w_mu * w_sigma[i]         # (τ, μ)
        by_tau, mu_by_tau, mu2_by_tau = e.sum(axis=1)[:, None], (e @ mu_grid)[:, None], (e @ mu_grid**2)[:, None]
        # θ_j | μ, σ, τ, y ~ N(w_j ȳ_j + (1 − w_j) μ, w_j σ²/n_j), w_j = τ²/(τ² + σ²/n_j)
        shrink = tau_grid[:, None] ** 2 / V
        theta2 = (shrink * sigma**2 / n + (shrink * ybar) ** 2) * by_tau \
            + 2 * shrink * ybar * (1 - shrink) * mu_by_tau + (1 - shrink) ** 2 * mu2_by_tau
        by_tau, mu_by_tau = by_tau[:, 0], mu_by_tau[:, 0]
        rows.append((top, {
            "Z": by_tau.sum(), "mu": mu_by_tau.sum(), "mu2": (e @ mu_grid**2).sum(),
            "sigma2": by_tau.sum() * sigma**2, "sigma4": by_tau.sum() * sigma**4,
            "tau2": by_tau @ tau_grid**2, "tau4": by_tau @ tau_grid**4,
            "theta": (shrink * ybar * by_tau[:, None] + (1 - shrink) * mu_by_tau[:, None]).sum(axis=0),
            "theta2": theta2.sum(axis=0),
            "shrink": (shrink * by_tau[:, None]).sum(axis=0),
            "marg_tau": by_tau, "marg_mu": e.sum(axis=0), "marg_sigma": by_tau.sum(),
        }))
    ref = max(top for top, _ in rows)
    total = {k: sum(np.exp(top - ref) * r[k] for top, r in rows) for k in rows[0][1]}
    total["marg_sigma"] = np.array([np.exp(top - ref) * r["marg_sigma"] for top, r in rows])
    Z = total["Z"]
    moments = ("mu", "mu2", "sigma2", "sigma4", "tau2", "tau4", "theta", "theta2", "shrink")
    out = {k: total[k] / Z for k in moments}
    # marginal densities: divide the weighted sums by the rule's weights
    marg_tau, marg_mu = total["marg_tau"] / w_tau, total["marg_mu"] / w_mu
    marg_sigma = total["marg_sigma"] / w_sigma
    out["tau_density"] = marg_tau / (w_tau @ marg_tau)
    out["cdf_mu"] = (mu_grid, cdf_on_grid(mu_grid, marg_mu))
    out["cdf_sigma2"] = (sigma_grid**2, cdf_on_grid(sigma_grid, marg_sigma))
    out["cdf_tau2"] = (tau_grid**2, cdf_on_grid(tau_grid, marg_tau))
    out["edges"] = {"mu": marg_mu[[0, -1]].max() / marg_mu.max(),
                    "sigma": marg_sigma[[0, -1]].max() / marg_sigma.max(),
                    "tau_top": marg_tau[-1] / marg_tau.max()}
    return out


def rel(a, b):
    """Largest relative difference; equal values (inf included) differ by 0."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.max(np.where(a == b, 0.0, np.abs(a - b) / np.abs(b)))


# ===================================================================== data
@pytest.fixture(scope="module")
def homework():
    return tk.load_homework()


@pytest.fixture(scope="module")
def small():
    """J = 4 groups of 5-20, true τ small next to σ/√n_j, so τ's posterior piles up near 0."""
    rng = np.random.default_rng(20240611)
    n_j = [5, 9, 14, 20]
    theta = 7 + 0.6 * rng.standard_normal(4)
    values = np.concatenate([t + 3 * rng.standard_normal(k) for t, k in zip(theta, n_j)])
    return GroupedData.from_arrays(values, np.repeat(["a", "b", "c", "d"], n_j))


ONE_SAMPLE = np.random.default_rng(7).normal(5.0, 2.0, size=12)


# ===================================================================== Model 1 / 2
@pytest.mark.parametrize("sigma2_prior", [InverseGamma(0.01, 0.01), UniformSD(100), UniformSD(2.4)],
                         ids=["IG(0.01,0.01)", "sd~U(0,100)", "sd~U(0,2.4) truncating"])
def test_model1_matches_2d_grid(sigma2_prior):
    y = ONE_SAMPLE
    theta_prior = Normal(0, 1000**2)
    s2 = y.var(ddof=1)
    if isinstance(sigma2_prior, UniformSD) and sigma2_prior.upper**2 < 8 * s2:
        sigma2_grid = np.linspace(1e-9, sigma2_prior.upper**2, 4001)
    else:  # fine where the mass is, then a long coarse tail for the mean
        sigma2_grid = joined(np.linspace(1e-9, 8 * s2, 4001), np.geomspace(8 * s2, 400 * s2, 400))
    brute = brute_model1(y, theta_prior, sigma2_prior,
                         np.linspace(y.mean() - 6 * np.sqrt(s2), y.mean() + 6 * np.sqrt(s2), 2001),
                         sigma2_grid)
    # the brute-force grid must itself hold all the mass (except at a prior's bound)
    assert brute["edges"][0] < 1e-8
    if isinstance(sigma2_prior, InverseGamma):
        assert brute["edges"][1] < 1e-6

    post = exact.complete_pooling(y, theta_prior=theta_prior, sigma2_prior=sigma2_prior)
    q = np.array([0.05, 0.5, 0.95])
    assert rel(post.mean("theta"), brute["mean_theta"]) < 1e-5
    assert rel(post.mean("sigma2"), brute["mean_sigma2"]) < 1e-4
    assert rel(post.quantile("theta", q), brute["q_theta"](q)) < 1e-4
    assert rel(post.quantile("sigma2", q), brute["q_sigma2"](q)) < 1e-4
    # cdf and quantile are inverse to each other
    np.testing.assert_allclose(post.cdf("theta", post.quantile("theta", q)), q, atol=1e-10)
    np.testing.assert_allclose(post.cdf("sigma2", post.quantile("sigma2", q)), q, atol=1e-10)


def test_model1_density_integrates_to_one():
    post = exact.complete_pooling(ONE_SAMPLE)
    s2 = np.linspace(1e-6, 60, 200001)
    assert abs(trapezoid_weights(s2) @ post.density("sigma2", s2) - 1) < 1e-4
    th = np.linspace(post.mean("theta") - 12 * post.sd("theta"), post.mean("theta") + 12 * post.sd("theta"), 4001)
    assert abs(trapezoid_weights(th) @ post.density("theta", th) - 1) < 1e-6
    assert post.density("sigma2", -1.0) == 0.0


def test_model1_grid_convergence(homework):
    coarse = exact.complete_pooling(homework)
    fine = exact.complete_pooling(homework, n_grid=1601)
    for name in ("theta", "sigma2"):
        assert rel(coarse.mean(name), fine.mean(name)) < 1e-8
        assert rel(coarse.sd(name), fine.sd(name)) < 1e-8
        assert rel(coarse.quantile(name, [0.025, 0.975]), fine.quantile(name, [0.025, 0.975])) < 1e-7


def test_no_pooling_is_model1_per_group(homework):
    per_group = exact.no_pooling(homework, sigma2_prior=UniformSD(1000))
    assert len(per_group) == homework.J
    for j, post in enumerate(per_group):
        alone = exact.complete_pooling(homework.group_values(j), sigma2_prior=UniformSD(1000))
        assert post.label == homework.labels[j]
        assert post.mean("theta") == pytest.approx(alone.mean("theta"), rel=1e-12)
        assert post.quantile("sigma2", 0.5) == pytest.approx(alone.quantile("sigma2", 0.5), rel=1e-12)


def test_model1_accepts_grouped_data_as_one_sample(homework):
    a = exact.complete_pooling(homework)
    b = exact.complete_pooling(np.asarray(homework.values))
    assert a.mean("theta") == pytest.approx(b.mean("theta"), rel=1e-12)


def test_heavy_tails_give_inf_only_when_the_moment_is_infinite():
    """IG(0.01, 0.01) on σ², θ ~ N(0, 1000²). For σ² far above n·1000², θ's prior no
    longer helps and p(σ² | y) ∝ (σ²)^-(a+1) (σ²)^-(n-1)/2 (σ²)^-1/2 = (σ²)^-(1.01 + n/2):
    E[σ²] is finite iff 0.01 + n/2 > 1, E[σ⁴] iff 0.01 + n/2 > 2."""
    one = exact.complete_pooling([3.0])
    assert one.mean("sigma2") == np.inf and one.sd("sigma2") == np.inf
    assert np.isfinite(one.quantile("sigma2", 0.5))    # quantiles exist all the same

    three = exact.complete_pooling([3.0, 4.0, 6.0])
    assert three.sd("sigma2") == np.inf
    # finite mean, with most of its integral far out in the tail: check by adaptive
    # quadrature of p(σ² | y) (θ integrated out, equation (1) of the module docstring)
    from scipy import integrate

    y = np.array([3.0, 4.0, 6.0])
    ss = ((y - y.mean()) ** 2).sum()

    def log_density(u):   # of u = log σ²
        v = np.exp(u)
        return (stats.invgamma.logpdf(v, 0.01, scale=0.01) + u - np.log(v) - ss / (2 * v)
                + stats.norm.logpdf(y.mean(), 0, np.sqrt(1000**2 + v / 3)))

    peak = max(log_density(u) for u in np.linspace(-5, 5, 101))
    breaks = [0, 5, 10, 20, 30, 45]
    Z = integrate.quad(lambda u: np.exp(log_density(u) - peak), -15, 150, points=breaks, limit=500)[0]
    M = integrate.quad(lambda u: np.exp(u + log_density(u) - peak), -15, 150, points=breaks, limit=500)[0]
    assert three.mean("sigma2") == pytest.approx(M / Z, rel=1e-6)
    assert M / Z > three.quantile("sigma2", 0.9)   # the tail pulls the mean past the 90% point


def test_improper_posterior_is_refused():
    # two equal values and a flat prior on the sd: p(σ² | y) ∝ 1/σ² near 0, not integrable
    data = GroupedData.from_arrays([3.0, 3.0, 1.0, 2.0, 4.0], ["a", "a", "b", "b", "b"])
    with pytest.raises(ValueError, match="posterior looks improper"):
        exact.no_pooling(data, sigma2_prior=UniformSD(10))
    # the inverse-gamma prior keeps it proper
    assert np.isfinite(exact.no_pooling(data)[0].mean("theta"))


# ===================================================================== Model 3
def test_theta_integral_for_one_group():
    """Step 1 of the derivation, by 1-D quadrature over θ for one group."""
    y = np.array([4.1, 6.3, 5.5, 7.9, 5.0])
    mu, sigma2, tau2 = 5.5, 2.2, 0.7
    theta = np.linspace(mu - 12, mu + 12, 20001)
    integrand = np.exp(stats.norm.logpdf(y[:, None], theta, np.sqrt(sigma2)).sum(axis=0)
                       + stats.norm.logpdf(theta, mu, np.sqrt(tau2)))
    by_quadrature = trapezoid_weights(theta) @ integrand
    n, ybar = y.size, y.mean()
    ss = ((y - ybar) ** 2).sum()
    formula = ((2 * np.pi * sigma2) ** (-(n - 1) / 2) * n**-0.5 * np.exp(-ss / (2 * sigma2))
               * stats.norm.pdf(ybar, mu, np.sqrt(sigma2 / n + tau2)))
    assert by_quadrature == pytest.approx(formula, rel=1e-10)


PRIOR_SETS = {
    "uniform-sd": dict(mu_prior=Normal(0, 1000**2), sigma2_prior=UniformSD(20), tau2_prior=UniformSD(20)),
    "hoff-IG": dict(mu_prior=Normal(7, 5), sigma2_prior=InverseGamma(1, 15), tau2_prior=InverseGamma(1, 10)),
}


def brute_grids(data, prior_set):
    """Grids for brute_model3, wide enough by hand (checked in test_brute_force_grid_holds_the_mass)."""
    sigma_hat = np.sqrt(data.ss.sum() / (data.n_total - data.J))
    sigma_grid = np.linspace(0.35 * sigma_hat, 2.6 * sigma_hat, 181)
    if prior_set == "uniform-sd":
        # τ ≤ 20, so μ given τ spreads at most ~20/√J around the group means
        center = data.means.mean()
        return dict(mu_grid=np.linspace(center - 60, center + 60, 961), sigma_grid=sigma_grid,
                    tau_grid=np.linspace(0.0, 20.0, 801))
    # μ ~ N(7, 5) keeps μ near 7 whatever τ is; τ has a long tail (density ~ τ^-6)
    return dict(mu_grid=np.linspace(7 - 25, 7 + 25, 601), sigma_grid=sigma_grid,
                tau_grid=joined(np.linspace(0.0, 10.0, 401), np.geomspace(10.0, 1e4, 300)))


@pytest.fixture(scope="module", params=list(PRIOR_SETS))
def model3_pair(request, small):
    priors = PRIOR_SETS[request.param]
    brute = brute_model3(small, **priors, **brute_grids(small, request.param))
    return request.param, exact.hierarchical(small, **priors), brute


def test_brute_force_grid_holds_the_mass(model3_pair):
    name, _, brute = model3_pair
    assert brute["edges"]["mu"] < 1e-10
    assert brute["edges"]["sigma"] < 1e-8
    if name == "hoff-IG":
        assert brute["edges"]["tau_top"] < 1e-12


def test_model3_means_match_3d_quadrature(model3_pair):
    _, post, brute = model3_pair
    assert rel(post.mean("theta"), brute["theta"]) < 1e-3
    for name in ("mu", "sigma2", "tau2"):
        assert rel(post.mean(name), brute[name]) < 1e-3, name
    assert rel(post.sd("mu"), np.sqrt(brute["mu2"] - brute["mu"] ** 2)) < 1e-3
    assert rel(post.sd("sigma2"), np.sqrt(brute["sigma4"] - brute["sigma2"] ** 2)) < 1e-3
    assert rel(post.sd("tau2"), np.sqrt(brute["tau4"] - brute["tau2"] ** 2)) < 1e-3
    assert rel(post.sd("theta"), np.sqrt(brute["theta2"] - brute["theta"] ** 2)) < 1e-3
    assert rel(post.shrinkage_weight(), brute["shrink"]) < 1e-3


def test_model3_heavy_tail_of_tau2(small):
    """Three groups and τ² ~ IG(1.5, 10): p(τ² | y) falls off only like (τ²)^-3.5, so
    E[τ⁴] (for the sd) depends on mass far out. Brute force reaches τ = 1e9."""
    three = GroupedData.from_arrays(small.values[small.groups < 3], small.groups[small.groups < 3])
    priors = dict(mu_prior=Normal(7, 5), sigma2_prior=InverseGamma(1, 15), tau2_prior=InverseGamma(1.5, 10))
    sigma_hat = np.sqrt(three.ss.sum() / (three.n_total - three.J))
    brute = brute_model3(three, **priors, mu_grid=np.linspace(7 - 25, 7 + 25, 201),
                         sigma_grid=np.linspace(0.35 * sigma_hat, 2.6 * sigma_hat, 121),
                         tau_grid=joined(np.linspace(0, 10, 201), np.geomspace(10, 1e9, 1500)))
    assert brute["edges"]["sigma"] < 1e-5 and brute["edges"]["tau_top"] < 1e-40
    post = exact.hierarchical(three, **priors)
    assert rel(post.mean("tau2"), brute["tau2"]) < 1e-4
    assert rel(post.sd("tau2"), np.sqrt(brute["tau4"] - brute["tau2"] ** 2)) < 1e-4


@pytest.mark.parametrize("name", ["mu", "sigma2", "tau2"])
def test_model3_cdf_matches_3d_quadrature(model3_pair, name):
    """CDFs at the brute-force grid points nearest to the 10%, 50% and 90% quantiles
    (compared there, so that no interpolation of the brute force is involved)."""
    _, post, brute = model3_pair
    x, cdf = brute["cdf_" + name]
    nodes = [np.argmin(np.abs(cdf - p)) for p in (0.1, 0.5, 0.9)]
    np.testing.assert_allclose(post.cdf(name, x[nodes]), cdf[nodes], atol=2e-4)
    # and exact's quantiles invert its CDF
    q = np.array([0.1, 0.5, 0.9])
    np.testing.assert_allclose(post.cdf(name, post.quantile(name, q)), q, atol=1e-8)


@pytest.fixture(scope="module")
def equal_means():
    """4 groups whose sample means are all exactly 7: the data favour τ = 0 most."""
    rng = np.random.default_rng(5)
    n_j = [5, 9, 14, 20]
    values = []
    for k in n_j:
        z = rng.standard_normal(k)
        values.append(7 + 3 * (z - z.mean()))
    return GroupedData.from_arrays(np.concatenate(values), np.repeat(["a", "b", "c", "d"], n_j))


@pytest.mark.parametrize("prior_set", list(PRIOR_SETS))
def test_tau_density_near_zero(equal_means, prior_set):
    priors = PRIOR_SETS[prior_set]
    grids = brute_grids(equal_means, prior_set)
    brute = brute_model3(equal_means, **priors, **grids)
    post = exact.hierarchical(equal_means, **priors)
    at = [0, 4, 8, 20, 40, 80]   # τ = 0, 0.1, 0.2, 0.5, 1, 2 on either brute-force τ grid
    tau = grids["tau_grid"][at]
    _, dens = post.tau_density(tau)
    if prior_set == "uniform-sd":
        # a flat prior on τ and data without any spread between groups: the
        # likelihood falls as τ grows, so the density is largest at τ = 0, and > 0
        assert dens[0] > 0 and np.all(np.diff(dens) < 0)
        np.testing.assert_allclose(dens, brute["tau_density"][at], rtol=1e-3)
        # a sizeable share of the mass is near 0, and exact gets it right
        near_zero = post.cdf("tau2", 0.5**2)
        assert near_zero > 0.1
        tau2_nodes, cdf_brute = brute["cdf_tau2"]
        assert tau2_nodes[20] == pytest.approx(0.5**2)
        assert near_zero == pytest.approx(cdf_brute[20], abs=1e-4)
    else:
        # inverse-gamma prior on τ²: the density vanishes at 0
        assert dens[0] == 0
        np.testing.assert_allclose(dens, brute["tau_density"][at], rtol=1e-3)   # 0 == 0 passes


def test_tau_density_default_grid_integrates_to_995(homework):
    post = exact.hierarchical(homework)
    tau, dens = post.tau_density()
    assert tau[0] == 0 and dens[0] > 0
    assert trapezoid_weights(tau) @ dens == pytest.approx(0.995, abs=1e-4)


VAGUE_IG = dict(sigma2_prior=InverseGamma(0.01, 0.01), tau2_prior=InverseGamma(0.01, 0.01))


@pytest.mark.parametrize("priors", [{}, PRIOR_SETS["hoff-IG"], VAGUE_IG], ids=["lecture", "hoff-IG", "IG(0.01,0.01)"])
@pytest.mark.parametrize("which", ["homework", "small"])
def test_model3_grid_convergence(homework, small, which, priors):
    """Doubling the grid changes nothing that matters. IG(0.01, 0.01) on τ² is the
    hard case: its mass near τ ≈ 0.1 needs the log-τ grid."""
    data = homework if which == "homework" else small
    base = exact.hierarchical(data, **priors)
    doubled = exact.hierarchical(data, n_sigma=2 * 121, n_tau=2 * 241, **priors)
    for name in ("theta", "mu", "sigma2", "tau2"):
        assert rel(base.mean(name), doubled.mean(name)) < 1e-5, name
        assert rel(base.sd(name), doubled.sd(name)) < 1e-5, name
    q = [0.025, 0.5, 0.975]
    for name in ("theta", "mu", "sigma2", "tau2"):
        assert rel(base.quantile(name, q), doubled.quantile(name, q)) < 1e-4, name
    assert rel(base.shrinkage_weight(), doubled.shrinkage_weight()) < 1e-5


def test_pooling_spectrum_limits(homework):
    post = exact.hierarchical(homework)
    ends = post.conditional_theta_mean([0.0, 1e-7, 1e4, np.inf])
    assert ends.shape == (4, homework.J)
    # τ = 0 is complete pooling, exactly Model 1 on all values with μ's prior on θ
    pooled = exact.complete_pooling(homework, theta_prior=post.mu_prior, sigma2_prior=post.sigma2_prior)
    np.testing.assert_allclose(ends[0], pooled.mean("theta"), rtol=1e-8)
    assert np.ptp(ends[1]) < 1e-6
    # τ large: every group is left with its own mean
    np.testing.assert_allclose(ends[2], homework.means, atol=1e-3)
    np.testing.assert_array_equal(ends[3], homework.means)
    # in between, each E[θ_j | τ] moves from the pooled value toward ȳ_j
    middle = post.conditional_theta_mean([1.0])[0]
    assert np.all((middle - ends[0]) * (homework.means - ends[0]) > 0)
    assert np.all(np.abs(middle - ends[0]) < np.abs(homework.means - ends[0]))


def test_shrinkage_weight_is_between_0_and_1_and_grows_with_n(homework):
    w = exact.hierarchical(homework).shrinkage_weight()
    assert np.all((w > 0) & (w < 1))
    # w_j = τ²/(τ² + σ²/n_j) increases with n_j at every (σ, τ), hence also on average
    order = np.argsort(homework.n, kind="stable")
    assert np.all(np.diff(w[order]) >= -1e-12)


# ===================================================================== bad input
@pytest.mark.parametrize("call, message", [
    (lambda d: exact.complete_pooling("abc"), "data_or_values must be a teachkit.GroupedData or a non-empty 1-D"),
    (lambda d: exact.complete_pooling(np.ones((2, 3))), "data_or_values must be"),
    (lambda d: exact.complete_pooling([]), "data_or_values must be"),
    (lambda d: exact.complete_pooling([1.0, np.nan]), "data_or_values must be"),
    (lambda d: exact.complete_pooling(d, theta_prior=InverseGamma(1, 1)),
     "complete_pooling: theta_prior must be a teachkit.priors Normal"),
    (lambda d: exact.complete_pooling(d, sigma2_prior=Normal(0, 1)),
     "complete_pooling: sigma2_prior must be a teachkit.priors InverseGamma or UniformSD"),
    (lambda d: exact.no_pooling(np.asarray(d.values)), "no_pooling: data must be a teachkit.GroupedData"),
    (lambda d: exact.no_pooling(d, sigma2_prior=1.0), "no_pooling: sigma2_prior must be"),
    (lambda d: exact.hierarchical([1, 2, 3]), "hierarchical: data must be a teachkit.GroupedData"),
    (lambda d: exact.hierarchical(d, mu_prior=UniformSD(3)), "hierarchical: mu_prior must be a teachkit.priors Normal"),
    (lambda d: exact.hierarchical(d, tau2_prior=Normal(0, 1)), "hierarchical: tau2_prior must be"),
    (lambda d: exact.hierarchical(d, sigma2_prior=None), "hierarchical: sigma2_prior must be"),
    (lambda d: exact.hierarchical(d, n_tau=3), "hierarchical: n_tau must be an integer ≥ 21"),
    (lambda d: exact.hierarchical(GroupedData.from_arrays([1.0, 2.0, 4.0], ["x"] * 3)),
     "needs at least 2 groups"),
    (lambda d: exact.complete_pooling(d).quantile("theta", 1.0), "q must be probabilities strictly between 0 and 1"),
    (lambda d: exact.complete_pooling(d).mean("mu"), "unknown parameter 'mu': use 'theta' or 'sigma2'"),
    (lambda d: exact.hierarchical(d).sd("sigma"), "unknown parameter 'sigma'"),
    (lambda d: exact.hierarchical(d).conditional_theta_mean([-1.0]), "tau must be a 1-D array of values ≥ 0"),
    (lambda d: exact.hierarchical(d).tau_density([np.nan]), "tau must be a 1-D array of finite values ≥ 0"),
])
def test_bad_input(homework, call, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call(homework)


def test_import_is_light():
    code = "import sys, teachkit.exact; print(sorted(m for m in ('scipy', 'pandas', 'matplotlib') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ===================================================================== numbers for the lecture
def test_homework_numbers_and_timing(homework, capsys):
    """Prints the lecture's numbers and the time per call (run with -s to see them).

    The lecture (JAGS, on the original records) reported Model 1: median σ² ≈ 16.95,
    mean θ ≈ 7.49; Model 3: mean μ ≈ 7.77, θ_5 ≈ 10.43. Only the exact values are
    checked here, for the shape of partial pooling; the comparison is in the report.
    """
    def per_call(f, repeat=20):
        f()
        start = time.perf_counter()
        for _ in range(repeat):
            f()
        return (time.perf_counter() - start) / repeat

    m1 = exact.complete_pooling(homework)
    m3 = exact.hierarchical(homework)
    theta = m3.mean("theta")
    # partial pooling: each posterior mean lies between its own ȳ_j and E[μ]
    assert np.all((theta - m3.mean("mu")) * (homework.means - theta) > 0)

    timings = {
        "complete_pooling": per_call(lambda: exact.complete_pooling(homework)),
        "no_pooling (8 groups)": per_call(lambda: exact.no_pooling(homework)),
        "hierarchical": per_call(lambda: exact.hierarchical(homework)),
        "conditional_theta_mean (200 tau)": per_call(lambda: m3.conditional_theta_mean(np.linspace(0, 10, 200))),
        "Model 1 median sigma2 (quantile)": per_call(lambda: m1.quantile("sigma2", 0.5)),
    }
    with capsys.disabled():
        print("\nModel 1, complete pooling, N(0, 1000²) and IG(0.01, 0.01):")
        print(f"  median sigma2 = {float(m1.quantile('sigma2', 0.5)):.4f}   mean theta = {m1.mean('theta'):.4f}")
        print("Model 3, hierarchical, N(0, 1000²), sd ~ U(0, 1000) for sigma and tau:")
        print("  mean theta_1..8 = " + " ".join(f"{t:.4f}" for t in theta))
        print(f"  mean mu = {m3.mean('mu'):.4f}   mean sigma2 = {m3.mean('sigma2'):.4f}   "
              f"mean tau2 = {m3.mean('tau2'):.4f}")
        for what, seconds in timings.items():
            print(f"  {what}: {seconds * 1e3:.2f} ms per call")
