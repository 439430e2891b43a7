"""The shrinkage explorer's figure as artists that are made once and then moved.

:func:`teachkit.plots.shrinkage_explorer_view` draws through :class:`ExplorerArtists`.
The first call into an axes makes the artists (μ's line, the two columns of markers,
an arrow per group, two labels per group with their leader lines, the highlighted
group's interval and weight, the legend); every call, the first included, then sets
what they show with :meth:`ExplorerArtists.show`. Called again into the same axes, the
function moves the artists already there instead of adding new ones: what a slider of
the explorer does on every move. Either way the figure is the same, pixel for pixel
(``tests/test_explorer_view.py``).

Only :meth:`~ExplorerArtists.__init__` sets how things look (colours, widths, fonts,
layers); only :meth:`~ExplorerArtists.show` sets where they are and what they say.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.lines import Line2D

from teachkit import _style
from teachkit._style import LINE, THIN, model_colour
from teachkit.plots._annotate import _legend_above, _spread, _TEXT_BACKGROUND, _text_height_in_data
from teachkit.plots._columns import _fit_two_columns, _name_columns, _pooling_columns
from teachkit.plots._labels import _escape_math, _with_unit

#: Marker area (points²) per student: smaller than in ``shrinkage``, because a group here
#: may have up to 200 members.
AREA_PER_STUDENT = 6.0

#: The colour of the highlighted group (black, apart from the models' colours).
HIGHLIGHT = _style.OKABE_ITO["black"]

LABEL_FONT = _style.BASE_FONT - 1


class ExplorerArtists:
    """The artists of one explorer figure in ``ax`` for the groups ``labels``.

    ``highlighted``: whether a group is highlighted (it then has an interval, a
    weight and a legend entry for the interval). Made with nothing to show: call
    :meth:`show`.
    """

    def __init__(self, ax, labels, group: str, unit: str, highlighted: bool):
        self.ax, self.labels, self.group, self.unit = ax, list(labels), group, unit
        self.highlighted = bool(highlighted)
        J = len(self.labels)
        self.colours = model_colour("no pooling"), model_colour("partial pooling")
        self.mu_line, self.mu_label, self.columns = _pooling_columns(
            ax, np.zeros(J), np.zeros(J), 0.0, np.full(J, 20.0), self.colours)
        self.arrows = [ax.annotate("", xy=(1.0, 0.0), xytext=(0.0, 0.0), zorder=2, arrowprops=dict(
            arrowstyle="-|>", mutation_scale=18, shrinkA=0.0, shrinkB=0.0, lw=1.6, color=_style.ARROW))
            for _ in range(J)]
        # per column (no pooling, partial pooling): a label per group, and a leader line shown
        # only when the label had to move away from its point
        self.names = [[ax.text(0.0, 0.0, "", ha="right" if side < 0 else "left", va="center",
                               fontsize=LABEL_FONT, bbox=_TEXT_BACKGROUND) for _ in range(J)]
                      for side in (-1, 1)]
        self.leaders = [[ax.plot([], [], color=_style.LEADER, lw=1, zorder=1)[0] for _ in range(J)]
                        for _ in (0, 1)]
        self._between_px = None   # the columns' names are set for this distance between them
        ax.set_ylabel(_with_unit(r"estimate of $\theta_j$", unit))

        handles, texts = [Line2D([], [], color=_style.NEUTRAL, ls="--", lw=LINE)], ["$\\mu$"]
        if self.highlighted:
            colour = self.colours[1]
            self.interval = ax.plot([], [], color=colour, lw=THIN + 0.7, solid_capstyle="butt", zorder=2.5,
                                    gid="interval")[0]
            # its ends: a cap, or a triangle where the interval goes on past the axes
            self.interval_ends = [ax.plot([], [], ls="none", marker="_", color=colour, markersize=9,
                                          markeredgewidth=THIN + 0.7)[0] for _ in range(2)]
            handles.append(Line2D([], [], color=colour, lw=THIN + 0.7))
            texts.append("95% interval")
            self.weight = ax.annotate("", xy=(0.5, 0.0), xytext=(0, 12), textcoords="offset points",
                                      ha="center", va="bottom", fontsize=_style.BASE_FONT + 1, color=HIGHLIGHT,
                                      fontweight="bold", bbox=_TEXT_BACKGROUND, zorder=5, gid="weight")
        for example in (10, 100):   # what marker sizes mean
            handles.append(Line2D([], [], marker="o", ls="none", color=_style.LEADER,
                                  markersize=math.sqrt(AREA_PER_STUDENT * example)))
            texts.append(f"n = {example}")
        self.legend = _legend_above(ax, handles, texts)   # show() writes μ and the group in

    @classmethod
    def found_in(cls, ax) -> ExplorerArtists | None:
        """The artists an earlier call made in ``ax``, if they are still there (``ax.clear()``
        removes them); else None."""
        artists = getattr(ax, "_teachkit_explorer", None)
        if artists is None or not any(line is artists.mu_line for line in ax.lines):
            return None
        return artists

    def draws(self, labels, group, unit, highlighted) -> bool:
        """Whether these artists can show these groups, named and highlighted this way."""
        return (self.labels, self.group, self.unit, self.highlighted) == \
            (list(labels), group, unit, bool(highlighted))

    def show(self, table, mu: float, h: int | None, *, title=None, n_max=None, ylim):
        """Set every artist to the estimates ``table`` (one row per group), μ and the
        highlighted group ``h`` (its position, or None), in the y range ``ylim``."""
        ax, labels, group = self.ax, self.labels, self.group
        before = np.asarray(table["sample mean"], dtype=float)
        after = np.asarray(table["partial pooling"], dtype=float)
        n = np.asarray(table["n"], dtype=float)
        sizes = np.maximum(AREA_PER_STUDENT * n, 20.0)   # area ∝ n, but n = 1 must still show
        biggest = AREA_PER_STUDENT * max(float(n.max()), float(n_max or 0))

        ax.set_ylim(*ylim)
        self.mu_line.set_ydata([mu, mu])
        self.mu_label.set_y(mu)
        for x, values, markers in zip((0, 1), (before, after), self.columns):
            markers.set_offsets(np.column_stack([np.full(values.size, x), values]))
            markers.set_sizes(sizes)
        for j, arrow in enumerate(self.arrows):
            arrow.xy, arrow.xyann = (1.0, after[j]), (0.0, before[j])
            _set_arrow(arrow, strong=j == h, marker_radius=math.sqrt(sizes[j]) / 2)

        names = [f"{group} {lab}" for lab in labels]
        left_texts = [f"{name} (n = {int(k)})" for name, k in zip(names, n)]
        widest_n = f"{group} {labels[0]} (n = {int(max(n.max(), n_max or 0))})"
        offset_pt = math.sqrt(biggest) / 2 + 6
        offset, between_px = _fit_two_columns(ax, left_texts + [widest_n], names, LABEL_FONT, offset_pt)
        gap = _text_height_in_data(ax, LABEL_FONT)
        for column, values, texts, side in ((0, before, left_texts, -1), (1, after, names, 1)):
            text_x = column + side * offset
            for j, (value, y) in enumerate(zip(values, _spread(values, gap))):
                label, leader = self.names[column][j], self.leaders[column][j]
                label.set_position((text_x, y))
                label.set_text(texts[j])
                label.set_fontweight("bold" if j == h else "normal")
                label.set_color(HIGHLIGHT if j == h else "black")
                leader.set_visible(abs(y - value) > 0.15 * gap)
                leader.set_data([column, text_x - side * 0.2 * offset], [value, y])
        if between_px != self._between_px:
            _name_columns(ax, ["no pooling", "partial pooling"], self.colours, between_px)
            self._between_px = between_px

        self.legend.texts[0].set_text(f"$\\mu$ = {mu:.2f}")
        if h is not None:
            self._show_highlight(table, h, before, after, offset)
        if title or ax.get_title(loc="left"):
            ax.set_title(title or "", loc="left", fontsize=_style.BASE_FONT, pad=32)

    def _show_highlight(self, table, h, before, after, offset):
        """The highlighted group's 95% interval just right of its column, clear of the markers
        (cut at the axes' edge, with a triangle), and its weight w_j on its arrow."""
        ax = self.ax
        x_int = 1 + 0.55 * offset
        lo_h, hi_h = float(table["95% low"].iloc[h]), float(table["95% high"].iloc[h])
        y_lo, y_hi = ax.get_ylim()
        inset = 0.015 * (y_hi - y_lo)
        ends = [(lo_h, "_") if lo_h >= y_lo else (y_lo + inset, "v"),
                (hi_h, "_") if hi_h <= y_hi else (y_hi - inset, "^")]
        self.interval.set_data([x_int, x_int], [ends[0][0], ends[1][0]])
        for line, (y_end, marker) in zip(self.interval_ends, ends):
            line.set_data([x_int], [y_end])
            line.set_marker(marker)
            line.set_markersize(9 if marker == "_" else 8)
        self.legend.texts[1].set_text(f"95% interval, {self.group} {self.labels[h]}")
        w = float(table["weight"].iloc[h])
        middle = (before[h] + after[h]) / 2
        below = middle > y_lo + 0.7 * (y_hi - y_lo)   # near the top: keep clear of the legend
        self.weight.set_text(f"$w_{{{_escape_math(self.labels[h])}}}$ = {w:.2f}")
        self.weight.xy = (0.5, middle)
        self.weight.xyann = (0, -12 if below else 12)
        self.weight.set_verticalalignment("top" if below else "bottom")


def _set_arrow(arrow, *, strong: bool, marker_radius: float):
    """A group's arrow: thick and black when highlighted, grey otherwise; it starts and ends
    at the edges of the group's markers (``marker_radius``, points)."""
    props = arrow.arrowprops
    props.update(mutation_scale=22 if strong else 18, shrinkA=marker_radius + 1, shrinkB=marker_radius + 2,
                 lw=3.2 if strong else 1.6, color=HIGHLIGHT if strong else _style.ARROW)
    patch = arrow.arrow_patch
    patch.shrinkA, patch.shrinkB = props["shrinkA"], props["shrinkB"]
    patch.set_mutation_scale(props["mutation_scale"])
    patch.set_linewidth(props["lw"])
    patch.set_color(props["color"])
    arrow.set_zorder(4 if strong else 2)
