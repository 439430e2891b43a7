"""Small cosmetic helpers: legends, group tick labels, labels placed beside points without overlap."""

from __future__ import annotations

import functools

import matplotlib
import numpy as np
from matplotlib.lines import Line2D

from teachkit import _style
from teachkit._style import chain_colour, chain_style


def _chain_handles(nchains, marks=False):
    """Legend entries of the chains: colour and line style (and, for traces, marker shape)."""
    def handle(k):
        extra = dict(marker=_style.chain_marker(k), markersize=7,
                     markeredgecolor="white", markeredgewidth=0.8) if marks else {}
        return Line2D([], [], color=chain_colour(k), lw=2.5, ls=chain_style(k), **extra)

    return [handle(k) for k in range(nchains)], [f"chain {k + 1}" for k in range(nchains)]


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


# Text widths are measured from glyph outlines, which takes milliseconds per label; the
# explorer redraws the same labels on every move of a slider. The width of a text depends
# only on (text, size, weight), so remember them.
@functools.lru_cache(maxsize=4096)
def _text_width_pt(text, fontsize, weight="bold") -> float:
    """Width of a line of text in points (bold: the widest it will be drawn), without a renderer."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath

    return TextPath((0, 0), text, size=fontsize, prop=FontProperties(weight=weight)).get_extents().width
