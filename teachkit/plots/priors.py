"""A parameter's prior density against its posterior."""

from __future__ import annotations

import numpy as np

from teachkit import _alt, _style
from teachkit._style import model_colour, model_name
from teachkit.plots._density import _grid, _kde
from teachkit.plots._figure import _check_posterior, _single_axes, _styled
from teachkit.plots._labels import _axis_label, _bounds, _group_label, _group_name, _split, _unit


#: Monte Carlo draws used for a prior density with no closed form (R).
PRIOR_MC_DRAWS = 400_000


@_styled
def prior_posterior(post, name, prior=None, *, ax=None):
    """Prior (dashed) and posterior (filled) density of one parameter, on the same axes.

    The posterior is a kernel density estimate of the draws; the prior is
    ``prior.pdf`` on a grid (default ``post.priors[name]``; for θ_j of a no-pooling
    fit, the prior of "theta"). For σ and τ the prior on the variance is
    transformed to the sd exactly. R = τ²/(σ² + τ²) has no closed-form prior: it
    is estimated from 400 000 draws of the two variance priors with the fixed
    generator ``numpy.random.default_rng(0)`` (a histogram, so it is the same on
    every call).

    The x-range follows the posterior; an informative prior whose bulk is
    within ten times the posterior's range is shown whole. A vague prior such as
    N(0, 1000²) is nearly flat over that range: that is the point, and the
    legend says so. A ``prior`` passed here is only drawn, nothing is refitted:
    the posterior is the one of the prior the model was fitted with.

    Returns
    -------
    (ax, lines) : dict with "prior" and "posterior", the two Line2D (x = grid, y = density; the
        prior's grid is finer near a lower bound of 0, so that a spike there shows).
    """
    _check_posterior(post)
    x = post[name]
    if x.ndim == 3:
        raise ValueError(f"prior_posterior shows one parameter: name one {_group_name(post)}, "
                         f"e.g. '{name}[{_group_label(post, 0)}]'")
    draws = x.ravel()
    lower, upper = _bounds(name)
    prior_density, prior_label, prior_bulk = _prior_of(post, name, prior)
    grid = _grid(draws, lower, upper, tail=0.005, pad=0.15)
    if prior_bulk is not None:
        lo_p, hi_p = prior_bulk
        if hi_p - lo_p <= 10 * (grid[-1] - grid[0]):  # informative: show its bulk too
            lo = min(grid[0], lo_p) if lower is None else max(lower, min(grid[0], lo_p))
            hi = max(grid[-1], hi_p) if upper is None else min(upper, max(grid[-1], hi_p))
            grid = np.linspace(lo, hi, 400)

    fig, ax = _single_axes(ax)
    colour = model_colour(post.model)
    posterior = _kde(draws, grid, lower, upper)
    fill = ax.fill_between(grid, posterior, color=colour, alpha=0.25, lw=0)
    fill._teachkit_carried_by = ("posterior",)   # the line along its top carries the density
    (posterior_line,) = ax.plot(grid, posterior, color=colour, lw=2.5, gid="posterior",
                                label=f"posterior ({model_name(post.model)})")
    # the prior on a finer grid near a lower bound of 0 as well: a prior such as IG(0.01, 0.01)
    # has its spike far below the posterior's first grid step, and a plot that missed it would hide
    # the very lean that makes it a poor "vague" prior
    # (only for a prior that is not vague on the posterior's grid: a flat prior on an sd has an
    # integrable v^(-1/2) peak at 0 on the variance, which would only distract)
    prior_x, prior_y = prior_density(grid)
    vague = np.nanmax(prior_y, initial=0) < 0.02 * posterior.max()
    if not vague and lower == 0 and grid[0] <= 0 < grid[1]:
        prior_x, prior_y = prior_density(np.union1d(grid, np.geomspace(grid[1] * 1e-3, grid[1], 80)))
    if vague:
        prior_label += "\n(vague: density ≈ 0 on this scale)"
    (prior_line,) = ax.plot(prior_x, prior_y, color=_style.PRIOR_COLOUR, ls="--", lw=2.5, gid="prior",
                            label=prior_label)
    top = max(posterior.max(), min(np.nanmax(prior_y), 3 * posterior.max()))
    ax.set_ylim(0, 1.12 * top)
    ax.set_xlim(grid[0], grid[-1])
    ax.set_xlabel(_axis_label(post, name))
    ax.set_ylabel("density")
    ax.legend([prior_line, posterior_line], [prior_label, posterior_line.get_label()], loc="best")
    inside = np.isfinite(prior_y) & (prior_x >= grid[0]) & (prior_x <= grid[-1])
    peak = int(np.argmax(np.where(inside, prior_y, -np.inf)))
    prior_peak = float(prior_x[peak]) if 0 < peak < len(prior_x) - 1 and prior_y[peak] > 0 else None
    _alt.set_alt(ax, _alt.prior_posterior(
        name, model=model_name(post.model), prior=_prior_words(post, name, prior),
        posterior_q=np.quantile(draws, [0.025, 0.5, 0.975]), posterior_mode=float(grid[np.argmax(posterior)]),
        vague=bool(vague), prior_peak=prior_peak,
        group=_group_name(post), unit=_unit(post, name)))
    return ax, {"prior": prior_line, "posterior": posterior_line}


def _prior_words(post, name, prior) -> str:
    """The prior of ``name`` in words, for alt text."""
    base, _ = _split(name)
    if prior is not None:
        return str(prior)
    if base in post.priors:
        return str(post.priors[base])
    if base in ("sigma", "tau") and f"{base}2" in post.priors:
        return str(post.priors[f"{base}2"])
    return "the one implied by the priors on sigma squared and tau squared"


def _prior_of(post, name, prior):
    """(density(grid) -> (x, y), legend label, central 98% of the prior or None)."""
    base, _ = _split(name)
    if prior is not None:
        if not callable(getattr(prior, "pdf", None)):
            raise ValueError(f"prior must have a .pdf method (a teachkit.priors object), got {prior!r}")
        return (lambda g: (g, prior.pdf(g))), f"prior {prior}", _prior_bulk(prior)
    if base in post.priors:
        p = post.priors[base]
        return (lambda g: (g, p.pdf(g))), f"prior {p}", _prior_bulk(p)
    if base in ("sigma", "tau") and f"{base}2" in post.priors:
        p = post.priors[f"{base}2"]  # density of the sd s from that of the variance v = s²: p(s²)·2s
        bulk = _prior_bulk(p)
        return ((lambda g: (g, p.pdf(g**2) * 2 * np.abs(g))),
                f"prior {p}",
                None if bulk is None else tuple(np.sqrt(np.maximum(bulk, 0))))
    if base == "R" and {"sigma2", "tau2"} <= set(post.priors):
        rng = np.random.default_rng(0)
        sigma2 = post.priors["sigma2"].sample(rng, PRIOR_MC_DRAWS)
        tau2 = post.priors["tau2"].sample(rng, PRIOR_MC_DRAWS)
        r = tau2 / (sigma2 + tau2)
        return ((lambda g: _histogram_density(r, g)),
                "prior implied by the priors\non $\\sigma^2$ and $\\tau^2$ (Monte Carlo)",
                tuple(np.quantile(r, [0.01, 0.99])))
    known = ", ".join(post.priors) or "none"
    raise ValueError(
        f"no prior for {name!r} in this {post.model} posterior (it has priors for {known}); "
        + ("in the hierarchical model θ_j's prior is N(μ, τ²), which depends on μ and τ². "
           if base == "theta" else "")
        + "Pass one with prior=."
    )


def _prior_bulk(prior):
    """The central 98% of a prior (from draws with a fixed generator), or None if it has no .sample."""
    if not callable(getattr(prior, "sample", None)):
        return None
    draws = prior.sample(np.random.default_rng(0), 20_000)
    lo, hi = np.quantile(draws, [0.01, 0.99])
    return (float(lo), float(hi)) if np.isfinite([lo, hi]).all() else None


def _histogram_density(samples, grid):
    """Density of ``samples`` on bins spanning ``grid`` (normalised over all samples): (centres, density)."""
    edges = np.linspace(grid[0], grid[-1], min(grid.size, 121))
    counts, _ = np.histogram(samples, bins=edges)
    density = counts / (samples.size * np.diff(edges))
    return (edges[:-1] + edges[1:]) / 2, density
