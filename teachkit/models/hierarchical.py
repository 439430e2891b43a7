r"""Model 3, hierarchical: schools differ, but their means come from one population.

Model
-----
Within schools (one shared variance):
    y_ij | θ_j, σ²  ~  N(θ_j, σ²)        i = 1..n_j,  j = 1..J
Between schools:
    θ_j | μ, τ²     ~  N(μ, τ²)           j = 1..J
Priors:
    μ               ~  N(m0, v0)          default N(0, 1000²)
    σ², τ²          each a variance prior: default sd ~ U(0, 1000) (the lecture's,
                    after Gelman 2006), or IG(a, b) (Hoff's semi-conjugate choice)

μ is the mean over all schools, τ² the spread of school means around it, and
σ² the spread of students within a school.

Derivation of the full conditionals
-----------------------------------
The joint density factors along the arrows of the model:

    p(θ, μ, σ², τ², y) = p(μ) p(σ²) p(τ²) · Π_j N(θ_j | μ, τ²) · Π_ij N(y_ij | θ_j, σ²).

For each parameter, keep the factors that contain it.

θ_j | μ, τ², σ², y.  Factors: N(θ_j | μ, τ²) and Π_i N(y_ij | θ_j, σ²). As a
function of θ_j the likelihood is ∝ exp(−n_j (θ_j − ȳ_j)²/(2σ²)): a normal
"prior" N(μ, τ²) meets n_j normal observations, so (conjugate update)

    θ_j | · ~ N( (μ/τ² + n_j ȳ_j/σ²) / (1/τ² + n_j/σ²),  1/(1/τ² + n_j/σ²) ).

Its mean is w_j ȳ_j + (1 − w_j) μ with w_j = (n_j/σ²)/(n_j/σ² + 1/τ²): the
school's own mean, shrunk toward μ by the weight the data earn. Few students
(small n_j) or a small between-school spread (small τ²) mean more shrinkage.

μ | θ, τ².  Factors: p(μ) and Π_j N(θ_j | μ, τ²). The θ_j act as J
observations of μ with variance τ²:

    μ | · ~ N( (m0/v0 + Σ_j θ_j/τ²) / (1/v0 + J/τ²),  1/(1/v0 + J/τ²) ).

σ² | θ, y.  Factors: p(σ²) Π_ij N(y_ij | θ_j, σ²) ∝ p(σ²) (σ²)^(−n/2) exp(−SS(θ)/(2σ²)),
with n = Σ n_j and SS(θ) = Σ_j [ss_j + n_j (ȳ_j − θ_j)²] (ss_j: school j's sum of
squares about its mean). Hence

    σ² | · ~ IG(a + n/2, b + SS(θ)/2)                       for σ² ~ IG(a, b),
    σ² | · ~ IG((n − 1)/2, SS(θ)/2) truncated to σ² < U²     for σ ~ U(0, U),

the second because sd ~ U(0, U) means p(σ²) ∝ (σ²)^(−1/2) on (0, U²).

τ² | θ, μ.  Factors: p(τ²) Π_j N(θ_j | μ, τ²) ∝ p(τ²) (τ²)^(−J/2) exp(−Σ_j (θ_j − μ)²/(2τ²)),
the same form with J "observations" θ_j:

    τ² | · ~ IG(a + J/2, b + Σ_j (θ_j − μ)²/2)                      for τ² ~ IG(a, b),
    τ² | · ~ IG((J − 1)/2, Σ_j (θ_j − μ)²/2) truncated to τ² < U²   for τ ~ U(0, U).

The uniform-on-sd version needs J ≥ 2 (shape > 0); Model 3 needs at least two
groups anyway, since one group says nothing about the spread between groups.

The Gibbs sampler
-----------------
Start from μ(0), σ²(0), τ²(0), spread out across chains. For t = 1, 2, ...:
    θ(t)  ~ p(θ | μ(t−1), τ²(t−1), σ²(t−1), y)     all J schools at once
    μ(t)  ~ p(μ | θ(t), τ²(t−1))
    σ²(t) ~ p(σ² | θ(t), y)
    τ²(t) ~ p(τ² | θ(t), μ(t))
Each sweep uses only n_j, ȳ_j and ss_j, computed once.

This is ``method="centred"``, the default. ``method="noncentred"`` and
``method="interweaving"`` sample the same posterior in other coordinates
(θ_j = μ + τ η_j); their derivation is in
:mod:`teachkit.models.hierarchical_noncentred`, with why the centred sampler
crawls when τ is small.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from teachkit.models import conjugate
from teachkit.models._gibbs import (MEAN_PRIOR, VARIANCE_PRIOR, Trace, check_data, check_prior,
                                    check_sizes, dispersed, dispersed_variance, make_rng)
from teachkit.models.hierarchical_noncentred import (check_tau2_prior, draw_eta, draw_mu_given_eta,
                                                     draw_tau, regress_on_eta, to_noncentred)
from teachkit.priors import Normal, UniformSD

__all__ = ["fit_hierarchical", "draw_theta", "draw_mu", "draw_sigma2", "draw_tau2", "METHODS"]

MODEL = "hierarchical"


def draw_theta(mu, tau2, sigma2, n, ybar, rng):
    """θ_j | μ, τ², σ², y ~ N( (μ/τ² + n_j ȳ_j/σ²) / (1/τ² + n_j/σ²),  1/(1/τ² + n_j/σ²) ), every j.

    ``mu``, ``tau2``, ``sigma2`` hold one value per chain; the result is (chains, J).
    """
    mu, tau2, sigma2 = mu[:, None], tau2[:, None], sigma2[:, None]
    precision = 1 / tau2 + n / sigma2
    mean = (mu / tau2 + n * ybar / sigma2) / precision
    return mean + rng.standard_normal(mean.shape) / np.sqrt(precision)


def draw_mu(theta, tau2, prior: Normal, rng):
    """μ | θ, τ² ~ N( (m0/v0 + Σ_j θ_j/τ²) / (1/v0 + J/τ²),  1/(1/v0 + J/τ²) )."""
    J = theta.shape[-1]
    return conjugate.normal_mean(prior, count=J, total=theta.sum(axis=-1), var=tau2, rng=rng)


def draw_sigma2(theta, n, ybar, ss, prior, rng):
    """σ² | θ, y ~ IG(a + n/2, b + SS(θ)/2), or IG((n−1)/2, SS(θ)/2) truncated at U² for σ ~ U(0, U).

    SS(θ) = Σ_j [ss_j + n_j (ȳ_j − θ_j)²], the squared distances of all students to their school's θ_j.
    """
    sum_sq = ss.sum() + (ybar - theta) ** 2 @ n  # the matrix product sums n_j (ȳ_j − θ_j)² over j
    return conjugate.variance(prior, count=n.sum(), sum_sq=sum_sq, rng=rng)


def draw_tau2(theta, mu, prior, rng):
    """τ² | θ, μ ~ IG(a + J/2, b + Σ_j(θ_j − μ)²/2), or IG((J−1)/2, Σ_j(θ_j − μ)²/2) truncated at U²."""
    J = theta.shape[-1]
    sum_sq = ((theta - mu[:, None]) ** 2).sum(axis=-1)
    return conjugate.variance(prior, count=J, sum_sq=sum_sq, rng=rng)


def sweep_centred(mu, sigma2, tau2, m, rng):
    """One sweep of the centred sampler (notebook 04). ``m``: the data's statistics and the priors."""
    theta = draw_theta(mu, tau2, sigma2, m.n, m.ybar, rng)                # θ_j | μ, τ², σ², y
    mu = draw_mu(theta, tau2, m.mu_prior, rng)                            # μ | θ, τ²
    sigma2 = draw_sigma2(theta, m.n, m.ybar, m.ss, m.sigma2_prior, rng)   # σ² | θ, y
    tau2 = draw_tau2(theta, mu, m.tau2_prior, rng)                        # τ² | θ, μ
    return theta, mu, sigma2, tau2


def sweep_noncentred(mu, sigma2, tau2, m, rng):
    """One sweep of the non-centred sampler: θ_j = μ + τ η_j, with (μ, τ) drawn given η."""
    eta = draw_eta(mu, np.sqrt(tau2), sigma2, m.n, m.ybar, rng)                 # η_j | μ, τ, σ², y
    fit = regress_on_eta(eta, sigma2, m.n, m.ybar, m.mu_prior)                  # ȳ_j on η_j, weights n_j/σ²
    tau = draw_tau(fit, m.tau_upper, rng)                                       # τ | η, σ², y
    mu = draw_mu_given_eta(tau, fit, rng)                                       # μ | τ, η, σ², y
    theta = mu[:, None] + tau[:, None] * eta                                    # θ = μ + τ η
    sigma2 = draw_sigma2(theta, m.n, m.ybar, m.ss, m.sigma2_prior, rng)         # σ² | θ, y
    return theta, mu, sigma2, tau**2


def sweep_interweaving(mu, sigma2, tau2, m, rng):
    """A centred sweep, then (μ, τ) redrawn in non-centred coordinates with η held fixed."""
    theta, mu, sigma2, tau2 = sweep_centred(mu, sigma2, tau2, m, rng)
    eta = to_noncentred(theta, mu, np.sqrt(tau2))                               # η = (θ − μ)/τ
    fit = regress_on_eta(eta, sigma2, m.n, m.ybar, m.mu_prior)                  # ȳ_j on η_j, weights n_j/σ²
    tau = draw_tau(fit, m.tau_upper, rng)                                       # τ | η, σ², y
    mu = draw_mu_given_eta(tau, fit, rng)                                       # μ | τ, η, σ², y
    theta = mu[:, None] + tau[:, None] * eta                                    # θ = μ + τ η
    return theta, mu, sigma2, tau**2


#: The samplers of Model 3 by name: all draw from the same posterior.
METHODS = {"centred": sweep_centred, "noncentred": sweep_noncentred, "interweaving": sweep_interweaving}


class _Model(NamedTuple):
    """What every sweep reads: the sufficient statistics and the priors."""
    n: np.ndarray
    ybar: np.ndarray
    ss: np.ndarray
    mu_prior: Normal
    sigma2_prior: object
    tau2_prior: object
    tau_upper: float | None


def fit_hierarchical(data, *, draws=5000, warmup=1000, chains=4, seed=None,
                     mu_prior=Normal(0, 1000**2), sigma2_prior=UniformSD(1000),
                     tau2_prior=UniformSD(1000), method="centred"):
    """Fit Model 3 by Gibbs sampling. Returns a Posterior with ``theta`` (chains, draws, J)
    and ``mu``, ``sigma2``, ``tau2`` (chains, draws).

    ``method`` chooses the sampler; all three draw from the same posterior:

    * ``"centred"`` (default): θ, μ, σ², τ² in turn, as derived in notebook 04;
    * ``"noncentred"``: θ_j = μ + τ η_j, sampling η, (μ, τ) together, and σ²;
    * ``"interweaving"``: a centred sweep, then (μ, τ) redrawn given η = (θ − μ)/τ.

    The last two need the lecture's flat prior on τ (``tau2_prior=UniformSD(...)``);
    see :mod:`teachkit.models.hierarchical_noncentred` for why, and for when each mixes well.
    """
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"{MODEL}: unknown method {method!r}; choose one of {', '.join(map(repr, METHODS))}")
    data = check_data(data, MODEL)
    draws, warmup, chains = check_sizes(MODEL, draws, warmup, chains)
    rng = make_rng(seed, MODEL)
    check_prior(MODEL, "mu_prior", mu_prior, MEAN_PRIOR)
    check_prior(MODEL, "sigma2_prior", sigma2_prior, VARIANCE_PRIOR)
    check_prior(MODEL, "tau2_prior", tau2_prior, VARIANCE_PRIOR)
    if method != "centred":
        check_tau2_prior(method, tau2_prior, MODEL)
    if data.J < 2:
        raise ValueError(
            f"{MODEL}: needs at least 2 groups to learn how group means vary (τ²); "
            f"the data have {data.J}. Use fit_complete_pooling for a single group."
        )

    n, ybar, ss = data.n, data.means, data.ss  # sufficient statistics, computed once
    # n as floats: the same numbers (and the same draws), without a cast in every product with n
    model = _Model(n.astype(float), ybar, ss, mu_prior, sigma2_prior, tau2_prior,
                   tau_upper=getattr(tau2_prior, "upper", None))

    # dispersed starting points around rough estimates
    within = ss.sum() / max(data.n_total - data.J, 1) if ss.sum() > 0 else np.var(data.values)
    between = max(np.var(ybar), within / n.max())
    mu = dispersed(ybar.mean(), np.sqrt(between), chains, rng)
    sigma2 = dispersed_variance(within, chains, rng)
    tau2 = dispersed_variance(between, chains, rng)

    sweep = METHODS[method]
    trace = Trace(chains, warmup, draws, {"theta": (data.J,), "mu": (), "sigma2": (), "tau2": ()})
    for t in range(warmup + draws):
        theta, mu, sigma2, tau2 = sweep(mu, sigma2, tau2, model, rng)
        trace.record(t, theta=theta, mu=mu, sigma2=sigma2, tau2=tau2)

    return trace.posterior(model=MODEL, data=data, seed=seed,
                           priors={"mu": mu_prior, "sigma2": sigma2_prior, "tau2": tau2_prior})
