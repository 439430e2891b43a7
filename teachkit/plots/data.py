"""Views of the data: every student by school, and sample mean against sample size."""

from __future__ import annotations

import matplotlib.ticker
import numpy as np

from teachkit import _alt, _style
from teachkit.data import require_grouped
from teachkit.plots._annotate import _group_tick_labels, _label_points, _legend_above
from teachkit.plots._figure import _single_axes, _styled
from teachkit.plots._labels import _group_name, _unit, _with_unit


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
    require_grouped(data, "plots.data_overview")
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
        ax.scatter(p + rng.uniform(-0.17, 0.17, size=y.size), y, s=30, color=colour,
                   alpha=_style.DOT_ALPHA, edgecolor="none", zorder=2)
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
    _alt.set_alt(ax, _alt.data_overview(
        data.labels, data.n, data.means, data.sds, overall,
        group=_group_name(data), value=data.value_name, unit=_unit(data)))
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
    require_grouped(data, "plots.mean_vs_size")
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
    _alt.set_alt(ax, _alt.mean_vs_size(data.labels, data.n, data.means, overall, group=_group_name(data),
                                       unit=_unit(data)))
    return ax, points
