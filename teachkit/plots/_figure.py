"""Setting up a figure: teachkit's look applied while it is built, new or given axes, argument checks."""

from __future__ import annotations

import functools

import matplotlib
import numpy as np
from matplotlib.axes import Axes

from teachkit import _style
from teachkit.posterior import Posterior


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
