"""The shrinkage explorer's view: one figure, and what a student gets from it for a result.

:class:`ExplorerView` owns a matplotlib Figure (Agg canvas, no pyplot: no backend ever
shows it). :meth:`ExplorerView.show` draws a result of
:func:`teachkit.spectrum.shrinkage_estimates` into it and returns a :class:`Picture`:
the PNG, its alt text (the plot's own, from :mod:`teachkit._alt`) and the status line
(:mod:`teachkit._explorer_text`). No widget, no kernel, no browser: a test can call it.

Every move of a slider ends here, so it is made to be quick (``benchmarks/bench_widgets.py``):

* the figure and its artists are made once; each result moves them
  (:func:`teachkit.plots.shrinkage_explorer_view` drawn again into the same axes);
* the layout (constrained: room for the labels, the legend and the title) is computed on
  the first draw and then kept, until the y tick labels change width;
* the canvas is drawn once per result (``savefig`` would draw it twice) and its pixels
  written as PNG by :func:`png_rgb`: no row filters, light compression (in half the time
  PIL takes, and for this figure a smaller file).
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

import matplotlib
import numpy as np

from teachkit import _explorer_text as words
from teachkit import _style, plots


@dataclass(frozen=True)
class Picture:
    """What the explorer shows for one result: ``png`` (bytes), ``alt`` (its text
    alternative) and ``status`` (the line a screen reader announces)."""

    png: bytes
    alt: str
    status: str


class ExplorerView:
    """The explorer's figure for ``data``, laid out for groups of up to ``n_max`` members.

    :meth:`show` draws a result; :attr:`figure` is the matplotlib Figure (one axes).
    """

    #: zlib level of the PNG (1: the fastest that compresses)
    PNG_COMPRESSION = 1

    def __init__(self, data, *, n_max: int):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self.data, self.n_max = data, int(n_max)
        with matplotlib.rc_context(_style.RC):
            self.figure = Figure(figsize=_style.SLIDE_FIGSIZE, dpi=_style.DPI, layout="constrained")
            FigureCanvasAgg(self.figure)
            self.ax = self.figure.add_subplot()
        self._laid_out_for = None   # what the layout depends on that changes, when it was computed
        self._base_ylim = None

    def show(self, result, school: str, change: str | None = None) -> Picture:
        """Draw ``result`` (a :class:`teachkit.spectrum.ShrinkageEstimates`) with the group
        ``school`` highlighted; ``change`` is what the status line says first (a new prior),
        if anything. Returns the picture; raises whatever drawing raises."""
        title = words.tau_phrase(result, self.data.unit)
        ylim = self._ylim(result)
        with matplotlib.rc_context(_style.RC):   # mathtext and hinting are read at draw time
            self._draw(result, school, title, ylim)
            if _layout_key(self.ax) != self._laid_out_for:
                self._lay_out()
                self._draw(result, school, title, ylim)   # the labels are placed for the new width
            self.figure.canvas.draw()
        return Picture(png=self._png(), alt=plots.alt_text(self.ax),
                       status=words.status(result, school, self.data.group_name, self.data.unit, change))

    def _draw(self, result, school, title, ylim):
        plots.shrinkage_explorer_view(result.table, result.mu, school, title=title, unit=self.data.unit,
                                      n_max=self.n_max, ylim=ylim, ax=self.ax)

    def _lay_out(self):
        """Compute the constrained layout once, then keep the axes where it put them."""
        fig = self.figure
        fig.set_layout_engine("constrained")
        fig.canvas.draw()
        fig.set_layout_engine("none")
        self._laid_out_for = _layout_key(self.ax)

    def _png(self) -> bytes:
        """The canvas as drawn, as PNG bytes (``savefig`` would draw the figure a second time
        whenever it has a layout engine, even the placeholder of a fixed layout)."""
        return png_rgb(np.asarray(self.figure.canvas.buffer_rgba()), level=self.PNG_COMPRESSION)

    def _ylim(self, result):
        """The y range: fixed by the first result (every group's sample mean, estimate and
        95% interval on the data as observed), so that the axis does not jump as a slider
        moves; widened only when μ or an estimate leaves it (a tight prior on μ). An
        interval reaching beyond it is cut, with a triangle at the edge."""
        table = result.table
        values = [table["sample mean"], table["partial pooling"], [result.mu]]
        if self._base_ylim is None:
            values += [table["95% low"], table["95% high"]]
        values = np.concatenate([np.asarray(v, dtype=float) for v in values])
        low, high = float(values.min()), float(values.max())
        pad = 0.05 * (high - low) if high > low else 1.0
        low, high = low - pad, high + pad
        if self._base_ylim is None:
            self._base_ylim = (low, high)
        return min(low, self._base_ylim[0]), max(high, self._base_ylim[1])


def _layout_key(ax):
    """What the explorer's layout depends on that changes: the widest y tick label."""
    ticks = [t for t in ax.get_yticks() if ax.get_ylim()[0] <= t <= ax.get_ylim()[1]]
    labels = ax.yaxis.get_major_formatter().format_ticks(ticks)
    return max((len(label) for label in labels), default=0)


def png_rgb(pixels, level: int = 1) -> bytes:
    """An image of shape (height, width, 3 or 4) in uint8 as PNG bytes: 8-bit RGB (a 4th
    channel, alpha, is dropped: the explorer's figure is opaque), every row with filter
    type 0 ("None"), compressed by zlib at ``level``.

    Written out here because it is the quickest: about half the time PIL takes for the
    same figure (PIL tries the five row filters on every row), and for this figure, mostly
    white with sharp edges, the file comes out smaller too (benchmarks/README.md).
    The format: PNG specification, 3rd edition, sections 5 (chunks), 11.2.1 (IHDR) and 7.3.
    """
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] not in (3, 4):
        raise ValueError(f"pixels must be a (height, width, 3 or 4) array of uint8; got shape "
                         f"{pixels.shape} of {pixels.dtype}")
    height, width = pixels.shape[:2]
    rows = np.zeros((height, 1 + 3 * width), dtype=np.uint8)   # each row: its filter type (0), then RGB
    rows[:, 1:] = pixels[:, :, :3].reshape(height, 3 * width)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)   # 8 bits, truecolour, no interlace
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows, level))
            + _chunk(b"IEND", b""))


def _chunk(kind: bytes, data: bytes) -> bytes:
    """A PNG chunk: length, type, data, CRC-32 of type and data."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

