r"""Figures for the lecture: data, MCMC diagnostics, and what pooling does to estimates.

Every function reads a :class:`~teachkit.posterior.Posterior` (or the data) and
draws one figure. They all follow the same rules:

* ``ax=`` (or ``axes=`` for multi-panel figures) draws into axes you made, so
  figures can be composed; without it a new figure sized for a 16:9 slide is made.
* Single-panel functions return ``(ax, key_artists)``; multi-panel functions
  return ``(fig, axes)``. Each docstring says what the artists are. Artists that
  are not returned but that you may want to find carry a ``gid``, e.g.
  ``ax.findobj(lambda a: a.get_gid() == "mu")``.
* Nothing is shown (no ``plt.show()``) and matplotlib's global settings are never
  changed: the look (Okabe–Ito colours, 14 pt text) is applied only while a
  figure is built, with ``matplotlib.rc_context`` (see ``teachkit._style``).

The figures:

=====================  ==========================================================
``data_overview``      hours by school: every student as a dot, with a box per school
``mean_vs_size``       sample mean against sample size: small schools are extreme
``trace``              density and trace of every chain, per parameter
``autocorrelation``    autocorrelation by lag, per chain, per parameter
``boxplots``           posterior draws of θ_j, one box per school
``caterpillar``        median, 50% and 95% intervals, one row per parameter;
                       optionally two models side by side
``shrinkage``          each school's estimate without pooling → with partial pooling
``prior_posterior``    prior and posterior density of one parameter
``pooling_spectrum``   every θ_j's estimate as τ runs from 0 (complete pooling) to ∞
                       (no pooling), with the posterior of τ beneath
``shrinkage_explorer_view``  the figure of the shrinkage explorer widget
=====================  ==========================================================

Parameter names follow ``Posterior``: ``"theta"`` (every school), ``"theta[5]"``
(school 5), ``"mu"``, ``"sigma2"``, ``"tau2"``, and the derived ``"sigma"``,
``"tau"`` and ``"R"`` = τ²/(σ² + τ²).
"""

from __future__ import annotations

import functools
import math

import matplotlib
import matplotlib.ticker
import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import blended_transform_factory

from teachkit import _style, diagnostics
from teachkit._style import LINE, THICK, THIN, TRACE, chain_colour, model_colour, model_name
from teachkit.posterior import Posterior

__all__ = [
    "data_overview",
    "mean_vs_size",
    "trace",
    "autocorrelation",
    "boxplots",
    "caterpillar",
    "shrinkage",
    "prior_posterior",
    "math_label",
]

#: Quantiles of the caterpillar plot: 95% interval, 50% interval, median.
CATERPILLAR_QUANTILES = (0.025, 0.25, 0.5, 0.75, 0.975)

#: Marker area (points²) per student in ``shrinkage``: area ∝ n_j.
AREA_PER_STUDENT = 12.0

#: Monte Carlo draws used for a prior density with no closed form (R).
PRIOR_MC_DRAWS = 400_000


# =============================================================== style and set-up
def _styled(func):
    """Build the figure inside ``rc_context(RC)``: teachkit's look, global rcParams untouched."""

    @functools.wraps(func)
    def styled(*args, **kwargs):
        with matplotlib.rc_context(_style.RC):
            result = func(*args, **kwargs)
            # Jupyter's inline backend switches interactive mode on when the first
            # figure is made; rc_context would switch it off again on leaving, and
            # later figures would no longer show. Keep whatever the backend chose.
            interactive = matplotlib.is_interactive()
        matplotlib.interactive(interactive)
        return result

    return styled


def _single_axes(ax, figsize=_style.SLIDE_FIGSIZE):
    """(fig, ax): the given axes and its figure, or a new slide-sized figure with one axes."""
    if ax is None:
        import matplotlib.pyplot as plt  # pyplot only when we make a figure, so notebooks show it

        fig, ax = plt.subplots(figsize=figsize, layout="constrained")
        return fig, ax
    if not isinstance(ax, Axes):
        raise ValueError(f"ax must be a matplotlib Axes, got {type(ax).__name__}")
    return ax.figure, ax


def _axes_grid(axes, nrows, ncols, figsize, **gridspec):
    """(fig, axes shaped (nrows, ncols)): the given axes checked, or a new figure."""
    if axes is None:
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(nrows, ncols, figsize=figsize, squeeze=False, layout="constrained",
                                 gridspec_kw=gridspec or None)
        return fig, axes
    flat = np.asarray(axes, dtype=object).ravel()
    if flat.size != nrows * ncols or not all(isinstance(a, Axes) for a in flat):
        raise ValueError(
            f"axes must hold {nrows * ncols} matplotlib Axes ({nrows} rows × {ncols} columns) for "
            f"this figure, got {flat.size} object(s)"
        )
    return flat[0].figure, flat.reshape(nrows, ncols)


def _check_posterior(post, argument="post"):
    if not isinstance(post, Posterior):
        raise ValueError(f"{argument} must be a teachkit Posterior (from a fit_* function), "
                         f"got {type(post).__name__}")
    return post


# =============================================================== names, labels, units
_SYMBOLS = {"theta": r"\theta", "mu": r"\mu", "sigma": r"\sigma", "tau": r"\tau",
            "sigma2": r"\sigma^2", "tau2": r"\tau^2", "R": "R"}
_POSITIVE = {"sigma", "tau", "sigma2", "tau2"}
_MATH_ESCAPES = {"\\": r"\backslash{}", "_": r"\_", "$": r"\$", "{": r"\{", "}": r"\}",
                 "%": r"\%", "#": r"\#", "&": r"\&", "^": r"\^{}", "~": r"\sim{}", " ": r"\ "}


def _split(name: str) -> tuple[str, str | None]:
    """'theta[5]' -> ('theta', '5'); 'mu' -> ('mu', None)."""
    if name.endswith("]") and "[" in name:
        base, group = name[:-1].split("[", 1)
        return base, group
    return name, None


def _escape_math(text: str) -> str:
    return "".join(_MATH_ESCAPES.get(ch, ch) for ch in text)


def math_label(name: str) -> str:
    r"""The math-text label of a parameter: 'theta[5]' -> '$\theta_{5}$', 'tau2' -> '$\tau^2$'."""
    base, group = _split(name)
    symbol = _SYMBOLS.get(base) or r"\mathrm{%s}" % _escape_math(base)
    if group is None:
        return f"${symbol}$"
    return f"${symbol}_{{{_escape_math(group)}}}$"


def _unit(post_or_data, name=None) -> str:
    """The unit of a parameter's values: 'hours per week', '(hours per week)²' or '' (for R)."""
    data = getattr(post_or_data, "data", post_or_data)
    unit = getattr(data, "unit", "") or ""
    if name is None or not unit:
        return unit
    base, _ = _split(name)
    if base == "R":
        return ""
    if base in ("sigma2", "tau2"):
        return f"({unit})²"
    return unit


def _with_unit(label: str, unit: str) -> str:
    if not unit:
        return label
    return f"{label} in {unit}" if unit.startswith("(") else f"{label} ({unit})"


def _axis_label(post, name) -> str:
    r"""'$\theta_{5}$ (hours per week)'; R gets its definition instead of a unit."""
    if _split(name)[0] == "R":
        return r"$R = \tau^2 / (\sigma^2 + \tau^2)$"
    return _with_unit(math_label(name), _unit(post, name))


def _bounds(name) -> tuple[float | None, float | None]:
    """Where a parameter's support ends, for densities that must not spill over: σ² > 0, 0 < R < 1."""
    base, _ = _split(name)
    if base == "R":
        return 0.0, 1.0
    if base in _POSITIVE:
        return 0.0, None
    return None, None


def _group_label(post, j) -> str:
    return str(post.labels[j]) if j < len(post.labels) else str(j + 1)


def _group_name(post_or_data) -> str:
    data = getattr(post_or_data, "data", post_or_data)
    return getattr(data, "group_name", "") or "group"


def _scalars(post, names) -> list[tuple[str, np.ndarray]]:
    """[(label, draws shaped (chains, draws))], vector parameters expanded one group per row.

    ``names`` is None (every sampled parameter), a name or a list of names; each
    may be a whole vector ('theta'), one group ('theta[5]') or derived ('R').
    An unknown name raises the Posterior's KeyError, which names it.
    """
    if names is None:
        names = post.names
    elif isinstance(names, str):
        names = [names]
    rows = []
    for name in names:
        x = post[name]
        if x.ndim == 2:
            rows.append((name, x))
        else:
            rows.extend((f"{name}[{_group_label(post, j)}]", x[:, :, j]) for j in range(x.shape[2]))
    if not rows:
        raise ValueError("no parameters to plot: names is empty")
    return rows


def _warmup_posterior(post) -> Posterior | None:
    """The warm-up sweeps as a Posterior, so 'theta[5]' and 'R' work on them too."""
    if not post.nwarmup:
        return None
    return Posterior(draws=post.warmup_draws, warmup_draws={}, model=post.model, priors=post.priors,
                     labels=post.labels, data=post.data)


def _reference(ref, posts) -> tuple[float, str] | None:
    """A reference line: a number, or a parameter name meaning its posterior mean."""
    if ref is None:
        return None
    if isinstance(ref, str):
        for post in posts:
            if ref in post:
                value = float(np.mean(post[ref]))
                return value, f"posterior mean of {math_label(ref)} = {value:.2f}"
        raise KeyError(f"ref={ref!r} is not a parameter of the posterior(s) plotted")
    if isinstance(ref, bool) or not isinstance(ref, (int, float, np.integer, np.floating)) \
            or not math.isfinite(ref):
        raise ValueError(f"ref must be a number or a parameter name such as 'mu', got {ref!r}")
    return float(ref), f"reference = {float(ref):g}"


# =============================================================== densities (numpy only)
def _bandwidth(x: np.ndarray) -> float:
    """Silverman's rule of thumb, 0.9·min(sd, IQR/1.34)·n^(-1/5): robust to heavy tails."""
    sd = x.std(ddof=1) if x.size > 1 else 0.0
    q75, q25 = np.quantile(x, [0.75, 0.25])
    spread = min(sd, (q75 - q25) / 1.349) if q75 > q25 else sd
    if not spread > 0:
        raise ValueError("cannot estimate a density: all draws are the same value")
    return 0.9 * spread * x.size ** -0.2


def _kde(draws, grid, lower=None, upper=None) -> np.ndarray:
    """Gaussian kernel density estimate of ``draws`` at ``grid``.

    Near a bound of the support (σ² > 0) the kernels that would spill over it
    are reflected back (the reflection method), so the density does not sag
    to half its height at the bound.
    """
    x = np.asarray(draws, dtype=float).ravel()
    bw = _bandwidth(x)
    sources = [x]
    for bound in (lower, upper):
        if bound is not None:
            near = x[np.abs(x - bound) < 6 * bw]
            sources.append(2 * bound - near)
    density = np.zeros(grid.size)
    for points in sources:
        for chunk in np.array_split(points, max(1, points.size // 2048)):
            z = (grid[:, None] - chunk[None, :]) / bw
            density += np.exp(-0.5 * z * z).sum(axis=1)
    density /= x.size * bw * math.sqrt(2 * math.pi)
    outside = np.zeros(grid.size, dtype=bool)
    if lower is not None:
        outside |= grid < lower
    if upper is not None:
        outside |= grid > upper
    density[outside] = 0.0
    return density


def _grid(x, lower=None, upper=None, *, tail=0.005, pad=0.1, size=256) -> np.ndarray:
    """Points to evaluate a density at: the central 99% of ``x``, padded, kept inside the support."""
    lo, hi = np.quantile(x, [tail, 1 - tail])
    width = hi - lo if hi > lo else 1.0
    lo, hi = lo - pad * width, hi + pad * width
    if lower is not None:
        lo = max(lo, lower)
    if upper is not None:
        hi = min(hi, upper)
    return np.linspace(lo, hi, size)


# =============================================================== small cosmetic helpers
def _chain_handles(nchains):
    return [Line2D([], [], color=chain_colour(k), lw=3) for k in range(nchains)], \
           [f"chain {k + 1}" for k in range(nchains)]


def _legend_above(ax, handles, labels, ncols=None, **kwargs):
    """A legend just above the axes, right-aligned (one row by default): it never covers data."""
    return ax.legend(handles, labels, loc="lower right", bbox_to_anchor=(1.0, 1.0),
                     ncols=ncols or len(handles), borderaxespad=0.2, handlelength=1.5,
                     columnspacing=1.2, **kwargs)


def _legend_right(ax, handles, labels, **kwargs):
    """A legend outside the axes on the right."""
    return ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0,
                     **kwargs)


def _group_tick_labels(data, with_n=True) -> list[str]:
    """'1\\nn = 25' under every group (the sample size is part of the story)."""
    labels = [str(lab) for lab in data.labels]
    if not with_n:
        return labels
    return [f"{lab}\nn = {n}" for lab, n in zip(labels, data.n)]


def _spread(targets, gap) -> np.ndarray:
    """Positions as close as possible to ``targets`` (1-D) but at least ``gap`` apart.

    Labels that would overlap are merged into a cluster, centred on the mean of
    their targets and spaced ``gap`` apart; clusters merge until none overlap.
    """
    targets = np.asarray(targets, dtype=float)
    order = np.argsort(targets, kind="stable")
    clusters = []  # [sum of targets, members (indices into targets, ascending)]
    for i in order:
        clusters.append([targets[i], [i]])
        while len(clusters) > 1:
            (sum_a, a), (sum_b, b) = clusters[-2], clusters[-1]
            top_a = sum_a / len(a) + (len(a) - 1) * gap / 2
            bottom_b = sum_b / len(b) - (len(b) - 1) * gap / 2
            if bottom_b - top_a >= gap:
                break
            clusters[-2:] = [[sum_a + sum_b, a + b]]
    positions = np.empty_like(targets)
    for total, members in clusters:
        centre = total / len(members)
        for k, i in enumerate(members):
            positions[i] = centre + (k - (len(members) - 1) / 2) * gap
    return positions


def _text_height_in_data(ax, fontsize, factor=1.35) -> float:
    """The height of a line of text, in the y units of ``ax`` (at the axes' current size)."""
    pixels = fontsize * factor * ax.figure.dpi / 72
    lo, hi = ax.get_ylim()
    return abs(hi - lo) * pixels / max(ax.bbox.height, 1.0)


def _label_points(ax, xs, ys, texts, *, marker_pt=5.0, fontsize=None):
    """Label each point next to it (right, left, above or below) without labels overlapping.

    A greedy search in display space, with text boxes estimated from the number
    of characters: good enough for a handful of labels on a slide.
    """
    fontsize = fontsize or matplotlib.rcParams["font.size"]
    to_pixels = ax.transData.transform
    px_per_pt = ax.figure.dpi / 72
    gap = marker_pt + 3
    candidates = [  # offset in points, alignment
        ((gap, 0), "left", "center"), ((-gap, 0), "right", "center"),
        ((gap * 0.7, gap * 0.9), "left", "bottom"), ((gap * 0.7, -gap * 0.9), "left", "top"),
        ((-gap * 0.7, gap * 0.9), "right", "bottom"), ((-gap * 0.7, -gap * 0.9), "right", "top"),
    ]
    points = to_pixels(np.column_stack([xs, ys]))
    r = marker_pt * px_per_pt
    taken = [(px - r, py - r, px + r, py + r) for px, py in points]
    artists = []
    for (x, y), (px, py), text in zip(zip(xs, ys), points, texts):
        w = 0.62 * fontsize * len(text) * px_per_pt
        h = 1.25 * fontsize * px_per_pt
        for (dx, dy), ha, va in candidates:
            x0 = px + dx * px_per_pt - (w if ha == "right" else 0)
            y0 = py + dy * px_per_pt - {"center": h / 2, "bottom": 0, "top": h}[va]
            box = (x0, y0, x0 + w, y0 + h)
            if not any(_overlap(box, other) for other in taken):
                break
        else:
            (dx, dy), ha, va = candidates[0]
            box = None
        if box is not None:
            taken.append(box)
        artists.append(ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points",
                                   ha=ha, va=va, fontsize=fontsize, bbox=_TEXT_BACKGROUND))
    return artists


#: A white box behind labels, so that a reference line running through a label does not cross it out.
_TEXT_BACKGROUND = dict(facecolor="white", edgecolor="none", alpha=0.85, pad=1.0)


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


# =============================================================== the data
@_styled
def data_overview(data, ax=None):
    """Hours by school: every student as a dot (jittered sideways), a box per school, and
    each school's sample mean as a black diamond.

    The jitter uses ``numpy.random.default_rng(0)``, so the figure is the same every time.

    Returns
    -------
    (ax, strips) : ``strips[j]`` is the PathCollection of school j's dots (its y
        values are the school's observations).
    """
    _check_data(data)
    fig, ax = _single_axes(ax)
    rng = np.random.default_rng(0)
    positions = np.arange(1, data.J + 1)
    groups = [data.group_values(j) for j in range(data.J)]
    ax.boxplot(groups, positions=positions, widths=0.55, showfliers=False, patch_artist=True,
               boxprops=dict(facecolor="#F2F2F2", edgecolor=_style.NEUTRAL, linewidth=1.5),
               medianprops=dict(color=_style.NEUTRAL, linewidth=2),
               whiskerprops=dict(color=_style.NEUTRAL, linewidth=1.5),
               capprops=dict(color=_style.NEUTRAL, linewidth=1.5), zorder=1)
    colour = _style.OKABE_ITO["blue"]
    strips = [
        ax.scatter(p + rng.uniform(-0.17, 0.17, size=y.size), y, s=30, color=colour, alpha=0.65,
                   edgecolor="none", zorder=2)
        for p, y in zip(positions, groups)
    ]
    ax.plot(positions, data.means, linestyle="none", marker="D", markersize=9, color="black",
            markeredgecolor="white", zorder=3, gid="means", label="sample mean")
    overall = float(data.values.mean())
    ax.axhline(overall, color=_style.NEUTRAL, linestyle="--", lw=1.5, zorder=0, gid="overall mean",
               label=f"mean of all {data.n_total} students = {overall:.2f}")
    ax.set_xticks(positions, _group_tick_labels(data))
    ax.set_xlim(0.4, data.J + 0.6)
    ax.set_xlabel(_group_name(data))
    ax.set_ylabel(_unit(data) or data.value_name)
    _legend_above(ax, *ax.get_legend_handles_labels())
    return ax, strips


@_styled
def mean_vs_size(data, ax=None):
    """Each school's sample mean against its sample size, labelled by school.

    The dashed line is the mean of all students. Small schools can have extreme
    means by chance alone: the reason to pool.

    Returns
    -------
    (ax, points) : the PathCollection of the J points (x = n_j, y = sample mean).
    """
    _check_data(data)
    fig, ax = _single_axes(ax)
    points = ax.scatter(data.n, data.means, s=90, color=_style.OKABE_ITO["blue"], edgecolor="white",
                        linewidth=1.2, zorder=3)
    overall = float(data.values.mean())
    ax.axhline(overall, color=_style.NEUTRAL, linestyle="--", lw=1.5, zorder=1, gid="overall mean",
               label=f"mean of all {data.n_total} students = {overall:.2f}")
    xpad = max(1.0, 0.12 * np.ptp(data.n))
    ypad = max(0.3, 0.12 * np.ptp(data.means))
    ax.set_xlim(data.n.min() - xpad, data.n.max() + xpad)
    ax.set_ylim(min(data.means.min(), overall) - ypad, max(data.means.max(), overall) + ypad)
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_xlabel(f"sample size $n_j$ (students per {_group_name(data)})")
    ax.set_ylabel(_with_unit("sample mean", _unit(data)))
    _label_points(ax, data.n, data.means, [f"{_group_name(data)} {lab}" for lab in data.labels],
                  marker_pt=6)
    _legend_above(ax, *ax.get_legend_handles_labels())
    return ax, points


def _check_data(data):
    from teachkit.data import GroupedData

    if not isinstance(data, GroupedData):
        raise ValueError(f"data must be a teachkit GroupedData (e.g. load_homework()), "
                         f"got {type(data).__name__}")


# =============================================================== MCMC diagnostics
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
            density_ax.plot(grid, _kde(x[k], grid, lower, upper), color=chain_colour(k), lw=LINE)
            trace_ax.plot(iterations, x[k], color=chain_colour(k), lw=TRACE, alpha=0.75)
        if warmup is not None:
            _draw_warmup(trace_ax, warmup[label])
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
    _legend_above(axes[0, 1], *_chain_handles(post.nchains))
    return fig, axes


def _draw_warmup(ax, warm):
    """Warm-up sweeps at iterations -W..-1 on a grey band labelled 'warm-up'."""
    nwarm = warm.shape[1]
    ax.axvspan(-nwarm, 0, color=_style.LIGHT, alpha=0.35, lw=0, zorder=0, gid="warm-up")
    iterations = np.arange(-nwarm, 0)
    for k in range(warm.shape[0]):
        ax.plot(iterations, warm[k], color=chain_colour(k), lw=TRACE, alpha=0.5, gid="warm-up")
    ax.text(-nwarm / 2, 0.97, "warm-up", transform=blended_transform_factory(ax.transData, ax.transAxes),
            ha="center", va="top", color=_style.NEUTRAL, fontsize=_style.BASE_FONT - 1,
            bbox=dict(facecolor="white", edgecolor="none", alpha=0.8, pad=1.5))


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
    for (label, x), ax in zip(rows, panels):
        rho = diagnostics.autocorrelation(x)[:, : lags.size]
        lowest = min(lowest, rho.min())
        ax.axhline(0, color=_style.LIGHT, lw=1.2, zorder=0)
        for k in range(x.shape[0]):
            ax.plot(lags, rho[k], color=chain_colour(k), lw=LINE, alpha=0.9)
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
    return fig, panels


# =============================================================== posterior summaries
@_styled
def boxplots(post, name="theta", *, ref=None, ax=None):
    """Posterior draws of a vector parameter (θ_j), one box per school.

    The box spans the 50% interval (25%–75%), the whiskers the 95% interval
    (2.5%–97.5%), the line in the box is the median. ``ref`` draws a dashed
    horizontal line: a number, or a parameter name such as "mu" for its
    posterior mean.

    Returns
    -------
    (ax, boxes) : the dict from ``Axes.boxplot`` ("boxes", "medians", "whiskers", ...).
    """
    _check_posterior(post)
    x = post[name]
    if x.ndim != 3:
        raise ValueError(f"boxplots draws one box per {_group_name(post)}: {name!r} is a single "
                         "parameter; use a vector parameter such as 'theta', or prior_posterior")
    fig, ax = _single_axes(ax)
    flat = x.reshape(-1, x.shape[2])
    colour = model_colour(post.model)
    positions = np.arange(1, flat.shape[1] + 1)
    # The box and whiskers are set to the quantiles exactly (Axes.boxplot would end each
    # whisker at the last draw inside the interval instead).
    q = np.quantile(flat, CATERPILLAR_QUANTILES, axis=0)
    stats = [dict(whislo=q[0, j], q1=q[1, j], med=q[2, j], q3=q[3, j], whishi=q[4, j], fliers=[])
             for j in range(flat.shape[1])]
    boxes = ax.bxp(
        stats, positions=positions, showfliers=False, patch_artist=True, widths=0.55,
        boxprops=dict(facecolor=matplotlib.colors.to_rgba(colour, 0.35), edgecolor=colour, linewidth=2),
        medianprops=dict(color=colour, linewidth=3), whiskerprops=dict(color=colour, linewidth=THIN),
        capprops=dict(color=colour, linewidth=THIN),
    )
    handles = [Patch(facecolor=matplotlib.colors.to_rgba(colour, 0.35), edgecolor=colour, lw=2),
               Line2D([], [], color=colour, lw=THIN), Line2D([], [], color=colour, lw=3)]
    labels = ["50% interval (box)", "95% interval (whiskers)", "median"]
    reference = _reference(ref, [post])
    if reference is not None:
        line = ax.axhline(reference[0], color=_style.NEUTRAL, ls="--", lw=LINE, zorder=0, gid="ref")
        handles.append(line)
        labels.append(reference[1])
    if post.data is not None and len(post.data.labels) == flat.shape[1]:
        ax.set_xticks(positions, _group_tick_labels(post.data))
    else:
        ax.set_xticks(positions, [_group_label(post, j) for j in range(flat.shape[1])])
    ax.set_xlabel(_group_name(post))
    ax.set_ylabel(_with_unit(math_label(f"{name}[j]"), _unit(post, name)))
    ax.set_title(model_name(post.model), loc="left", color=colour)
    _legend_above(ax, handles, labels, ncols=2 if len(handles) > 3 else None)  # clear of the title
    return ax, boxes


@_styled
def caterpillar(post, names="theta", *, compare=None, labels=None, ref=None, ax=None):
    """Median (point), 50% interval (thick line) and 95% interval (thin line), one row per scalar.

    ``names``: "theta" (one row per school), or a list such as ["theta", "mu"] or
    ["sigma2", "tau2"]. ``compare``: a second posterior drawn just below the
    first on every row it has, in its model's colour; use it for no pooling vs
    partial pooling, e.g. ``caterpillar(no_pooling, ["theta", "mu"], compare=hierarchical)``.
    ``labels``: legend names of the two posteriors (default: their models, with
    "hierarchical" called "partial pooling"). ``ref``: a dashed vertical line at
    a number, or at the posterior mean of a parameter name such as "mu".

    Returns
    -------
    (ax, series) : one dict per posterior (``post`` first), with keys "label",
        "rows" (the scalar names drawn, top to bottom), "median" (PathCollection,
        x = medians), "50%" and "95%" (LineCollections, one horizontal segment
        per row from the lower to the upper quantile). The reference line has gid "ref".
    """
    posts = [_check_posterior(post)]
    if compare is not None:
        posts.append(_check_posterior(compare, "compare"))
    labels = _series_labels(posts, labels)
    rows = _rows_of(posts, names)
    fig, ax = _single_axes(ax, figsize=(10, min(5.5, max(3.0, 1.2 + 0.5 * len(rows)))))
    colours = [model_colour(p.model) for p in posts]
    if len(set(colours)) < len(colours):  # two fits of the same model: tell them apart by chain colours
        colours = [chain_colour(k) for k in range(len(posts))]
    offsets = [0.0] if len(posts) == 1 else [-0.17, 0.17]
    series = []
    for p, label, colour, offset in zip(posts, labels, colours, offsets):
        drawn = [(i, row) for i, row in enumerate(rows) if row in p]
        # a row that only this posterior has (μ in no pooling vs partial pooling) is centred
        y = np.array([i + (offset if all(row in other for other in posts) else 0.0)
                      for i, row in drawn])
        q = np.array([np.quantile(p[row].ravel(), CATERPILLAR_QUANTILES) for _, row in drawn])
        outer = LineCollection([[(lo, yi), (hi, yi)] for yi, lo, hi in zip(y, q[:, 0], q[:, 4])],
                               colors=colour, linewidths=THIN, capstyle="butt", zorder=2)
        inner = LineCollection([[(lo, yi), (hi, yi)] for yi, lo, hi in zip(y, q[:, 1], q[:, 3])],
                               colors=colour, linewidths=THICK, capstyle="butt", zorder=3)
        ax.add_collection(outer)
        ax.add_collection(inner)
        median = ax.scatter(q[:, 2], y, s=75, color=colour, edgecolor="white", linewidth=1.5, zorder=4)
        series.append({"label": label, "rows": [row for _, row in drawn], "median": median,
                       "50%": inner, "95%": outer})
    ax.autoscale_view()
    ax.set_yticks(np.arange(len(rows)), [math_label(row) for row in rows],
                  fontsize=_style.BASE_FONT + 2)
    ax.set_ylim(len(rows) - 0.5, -0.5)  # first row on top
    ax.grid(axis="x")
    units = {_unit(posts[0], row) for row in rows}
    if len(units) == 1 and "" not in units:
        ax.set_xlabel(units.pop())
    elif len(rows) == 1 and _split(rows[0])[0] == "R":
        ax.set_xlabel(_axis_label(posts[0], rows[0]))

    dark = colours[0] if len(posts) == 1 else _style.NEUTRAL
    handles = [Line2D([], [], marker="o", linestyle="none", markersize=9, color=dark,
                      markeredgecolor="white"),
               Line2D([], [], color=dark, lw=THICK), Line2D([], [], color=dark, lw=THIN)]
    legend_labels = ["median", "50% interval", "95% interval"]
    if len(posts) > 1:
        handles += [Patch(color=c) for c in colours]
        legend_labels += list(labels)
    reference = _reference(ref, posts[::-1])
    if reference is not None:
        line = ax.axvline(reference[0], color=_style.NEUTRAL, ls="--", lw=LINE, zorder=1, gid="ref")
        handles.append(line)
        legend_labels.append(reference[1].replace(" = ", "\n= ", 1))
    legend = _legend_right(ax, handles, legend_labels, title=None if len(posts) > 1 else labels[0])
    legend.get_title().set_color(colours[0])
    return ax, series


def _series_labels(posts, labels):
    if labels is None:
        return [model_name(p.model) for p in posts]
    if isinstance(labels, str) or len(labels) < len(posts):
        raise ValueError(f"labels must name each of the {len(posts)} posterior(s), got {labels!r}")
    return [str(lab) for lab in labels[: len(posts)]]


def _rows_of(posts, names) -> list[str]:
    """The scalar rows of a caterpillar: every name expanded, in order, from whichever posterior has it."""
    if isinstance(names, str):
        names = [names]
    rows = []
    for name in names:
        having = [p for p in posts if name in p]
        if not having:
            if len(posts) == 1:
                posts[0][name]  # raises the Posterior's KeyError, which names the parameter
            raise KeyError(f"{name!r} is not a parameter of the {posts[0].model} or the "
                           f"{posts[1].model} posterior")
        for p in having:
            for label, _ in _scalars(p, name):
                if label not in rows:
                    rows.append(label)
    if not rows:
        raise ValueError("no parameters to plot: names is empty")
    return rows


@_styled
def shrinkage(no_pooling, partial_pooling, *, ax=None):
    """Each school's estimate without pooling (left) and with partial pooling (right).

    Left column: the posterior mean of θ_j under no pooling (Model 2), about the
    school's sample mean. Right column: the posterior mean under the
    hierarchical model (Model 3). An arrow joins them for every school; marker
    area is proportional to the school's number of students n_j, and the dashed
    line is the posterior mean of μ. Every estimate moves toward μ, and schools
    with few students move most: the school that moves most is drawn in black.

    Returns
    -------
    (ax, arrows) : ``arrows[j]`` is school j's arrow, an Annotation starting at
        ``arrow.xyann = (0, no-pooling mean)`` and ending at
        ``arrow.xy = (1, partial-pooling mean)``. The markers are the
        PathCollections with gid "no pooling" and "partial pooling"; the μ line has gid "mu".
    """
    _check_shrinkage_input(no_pooling, partial_pooling)
    fig, ax = _single_axes(ax)
    before = no_pooling.mean("theta")
    after = partial_pooling.mean("theta")
    mu = float(partial_pooling.mean("mu"))
    data = partial_pooling.data if partial_pooling.data is not None else no_pooling.data
    n = np.asarray(data.n, dtype=float) if data is not None else None
    sizes = AREA_PER_STUDENT * (n if n is not None else np.full(before.size, 20.0))
    biggest_move = int(np.argmax(np.abs(after - before)))
    colours = model_colour(no_pooling.model), model_colour(partial_pooling.model)

    low, high = min(before.min(), after.min(), mu), max(before.max(), after.max(), mu)
    ax.set_ylim(low - 0.08 * (high - low), high + 0.08 * (high - low))
    _pooling_columns(ax, before, after, mu, sizes, colours)
    arrows = [
        ax.annotate("", xy=(1.0, after[j]), xytext=(0.0, before[j]), zorder=2, arrowprops=dict(
            arrowstyle="-|>", mutation_scale=20,
            shrinkA=math.sqrt(sizes[j]) / 2 + 1, shrinkB=math.sqrt(sizes[j]) / 2 + 2,  # marker edges
            lw=3.0 if j == biggest_move else 1.8, color="black" if j == biggest_move else "#8C8C8C"))
        for j in range(before.size)
    ]
    between_px = _label_columns(ax, partial_pooling, before, after, n, biggest_move,
                                offset_pt=math.sqrt(sizes.max()) / 2 + 6)
    _name_columns(ax, [model_name(no_pooling.model), model_name(partial_pooling.model)], colours,
                  between_px)
    ax.set_ylabel(_with_unit(r"posterior mean of $\theta_j$", _unit(partial_pooling, "theta")))

    handles = [Line2D([], [], color=_style.NEUTRAL, ls="--", lw=LINE)]
    legend_labels = [f"$\\mu$ = {mu:.2f} (posterior mean)"]
    for example in ((10, 25) if n is not None else ()):  # what marker sizes mean
        handles.append(Line2D([], [], marker="o", ls="none", color=_style.LIGHT,
                              markersize=math.sqrt(AREA_PER_STUDENT * example)))
        legend_labels.append(f"n = {example}")
    _legend_above(ax, handles, legend_labels)
    return ax, arrows


def _check_shrinkage_input(no_pooling, partial_pooling):
    _check_posterior(no_pooling, "no_pooling")
    _check_posterior(partial_pooling, "partial_pooling")
    _check_same_groups(no_pooling, partial_pooling)
    for argument, p in (("no_pooling", no_pooling), ("partial_pooling", partial_pooling)):
        if "theta" not in p or p["theta"].ndim != 3:
            raise ValueError(f"shrinkage: {argument} needs a vector theta (one mean per group); "
                             f"the {p.model} posterior has {', '.join(p.names)}")
    if "mu" not in partial_pooling:
        raise ValueError(f"shrinkage: partial_pooling must be a hierarchical fit (it needs mu); got a "
                         f"{partial_pooling.model} posterior. Arguments: (no_pooling, partial_pooling)")


def _label_columns(ax, post, before, after, n, highlight, offset_pt) -> float:
    """Label every point of the two columns ('school 5 (n = 9)' on the left, 'school 5' on the
    right), spreading labels that would overlap, with a leader line to those that moved.

    Sets the x-limits so the labels fit (see ``_fit_two_columns``); returns the
    distance between the columns in pixels.
    """
    fontsize = _style.BASE_FONT - 1
    group = _group_name(post)
    names = [f"{group} {_group_label(post, j)}" for j in range(before.size)]
    left_texts = names if n is None else [f"{name} (n = {int(k)})" for name, k in zip(names, n)]
    offset, between_px = _fit_two_columns(ax, left_texts, names, fontsize, offset_pt)
    gap = _text_height_in_data(ax, fontsize)
    for column, values, texts, side in ((0, before, left_texts, -1), (1, after, names, 1)):
        text_x = column + side * offset
        for j, (value, y) in enumerate(zip(values, _spread(values, gap))):
            ax.text(text_x, y, texts[j], ha="right" if side < 0 else "left", va="center",
                    fontsize=fontsize, fontweight="bold" if j == highlight else "normal",
                    bbox=_TEXT_BACKGROUND)
            if abs(y - value) > 0.15 * gap:
                ax.plot([column, text_x - side * 0.2 * offset], [value, y], color=_style.LIGHT, lw=1,
                        zorder=1)
    return between_px


def _name_columns(ax, names, colours, between_px):
    """The two columns' names as x tick labels in their models' colours (one word per line if narrow)."""
    needed = sum(_text_width_pt(name, _style.BASE_FONT) for name in names) / 2 * ax.figure.dpi / 72
    if between_px < 1.15 * needed:
        names = [name.replace(" ", "\n") for name in names]
    ax.set_xticks([0, 1], names, fontsize=_style.BASE_FONT)
    for tick, colour in zip(ax.get_xticklabels(), colours):
        tick.set_color(colour)
        tick.set_fontweight("bold")
    ax.tick_params(axis="x", length=0)
    ax.spines["bottom"].set_visible(False)


def _fit_two_columns(ax, left_texts, right_texts, fontsize, offset_pt) -> tuple[float, float]:
    """Set the x-limits of a two-column figure (columns at x = 0 and 1) so that the labels
    left of 0 and right of 1 fit inside the axes, whatever its width.

    Returns the distance from a column to its labels in data units, and the
    distance between the columns in pixels.
    """
    px_per_pt = ax.figure.dpi / 72
    widest_left = max(_text_width_pt(t, fontsize) for t in left_texts)
    widest_right = max(_text_width_pt(t, fontsize) for t in right_texts) + 2 * fontsize  # + the μ label
    left = (widest_left + offset_pt + 6) * px_per_pt
    right = (widest_right + offset_pt + 6) * px_per_pt
    width = ax.bbox.width  # before layout: a little narrower than the final axes, so labels fit
    between = max(width - left - right, 0.3 * width)  # pixels from one column to the other
    ax.set_xlim(-left / between, 1 + right / between)
    return offset_pt * px_per_pt / between, between


def _text_width_pt(text, fontsize, weight="bold") -> float:
    """Width of a line of text in points (bold: the widest it will be drawn), without a renderer."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath

    return TextPath((0, 0), text, size=fontsize, prop=FontProperties(weight=weight)).get_extents().width


def _check_same_groups(a, b):
    labels_a, labels_b = [str(x) for x in a.labels], [str(x) for x in b.labels]
    if labels_a != labels_b:
        raise ValueError(f"the two posteriors have different groups: {labels_a} and {labels_b}; "
                         "fit both models to the same data")
    if a.data is not None and b.data is not None and not np.array_equal(a.data.n, b.data.n):
        raise ValueError("the two posteriors were fitted to different data (the group sizes differ: "
                         f"{list(a.data.n)} and {list(b.data.n)}); fit both models to the same data")


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
    (ax, lines) : dict with "prior" and "posterior", the two Line2D (x = grid, y = density).
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
    ax.fill_between(grid, posterior, color=colour, alpha=0.25, lw=0)
    (posterior_line,) = ax.plot(grid, posterior, color=colour, lw=2.5, gid="posterior",
                                label=f"posterior ({model_name(post.model)})")
    prior_x, prior_y = prior_density(grid)
    if np.nanmax(prior_y, initial=0) < 0.02 * posterior.max():
        prior_label += "\n(vague: density ≈ 0 on this scale)"
    (prior_line,) = ax.plot(prior_x, prior_y, color=_style.PRIOR_COLOUR, ls="--", lw=2.5, gid="prior",
                            label=prior_label)
    top = max(posterior.max(), min(np.nanmax(prior_y), 3 * posterior.max()))
    ax.set_ylim(0, 1.12 * top)
    ax.set_xlim(grid[0], grid[-1])
    ax.set_xlabel(_axis_label(post, name))
    ax.set_ylabel("density")
    ax.legend([prior_line, posterior_line], [prior_label, posterior_line.get_label()], loc="best")
    return ax, {"prior": prior_line, "posterior": posterior_line}


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


# =============================================================== the shrinkage explorer and the spectrum
#: Marker area (points²) per student in ``shrinkage_explorer_view``: smaller than in
#: ``shrinkage``, because a school there may have up to 200 students.
EXPLORER_AREA_PER_STUDENT = 6.0

#: The colour of the school the explorer varies, and of school 5 in the spectrum (as the
#: school that moves most in ``shrinkage``): black, apart from the models' colours.
HIGHLIGHT = _style.OKABE_ITO["black"]


@_styled
def shrinkage_explorer_view(estimates, mu, highlight=None, *, title=None, unit="", n_max=None, ylim=None,
                            ax=None):
    """The explorer's figure: each group's sample mean (left) and partial-pooling estimate
    (right), joined by an arrow, with μ dashed.

    ``estimates`` is a table like the one of :func:`teachkit.spectrum.shrinkage_estimates`:
    one row per group (index: the labels, named after the group, e.g. "school"), with
    columns "n", "sample mean", "partial pooling", "95% low", "95% high" and "weight".
    ``mu`` is the posterior mean of μ. The ``highlight`` group (a label) gets a thick
    black arrow and a bold label, its 95% interval on the right and its shrinkage
    weight w_j written on its arrow. ``n_max`` fixes the layout for groups of up to that many
    members (marker area is proportional to n), so the figure does not shift when
    one group's n changes; ``ylim`` fixes the y range (an interval reaching beyond
    it is cut at the edge, where a triangle says it goes on); ``unit`` goes into the
    y label.

    Returns
    -------
    (ax, arrows) : ``arrows[j]`` is group j's arrow, an Annotation from
        ``xyann = (0, sample mean)`` to ``xy = (1, partial-pooling estimate)``. The
        weight label has gid "weight", the interval gid "interval", the μ line gid "mu".
    """
    table = _check_estimates(estimates)
    labels = [str(lab) for lab in table.index]
    h = None if highlight is None else labels.index(_check_highlight(highlight, labels))
    before = np.asarray(table["sample mean"], dtype=float)
    after = np.asarray(table["partial pooling"], dtype=float)
    n = np.asarray(table["n"], dtype=float)
    mu = float(mu)
    group = table.index.name or "group"
    fig, ax = _single_axes(ax)

    sizes = np.maximum(EXPLORER_AREA_PER_STUDENT * n, 20.0)   # area ∝ n, but n = 1 must still show
    biggest = EXPLORER_AREA_PER_STUDENT * max(float(n.max()), float(n_max or 0))
    colours = model_colour("no pooling"), model_colour("partial pooling")

    if ylim is None:
        values = [before, after, [mu]]
        if h is not None:
            values.append(np.asarray(table[["95% low", "95% high"]].iloc[h], dtype=float))
        low, high = min(np.min(v) for v in values), max(np.max(v) for v in values)
        pad = 0.08 * (high - low) if high > low else 1.0
        ylim = (low - pad, high + pad)
    ax.set_ylim(*ylim)
    _pooling_columns(ax, before, after, mu, sizes, colours)
    arrows = []
    for j in range(before.size):
        strong = j == h
        arrows.append(ax.annotate(
            "", xy=(1.0, after[j]), xytext=(0.0, before[j]), zorder=4 if strong else 2,
            arrowprops=dict(arrowstyle="-|>", mutation_scale=22 if strong else 18,
                            shrinkA=math.sqrt(sizes[j]) / 2 + 1, shrinkB=math.sqrt(sizes[j]) / 2 + 2,
                            lw=3.2 if strong else 1.6, color=HIGHLIGHT if strong else "#9A9A9A")))

    names = [f"{group} {lab}" for lab in labels]
    left_texts = [f"{name} (n = {int(k)})" for name, k in zip(names, n)]
    widest_n = f"{group} {labels[0]} (n = {int(max(n.max(), n_max or 0))})"
    offset_pt = math.sqrt(biggest) / 2 + 6
    offset, between_px = _fit_two_columns(ax, left_texts + [widest_n], names, _style.BASE_FONT - 1,
                                          offset_pt)
    gap = _text_height_in_data(ax, _style.BASE_FONT - 1)
    for column, values, texts, side in ((0, before, left_texts, -1), (1, after, names, 1)):
        text_x = column + side * offset
        for j, (value, y) in enumerate(zip(values, _spread(values, gap))):
            ax.text(text_x, y, texts[j], ha="right" if side < 0 else "left", va="center",
                    fontsize=_style.BASE_FONT - 1, fontweight="bold" if j == h else "normal",
                    color=HIGHLIGHT if j == h else "black", bbox=_TEXT_BACKGROUND)
            if abs(y - value) > 0.15 * gap:
                ax.plot([column, text_x - side * 0.2 * offset], [value, y], color=_style.LIGHT, lw=1,
                        zorder=1)
    _name_columns(ax, ["no pooling", "partial pooling"], colours, between_px)
    ax.set_ylabel(_with_unit(r"estimate of $\theta_j$", unit))

    handles = [Line2D([], [], color=_style.NEUTRAL, ls="--", lw=LINE)]
    legend_labels = [f"$\\mu$ = {mu:.2f}"]
    if h is not None:
        # the interval just right of the column, clear of the markers (caps mark its ends)
        x_int = 1 + 0.55 * offset
        lo_h, hi_h = float(table["95% low"].iloc[h]), float(table["95% high"].iloc[h])
        y_lo, y_hi = ax.get_ylim()
        inset = 0.015 * (y_hi - y_lo)
        ends = [(lo_h, "_") if lo_h >= y_lo else (y_lo + inset, "v"),
                (hi_h, "_") if hi_h <= y_hi else (y_hi - inset, "^")]
        colour = colours[1]
        ax.plot([x_int, x_int], [ends[0][0], ends[1][0]], color=colour, lw=THIN + 0.7,
                solid_capstyle="butt", zorder=2.5, gid="interval")
        for y_end, marker in ends:   # a cap, or a triangle where the interval goes on past the axes
            ax.plot([x_int], [y_end], ls="none", marker=marker, color=colour,
                    markersize=9 if marker == "_" else 8, markeredgewidth=THIN + 0.7)
        handles.append(Line2D([], [], color=colour, lw=THIN + 0.7))
        legend_labels.append(f"95% interval, {group} {labels[h]}")
        w = float(table["weight"].iloc[h])
        middle = (before[h] + after[h]) / 2
        below = middle > y_lo + 0.7 * (y_hi - y_lo)   # near the top: keep clear of the legend
        ax.annotate(f"$w_{{{_escape_math(labels[h])}}}$ = {w:.2f}", xy=(0.5, middle),
                    xytext=(0, -12 if below else 12), textcoords="offset points", ha="center",
                    va="top" if below else "bottom", fontsize=_style.BASE_FONT + 1, color=HIGHLIGHT,
                    fontweight="bold", bbox=_TEXT_BACKGROUND, zorder=5, gid="weight")
    for example in (10, 100):   # what marker sizes mean
        handles.append(Line2D([], [], marker="o", ls="none", color=_style.LIGHT,
                              markersize=math.sqrt(EXPLORER_AREA_PER_STUDENT * example)))
        legend_labels.append(f"n = {example}")
    _legend_above(ax, handles, legend_labels)
    if title:
        ax.set_title(title, loc="left", fontsize=_style.BASE_FONT, pad=32)
    return ax, arrows


_ESTIMATE_COLUMNS = ("n", "sample mean", "partial pooling", "95% low", "95% high", "weight")


def _check_estimates(estimates):
    columns = getattr(estimates, "columns", None)
    if columns is None or not set(_ESTIMATE_COLUMNS) <= set(columns):
        raise ValueError("estimates must be a table (DataFrame) with the columns "
                         f"{list(_ESTIMATE_COLUMNS)}, e.g. teachkit.spectrum.shrinkage_estimates(data).table; "
                         f"got {type(estimates).__name__}")
    if len(estimates) == 0:
        raise ValueError("estimates has no rows")
    return estimates


def _check_highlight(highlight, labels):
    label = str(highlight)
    if label not in labels:
        raise ValueError(f"highlight={highlight!r} is not one of the groups {labels}")
    return label


@_styled
def pooling_spectrum(data, posterior=None, *, ax=None):
    r"""Every school's E[θ_j | τ, y] as τ runs from ~0 (complete pooling) to large (no pooling).

    The lines come from :meth:`teachkit.exact.ExactHierarchical.conditional_theta_mean`:
    with τ fixed, μ and σ are integrated out exactly. On the left (τ → 0) every line
    meets the complete-pooling estimate; on the right (τ → ∞) each line ends at its
    school's sample mean (dots). School 5 is drawn thick, in colour.

    ``posterior``: a hierarchical fit (teachkit Posterior) or an
    ``exact.hierarchical(...)`` result. When given, a second panel underneath shows
    the posterior density of τ (exact; and a histogram of the draws of τ for a
    Posterior), on the same log τ axis, and its 95% interval is shaded over the
    lines: where the data put us between Model 1 and Model 2. The priors on μ and
    σ² are the posterior's (the lecture's otherwise).

    ``ax``: an Axes (without ``posterior``) or two Axes, top and bottom (with it).

    Returns
    -------
    (fig, axes) : ``axes[0]`` holds the lines, one per school with gid "theta[<label>]"
        (x = τ, y = E[θ_j | τ, y]); ``axes[1]`` (with a posterior) the density of τ,
        a line with gid "tau density" (x = τ, y = density of log τ).
    """
    from teachkit import exact
    from teachkit.data import GroupedData

    if not isinstance(data, GroupedData):
        raise ValueError(f"data must be a teachkit GroupedData (e.g. load_homework()), "
                         f"got {type(data).__name__}")
    sampled = None
    if posterior is None:
        ex = exact.hierarchical(data)
    elif isinstance(posterior, Posterior):
        if "tau2" not in posterior or "mu" not in posterior:
            raise ValueError(f"posterior must be a hierarchical fit (with tau2 and mu); got a "
                             f"{posterior.model} posterior")
        if posterior.data is not None and not (np.array_equal(posterior.data.n, data.n)
                                               and np.allclose(posterior.data.means, data.means)):
            raise ValueError("posterior was fitted to other data than `data`: fit it to the same data")
        priors = posterior.priors
        ex = exact.hierarchical(data, mu_prior=priors["mu"], sigma2_prior=priors["sigma2"],
                                tau2_prior=priors["tau2"])
        sampled = np.sqrt(posterior.flat("tau2"))
    elif isinstance(posterior, exact.ExactHierarchical):
        ex = posterior
    else:
        raise ValueError("posterior must be a teachkit Posterior of the hierarchical model or an "
                         f"exact.hierarchical(...) result, got {type(posterior).__name__}")
    panels = 1 if posterior is None else 2

    if ax is None:
        if panels == 1:
            fig, top = _single_axes(None)
            axes = (top,)
        else:
            fig, grid = _axes_grid(None, 2, 1, figsize=_style.SLIDE_FIGSIZE, height_ratios=(3, 1.25))
            axes = tuple(grid[:, 0])
            axes[1].sharex(axes[0])
    else:
        flat = [ax] if isinstance(ax, Axes) else list(np.asarray(ax, dtype=object).ravel())
        if len(flat) != panels or not all(isinstance(a, Axes) for a in flat):
            raise ValueError(f"ax must be {'one matplotlib Axes' if panels == 1 else 'two matplotlib Axes (top, bottom)'}"
                             f" {'without' if panels == 1 else 'with'} a posterior")
        axes = tuple(flat)
        fig = axes[0].figure
    top = axes[0]

    tau = np.logspace(-2, 3, 241)
    means = ex.conditional_theta_mean(tau)
    labels = [str(lab) for lab in data.labels]
    group = _group_name(data)
    emphasis = labels.index("5") if "5" in labels else int(np.argmax(np.abs(data.means - data.values.mean())))
    lines = []
    for j, lab in enumerate(labels):
        strong = j == emphasis
        (line,) = top.plot(tau, means[:, j], color=HIGHLIGHT if strong else "#8C8C8C",
                           lw=3.2 if strong else 1.6, zorder=3 if strong else 2, gid=f"theta[{lab}]")
        lines.append(line)
    top.set_xscale("log")
    top.set_xlim(tau[0], tau[-1])
    pooled = means[0].mean()
    top.scatter([tau[-1]] * data.J, data.means, s=45, color=model_colour("no pooling"), zorder=4,
                clip_on=False, edgecolor="white", linewidth=1, gid="sample means")
    top.scatter([tau[0]], [pooled], s=70, color=model_colour("complete pooling"), zorder=4, clip_on=False,
                edgecolor="white", linewidth=1, gid="complete pooling")
    lo_y, hi_y = min(data.means.min(), pooled), max(data.means.max(), pooled)
    pad = 0.06 * (hi_y - lo_y)
    top.set_ylim(lo_y - pad, hi_y + pad)
    top.set_ylabel(_with_unit(r"$E[\theta_j \mid \tau, y]$", _unit(data)))

    # school labels at the right end, spread so they do not overlap (and kept inside the axes)
    gap = _text_height_in_data(top, _style.BASE_FONT - 2, factor=1.2)
    label_y = _spread(data.means, gap)
    top.set_ylim(min(lo_y - pad, label_y.min() - 0.6 * gap), max(hi_y + pad, label_y.max() + 0.6 * gap))
    for j, y in enumerate(label_y):
        top.annotate(f"{group} {labels[j]}", xy=(1.0, y), xycoords=("axes fraction", "data"),
                     xytext=(8, 0), textcoords="offset points", ha="left", va="center",
                     fontsize=_style.BASE_FONT - 2, color=HIGHLIGHT if j == emphasis else "black",
                     fontweight="bold" if j == emphasis else "normal")
    # the two ends
    for x, ha, text, colour in ((0.0, "left", "← complete pooling\n(Model 1)", model_colour("complete pooling")),
                                (1.0, "right", "no pooling →\n(Model 2)", model_colour("no pooling"))):
        top.text(x, 1.02, text, transform=top.transAxes, ha=ha, va="bottom", color=colour, multialignment=ha,
                 fontsize=_style.BASE_FONT, fontweight="bold")

    if panels == 2:
        bottom = axes[1]
        q = np.sqrt(ex.quantile("tau2", [0.025, 0.5, 0.975]))
        for a in axes:
            a.axvspan(q[0], q[2], color=_style.LIGHT, alpha=0.3, lw=0, zorder=0, gid="tau interval")
            a.axvline(q[1], color=_style.NEUTRAL, ls="--", lw=1.5, zorder=1, gid="tau median")
        tau_d = np.logspace(-2, 3, 401)
        _, dens = ex.tau_density(tau_d)
        per_log = dens * tau_d * math.log(10)   # density of log10 τ: the area on a log axis
        handles, texts = [], []
        if sampled is not None:
            bins = np.logspace(-2, 3, 61)
            counts, _ = np.histogram(np.clip(sampled, bins[0], bins[-1]), bins=bins)
            height = counts / (sampled.size * np.diff(np.log10(bins)))
            bottom.stairs(height, bins, fill=True, color=model_colour("partial pooling"), alpha=0.25,
                          gid="tau draws")
            handles.append(Patch(color=model_colour("partial pooling"), alpha=0.25))
            texts.append("draws (Gibbs)")
        (dline,) = bottom.plot(tau_d, per_log, color=model_colour("partial pooling"), lw=LINE,
                               gid="tau density")
        handles.append(dline)
        texts.append("exact")
        bottom.set_ylim(0, 1.15 * per_log.max())
        bottom.set_yticks([])
        bottom.spines["left"].set_visible(False)
        bottom.set_ylabel("posterior\nof τ", rotation=0, ha="right", va="center",
                          fontsize=_style.BASE_FONT - 1)
        bottom.set_xlabel(_with_unit(r"$\tau$, the sd between " + f"{group}s", _unit(data)))
        top.tick_params(labelbottom=False)
        top.text(q[1], 1.02, "partial pooling\n(Model 3, τ learned)", transform=blended_transform_factory(top.transData,
                                                                                               top.transAxes),
                 ha="center", va="bottom", color=model_colour("partial pooling"), fontsize=_style.BASE_FONT,
                 fontweight="bold", gid="model 3")
        handles += [Patch(color=_style.LIGHT, alpha=0.3), Line2D([], [], color=_style.NEUTRAL, ls="--", lw=1.5)]
        texts += ["95% interval of τ", f"median of τ = {q[1]:.2f}"]
        bottom.legend(handles, texts, loc="upper left", bbox_to_anchor=(1.0, 1.05), borderaxespad=0,
                      fontsize=_style.BASE_FONT - 2)
    else:
        top.set_xlabel(_with_unit(r"$\tau$, the sd between " + f"{group}s", _unit(data)))
    top.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    return fig, np.array(axes, dtype=object)


__all__ += ["shrinkage_explorer_view", "pooling_spectrum"]

# Text widths are measured from glyph outlines, which takes milliseconds per label; the
# explorer redraws the same labels on every move of a slider. The width of a text depends
# only on (text, size, weight), so remember them.
_text_width_pt = functools.lru_cache(maxsize=4096)(_text_width_pt)


def _pooling_columns(ax, before, after, mu, sizes, colours):
    """The two columns shared by the shrinkage figures: no-pooling estimates at x = 0,
    partial-pooling ones at x = 1, and μ as a dashed line across both."""
    ax.axhline(mu, color=_style.NEUTRAL, ls="--", lw=LINE, zorder=0, gid="mu")
    ax.text(1.0, mu, r"$\mu$", transform=blended_transform_factory(ax.transAxes, ax.transData),
            ha="right", va="bottom", fontsize=_style.BASE_FONT + 4, color=_style.NEUTRAL)
    for column, values, colour, gid in ((0, before, colours[0], "no pooling"),
                                        (1, after, colours[1], "partial pooling")):
        ax.scatter(np.full(values.size, column), values, s=sizes, color=colour, edgecolor="white",
                   linewidth=1.2, zorder=3, gid=gid)
