r"""Model 1, complete pooling: every student from one normal distribution.

Model
-----
    y_ij | θ, σ²  ~  N(θ, σ²)           every student i of every school j
    θ             ~  N(m0, v0)           default N(0, 1000²): vague
    σ²            ~  IG(a, b)            default IG(0.01, 0.01); or sd σ ~ U(0, U)

The school labels are ignored: the n = Σ n_j values are one sample.

Derivation of the full conditionals
-----------------------------------
Write ȳ for the mean of all n values and SS(θ) = Σ_ij (y_ij − θ)².
The joint density is

    p(θ, σ², y) = p(θ) p(σ²) Π_ij N(y_ij | θ, σ²)
               ∝ exp(−(θ − m0)²/(2 v0)) · p(σ²) · (σ²)^(−n/2) exp(−SS(θ)/(2σ²)).

θ | σ², y.  Keep only the factors that contain θ. Since
SS(θ) = SS(ȳ) + n (ȳ − θ)², the θ-part is

    exp(−(θ − m0)²/(2 v0) − n (θ − ȳ)²/(2σ²)),

a product of two normal kernels in θ, hence normal. Completing the square,

    θ | σ², y ~ N( (m0/v0 + n ȳ/σ²) / (1/v0 + n/σ²),  1 / (1/v0 + n/σ²) ).

The precision (1/variance) of the posterior is the prior precision plus the
data's, and its mean is the precision-weighted average of m0 and ȳ.

σ² | θ, y.  Keep the factors that contain σ²:

    p(σ²) · (σ²)^(−n/2) exp(−SS(θ)/(2σ²)).

* With σ² ~ IG(a, b), p(σ²) ∝ (σ²)^(−a−1) exp(−b/σ²), so
      σ² | θ, y ~ IG(a + n/2,  b + SS(θ)/2).
* With σ ~ U(0, U), the density of the variance is p(σ²) ∝ (σ²)^(−1/2) on
  (0, U²) (change of variables: dσ/dσ² = 1/(2σ)), so
      σ² | θ, y ~ IG((n − 1)/2,  SS(θ)/2)  truncated to σ² < U².

Both conditionals need only n, ȳ and SS(ȳ): the sampler computes these
sufficient statistics once, and each sweep costs the same whatever n is.

The Gibbs sampler
-----------------
Start from σ²(0). For t = 1, 2, ...:
    θ(t)  ~ p(θ | σ²(t−1), y)
    σ²(t) ~ p(σ² | θ(t), y)
"""

from __future__ import annotations

import numpy as np

from teachkit.models import conjugate
from teachkit.models._gibbs import (MEAN_PRIOR, VARIANCE_PRIOR, Trace, check_data, check_prior,
                                    check_sizes, dispersed_variance, make_rng)
from teachkit.priors import InverseGamma, Normal

__all__ = ["fit_complete_pooling", "draw_theta", "draw_sigma2"]

MODEL = "complete pooling"


def draw_theta(sigma2, n, ybar, prior: Normal, rng):
    """θ | σ², y ~ N( (m0/v0 + n ȳ/σ²) / (1/v0 + n/σ²),  1/(1/v0 + n/σ²) ).

    Works elementwise: with arrays of n and ȳ (one per school) it draws every
    school's θ_j at once, which is how Model 2 reuses it.
    """
    return conjugate.normal_mean(prior, count=n, total=n * ybar, var=sigma2, rng=rng)


def draw_sigma2(theta, n, ybar, ss, prior, rng):
    """σ² | θ, y ~ IG(a + n/2, b + SS(θ)/2), or IG((n−1)/2, SS(θ)/2) truncated at U² for σ ~ U(0, U).

    SS(θ) = Σ (y − θ)² = ss + n (ȳ − θ)², with ss the sum of squares about ȳ.
    """
    sum_sq = ss + n * (ybar - theta) ** 2
    return conjugate.variance(prior, count=n, sum_sq=sum_sq, rng=rng)


def fit_complete_pooling(data, *, draws=5000, warmup=1000, chains=4, seed=None,
                         theta_prior=Normal(0, 1000**2), sigma2_prior=InverseGamma(0.01, 0.01)):
    """Fit Model 1 by Gibbs sampling. Returns a Posterior with draws of ``theta`` and ``sigma2``,
    each shaped (chains, draws)."""
    data = check_data(data, MODEL)
    draws, warmup, chains = check_sizes(MODEL, draws, warmup, chains)
    rng = make_rng(seed, MODEL)
    check_prior(MODEL, "theta_prior", theta_prior, MEAN_PRIOR)
    check_prior(MODEL, "sigma2_prior", sigma2_prior, VARIANCE_PRIOR)

    # sufficient statistics, computed once
    n = data.n_total
    ybar = data.values.mean()
    ss = np.sum((data.values - ybar) ** 2)

    sigma2 = dispersed_variance(ss / (n - 1), chains, rng)
    trace = Trace(chains, warmup, draws, {"theta": (), "sigma2": ()})
    for t in range(warmup + draws):
        theta = draw_theta(sigma2, n, ybar, theta_prior, rng)             # θ | σ², y
        sigma2 = draw_sigma2(theta, n, ybar, ss, sigma2_prior, rng)       # σ² | θ, y
        trace.record(t, theta=theta, sigma2=sigma2)

    return trace.posterior(model=MODEL, data=data, seed=seed,
                           priors={"theta": theta_prior, "sigma2": sigma2_prior})
