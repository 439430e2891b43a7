r"""Model 2, no pooling: each school has its own mean and variance, fitted on its own.

Model
-----
    y_ij | θ_j, σ_j²  ~  N(θ_j, σ_j²)    school j = 1..J, student i = 1..n_j
    θ_j               ~  N(m0, v0)        the same vague prior for every school
    σ_j²              ~  IG(a, b)         or σ_j ~ U(0, U); independent across schools

2J parameters (16 for the homework data).

Derivation
----------
The prior and the likelihood both factor over schools,

    p(θ, σ², y) = Π_j [ p(θ_j) p(σ_j²) Π_i N(y_ij | θ_j, σ_j²) ],

so the posterior factors too: school j's (θ_j, σ_j²) depend on school j's data
only. Each school is Model 1 on its own n_j values, and its full conditionals
are Model 1's with n, ȳ, SS replaced by n_j, ȳ_j, SS_j:

    θ_j  | σ_j², y_j ~ N( (m0/v0 + n_j ȳ_j/σ_j²) / (1/v0 + n_j/σ_j²),  1/(1/v0 + n_j/σ_j²) )
    σ_j² | θ_j, y_j  ~ IG(a + n_j/2, b + SS_j(θ_j)/2)
                       or IG((n_j − 1)/2, SS_j(θ_j)/2) truncated at U²  (σ_j ~ U(0, U))

A school with a single student cannot inform its own variance: with one value
SS_j(θ_j) can be made 0 by θ_j = y_1j, and under the uniform-on-sd prior the
conditional's shape (n_j − 1)/2 is 0. The model refuses such data; Model 3,
which shares one σ² across schools, handles it.

The sampler below calls Model 1's two conditionals with arrays of length J:
every school, in every chain, moves in the same numpy call.
"""

from __future__ import annotations

from teachkit.models._gibbs import (MEAN_PRIOR, VARIANCE_PRIOR, Trace, check_data, check_prior,
                                    check_sizes, dispersed_variance, make_rng)
from teachkit.models.complete_pooling import draw_sigma2, draw_theta
from teachkit.priors import InverseGamma, Normal

__all__ = ["fit_no_pooling"]

MODEL = "no pooling"


def fit_no_pooling(data, *, draws=5000, warmup=1000, chains=4, seed=None,
                   theta_prior=Normal(0, 1000**2), sigma2_prior=InverseGamma(0.01, 0.01)):
    """Fit Model 2 by Gibbs sampling. Returns a Posterior with ``theta`` and ``sigma2``,
    each shaped (chains, draws, J)."""
    data = check_data(data, MODEL)
    draws, warmup, chains = check_sizes(MODEL, draws, warmup, chains)
    rng = make_rng(seed, MODEL)
    check_prior(MODEL, "theta_prior", theta_prior, MEAN_PRIOR)
    check_prior(MODEL, "sigma2_prior", sigma2_prior, VARIANCE_PRIOR)
    _check_groups(data)

    n, ybar, ss = data.n, data.means, data.ss  # per school, computed once

    sigma2 = dispersed_variance(ss / (n - 1), chains, rng, size=(data.J,))
    trace = Trace(chains, warmup, draws, {"theta": (data.J,), "sigma2": (data.J,)})
    for t in range(warmup + draws):
        theta = draw_theta(sigma2, n, ybar, theta_prior, rng)             # θ_j | σ_j², y_j
        sigma2 = draw_sigma2(theta, n, ybar, ss, sigma2_prior, rng)       # σ_j² | θ_j, y_j
        trace.record(t, theta=theta, sigma2=sigma2)

    return trace.posterior(model=MODEL, data=data, seed=seed,
                           priors={"theta": theta_prior, "sigma2": sigma2_prior})


def _check_groups(data):
    for j in range(data.J):
        label = data.labels[j]
        if data.n[j] < 2:
            raise ValueError(
                f"{MODEL}: group {label} has {data.n[j]} observation; its own variance σ_{label}² "
                "is not identified from one value. Use fit_hierarchical (Model 3), which shares "
                "one σ² across groups and still estimates this group's mean."
            )
        if data.ss[j] == 0:
            raise ValueError(
                f"{MODEL}: all {data.n[j]} values of group {label} are identical, so its "
                "variance has nothing to be estimated from"
            )
