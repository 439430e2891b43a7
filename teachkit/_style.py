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

#: One colour per chain, in order. The first five stand out from white by at least 3:1
#: (WCAG's minimum for lines that carry data); orange, sky blue and yellow (2.3:1, 2.3:1,
#: 1.3:1) come only after them.
CHAIN_COLOURS = tuple(OKABE_ITO[c] for c in (
    "blue", "vermillion", "bluish green", "reddish purple", "black", "orange", "sky blue", "yellow"))

#: One line style per chain, so chains are told apart without colour too.
CHAIN_STYLES = ("-", "--", ":", "-.", (0, (8, 2, 1, 2, 1, 2)), (0, (1, 3)), (0, (10, 4)),
                (0, (4, 1, 1, 1)))

#: One marker shape per chain, drawn now and then on its trace: where thousands of draws
#: overlap, line styles no longer show, and the shapes still tell the chains apart.
CHAIN_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")

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
NEUTRAL = "#404040"      # reference lines, arrows, intervals in legends (10.4:1 on white)
ARROW = "#808080"        # arrows and lines of the groups not highlighted (3.95:1)
LEADER = "#8C8C8C"       # leader lines from a label to its point, the zero line (3.36:1)
LIGHT = "#BBBBBB"        # fills only (boxes, shaded bands): never the only mark of a value (1.92:1)
GRID = "#E5E5E5"         # grid lines: no value is read from them alone

#: Opacity of the students' dots in ``data_overview``: overlaps show, and a single dot
#: still stands out from white by 3.3:1.
DOT_ALPHA = 0.75

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


def chain_style(k: int):
    """The line style of chain ``k`` (0-based); styles repeat after eight chains."""
    return CHAIN_STYLES[k % len(CHAIN_STYLES)]


def chain_marker(k: int) -> str:
    """The marker shape of chain ``k`` (0-based) in trace panels; shapes repeat after eight chains."""
    return CHAIN_MARKERS[k % len(CHAIN_MARKERS)]


def _luminance(rgb) -> float:
    def channel(c):
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(colour, background="white") -> float:
    """WCAG 2.1 contrast ratio of two opaque colours (1 to 21)."""
    from matplotlib.colors import to_rgb

    a, b = sorted((_luminance(to_rgb(colour)), _luminance(to_rgb(background))), reverse=True)
    return (a + 0.05) / (b + 0.05)


def text_colour(colour, minimum=4.5) -> str:
    """``colour`` darkened just enough (same hue) for text on white: at least ``minimum``:1.

    Vermillion #D55E00 (3.87:1) becomes #C25600 (4.54:1), bluish green #009E73 (3.42:1)
    #008662 (4.58:1); colours that already pass are returned as they are.
    """
    from matplotlib.colors import to_hex, to_rgb

    rgb = to_rgb(colour)
    for step in range(101):
        darker = tuple(c * (1 - step / 100) for c in rgb)
        if contrast(darker) >= minimum + 0.05:
            return to_hex(darker).upper() if step else colour
    return "#000000"


def model_name(model: str) -> str:
    """'hierarchical' -> 'partial pooling'; other model names as they are."""
    return MODEL_NAMES.get(model, model)


def model_colour(model: str) -> str:
    """The colour of a model in every figure (black for a model without one)."""
    return MODEL_COLOURS.get(model_name(model), OKABE_ITO["black"])


def model_text_colour(model: str) -> str:
    """The colour of a model's name in a figure: its colour, darkened to read as text (4.5:1)."""
    return text_colour(model_colour(model))
