"""MCMC diagnostics: trace (with each chain's density) and autocorrelation by lag."""

from __future__ import annotations

import math

import matplotlib.ticker
import numpy as np
from matplotlib.transforms import blended_transform_factory

from teachkit import _alt, _style, diagnostics
from teachkit._style import chain_colour, chain_style, LINE, TRACE
from teachkit.plots._annotate import _chain_handles, _legend_above
from teachkit.plots._density import _grid, _kde
from teachkit.plots._figure import _axes_grid, _check_posterior, _styled
from teachkit.plots._labels import _bounds, _group_name, _scalars, _unit, _warmup_posterior, math_label


@_styled
def trace(post, names=None, *, show_warmup=False, axes=None):
    """Density (left) and trace (right) of every chain, one row per scalar parameter.

    ``names``: None (every sampled parameter), a name, or a list; a vector
    parameter such as "theta" gives one row per school, "theta[5]" one row.
    The density is a Gaussian kernel estimate per chain: chains that sample the
    same distribution draw the same curve. With ``show_warmup=True`` the warm-up
    sweeps are drawn at negative iterations on a grey band labelled "warm-up".

    Returns
    -------
    (fig, axes) : ``axes`` shaped (rows, 2). ``axes[i, 1].lines[k]`` is chain k's
        trace (y data = its draws); warm-up lines have gid "warm-up";
        ``axes[i, 0].lines[k]`` is chain k's density.
    """
    _check_posterior(post)
    rows = _scalars(post, names)
    warmup = _warmup_posterior(post) if show_warmup else None
    fig, axes = _axes_grid(axes, len(rows), 2, figsize=(10, 1.4 + 2.0 * len(rows)),
                           width_ratios=(1, 2.4))
    iterations = np.arange(post.ndraws)
    for (label, x), (density_ax, trace_ax) in zip(rows, axes):
        lower, upper = _bounds(label)
        grid = _grid(x, lower, upper, tail=0.005)
        for k in range(x.shape[0]):
            density_ax.plot(grid, _kde(x[k], grid, lower, upper), color=chain_colour(k), lw=LINE,
                            ls=chain_style(k))
            trace_ax.plot(iterations, x[k], color=chain_colour(k), lw=TRACE)
        if warmup is not None:
            _draw_warmup(trace_ax, warmup[label])
        _mark_chains(trace_ax, iterations, x)
        density_ax.set_yticks([])
        density_ax.spines["left"].set_visible(False)
        density_ax.set_ylim(bottom=0)
        density_ax.set_ylabel(math_label(label), rotation=0, ha="right", va="center",
                              fontsize=_style.BASE_FONT + 4)
        density_ax.set_xlabel(_unit(post, label) or " ", fontsize=_style.BASE_FONT - 2)
        trace_ax.set_xlim(-(post.nwarmup if warmup is not None else 0), post.ndraws - 1)
        if trace_ax is not axes[-1, 1]:
            trace_ax.tick_params(labelbottom=False)
    axes[-1, 1].set_xlabel("iteration (after warm-up)" if warmup is not None else "iteration")
    axes[0, 0].set_title("density, by chain", loc="left", fontsize=_style.BASE_FONT)
    _legend_above(axes[0, 1], *_chain_handles(post.nchains, marks=True))
    _alt.set_alt(axes[0, 0], _alt.trace(rows, [_rhat(x) for _, x in rows],
                                        nwarmup_shown=post.nwarmup if warmup is not None else 0,
                                        group=_group_name(post)))
    return fig, axes


def _rhat(x) -> float:
    """R-hat of one scalar's draws (chains, draws) for the alt text; NaN where it is undefined."""
    try:
        return float(diagnostics.rhat(x)) if x.shape[0] > 1 else math.nan
    except (diagnostics.DiagnosticError, ValueError):
        return math.nan


def _mark_chains(ax, iterations, x, marks=12):
    """Each chain's marker shape on its trace, at ``marks`` iterations (staggered between chains),
    drawn above all the lines (a PathCollection per chain, gid "chain marks", so ``ax.lines``
    stays the chains' traces): where chains overlap, their shapes still tell them apart."""
    nchains, ndraws = x.shape
    every = max(1, ndraws // marks)
    for k in range(nchains):
        at = np.arange((every * k) // nchains, ndraws, every)
        ax.scatter(iterations[at], x[k, at], marker=_style.chain_marker(k), s=49, color=chain_colour(k),
                   edgecolor="white", linewidth=0.8, zorder=3, gid="chain marks")


def _draw_warmup(ax, warm):
    """Warm-up sweeps at iterations -W..-1 on a grey band labelled 'warm-up'."""
    nwarm = warm.shape[1]
    band = ax.axvspan(-nwarm, 0, color=_style.LIGHT, alpha=0.35, lw=0, zorder=0, gid="warm-up")
    band._teachkit_carried_by = ("warm-up label",)   # the shading only repeats what the label says
    iterations = np.arange(-nwarm, 0)
    for k in range(warm.shape[0]):
        ax.plot(iterations, warm[k], color=chain_colour(k), lw=TRACE, gid="warm-up")
    ax.text(-nwarm / 2, 0.97, "warm-up", transform=blended_transform_factory(ax.transData, ax.transAxes),
            ha="center", va="top", color=_style.NEUTRAL, fontsize=_style.BASE_FONT - 1,
            bbox=dict(facecolor="white", edgecolor="none", alpha=0.8, pad=1.5), gid="warm-up label")


def _panel_grid(n) -> tuple[int, int]:
    """(columns, rows) for n panels on a wide slide: close to 16:9, with few empty cells."""
    widest = max(1, min(n, math.ceil(math.sqrt(n * 16 / 9))))
    narrowest = max(1, min(widest, math.ceil(math.sqrt(n))))
    ncols = min(range(narrowest, widest + 1), key=lambda c: (math.ceil(n / c) * c - n, -c))
    return ncols, math.ceil(n / ncols)


@_styled
def autocorrelation(post, names=None, *, max_lag=50, axes=None):
    """Autocorrelation of the draws at lags 0..max_lag, one panel per scalar, one line per chain.

    Quickly decaying lines mean nearly independent draws; slow decay means each
    draw carries little new information (a small effective sample size).
    The values come from ``teachkit.diagnostics.autocorrelation``.

    Returns
    -------
    (fig, axes) : ``axes`` is a flat array with one Axes per scalar; ``axes[i].lines[k]``
        is chain k (x = lags, y = autocorrelation, starting at 1).
    """
    _check_posterior(post)
    if isinstance(max_lag, bool) or not isinstance(max_lag, (int, np.integer)) or max_lag < 1:
        raise ValueError(f"max_lag must be a positive integer, got {max_lag!r}")
    rows = _scalars(post, names)
    n = len(rows)
    ncols, nrows = _panel_grid(n)
    height = 5.5 if nrows <= 2 else 1.0 + 2.4 * nrows
    if axes is None:
        fig, grid = _axes_grid(None, nrows, ncols, figsize=(10, height))
        for extra in grid.ravel()[n:]:
            fig.delaxes(extra)
        panels = grid.ravel()[:n]
    else:
        fig, panels = _axes_grid(axes, n, 1, figsize=None)
        panels = panels.ravel()
    lags = np.arange(min(max_lag, post.ndraws - 1) + 1)
    lowest = 0.0
    rhos = []
    for (label, x), ax in zip(rows, panels):
        rho = diagnostics.autocorrelation(x)[:, : lags.size]
        lowest = min(lowest, rho.min())
        rhos.append(rho)
        ax.axhline(0, color=_style.LEADER, lw=1.2, zorder=0)
        for k in range(x.shape[0]):
            ax.plot(lags, rho[k], color=chain_colour(k), lw=LINE, ls=chain_style(k))
        ax.set_title(math_label(label), fontsize=_style.BASE_FONT + 3)
    for i, ax in enumerate(panels):
        ax.set_xlim(0, lags[-1])
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))  # a lag is a whole number of draws
        ax.set_ylim(min(-0.1, lowest - 0.05), 1.05)
        if axes is None:
            if i % ncols == 0:
                ax.set_ylabel("autocorrelation")
            if i + ncols >= n:  # nothing below this panel
                ax.set_xlabel("lag")
    if axes is not None:
        panels[0].set_ylabel("autocorrelation")
        panels[-1].set_xlabel("lag")
    if axes is None:
        handles, labels = _chain_handles(post.nchains)
        fig.legend(handles, labels, loc="outside upper center", ncols=post.nchains)
    else:
        _legend_above(panels[0], *_chain_handles(post.nchains))
    _alt.set_alt(panels[0], _alt.autocorrelation([label for label, _ in rows], rhos, group=_group_name(post)))
    return fig, panels
