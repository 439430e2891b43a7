r"""Model 4, school-specific variances (Hoff §8.5): means *and* variances are hierarchical.

Model
-----
Within schools (each school its own variance):
    y_ij | θ_j, σ_j²      ~  N(θ_j, σ_j²)                 i = 1..n_j,  j = 1..J
Between schools:
    θ_j | μ, τ²           ~  N(μ, τ²)
    σ_j² | ν0, σ0²        ~  IG(ν0/2, ν0 σ0²/2)
Priors:
    μ                     ~  N(m0, v0)                    default N(0, 1000²), as in Model 3
    τ²                    ~  a variance prior             default sd τ ~ U(0, 1000), or IG(a, b)
    σ0²                   ~  Gamma(a, b)  (b a rate)      default Gamma(1, 1/100), Hoff's choice
    ν0                    ~  p(ν0) ∝ exp(−α ν0)           on ν0 = 1, 2, ..., ν_max; default α = 1

σ0² is the typical within-school variance, and ν0 says how alike the schools'
variances are: IG(ν0/2, ν0σ0²/2) has its mode near σ0², and as ν0 grows it
piles up on σ0², so every σ_j² equals σ0² and the model becomes Model 3 with
σ² = σ0². A small ν0 lets each school keep its own variance, as in Model 2.

Derivation of the full conditionals
-----------------------------------
The joint density factors along the arrows of the model:

    p(θ, σ², μ, τ², σ0², ν0, y) = p(μ) p(τ²) p(σ0²) p(ν0)
        · Π_j N(θ_j | μ, τ²) · Π_j IG(σ_j² | ν0/2, ν0σ0²/2) · Π_ij N(y_ij | θ_j, σ_j²).

For each parameter keep the factors that contain it. Write SS_j(θ_j) =
Σ_i (y_ij − θ_j)² = ss_j + n_j (ȳ_j − θ_j)², with ss_j school j's sum of squares
about its mean ȳ_j.

θ_j | μ, τ², σ_j², y.  Factors N(θ_j | μ, τ²) Π_i N(y_ij | θ_j, σ_j²): as in
Model 3, but the data's precision is n_j/σ_j², school j's own:

    θ_j | · ~ N( (μ/τ² + n_j ȳ_j/σ_j²) / (1/τ² + n_j/σ_j²),  1/(1/τ² + n_j/σ_j²) ).

A school with a large σ_j² earns less weight for its own mean: it is shrunk more.

μ | θ, τ² and τ² | θ, μ.  Their factors are p(μ) p(τ²) Π_j N(θ_j | μ, τ²),
exactly Model 3's, so the conditionals are Model 3's (and so is the code):

    μ | · ~ N( (m0/v0 + Σ_j θ_j/τ²) / (1/v0 + J/τ²),  1/(1/v0 + J/τ²) ),
    τ² | · ~ IG(a + J/2, b + Σ_j(θ_j − μ)²/2), or IG((J−1)/2, Σ_j(θ_j − μ)²/2) truncated at U².

σ_j² | θ_j, ν0, σ0², y.  Factors IG(σ_j² | ν0/2, ν0σ0²/2) Π_i N(y_ij | θ_j, σ_j²)
    ∝ (σ_j²)^(−ν0/2 − 1) exp(−ν0σ0²/(2σ_j²)) · (σ_j²)^(−n_j/2) exp(−SS_j(θ_j)/(2σ_j²)), so

    σ_j² | · ~ IG( (ν0 + n_j)/2,  (ν0 σ0² + SS_j(θ_j))/2 ).

The posterior "prior sample size" is ν0 + n_j: ν0 pseudo-students with variance
σ0² join the school's n_j. A school with a single student (n_j = 1) is fine:
ν0 ≥ 1 keeps the shape positive, and its variance comes mostly from the prior
IG(ν0/2, ν0σ0²/2), that is, from what the other schools say about σ0² and ν0
(Model 2 refuses such a school, Model 3 gives it the shared σ²).

σ0² | σ², ν0.  Factors p(σ0²) Π_j IG(σ_j² | ν0/2, ν0σ0²/2). As a function of
σ0² each inverse-gamma density is (ν0σ0²/2)^(ν0/2) exp(−ν0σ0²/(2σ_j²)) times
terms free of σ0², so with σ0² ~ Gamma(a, b):

    (σ0²)^(a−1) e^(−b σ0²) · (σ0²)^(Jν0/2) exp(−σ0² (ν0/2) Σ_j 1/σ_j²),
    σ0² | · ~ Gamma( a + J ν0/2,  b + (ν0/2) Σ_j 1/σ_j² ).

Its mean is near the harmonic mean of the σ_j² when the data dominate.

ν0 | σ², σ0².  Factors p(ν0) Π_j IG(σ_j² | ν0/2, ν0σ0²/2). ν0 lives on the
grid 1..ν_max, so its conditional is the discrete distribution with

    log p(ν0 | ·) = −α ν0 + J [ (ν0/2) log(ν0 σ0²/2) − log Γ(ν0/2) ]
                    − (ν0/2 + 1) Σ_j log σ_j² − (ν0 σ0²/2) Σ_j 1/σ_j² + const,

evaluated at every grid point in log space (the terms are in the thousands for
large ν0; exponentiating them directly overflows), shifted by their maximum,
exponentiated and normalised, then sampled by inverting the cumulative sum.

The Gibbs sampler
-----------------
Start from μ(0), τ²(0), σ_j²(0), σ0²(0), spread out across chains. For t = 1, 2, ...:
    θ(t)    ~ p(θ | μ(t−1), τ²(t−1), σ²(t−1), y)      all J schools at once
    μ(t)    ~ p(μ | θ(t), τ²(t−1))
    τ²(t)   ~ p(τ² | θ(t), μ(t))
    ν0(t)   ~ p(ν0 | σ²(t−1), σ0²(t−1))
    σ0²(t)  ~ p(σ0² | σ²(t−1), ν0(t))
    σ²(t)   ~ p(σ_j² | θ(t), ν0(t), σ0²(t), y)        all J schools at once
Each sweep uses only n_j, ȳ_j and ss_j, computed once.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from teachkit.models import conjugate
from teachkit.models._gibbs import (MEAN_PRIOR, VARIANCE_PRIOR, Trace, check_data, check_prior,
                                    check_sizes, dispersed, dispersed_variance, make_rng)
from teachkit.models.hierarchical import draw_mu, draw_tau2
from teachkit.priors import DiscreteExponential, Gamma, Normal, UniformSD

__all__ = ["fit_school_variances", "draw_theta", "draw_mu", "draw_tau2", "draw_sigma2",
           "draw_sigma02", "draw_nu0", "log_nu0_conditional", "nu0_prior_terms"]

MODEL = "school variances"
MAX_GRID = 100_000  # ν0 grid points: chains × grid floats are evaluated every sweep


def draw_theta(mu, tau2, sigma2, n, ybar, rng):
    """θ_j | μ, τ², σ_j², y ~ N( (μ/τ² + n_j ȳ_j/σ_j²) / (1/τ² + n_j/σ_j²),  1/(1/τ² + n_j/σ_j²) ), every j.

    ``mu`` and ``tau2`` hold one value per chain, ``sigma2`` is (chains, J); the result is (chains, J).
    """
    mu, tau2 = mu[:, None], tau2[:, None]
    precision = 1 / tau2 + n / sigma2
    mean = (mu / tau2 + n * ybar / sigma2) / precision
    return mean + rng.standard_normal(mean.shape) / np.sqrt(precision)


def draw_sigma2(theta, nu0, sigma02, n, ybar, ss, rng):
    """σ_j² | θ_j, ν0, σ0², y ~ IG( (ν0 + n_j)/2,  (ν0 σ0² + SS_j(θ_j))/2 ), every j.

    SS_j(θ_j) = ss_j + n_j (ȳ_j − θ_j)², the squared distances of school j's students to θ_j.
    """
    nu0, sigma02 = nu0[:, None], sigma02[:, None]
    sum_sq = ss + n * (ybar - theta) ** 2
    return conjugate.inverse_gamma((nu0 + n) / 2, (nu0 * sigma02 + sum_sq) / 2, rng)


def draw_sigma02(sigma2, nu0, prior: Gamma, rng):
    """σ0² | σ², ν0 ~ Gamma( a + J ν0/2,  b + (ν0/2) Σ_j 1/σ_j² )   (shape, rate)."""
    J = sigma2.shape[-1]
    shape = prior.shape + J * nu0 / 2
    rate = prior.rate + nu0 / 2 * (1 / sigma2).sum(axis=-1)
    return rng.standard_gamma(shape) / rate


def nu0_prior_terms(grid, rate, J):
    """The part of log p(ν0 | σ², σ0²) that depends on ν0 alone, at every grid point:

        −α ν0 + J [ (ν0/2) log(ν0/2) − log Γ(ν0/2) ].

    It is the same in every sweep, so the sampler computes it once.
    """
    from scipy.special import gammaln

    half = grid / 2
    return -rate * grid + J * (half * np.log(half) - gammaln(half))


def log_nu0_conditional(grid, terms, sigma2, sigma02):
    """log p(ν0 | σ², σ0²) + const at every ν0 in ``grid``, one row per chain: (chains, len(grid)).

        −α ν0 + J [(ν0/2) log(ν0 σ0²/2) − log Γ(ν0/2)] − (ν0/2 + 1) Σ_j log σ_j² − (ν0 σ0²/2) Σ_j 1/σ_j²
      = terms(ν0) + (ν0/2) [ J log σ0² − Σ_j log σ_j² − σ0² Σ_j 1/σ_j² ] + const,

    with ``terms`` from nu0_prior_terms; the constant −Σ_j log σ_j² is dropped.
    """
    J = sigma2.shape[-1]
    slope = J * np.log(sigma02) - np.log(sigma2).sum(axis=-1) - sigma02 * (1 / sigma2).sum(axis=-1)
    return terms + np.multiply.outer(slope, grid / 2)


def draw_nu0(grid, terms, sigma2, sigma02, rng):
    """ν0 | σ², σ0²: a draw from the discrete conditional on ``grid`` (see log_nu0_conditional).

    The log weights are shifted by their maximum before exponentiating, so that
    none overflows and the largest is 1; a uniform draw then picks a grid point
    through the cumulative sum (inverse-CDF sampling). Weights below e^−50 of the
    largest are set to 0 without computing them (most of the grid, and the
    costly part): on a grid of at most 100,000 points they sum to less than 2e−17
    of the total, below what a double can add to it.
    """
    log_w = log_nu0_conditional(grid, terms, sigma2, sigma02)
    shifted = log_w - log_w.max(axis=-1, keepdims=True)
    w = np.exp(shifted, where=shifted > -50.0, out=np.zeros_like(shifted))
    cdf = np.cumsum(w, axis=-1)
    u = rng.uniform(size=(cdf.shape[0], 1)) * cdf[:, -1:]
    index = np.minimum((cdf < u).sum(axis=-1), len(grid) - 1)
    return grid[index]


def fit_school_variances(data, *, draws=5000, warmup=1000, chains=4, seed=None,
                         mu_prior=Normal(0, 1000**2), tau2_prior=UniformSD(1000),
                         sigma02_prior=Gamma(1, 1 / 100), nu0_rate=1.0, nu0_max=1000, nu0_min=1):
    """Fit Model 4 (school-specific variances, Hoff §8.5) by Gibbs sampling.

    ``nu0_rate`` is α in p(ν0) ∝ exp(−α ν0) (α = 0: uniform), on the grid
    ν0 = ``nu0_min``, ..., ``nu0_max`` (at most 100,000 points). Setting
    ``nu0_min = nu0_max`` holds ν0 fixed. See the module docstring for the
    derivation.

    Defaults: the lecture's priors for μ and τ (as in Model 3); Hoff's Gamma(1, 1/100)
    for σ0² and α = 1 for ν0. The grid ends at 1000, where the prior has e^(−1000α) of
    its mass: nothing for α ≥ 0.01, and every sweep costs chains × grid points.
    α = 1 is a strong prior (mean 1.6; odds e^−5 for ν0 = 10 against 5): with few
    schools the posterior of ν0 follows α closely, so try several.

    Returns a Posterior with ``theta`` and ``sigma2`` shaped (chains, draws, J), and
    ``mu``, ``tau2``, ``sigma02``, ``nu0`` shaped (chains, draws).
    """
    data = check_data(data, MODEL)
    draws, warmup, chains = check_sizes(MODEL, draws, warmup, chains)
    rng = make_rng(seed, MODEL)
    check_prior(MODEL, "mu_prior", mu_prior, MEAN_PRIOR)
    check_prior(MODEL, "tau2_prior", tau2_prior, VARIANCE_PRIOR)
    check_prior(MODEL, "sigma02_prior", sigma02_prior, (Gamma,))
    grid, rate = _nu0_grid(nu0_rate, nu0_min, nu0_max)
    if data.J < 2:
        raise ValueError(
            f"{MODEL}: needs at least 2 groups to learn how group means and variances vary "
            f"(τ², σ0², ν0); the data have {data.J}. Use fit_complete_pooling for a single group."
        )

    n, ybar, ss = data.n, data.means, data.ss  # sufficient statistics, computed once
    terms = nu0_prior_terms(grid, rate, data.J)  # the ν0-only part of its conditional, likewise

    # dispersed starting points around rough estimates (ν0 is drawn first, so needs none)
    within = ss.sum() / max(data.n_total - data.J, 1) if ss.sum() > 0 else np.var(data.values)
    between = max(np.var(ybar), within / n.max())
    mu = dispersed(ybar.mean(), np.sqrt(between), chains, rng)
    tau2 = dispersed_variance(between, chains, rng)
    sigma2 = dispersed_variance(within, chains, rng, size=(data.J,))
    sigma02 = dispersed_variance(within, chains, rng)

    trace = Trace(chains, warmup, draws, {"theta": (data.J,), "sigma2": (data.J,), "mu": (),
                                          "tau2": (), "sigma02": (), "nu0": ()})
    for t in range(warmup + draws):
        theta = draw_theta(mu, tau2, sigma2, n, ybar, rng)                # θ_j | μ, τ², σ_j², y
        mu = draw_mu(theta, tau2, mu_prior, rng)                          # μ | θ, τ²
        tau2 = draw_tau2(theta, mu, tau2_prior, rng)                      # τ² | θ, μ
        nu0 = draw_nu0(grid, terms, sigma2, sigma02, rng)                 # ν0 | σ², σ0²
        sigma02 = draw_sigma02(sigma2, nu0, sigma02_prior, rng)           # σ0² | σ², ν0
        sigma2 = draw_sigma2(theta, nu0, sigma02, n, ybar, ss, rng)       # σ_j² | θ_j, ν0, σ0², y
        trace.record(t, theta=theta, sigma2=sigma2, mu=mu, tau2=tau2, sigma02=sigma02, nu0=nu0)

    nu0_prior = DiscreteExponential(rate, int(grid[-1]), int(grid[0]))
    return trace.posterior(model=MODEL, data=data, seed=seed,
                           priors={"mu": mu_prior, "tau2": tau2_prior, "sigma02": sigma02_prior,
                                   "nu0": nu0_prior})


def _nu0_grid(rate, nu0_min, nu0_max):
    if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not math.isfinite(rate) or rate < 0:
        raise ValueError(f"{MODEL}: nu0_rate (α in p(ν0) ∝ exp(−α ν0)) must be a finite number ≥ 0, "
                         f"got {rate!r}")
    for name, value in (("nu0_max", nu0_max), ("nu0_min", nu0_min)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(f"{MODEL}: {name} must be a positive integer (ν0 lives on 1, 2, ...), "
                             f"got {value!r}")
    if nu0_min > nu0_max:
        raise ValueError(f"{MODEL}: nu0_min ({nu0_min}) must not exceed nu0_max ({nu0_max})")
    if nu0_max - nu0_min + 1 > MAX_GRID:
        raise ValueError(f"{MODEL}: the ν0 grid {nu0_min}..{nu0_max} has more than {MAX_GRID:,} points; "
                         "raise nu0_min or lower nu0_max")
    return np.arange(int(nu0_min), int(nu0_max) + 1, dtype=float), float(rate)
