"""The look of teachkit's figures: colours, fonts and sizes, in one place.

Nothing here touches matplotlib's global settings. :data:`RC` is a plain dict
that every plotting function applies with ``matplotlib.rc_context(RC)`` while it
builds its figure, so a student's own ``rcParams`` stay exactly as they were.

Sizes are chosen for a lecture room: figures of 10 × 5.5 inches rendered at
100 dpi fill a 1280 × 720 slide with room for a title, and text of 13–14 pt
stays readable from the back row.
"""

from __future__ import annotations

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every
# common form of colour blindness, and in greyscale by lightness.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
}

#: One colour per chain, in order. Yellow comes last: it is faint on white.
CHAIN_COLOURS = tuple(OKABE_ITO[c] for c in (
    "blue", "orange", "bluish green", "reddish purple", "sky blue", "vermillion", "black", "yellow"))

#: The colour of each model, the same in every figure.
MODEL_COLOURS = {
    "complete pooling": OKABE_ITO["bluish green"],
    "no pooling": OKABE_ITO["vermillion"],
    "partial pooling": OKABE_ITO["blue"],
    "school variances": OKABE_ITO["reddish purple"],
}

#: How each model is called in legends (Posterior.model -> name on the slide).
MODEL_NAMES = {"hierarchical": "partial pooling"}

PRIOR_COLOUR = "#404040"
NEUTRAL = "#404040"      # reference lines, arrows, intervals in legends
LIGHT = "#BBBBBB"        # boxes, shaded bands
GRID = "#E5E5E5"

#: Figure size in inches for a single panel on a 16:9 slide (1000 × 550 px at 100 dpi).
SLIDE_FIGSIZE = (10.0, 5.5)
DPI = 100

#: Line widths (points).
LINE = 2.0       # densities, reference lines
THIN = 1.8       # 95% intervals, thin lines that must still be seen
THICK = 6.0      # 50% intervals
TRACE = 0.8      # trace plots: thousands of points, thick lines would smear them

BASE_FONT = 14

RC = {
    "figure.figsize": SLIDE_FIGSIZE,
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "figure.facecolor": "white",
    "figure.constrained_layout.use": True,
    "font.size": BASE_FONT,
    "axes.titlesize": BASE_FONT + 1,
    "axes.labelsize": BASE_FONT,
    "xtick.labelsize": BASE_FONT - 1,
    "ytick.labelsize": BASE_FONT - 1,
    "legend.fontsize": BASE_FONT - 1,
    "legend.title_fontsize": BASE_FONT - 1,
    "legend.frameon": False,
    "figure.titlesize": BASE_FONT + 2,
    "mathtext.fontset": "dejavusans",
    "lines.linewidth": LINE,
    "lines.markersize": 8,
    "axes.linewidth": 1.2,
    "xtick.major.width": 1.2,
    "ytick.major.width": 1.2,
    "xtick.major.size": 5,
    "ytick.major.size": 5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": NEUTRAL,
    "axes.labelcolor": "black",
    "axes.grid": False,
    "grid.color": GRID,
    "grid.linewidth": 1.0,
}


def chain_colour(k: int) -> str:
    """The colour of chain ``k`` (0-based); colours repeat after eight chains."""
    return CHAIN_COLOURS[k % len(CHAIN_COLOURS)]


def model_name(model: str) -> str:
    """'hierarchical' -> 'partial pooling'; other model names as they are."""
    return MODEL_NAMES.get(model, model)


def model_colour(model: str) -> str:
    """The colour of a model in every figure (black for a model without one)."""
    return MODEL_COLOURS.get(model_name(model), OKABE_ITO["black"])
