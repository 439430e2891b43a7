r"""Posterior predictions: a school nobody surveyed, and a new student in a school we did.

A new school.  Models 3 and 4 say how school means vary: θ ~ N(μ, τ²). A new
school's mean is one more draw from that population, and a new student there
one more draw around it. For every posterior draw (μ, τ², ...):

    θ_new   ~ N(μ, τ²)
    ỹ       ~ N(θ_new, σ²)                          Model 3: one σ² for every school
    ỹ       ~ N(θ_new, σ_new²),  σ_new² ~ IG(ν0/2, ν0σ0²/2)    Model 4: a new school's own variance

The draws of θ_new (and ỹ) are then draws from p(θ_new | y) (and p(ỹ | y)):
the uncertainty about μ and τ² is carried along, not plugged in. Models 1 and
2 have no population of schools (no μ, τ²), so they cannot speak about a
school they have not seen.

A new student in school j.  Every model has a mean and a variance for a
surveyed school, so ỹ ~ N(θ_j, σ_j²) per draw (σ_j² = σ² in Models 1 and 3;
in Model 1 θ_j = θ, the same for every school).
"""

from __future__ import annotations

import numpy as np

from teachkit.models._gibbs import make_rng
from teachkit.posterior import Posterior

__all__ = ["predict_new_school", "predict_new_student"]


def _check_posterior(posterior, func: str) -> Posterior:
    if not isinstance(posterior, Posterior):
        raise ValueError(f"{func}: posterior must be a teachkit Posterior (from a fit_* function), "
                         f"got {type(posterior).__name__}")
    return posterior


def predict_new_school(posterior, seed=None) -> dict:
    """Draws of a new school's mean θ_new and of a new student's hours ỹ in that school.

    ``posterior`` comes from :func:`teachkit.fit_hierarchical` (Model 3) or
    :func:`teachkit.fit_school_variances` (Model 4). Returns ``{"theta": ..., "y": ...}``,
    each shaped (chains, draws) like the posterior's own draws. ``seed``: an int,
    a numpy Generator, or None.
    """
    func = "predict_new_school"
    posterior = _check_posterior(posterior, func)
    if not {"mu", "tau2"} <= set(posterior.draws):
        raise ValueError(
            f"{func}: a {posterior.model} posterior has no population of schools (no μ and τ²), "
            "so it says nothing about a school that was not surveyed: complete pooling treats every "
            "school as the same one, no pooling fits each surveyed school on its own. Fit Model 3 "
            "(fit_hierarchical) or Model 4 (fit_school_variances)."
        )
    rng = make_rng(seed, func)
    mu, tau2 = posterior.draws["mu"], posterior.draws["tau2"]
    theta = mu + np.sqrt(tau2) * rng.standard_normal(mu.shape)              # θ_new | μ, τ²
    if "nu0" in posterior.draws:                                            # Model 4
        nu0, sigma02 = posterior.draws["nu0"], posterior.draws["sigma02"]
        sigma2 = (nu0 * sigma02 / 2) / rng.standard_gamma(nu0 / 2)          # σ_new² | ν0, σ0²
    else:                                                                   # Model 3
        sigma2 = posterior.draws["sigma2"]
    y = theta + np.sqrt(sigma2) * rng.standard_normal(mu.shape)             # ỹ | θ_new, σ_new²
    return {"theta": theta, "y": y}


def predict_new_student(posterior, school, seed=None) -> np.ndarray:
    """Draws of a new student's hours in surveyed school ``school`` (its label, e.g. "5"),
    shaped (chains, draws): ỹ ~ N(θ_j, σ_j²) for every posterior draw.

    Works for every model: Model 1 gives the same prediction for every school.
    """
    func = "predict_new_student"
    posterior = _check_posterior(posterior, func)
    labels = [str(lab) for lab in posterior.labels]
    if str(school) not in labels:
        raise ValueError(f"{func}: school {school!r} is not one of the surveyed schools {labels}; "
                         "for a school that was not surveyed use predict_new_school")
    rng = make_rng(seed, func)
    j = labels.index(str(school))
    theta, sigma2 = posterior.draws["theta"], posterior.draws["sigma2"]
    theta = theta[:, :, j] if theta.ndim == 3 else theta
    sigma2 = sigma2[:, :, j] if sigma2.ndim == 3 else sigma2
    return theta + np.sqrt(sigma2) * rng.standard_normal(theta.shape)       # ỹ | θ_j, σ_j²
