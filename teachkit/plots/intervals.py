"""Posterior intervals: boxplots of draws and the caterpillar plot (one or two models)."""

from __future__ import annotations

import re

import matplotlib
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from teachkit import _alt, _style
from teachkit._style import chain_colour, LINE, model_colour, model_name, THICK, THIN
from teachkit.plots._annotate import _group_tick_labels, _legend_above, _legend_right
from teachkit.plots._figure import _check_posterior, _single_axes, _styled
from teachkit.plots._labels import (
    _axis_label, _group_label, _group_name, _reference, _scalars, _split, _unit, _with_unit, math_label,
)


#: Quantiles of the caterpillar plot: 95% interval, 50% interval, median.
CATERPILLAR_QUANTILES = (0.025, 0.25, 0.5, 0.75, 0.975)


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
    ax.set_title(model_name(post.model), loc="left", color=_style.text_colour(colour))
    _legend_above(ax, handles, labels, ncols=2 if len(handles) > 3 else None)  # clear of the title
    _alt.set_alt(ax, _alt.boxplots([_group_label(post, j) for j in range(flat.shape[1])], q, name=name,
                                   model=model_name(post.model), group=_group_name(post),
                                   unit=_unit(post, name), ref=_plain_reference(reference)))
    return ax, boxes


def _plain_reference(reference):
    """(value, words) of a reference line for alt text: math symbols spelled out."""
    if reference is None:
        return None
    words = reference[1].split(" = ")[0]
    for symbol, word in ((r"$\mu$", "mu"), (r"$\tau$", "tau"), (r"$\sigma$", "sigma")):
        words = words.replace(symbol, word)
    return reference[0], re.sub(r"\$[^$]*\$", lambda m: m.group(0).strip("$").replace("\\", ""), words)


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
    units_text = next(iter(units)) if len(units) == 1 else ""
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
    legend.get_title().set_color(_style.text_colour(colours[0]))
    _alt.set_alt(ax, _alt.caterpillar(
        [(s["label"], s["rows"], np.array([np.quantile(p[row].ravel(), CATERPILLAR_QUANTILES)
                                           for row in s["rows"]])) for s, p in zip(series, posts)],
        group=_group_name(posts[0]), unit=units_text, ref=_plain_reference(reference)))
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
