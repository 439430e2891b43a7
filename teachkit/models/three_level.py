r"""A third level: houses in counties in states (the lecture's closing remark, fitted).

Model
-----
Within groups (one shared variance):
    y_ijk | θ_jk, σ²   ~  N(θ_jk, σ²)       value i of group j in supergroup k
Groups within supergroups:
    θ_jk | ψ_k, τ²     ~  N(ψ_k, τ²)        j = 1..J_k,  J = Σ_k J_k groups
Supergroups:
    ψ_k | μ, ω²        ~  N(μ, ω²)          k = 1..K
Priors:
    μ                  ~  N(m0, v0)         default N(0, 1000²)
    σ², τ², ω²         each a variance prior: default sd ~ U(0, 1000), or IG(a, b)

For the radon survey: y is a house's log radon, θ_jk its county's mean, ψ_k its
state's mean and μ the centre of the population of states (not an average over the
country's houses); σ² spreads houses within a county, τ² counties within a state and
ω² states around μ. It is Model 3 twice over: group
means θ_jk around their own supergroup's mean ψ_k, and the ψ_k around μ.

Below, k(j) is the supergroup of group j (``data.group_supergroup``), J_k the number
of groups in supergroup k, and sums over "j ∈ k" run over those groups.

Derivation of the full conditionals
-----------------------------------
The joint density factors along the arrows:

    p(θ, ψ, μ, σ², τ², ω², y) = p(μ) p(σ²) p(τ²) p(ω²) · Π_k N(ψ_k | μ, ω²)
                                · Π_j N(θ_j | ψ_k(j), τ²) · Π_ij N(y_ij | θ_j, σ²).

For each parameter keep the factors that contain it; every one is a conjugate
update of :mod:`teachkit.models.conjugate`.

θ_j | ψ, τ², σ², y.  Factors N(θ_j | ψ_k(j), τ²) and Π_i N(y_ij | θ_j, σ²): Model 3's
θ_j conditional with μ replaced by its own supergroup's mean ψ_k(j),

    θ_j | · ~ N( (ψ_k(j)/τ² + n_j ȳ_j/σ²) / (1/τ² + n_j/σ²),  1/(1/τ² + n_j/σ²) ).

ψ_k | θ, μ, τ², ω².  Factors N(ψ_k | μ, ω²) and Π_{j∈k} N(θ_j | ψ_k, τ²): a normal
mean with prior N(μ, ω²) and J_k "observations" θ_j of variance τ²,

    ψ_k | · ~ N( (μ/ω² + Σ_{j∈k} θ_j/τ²) / (1/ω² + J_k/τ²),  1/(1/ω² + J_k/τ²) ).

The data enter only through the θ_j of its groups: given them, the houses say
nothing more about the state.

μ | ψ, ω².  Factors p(μ) Π_k N(ψ_k | μ, ω²): prior N(m0, v0) and K observations ψ_k,

    μ | · ~ N( (m0/v0 + Σ_k ψ_k/ω²) / (1/v0 + K/ω²),  1/(1/v0 + K/ω²) ).

σ² | θ, y.  As in Model 3: p(σ²) (σ²)^(−n/2) exp(−SS(θ)/(2σ²)), SS(θ) = Σ_j [ss_j + n_j (ȳ_j − θ_j)²],

    σ² | · ~ IG(a + n/2, b + SS(θ)/2)                      for σ² ~ IG(a, b),
    σ² | · ~ IG((n − 1)/2, SS(θ)/2) truncated to σ² < B²    for σ ~ U(0, B)

(sd ~ U(0, B) is p(σ²) ∝ (σ²)^(−1/2) on (0, B²); B = 1000 by default).

τ² | θ, ψ.  Factors p(τ²) Π_j N(θ_j | ψ_k(j), τ²) ∝ p(τ²) (τ²)^(−J/2) exp(−Σ_j (θ_j − ψ_k(j))²/(2τ²)):
J deviations of groups from their own supergroup's mean,

    τ² | · ~ IG(a + J/2, b + Σ_j (θ_j − ψ_k(j))²/2),  or IG((J − 1)/2, ...) truncated to τ² < B².

ω² | ψ, μ.  Factors p(ω²) Π_k N(ψ_k | μ, ω²): K deviations ψ_k − μ,

    ω² | · ~ IG(a + K/2, b + Σ_k (ψ_k − μ)²/2),  or IG((K − 1)/2, Σ_k (ψ_k − μ)²/2) truncated to ω² < B².

The sampler's uniform-sd version needs K ≥ 2 (shape > 0), which ``GroupedData`` ensures.
With one supergroup the truncated conditional would still be proper, but it would say
nothing about how supergroups vary. With few
supergroups (the radon survey has 7 states) ω² is learned from K numbers only, and
its prior shows in the posterior.

The Gibbs sampler
-----------------
Start from μ, σ², τ², ω² and ψ spread out across chains. For t = 1, 2, ...:
    θ(t)  ~ p(θ | ψ(t−1), τ²(t−1), σ²(t−1), y)     all J groups at once
    ψ(t)  ~ p(ψ | θ(t), μ(t−1), τ²(t−1), ω²(t−1))  all K supergroups at once
    μ(t)  ~ p(μ | ψ(t), ω²(t−1))
    σ²(t) ~ p(σ² | θ(t), y)
    τ²(t) ~ p(τ² | θ(t), ψ(t))
    ω²(t) ~ p(ω² | ψ(t), μ(t))
Each sweep uses only n_j, ȳ_j and ss_j, computed once: its cost grows with the
number of groups, not of houses.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from teachkit.models import conjugate
from teachkit.models._gibbs import (MEAN_PRIOR, VARIANCE_PRIOR, Trace, check_data, check_prior,
                                    check_sizes, dispersed, dispersed_variance, make_rng)
from teachkit.models.hierarchical import draw_sigma2
from teachkit.priors import Normal, UniformSD

__all__ = ["fit_three_level", "draw_theta", "draw_psi", "draw_mu", "draw_sigma2", "draw_tau2", "draw_omega2",
           "supergroup_own_estimate"]

MODEL = "three_level"


def draw_theta(psi, tau2, sigma2, n, ybar, sup, rng):
    """θ_j | ψ, τ², σ², y ~ N( (ψ_k(j)/τ² + n_j ȳ_j/σ²) / (1/τ² + n_j/σ²),  1/(1/τ² + n_j/σ²) ).

    ``psi`` is (chains, K), ``tau2`` and ``sigma2`` one value per chain, ``sup`` the
    supergroup code k(j) of each group; the result is (chains, J).
    """
    tau2, sigma2 = tau2[:, None], sigma2[:, None]
    precision = 1 / tau2 + n / sigma2
    mean = (psi[:, sup] / tau2 + n * ybar / sigma2) / precision
    return mean + rng.standard_normal(mean.shape) / np.sqrt(precision)


def draw_psi(theta, mu, tau2, omega2, sup, J_k, rng):
    """ψ_k | θ, μ, τ², ω² ~ N( (μ/ω² + Σ_{j∈k} θ_j/τ²) / (1/ω² + J_k/τ²),  1/(1/ω² + J_k/τ²) ).

    ``J_k``: the number of groups in each supergroup. The result is (chains, K).
    The prior of ψ_k, N(μ, ω²), differs by chain, hence :func:`_normal_mean` rather than
    :func:`conjugate.normal_mean`, whose prior is one Normal.
    """
    chains, K = theta.shape[0], J_k.size
    total = np.zeros((chains, K))
    np.add.at(total, (slice(None), sup), theta)               # Σ_{j∈k} θ_j for every chain and k
    return _normal_mean(mu[:, None], omega2[:, None], count=J_k, total=total, var=tau2[:, None], rng=rng)


def _normal_mean(prior_mean, prior_var, count, total, var, rng):
    """conjugate.normal_mean with the prior's mean and variance given as arrays (one per chain)."""
    precision = 1.0 / prior_var + count / var
    mean = (prior_mean / prior_var + total / var) / precision
    return mean + rng.standard_normal(np.shape(mean)) / np.sqrt(precision)


def draw_mu(psi, omega2, prior: Normal, rng):
    """μ | ψ, ω² ~ N( (m0/v0 + Σ_k ψ_k/ω²) / (1/v0 + K/ω²),  1/(1/v0 + K/ω²) )."""
    K = psi.shape[-1]
    return conjugate.normal_mean(prior, count=K, total=psi.sum(axis=-1), var=omega2, rng=rng)


def draw_tau2(theta, psi, sup, prior, rng):
    """τ² | θ, ψ ~ IG(a + J/2, b + Σ_j (θ_j − ψ_k(j))²/2), or IG((J−1)/2, ...) truncated at B²."""
    J = theta.shape[-1]
    sum_sq = ((theta - psi[:, sup]) ** 2).sum(axis=-1)
    return conjugate.variance(prior, count=J, sum_sq=sum_sq, rng=rng)


def draw_omega2(psi, mu, prior, rng):
    """ω² | ψ, μ ~ IG(a + K/2, b + Σ_k (ψ_k − μ)²/2), or IG((K−1)/2, Σ_k (ψ_k − μ)²/2) truncated at B²."""
    K = psi.shape[-1]
    sum_sq = ((psi - mu[:, None]) ** 2).sum(axis=-1)
    return conjugate.variance(prior, count=K, sum_sq=sum_sq, rng=rng)


class _Model(NamedTuple):
    """What every sweep reads: the sufficient statistics, the nesting and the priors."""
    n: np.ndarray
    ybar: np.ndarray
    ss: np.ndarray
    sup: np.ndarray       # k(j), the supergroup of each group
    J_k: np.ndarray       # groups per supergroup
    mu_prior: Normal
    sigma2_prior: object
    tau2_prior: object
    omega2_prior: object


def sweep(psi, mu, sigma2, tau2, omega2, m: _Model, rng):
    """One Gibbs sweep: each parameter from its full conditional, given the latest of the others."""
    theta = draw_theta(psi, tau2, sigma2, m.n, m.ybar, m.sup, rng)        # θ_j | ψ, τ², σ², y
    psi = draw_psi(theta, mu, tau2, omega2, m.sup, m.J_k, rng)             # ψ_k | θ, μ, τ², ω²
    mu = draw_mu(psi, omega2, m.mu_prior, rng)                             # μ | ψ, ω²
    sigma2 = draw_sigma2(theta, m.n, m.ybar, m.ss, m.sigma2_prior, rng)    # σ² | θ, y
    tau2 = draw_tau2(theta, psi, m.sup, m.tau2_prior, rng)                 # τ² | θ, ψ
    omega2 = draw_omega2(psi, mu, m.omega2_prior, rng)                     # ω² | ψ, μ
    return theta, psi, mu, sigma2, tau2, omega2


def check_three_level(data):
    """The data, checked: a GroupedData with a second level (from its ``supergroups``)."""
    data = check_data(data, MODEL)
    if data.supergroups is None:
        raise ValueError(
            f"{MODEL}: the data have no second level: build them with "
            "GroupedData.from_arrays(values, groups, supergroups) or "
            "GroupedData.from_csv(..., supergroup=column), or fit Model 3 with fit_hierarchical"
        )
    return data


def fit_three_level(data, *, draws=5000, warmup=1000, chains=4, seed=None,
                    mu_prior=Normal(0, 1000**2), sigma2_prior=UniformSD(1000),
                    tau2_prior=UniformSD(1000), omega2_prior=UniformSD(1000)):
    """Fit the three-level model by Gibbs sampling (derivation in the module docstring).

    Returns a Posterior with ``theta`` (chains, draws, J), ``psi`` (chains, draws, K),
    labelled by supergroup (``post["psi[MN]"]``), and ``mu``, ``sigma2``, ``tau2``,
    ``omega2`` (chains, draws). ``data`` needs a second level (``data.supergroups``).
    """
    data = check_three_level(data)
    draws, warmup, chains = check_sizes(MODEL, draws, warmup, chains)
    rng = make_rng(seed, MODEL)
    check_prior(MODEL, "mu_prior", mu_prior, MEAN_PRIOR)
    for name, prior in (("sigma2_prior", sigma2_prior), ("tau2_prior", tau2_prior),
                        ("omega2_prior", omega2_prior)):
        check_prior(MODEL, name, prior, VARIANCE_PRIOR)

    n, ybar, ss, sup = data.n.astype(float), data.means, data.ss, data.group_supergroup
    J_k = np.bincount(sup, minlength=data.K).astype(float)
    model = _Model(n, ybar, ss, sup, J_k, mu_prior, sigma2_prior, tau2_prior, omega2_prior)

    # dispersed starting points around rough estimates
    within = ss.sum() / max(data.n_total - data.J, 1) if ss.sum() > 0 else np.var(data.values)
    psi_hat = np.bincount(sup, weights=ybar, minlength=data.K) / J_k
    between_states = max(np.var(psi_hat), within / n.sum())
    between_groups = max(np.var(ybar - psi_hat[sup]), within / n.max())
    mu = dispersed(psi_hat.mean(), np.sqrt(between_states), chains, rng)
    psi = dispersed(psi_hat, np.sqrt(between_groups / J_k), chains, rng, size=(data.K,))
    sigma2 = dispersed_variance(within, chains, rng)
    tau2 = dispersed_variance(between_groups, chains, rng)
    omega2 = dispersed_variance(between_states, chains, rng)

    trace = Trace(chains, warmup, draws, {"theta": (data.J,), "psi": (data.K,), "mu": (), "sigma2": (),
                                          "tau2": (), "omega2": ()})
    for t in range(warmup + draws):
        theta, psi, mu, sigma2, tau2, omega2 = sweep(psi, mu, sigma2, tau2, omega2, model, rng)
        trace.record(t, theta=theta, psi=psi, mu=mu, sigma2=sigma2, tau2=tau2, omega2=omega2)

    return trace.posterior(model=MODEL, data=data, seed=seed,
                           priors={"mu": mu_prior, "sigma2": sigma2_prior, "tau2": tau2_prior,
                                   "omega2": omega2_prior},
                           vector_labels={"psi": data.supergroup_labels})


def supergroup_own_estimate(post) -> np.ndarray:
    """What each supergroup's groups alone say about its mean ψ_k: the posterior mean of

        m_k = Σ_{j∈k} ȳ_j / (τ² + σ²/n_j)  /  Σ_{j∈k} 1 / (τ² + σ²/n_j),

    the mean of ψ_k given σ², τ² and the data when ω² → ∞ (no pull toward μ). A group
    counts by its precision 1/(τ² + σ²/n_j): more values weigh more, but never more than 1/τ².
    Averaged over the draws of σ² and τ²; one value per supergroup. ``post``: a fit of
    :func:`fit_three_level` (it needs the data and the draws of σ² and τ²).
    """
    from teachkit.posterior import Posterior

    if not isinstance(post, Posterior) or post.model != MODEL or post.data is None:
        what = f"a {post.model} posterior" if isinstance(post, Posterior) else type(post).__name__
        raise ValueError(f"supergroup_own_estimate: needs a fit of fit_three_level with its data, got {what}")
    data = post.data
    sigma2, tau2 = post.flat("sigma2")[:, None], post.flat("tau2")[:, None]
    w = 1.0 / (tau2 + sigma2 / data.n)                           # (draws, J)
    in_k = np.eye(data.K)[data.group_supergroup]                 # (J, K): 1 where group j is in k
    return ((w * data.means) @ in_k / (w @ in_k)).mean(axis=0)
