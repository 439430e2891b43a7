r"""Model 3 in other coordinates: the non-centred parameterisation, and interweaving.

The model is Model 3 (see :mod:`teachkit.models.hierarchical`); only the
unknowns we sample change. Writing each school mean as

    θ_j = μ + τ η_j,        η_j ~ N(0, 1),        τ = √τ² > 0,

gives the same joint distribution of (θ, μ, σ², τ², y): the *non-centred*
parameterisation. The centred sampler of notebook 04 draws θ given (μ, τ²) and
(μ, τ²) given θ; here (μ, τ) are drawn given η instead.

Why bother
----------
Given θ, the centred sampler learns τ² only from the spread of the J school means
θ_j around μ. When τ is small against σ/√n_j, the θ_j are shrunk close to μ, so
the next τ² is small, so the next θ_j are shrunk closer: the chain creeps along
the narrow neck of the "funnel" of (θ_j − μ, log τ) and τ² mixes slowly.

Given η, the non-centred sampler learns τ from the data through θ_j = μ + τ η_j.
When the data pin each θ_j (many students per school, schools far apart), τ η_j
is pinned too, so τ given η barely moves, and η given τ barely moves either: the
non-centred sampler crawls exactly where the centred one runs.

Interweaving (Yu and Meng 2011, "ancillarity–sufficiency interweaving") does
both in one sweep and is fast when either of them is.

Derivation of the non-centred full conditionals
------------------------------------------------
The joint density in (η, μ, τ, σ²):

    p(η, μ, τ, σ², y) = p(μ) p(τ) p(σ²) · Π_j N(η_j | 0, 1) · Π_ij N(y_ij | μ + τ η_j, σ²).

The prior on τ is the lecture's τ ~ U(0, U): flat, p(τ) = 1/U on (0, U).

η_j | μ, τ, σ², y.  Factors: N(η_j | 0, 1) and Π_i N(y_ij | μ + τ η_j, σ²). As a
function of η_j, the n_j values (y_ij − μ)/τ are observations of η_j with variance
σ²/τ², whose mean is (ȳ_j − μ)/τ. A N(0, 1) prior meets them (conjugate update):

    η_j | · ~ N( (n_j τ (ȳ_j − μ)/σ²) / (1 + n_j τ²/σ²),  1/(1 + n_j τ²/σ²) ).

(μ, τ) | η, σ², y.  Factors: p(μ) p(τ) Π_ij N(y_ij | μ + τ η_j, σ²). Since
Σ_i (y_ij − μ − τη_j)² = ss_j + n_j (ȳ_j − μ − τ η_j)², the school means ȳ_j are
observations of the straight line μ + τ η_j, each with variance σ²/n_j: a
weighted regression of ȳ_j on η_j, with intercept μ and slope τ. The prior
N(m0, v0) on μ is one more point of that regression: x_0 = 0, z_0 = m0, weight
w_0 = 1/v0 (its factor is exp(−w_0 (m0 − μ − τ·0)²/2)). With the points
(x_j, z_j) = (η_j, ȳ_j) of weight w_j = n_j/σ², j = 1..J, the log density is a
quadratic in (μ, τ), so

    (μ, τ) | η, σ², y ~ bivariate normal (the weighted least-squares fit),
                        restricted to 0 < τ < U by the flat prior on τ.

Restricting a bivariate normal to a strip in τ leaves the conditional of μ given
τ unchanged and truncates the marginal of τ. So draw τ, then μ given τ:

τ | η, σ², y  (μ integrated out).  The least-squares slope and its precision:

    τ | · ~ N( S_xz / S_xx,  1/S_xx ) truncated to (0, U),
    S_xx = Σ_{j=0..J} w_j (x_j − x̄)²,    S_xz = Σ_{j=0..J} w_j (x_j − x̄)(z_j − z̄),

where x̄, z̄ are the w-weighted means over all J + 1 points.

μ | τ, η, σ², y.  Factors: p(μ) Π_ij N(y_ij | μ + τ η_j, σ²). The n values
y_ij − τ η_j are observations of μ with variance σ², summing to Σ_j n_j (ȳ_j − τ η_j):

    μ | · ~ N( (m0/v0 + Σ_j n_j (ȳ_j − τ η_j)/σ²) / (1/v0 + n/σ²),  1/(1/v0 + n/σ²) ).

In the regression's terms this is its intercept given its slope, N(z̄ − τ x̄, 1/Σ_j w_j)
(multiply top and bottom by σ²), so one weighted fit serves both draws.

σ² | η, μ, τ, y is σ²'s centred conditional with θ_j = μ + τ η_j: σ² depends on η,
μ, τ only through θ.

Only the flat prior on τ makes the (μ, τ) step a normal draw. With τ² ~ IG(a, b),
p(τ) ∝ τ^(−2a−1) exp(−b/τ²) is not normal in τ and there is no closed form, so the
non-centred and interweaving samplers refuse that prior (the centred sampler
treats it exactly).

The non-centred sampler
-----------------------
For t = 1, 2, ...:
    η(t)     ~ p(η | μ(t−1), τ(t−1), σ²(t−1), y)
                                                   the regression of ȳ_j on η(t)_j, once for both:
    τ(t)     ~ p(τ | η(t), σ²(t−1), y)             its slope
    μ(t)     ~ p(μ | τ(t), η(t), σ²(t−1), y)       its intercept, given the slope
    σ²(t)    ~ p(σ² | θ(t), y),       θ(t) = μ(t) + τ(t) η(t)

The interweaving sampler
------------------------
One centred sweep (θ, μ, σ², τ² as in notebook 04), then, with η held fixed:

    η        = (θ − μ)/τ                  the same point, in non-centred coordinates
    τ        ~ p(τ | η, σ², y)            the slope of ȳ_j on η_j
    μ        ~ p(μ | τ, η, σ², y)         the intercept, given the slope
    θ        = μ + τ η                    back to centred coordinates

Why this leaves the posterior unchanged: the map (θ, μ, τ) ↦ (η, μ, τ) is
one-to-one for τ > 0, so if (θ, μ, σ², τ²) is a draw from the posterior, then
(η, μ, σ², τ) is a draw from the same posterior written in the other coordinates.
Redrawing (μ, τ) from its full conditional given (η, σ²) is a Gibbs step, which
leaves that distribution unchanged; mapping back changes coordinates again, not
the distribution. Each step keeps the posterior, so the whole sweep does.

Why it mixes: the centred step moves (μ, τ) freely when θ is pinned by the data
(large τ); the non-centred step moves them freely when θ is not (small τ). Yu and
Meng bound the interwoven sampler's rate of convergence by the geometric mean of the
two samplers' rates (times the maximal correlation between η and θ given the data),
so it is never slower than the slower of the two and is fast when either one is.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from teachkit.models import conjugate
from teachkit.priors import Normal, UniformSD

__all__ = ["draw_eta", "regress_on_eta", "draw_tau", "draw_mu_given_eta", "to_noncentred", "check_tau2_prior"]


def draw_eta(mu, tau, sigma2, n, ybar, rng):
    """η_j | μ, τ, σ², y ~ N( (n_j τ (ȳ_j − μ)/σ²) / (1 + n_j τ²/σ²),  1/(1 + n_j τ²/σ²) ), every j.

    ``mu``, ``tau``, ``sigma2`` hold one value per chain; the result is (chains, J).
    """
    mu, tau, sigma2 = mu[:, None], tau[:, None], sigma2[:, None]
    precision = 1 + n * tau**2 / sigma2
    mean = n * tau * (ybar - mu) / sigma2 / precision
    return mean + rng.standard_normal(mean.shape) / np.sqrt(precision)


class Regression(NamedTuple):
    """The weighted least-squares fit of ȳ_j on η_j (with the prior's point), in the units of σ².

    Every weight w_j = n_j/σ² carries the factor 1/σ², so the fit keeps the weights without it:
    n_j for school j and n0 = σ²/v0 for the prior's point (x_0 = 0, z_0 = m0). ``w`` = σ² Σ w,
    ``s_xx`` = σ² S_xx, ``s_xz`` = σ² S_xz; ``x_bar``, ``z_bar`` are the weighted means.
    """
    sigma2: np.ndarray
    w: np.ndarray
    x_bar: np.ndarray
    z_bar: np.ndarray
    s_xx: np.ndarray
    s_xz: np.ndarray


def regress_on_eta(eta, sigma2, n, ybar, mu_prior: Normal) -> Regression:
    """The sums that (μ, τ) | η, σ², y needs: ȳ_j regressed on η_j with weights n_j/σ², plus the prior's point.

    S_xx and S_xz from raw sums: Σ w (x − x̄)(z − z̄) = Σ wxz − (Σ w) x̄ z̄.
    """
    n0 = sigma2 / mu_prior.var                                 # the prior's point, in "students"
    w = n0 + n.sum()                                           # σ² Σ w
    wx = eta @ n                                               # σ² Σ w x    (x_0 = 0 adds nothing)
    x_bar = wx / w
    z_bar = (n @ ybar + n0 * mu_prior.mean) / w
    s_xx = (eta * eta) @ n - wx * x_bar                        # σ² S_xx
    s_xz = eta @ (n * ybar) - wx * z_bar                       # σ² S_xz
    return Regression(sigma2, w, x_bar, z_bar, s_xx, s_xz)


def draw_tau(fit: Regression, upper, rng):
    """τ | η, σ², y ~ N(S_xz/S_xx, 1/S_xx) truncated to (0, U), with μ integrated out: the fit's slope.

    ``fit`` is :func:`regress_on_eta`'s weighted regression of z_j = ȳ_j on x_j = η_j (weights
    w_j = n_j/σ²) plus the prior's point x_0 = 0, z_0 = m0 of weight w_0 = 1/v0; S_xx and S_xz are
    its sums of squares and cross-products about the weighted means x̄, z̄.
    """
    return conjugate.truncated_normal(fit.s_xz / fit.s_xx, np.sqrt(fit.sigma2 / fit.s_xx), 0.0, upper, rng)


def draw_mu_given_eta(tau, fit: Regression, rng):
    """μ | τ, η, σ², y ~ N( z̄ − τ x̄,  1/Σw ): the fit's intercept, given its slope τ.

    The same as N( (m0/v0 + Σ_j n_j (ȳ_j − τ η_j)/σ²) / (1/v0 + n/σ²),  1/(1/v0 + n/σ²) ): the n
    values y_ij − τ η_j are observations of μ with variance σ², and the prior N(m0, v0) is one more.
    Multiplying through by σ² gives the fit's weights: Σw = (n0 + n)/σ², mean (n0 m0 + Σ n_j ȳ_j
    − τ Σ n_j η_j)/(n0 + n) = z̄ − τ x̄.
    """
    mean = fit.z_bar - tau * fit.x_bar
    return mean + np.sqrt(fit.sigma2 / fit.w) * rng.standard_normal(np.shape(mean))


def to_noncentred(theta, mu, tau):
    """η_j = (θ_j − μ)/τ: the same point of Model 3 in non-centred coordinates."""
    return (theta - mu[:, None]) / tau[:, None]


def check_tau2_prior(method: str, tau2_prior, model: str = "hierarchical"):
    """Only τ ~ U(0, U) makes the (μ, τ) step an exact normal draw; refuse anything else."""
    if not isinstance(tau2_prior, UniformSD):
        raise ValueError(
            f"{model}: method={method!r} needs tau2_prior=UniformSD(...) (τ ~ U(0, U)), got {tau2_prior}. "
            "Its (μ, τ) step draws τ from a truncated normal, which is exact only when the prior on τ "
            "is flat; with an inverse-gamma prior on τ² that conditional has no closed form. "
            "Use method='centred', which treats the inverse-gamma prior exactly."
        )
