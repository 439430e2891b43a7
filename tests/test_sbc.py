"""Simulation-based calibration (Talts et al. 2018) of the four samplers.

Draw parameters from the prior, simulate a data set from them, fit it, and
record the rank of each true value among M (nearly independent) posterior
draws. If the sampler draws from the right posterior, every rank is uniform on
0..M. A chi-square test on binned ranks must not reject at the 1% level.

Priors here are proper and informative, so that simulated data sets look like
homework hours; the conditionals under test are the same code paths as with
the lecture's vague priors. Both variance-prior families are exercised.
"""

import numpy as np
import pytest

import teachkit as tk
from teachkit.priors import InverseGamma, Normal, UniformSD

M = 99           # posterior draws kept per replication: ranks take 100 values
THIN = 4         # keep every 4th draw, so the kept draws are close to independent
BINS = 10


def chi_square_p(ranks):
    """p-value of the chi-square test of uniformity of ranks in 0..M, in BINS equal bins."""
    from scipy.stats import chi2

    counts = np.bincount(np.asarray(ranks) * BINS // (M + 1), minlength=BINS)
    expected = len(ranks) / BINS
    stat = ((counts - expected) ** 2 / expected).sum()
    return chi2.sf(stat, BINS - 1)


def rank_of(truth, draws):
    """How many of the M thinned draws fall below the true value (per component)."""
    kept = draws[0, THIN - 1::THIN][:M]
    return (kept < truth).sum(axis=0)


def simulate_groups(theta, sigma2, sizes, rng):
    groups = np.repeat(np.arange(len(sizes)), sizes)
    sd = np.sqrt(np.broadcast_to(sigma2, len(sizes)))  # one variance, or one per group
    values = rng.normal(np.asarray(theta)[groups], sd[groups])
    return tk.GroupedData(values=values, groups=groups, labels=tuple(str(j + 1) for j in range(len(sizes))))


def run_sbc(replications, simulate, fit, rng):
    ranks = {}
    for _ in range(replications):
        truth, data = simulate(rng)
        post = fit(data, rng)
        for name, value in truth.items():
            ranks.setdefault(name, []).append(rank_of(value, post[name]))
    return {name: np.array(r) for name, r in ranks.items()}


def assert_uniform(ranks):
    for name, r in ranks.items():
        columns = r.reshape(len(r), -1).T
        for j, col in enumerate(columns):
            p = chi_square_p(col)
            assert p > 0.01, f"ranks of {name}[{j}] are not uniform (chi-square p = {p:.4f})"


def draws_needed():
    return dict(draws=M * THIN, warmup=100, chains=1)


THETA = Normal(7, 4)
VARIANCE_PRIORS = {
    "inverse-gamma": (InverseGamma(4, 45), InverseGamma(3, 4)),
    "uniform-sd": (UniformSD(8), UniformSD(3)),
}


@pytest.mark.parametrize("family", VARIANCE_PRIORS)
def test_sbc_complete_pooling(family):
    sigma2_prior, _ = VARIANCE_PRIORS[family]

    def simulate(rng):
        theta, sigma2 = THETA.sample(rng), sigma2_prior.sample(rng)
        return {"theta": theta, "sigma2": sigma2}, simulate_groups([theta] * 2, sigma2, [6, 6], rng)

    def fit(data, rng):
        return tk.fit_complete_pooling(data, seed=rng, theta_prior=THETA, sigma2_prior=sigma2_prior,
                                       **draws_needed())

    assert_uniform(run_sbc(300, simulate, fit, np.random.default_rng(11)))


@pytest.mark.parametrize("family", VARIANCE_PRIORS)
def test_sbc_no_pooling(family):
    sigma2_prior, _ = VARIANCE_PRIORS[family]
    sizes = [3, 8, 15]

    def simulate(rng):
        theta, sigma2 = THETA.sample(rng, 3), sigma2_prior.sample(rng, 3)
        return {"theta": theta, "sigma2": sigma2}, simulate_groups(theta, sigma2, sizes, rng)

    def fit(data, rng):
        return tk.fit_no_pooling(data, seed=rng, theta_prior=THETA, sigma2_prior=sigma2_prior,
                                 **draws_needed())

    assert_uniform(run_sbc(300, simulate, fit, np.random.default_rng(12)))


# Every method of Model 3; the non-centred and interweaving samplers take only the uniform-sd
# prior on τ. (replications, seed) as when each had its own test, so the ranks are unchanged.
HIERARCHICAL_CASES = {
    "centred-inverse-gamma": ("centred", "inverse-gamma", 400, 13),
    "centred-uniform-sd": ("centred", "uniform-sd", 400, 13),
    "noncentred": ("noncentred", "uniform-sd", 300, 15),
    "interweaving": ("interweaving", "uniform-sd", 300, 15),
}


@pytest.mark.parametrize("case", HIERARCHICAL_CASES)
def test_sbc_hierarchical(case):
    method, family, replications, seed = HIERARCHICAL_CASES[case]
    sigma2_prior, tau2_prior = VARIANCE_PRIORS[family]
    sizes = [2, 5, 9, 20]

    def simulate(rng):
        mu, tau2, sigma2 = THETA.sample(rng), tau2_prior.sample(rng), sigma2_prior.sample(rng)
        theta = mu + np.sqrt(tau2) * rng.standard_normal(len(sizes))
        truth = {"theta": theta, "mu": mu, "sigma2": sigma2, "tau2": tau2}
        return truth, simulate_groups(theta, sigma2, sizes, rng)

    def fit(data, rng):
        return tk.fit_hierarchical(data, seed=rng, mu_prior=THETA, sigma2_prior=sigma2_prior,
                                   tau2_prior=tau2_prior, method=method, **draws_needed())

    assert_uniform(run_sbc(replications, simulate, fit, np.random.default_rng(seed)))


def test_sbc_detects_a_wrong_sampler():
    """The check has teeth: a sampler whose σ² conditional is off by 30% fails it."""
    sigma2_prior = InverseGamma(4, 45)

    def simulate(rng):
        theta, sigma2 = THETA.sample(rng), sigma2_prior.sample(rng)
        return {"sigma2": sigma2}, simulate_groups([theta] * 2, sigma2, [6, 6], rng)

    def fit(data, rng):
        post = tk.fit_complete_pooling(data, seed=rng, theta_prior=THETA, sigma2_prior=sigma2_prior,
                                       **draws_needed())
        post.draws["sigma2"] = post.draws["sigma2"] * 1.3
        return post

    ranks = run_sbc(300, simulate, fit, np.random.default_rng(14))
    assert chi_square_p(ranks["sigma2"]) < 0.01


def rank_with_ties(truth, draws, rng):
    """Rank of a discrete parameter (ν0): draws equal to the truth are split at random, so that
    the rank is still uniform on 0..M under a correct sampler (Talts et al. 2018, §5)."""
    kept = draws[0, THIN - 1::THIN][:M]
    below, equal = (kept < truth).sum(), (kept == truth).sum()
    return below + rng.integers(0, equal + 1)


def test_sbc_school_variances():
    """Model 4: every θ_j and σ_j², μ, τ², σ0², and ν0 (discrete, ties split at random).

    One school has a single student, the case Model 2 refuses and Model 4 must handle.
    Only the uniform-sd prior on τ² (the default): τ²'s conditional is Model 3's code,
    calibrated with both families above, and each run here costs about a minute.
    """
    tau2_prior = UniformSD(3)
    sigma02_prior, nu0_rate, nu0_max = tk.Gamma(20, 2), 0.2, 30
    nu0_grid = np.arange(1, nu0_max + 1)
    nu0_prob = np.exp(-nu0_rate * nu0_grid) / np.exp(-nu0_rate * nu0_grid).sum()
    sizes = [1, 4, 8, 12, 20]
    ties = np.random.default_rng(16)

    def simulate(rng):
        mu, tau2, sigma02 = THETA.sample(rng), tau2_prior.sample(rng), sigma02_prior.sample(rng)
        nu0 = float(rng.choice(nu0_grid, p=nu0_prob))
        theta = mu + np.sqrt(tau2) * rng.standard_normal(len(sizes))
        sigma2 = InverseGamma(nu0 / 2, nu0 * sigma02 / 2).sample(rng, len(sizes))
        truth = {"theta": theta, "sigma2": sigma2, "mu": mu, "tau2": tau2, "sigma02": sigma02, "nu0": nu0}
        return truth, simulate_groups(theta, sigma2, sizes, rng)

    ranks = {}
    rng = np.random.default_rng(15)
    for _ in range(300):
        truth, data = simulate(rng)
        post = tk.fit_school_variances(data, seed=rng, mu_prior=THETA, tau2_prior=tau2_prior,
                                       sigma02_prior=sigma02_prior, nu0_rate=nu0_rate, nu0_max=nu0_max,
                                       **draws_needed())
        for name, value in truth.items():
            rank = rank_with_ties(value, post[name], ties) if name == "nu0" else rank_of(value, post[name])
            ranks.setdefault(name, []).append(rank)
    assert_uniform({name: np.array(r) for name, r in ranks.items()})


# The three-level model (houses in counties in states): both variance-prior families on σ², τ², ω².
THREE_LEVEL_PRIORS = {
    "inverse-gamma": (InverseGamma(4, 45), InverseGamma(3, 4), InverseGamma(3, 4)),
    "uniform-sd": (UniformSD(8), UniformSD(3), UniformSD(3)),
}


@pytest.mark.parametrize("family", THREE_LEVEL_PRIORS)
def test_sbc_three_level(family):
    """Every θ_j, ψ_k, μ, σ², τ², ω²; 3 supergroups of 2-3 groups of 2-9 values, 250 replications."""
    sigma2_prior, tau2_prior, omega2_prior = THREE_LEVEL_PRIORS[family]
    supergroup = np.array([0, 0, 1, 1, 1, 2, 2])
    sizes = [2, 5, 3, 9, 4, 6, 2]

    def simulate(rng):
        mu, omega2, tau2, sigma2 = (THETA.sample(rng), omega2_prior.sample(rng), tau2_prior.sample(rng),
                                    sigma2_prior.sample(rng))
        psi = mu + np.sqrt(omega2) * rng.standard_normal(3)
        theta = psi[supergroup] + np.sqrt(tau2) * rng.standard_normal(len(sizes))
        d = simulate_groups(theta, sigma2, sizes, rng)
        data = tk.GroupedData(values=d.values, groups=d.groups, labels=d.labels,
                              supergroups=supergroup[d.groups], supergroup_labels=("a", "b", "c"))
        return {"theta": theta, "psi": psi, "mu": mu, "sigma2": sigma2, "tau2": tau2, "omega2": omega2}, data

    def fit(data, rng):
        return tk.fit_three_level(data, seed=rng, mu_prior=THETA, sigma2_prior=sigma2_prior,
                                  tau2_prior=tau2_prior, omega2_prior=omega2_prior, **draws_needed())

    assert_uniform(run_sbc(250, simulate, fit, np.random.default_rng(17)))
