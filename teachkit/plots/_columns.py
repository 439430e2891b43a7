"""The two columns of the shrinkage figures (``shrinkage`` and ``shrinkage_explorer_view``):
no-pooling estimates at x = 0, partial-pooling ones at x = 1, μ across both, the columns'
names underneath, and x-limits that leave room for the labels on either side."""

from __future__ import annotations

import numpy as np
from matplotlib.transforms import blended_transform_factory

from teachkit import _style
from teachkit._style import LINE
from teachkit.plots._annotate import _text_width_pt


def _pooling_columns(ax, before, after, mu, sizes, colours):
    """The two columns shared by the shrinkage figures: no-pooling estimates at x = 0,
    partial-pooling ones at x = 1, and μ as a dashed line across both.

    Returns (μ's line, its label, [the markers at x = 0, those at x = 1])."""
    line = ax.axhline(mu, color=_style.NEUTRAL, ls="--", lw=LINE, zorder=0, gid="mu")
    label = ax.text(1.0, mu, r"$\mu$", transform=blended_transform_factory(ax.transAxes, ax.transData),
                    ha="right", va="bottom", fontsize=_style.BASE_FONT + 4, color=_style.NEUTRAL)
    markers = []
    for column, values, colour, gid in ((0, before, colours[0], "no pooling"),
                                        (1, after, colours[1], "partial pooling")):
        markers.append(ax.scatter(np.full(values.size, column), values, s=sizes, color=colour,
                                  edgecolor="white", linewidth=1.2, zorder=3, gid=gid))
    return line, label, markers


def _name_columns(ax, names, colours, between_px):
    """The two columns' names as x tick labels in their models' colours (one word per line if narrow)."""
    needed = sum(_text_width_pt(name, _style.BASE_FONT) for name in names) / 2 * ax.figure.dpi / 72
    if between_px < 1.15 * needed:
        names = [name.replace(" ", "\n") for name in names]
    ax.set_xticks([0, 1], names, fontsize=_style.BASE_FONT)
    for tick, colour in zip(ax.get_xticklabels(), colours):
        tick.set_color(_style.text_colour(colour))
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
