"""What pooling does to estimates: the shrinkage figure, the shrinkage explorer's view and
the pooling spectrum (every estimate as τ runs from complete to no pooling)."""

from __future__ import annotations

import math

import matplotlib.colors
import matplotlib.ticker
import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import blended_transform_factory

from teachkit import _alt, _style
from teachkit._style import LINE, model_colour, model_name
from teachkit.data import require_grouped
from teachkit.plots import _explorer_figure
from teachkit.plots._annotate import _legend_above, _spread, _TEXT_BACKGROUND, _text_height_in_data
from teachkit.plots._columns import _fit_two_columns, _name_columns, _pooling_columns
from teachkit.plots._figure import _axes_grid, _check_posterior, _single_axes, _styled
from teachkit.plots._labels import _group_label, _group_name, _unit, _with_unit
from teachkit.posterior import Posterior


#: Marker area (points²) per student in ``shrinkage``: area ∝ n_j.
AREA_PER_STUDENT = 12.0


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
            lw=3.0 if j == biggest_move else 1.8, color="black" if j == biggest_move else _style.ARROW))
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
        handles.append(Line2D([], [], marker="o", ls="none", color=_style.LEADER,
                              markersize=math.sqrt(AREA_PER_STUDENT * example)))
        legend_labels.append(f"n = {example}")
    _legend_above(ax, handles, legend_labels)
    _alt.set_alt(ax, _alt.shrinkage(
        [_group_label(partial_pooling, j) for j in range(before.size)], n, before, after, mu,
        names=(model_name(no_pooling.model), model_name(partial_pooling.model)),
        group=_group_name(partial_pooling), unit=_unit(partial_pooling, "theta")))
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
                ax.plot([column, text_x - side * 0.2 * offset], [value, y], color=_style.LEADER, lw=1,
                        zorder=1)
    return between_px


def _check_same_groups(a, b):
    labels_a, labels_b = [str(x) for x in a.labels], [str(x) for x in b.labels]
    if labels_a != labels_b:
        raise ValueError(f"the two posteriors have different groups: {labels_a} and {labels_b}; "
                         "fit both models to the same data")
    if a.data is not None and b.data is not None and not np.array_equal(a.data.n, b.data.n):
        raise ValueError("the two posteriors were fitted to different data (the group sizes differ: "
                         f"{list(a.data.n)} and {list(b.data.n)}); fit both models to the same data")


#: Marker area (points²) per student in ``shrinkage_explorer_view``: smaller than in
#: ``shrinkage``, because a school there may have up to 200 students.
EXPLORER_AREA_PER_STUDENT = _explorer_figure.AREA_PER_STUDENT

#: The colour of the school the explorer varies, and of school 5 in the spectrum (as the
#: school that moves most in ``shrinkage``): black, apart from the models' colours.
HIGHLIGHT = _explorer_figure.HIGHLIGHT


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

    Called again with the same ``ax`` (and the same groups), it moves the artists it drew
    there instead of adding new ones, and the figure is the one a first call would draw:
    the shrinkage explorer redraws this way on every move of a slider
    (``teachkit.plots._explorer_figure``). An ``ax`` that holds the view of other groups
    is cleared first.

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
    mu = float(mu)
    group = table.index.name or "group"

    fig, ax = _single_axes(ax)
    artists = _explorer_figure.ExplorerArtists.found_in(ax)
    if artists is None or not artists.draws(labels, group, unit, h is not None):
        if artists is not None:   # the view of other groups, or without a highlighted one
            ax.clear()
        artists = ax._teachkit_explorer = _explorer_figure.ExplorerArtists(ax, labels, group, unit,
                                                                           highlighted=h is not None)
    if ylim is None:
        values = [before, after, [mu]]
        if h is not None:
            values.append(np.asarray(table[["95% low", "95% high"]].iloc[h], dtype=float))
        low, high = min(np.min(v) for v in values), max(np.max(v) for v in values)
        pad = 0.08 * (high - low) if high > low else 1.0
        ylim = (low - pad, high + pad)
    artists.show(table, mu, h, title=title, n_max=n_max, ylim=ylim)
    _alt.set_alt(ax, _alt.shrinkage_explorer_view(
        labels, table["n"], before, after, table["95% low"], table["95% high"], table["weight"], mu,
        highlight=h, title=title, group=group, unit=unit))
    return ax, list(artists.arrows)


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
    require_grouped(data, "plots.pooling_spectrum")
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
        (line,) = top.plot(tau, means[:, j], color=HIGHLIGHT if strong else _style.ARROW,
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
    for x, ha, text, colour in ((0.0, "left", "← complete pooling\n(Model 1)", _style.model_text_colour("complete pooling")),
                                (1.0, "right", "no pooling →\n(Model 2)", _style.model_text_colour("no pooling"))):
        top.text(x, 1.02, text, transform=top.transAxes, ha=ha, va="bottom", color=colour, multialignment=ha,
                 fontsize=_style.BASE_FONT, fontweight="bold")

    if panels == 2:
        bottom = axes[1]
        q = np.sqrt(ex.quantile("tau2", [0.025, 0.5, 0.975]))
        for a in axes:
            band = a.axvspan(q[0], q[2], color=_style.LIGHT, alpha=0.3, lw=0, zorder=0, gid="tau interval")
            band._teachkit_carried_by = ("tau interval ends",)   # dotted lines mark where it ends
            for end in (q[0], q[2]):
                a.axvline(end, color=_style.NEUTRAL, ls=":", lw=1.5, zorder=1, gid="tau interval ends")
            a.axvline(q[1], color=_style.NEUTRAL, ls="--", lw=1.5, zorder=1, gid="tau median")
        tau_d = np.logspace(-2, 3, 401)
        _, dens = ex.tau_density(tau_d)
        per_log = dens * tau_d * math.log(10)   # density of log10 τ: the area on a log axis
        handles, texts = [], []
        if sampled is not None:
            bins = np.logspace(-2, 3, 61)
            counts, _ = np.histogram(np.clip(sampled, bins[0], bins[-1]), bins=bins)
            height = counts / (sampled.size * np.diff(np.log10(bins)))
            shade = matplotlib.colors.to_rgba(model_colour("partial pooling"), 0.25)
            bottom.stairs(height, bins, fill=True, facecolor=shade, edgecolor=model_colour("partial pooling"),
                          lw=0.8, gid="tau draws")
            handles.append(Patch(facecolor=shade, edgecolor=model_colour("partial pooling"), lw=0.8))
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
        handles += [Patch(facecolor=matplotlib.colors.to_rgba(_style.LIGHT, 0.3), edgecolor=_style.NEUTRAL,
                          ls=":", lw=1.5),
                    Line2D([], [], color=_style.NEUTRAL, ls="--", lw=1.5)]
        texts += ["95% interval of τ", f"median of τ = {q[1]:.2f}"]
        bottom.legend(handles, texts, loc="upper left", bbox_to_anchor=(1.0, 1.05), borderaxespad=0,
                      fontsize=_style.BASE_FONT - 2)
    else:
        top.set_xlabel(_with_unit(r"$\tau$, the sd between " + f"{group}s", _unit(data)))
    top.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    _alt.set_alt(top, _alt.pooling_spectrum(
        labels, tau, means, data.means, emphasis=emphasis, group=group, unit=_unit(data),
        tau_q=None if panels == 1 else q))
    return fig, np.array(axes, dtype=object)
