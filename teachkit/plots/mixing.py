r"""Figures for notebook 08 (when Gibbs crawls): the funnel and the trace of τ, per sampler.

Same rules as the rest of :mod:`teachkit.plots`: ``axes=`` draws into axes you made, each
function returns ``(fig, axes)``, matplotlib's global settings are never changed, nothing is
shown, and each figure carries a text alternative computed from what it draws
(``tk.plots.alt_text(fig)``), which notebooks show as the image's alt text.

===============  ================================================================
``funnel``       θ_j − μ against log τ, one panel per fit, with a run of
                 consecutive draws drawn as a path: how far one chain moves
``tau_trace``    τ by iteration (log scale), one row per fit, one chain
===============  ================================================================

Every fit is a Model 3 :class:`~teachkit.posterior.Posterior` (``fit_hierarchical``);
a panel's title is the label you give it (for example the sampler's name).
"""

from __future__ import annotations

import numpy as np

from teachkit import _alt, _style, diagnostics
from teachkit._style import TRACE
from teachkit.plots._figure import _axes_grid, _check_posterior, _styled
from teachkit.plots._labels import _group_label, math_label

__all__ = ["funnel", "tau_trace"]

#: How many consecutive draws of chain 1 the funnel draws as a path.
PATH_LENGTH = 50


def _check_fits(fits) -> dict:
    if not isinstance(fits, dict) or not fits:
        raise ValueError("fits must be a non-empty dict {label: Posterior}, e.g. {'centred': post}")
    for label, post in fits.items():
        _check_posterior(post, f"fits[{label!r}]")
        if not {"theta", "mu", "tau2"} <= set(post.draws):
            raise ValueError(f"fits[{label!r}] is not a Model 3 fit (it has no theta, mu and tau2)")
    return fits


def _school(post, school) -> int:
    labels = [str(lab) for lab in post.labels]
    if str(school) not in labels:
        raise ValueError(f"school must be one of {labels}, got {school!r}")
    return labels.index(str(school))


def _f(x, digits=2) -> str:
    return f"{x:.{digits}f}".replace("-", "−")


@_styled
def funnel(fits, school=1, *, axes=None):
    """θ_j − μ against log τ for one school, one panel per fit, shared axes.

    Every draw of every chain is a faint dot; the first :data:`PATH_LENGTH` draws
    of chain 1 are joined by a line, so a panel shows both the shape of the
    posterior (a funnel: θ_j − μ is squeezed toward 0 as τ shrinks) and how much of
    it one chain covers in a few hundred sweeps.

    ``fits``: ``{label: Posterior}``; ``school``: a label such as 1 or "5".

    Returns
    -------
    (fig, axes) : ``axes`` shaped (1, len(fits)); in each, ``collections[0]`` holds the
        dots and ``lines[0]`` the path (gid "path").
    """
    _check_fits(fits)
    fig, axes = _axes_grid(axes, 1, len(fits), figsize=(10, 5.0))
    descriptions = []
    for (label, post), ax in zip(fits.items(), axes[0]):
        j = _school(post, school)
        log_tau = 0.5 * np.log(post["tau2"])
        offset = post["theta"][:, :, j] - post["mu"]
        step = max(1, log_tau.size // 4000)
        ax.scatter(log_tau.ravel()[::step], offset.ravel()[::step], s=3, color=_style.LEADER, alpha=1.0,
                   linewidths=0, rasterized=True)
        path = slice(0, min(PATH_LENGTH, post.ndraws))
        ax.plot(log_tau[0, path], offset[0, path], color=_style.chain_colour(0), lw=1.5, marker="o",
                markersize=3.5, gid="path")
        ax.set_title(label, loc="left")
        ax.set_xlabel(r"$\log\,\tau$")
        descriptions.append(_describe_funnel(label, log_tau, offset, path))
    axes[0, 0].set_ylabel(rf"$\theta_{{{_group_label(post, j)}}} - \mu$")
    everything = np.concatenate([0.5 * np.log(p["tau2"]).ravel() for p in fits.values()])
    low, high = np.quantile(everything, [0.005, 1.0])  # the far left tail of log τ would squash the rest
    axes[0, 0].set_xlim(low - 0.05 * (high - low), high + 0.05 * (high - low))
    for ax in axes[0, 1:]:
        ax.sharey(axes[0, 0])
        ax.sharex(axes[0, 0])
        ax.tick_params(labelleft=False)
    _alt.set_alt(axes[0, 0], f"Draws of school {_group_label(post, j)}'s θ − μ against log τ, one panel per sampler, "
                  f"with the first {path.stop} draws of chain 1 joined by a line. " + " ".join(descriptions))
    return fig, axes


def _describe_funnel(label, log_tau, offset, path) -> str:
    low, high = np.quantile(log_tau, [0.1, 0.9])
    narrow = offset[log_tau <= low].std()
    wide = offset[log_tau >= high].std()
    covered = log_tau[0, path]
    share = np.mean((log_tau >= covered.min()) & (log_tau <= covered.max()))
    return (f"{label}: θ − μ spreads with sd {_f(wide)} where log τ is above {_f(high, 1)}, "
            f"{_f(narrow, 3)} where it is below {_f(low, 1)}; the path covers log τ from "
            f"{_f(covered.min(), 1)} to {_f(covered.max(), 1)}, {share:.0%} of all draws.")


@_styled
def tau_trace(fits, *, draws=2000, axes=None):
    """τ by iteration for chain 1 of each fit (the first ``draws`` draws), one row per fit,
    on a shared log scale: a crawling sampler draws slow waves, a mixing one a dense band.

    Returns
    -------
    (fig, axes) : ``axes`` shaped (len(fits), 1); ``axes[i, 0].lines[0]`` is the trace.
    """
    _check_fits(fits)
    if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or draws < 2:
        raise ValueError(f"draws must be an integer of at least 2, got {draws!r}")
    fig, axes = _axes_grid(axes, len(fits), 1, figsize=(10, 1.2 + 1.5 * len(fits)))
    descriptions = []
    for (label, post), ax in zip(fits.items(), axes[:, 0]):
        tau = np.sqrt(post["tau2"][0, :draws])
        ax.plot(np.arange(tau.size), tau, color=_style.chain_colour(0), lw=TRACE)
        ax.set_yscale("log")
        ax.set_ylabel(label, rotation=0, ha="right", va="center")
        if ax is not axes[-1, 0]:
            ax.tick_params(labelbottom=False)
        # the autocorrelation of what is drawn, log τ (that of τ² is lower: its rare large values dominate)
        rho = diagnostics.autocorrelation(0.5 * np.log(post["tau2"])).mean(axis=0)  # averaged over chains
        per_draw = diagnostics.ess_bulk(post["tau2"]) / post["tau2"].size
        descriptions.append(f"{label}: τ from {_f(tau.min(), 3)} to {_f(tau.max(), 2)}, autocorrelation of log τ "
                            f"{_f(rho[1])} at lag 1 and {_f(rho[10])} at lag 10, "
                            f"{per_draw:.2f} effective draws of τ² per draw.")
        ax.set_xlim(0, tau.size - 1)
    for ax in axes[1:, 0]:
        ax.sharey(axes[0, 0])
    axes[-1, 0].set_xlabel("iteration (chain 1)")
    axes[0, 0].set_title(f"{math_label('tau')} by iteration (log scale)", loc="left")
    _alt.set_alt(axes[0, 0], f"Trace of τ on a log scale, first {tau.size} draws of chain 1, one row per sampler. "
                  + " ".join(descriptions))
    return fig, axes
