"""Every public figure can be read by everyone: it describes itself in words (alt text computed
from what it draws), and its text, lines, markers and areas meet WCAG 2.1 AA contrast.

Contrast rules (WCAG 1.4.3 and 1.4.11), measured on the artists of each figure after
alpha compositing over what lies behind them:
* text >= 4.5:1, or >= 3:1 when large (18 pt, or 14 pt bold) at the size it is shown,
  counting the smallest display: a slide, where the 100 dpi figure shrinks to 60%;
* every line, marker, arrow or area that carries data >= 3:1 against the background.
  A faint area may instead declare the artists that carry the same information
  (``artist._teachkit_carried_by = ("gid", ...)``): those must exist and pass.
Grid lines are exempt: no value is read from them alone.
"""

import math
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axis import Tick  # noqa: E402
from matplotlib.collections import Collection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.legend import Legend  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.spines import Spine  # noqa: E402
from matplotlib.text import Annotation, Text  # noqa: E402

import teachkit as tk  # noqa: E402
from teachkit import plots  # noqa: E402

DRAWS, WARMUP, CHAINS = 400, 100, 4
SLIDE_SCALE = 0.6      # the decks shrink a 1000 px figure to fit beside a title
TEXT, LARGE_TEXT, GRAPHICS = 4.5, 3.0, 3.0


# ------------------------------------------------------------------ WCAG arithmetic
def luminance(rgb) -> float:
    """Relative luminance (WCAG 2.1) of an sRGB colour with channels in 0..1."""
    def channel(c):
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ratio(a, b) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def over(colour, background) -> tuple:
    """``colour`` (RGBA) composited over an opaque ``background``."""
    r, g, b, a = mcolors.to_rgba(colour)
    return tuple(a * c + (1 - a) * bg for c, bg in zip((r, g, b), background[:3]))


def test_wcag_arithmetic_matches_known_values():
    assert ratio((0, 0, 0), (1, 1, 1)) == pytest.approx(21.0)
    assert ratio(mcolors.to_rgb("#767676"), (1, 1, 1)) == pytest.approx(4.54, abs=0.01)
    assert ratio(mcolors.to_rgb("#BBBBBB"), (1, 1, 1)) == pytest.approx(1.92, abs=0.01)
    assert over((0, 0, 0, 0.5), (1, 1, 1)) == pytest.approx((0.5, 0.5, 0.5))


# ------------------------------------------------------------------ the figures
@pytest.fixture(scope="module")
def fits(data):
    rng = np.random.default_rng(20261128)
    kw = dict(draws=DRAWS, warmup=WARMUP, chains=CHAINS)
    return {"complete": tk.fit_complete_pooling(data, seed=rng, **kw),
            "none": tk.fit_no_pooling(data, seed=rng, **kw),
            "hier": tk.fit_hierarchical(data, seed=rng, **kw),
            "hier_ig": tk.fit_hierarchical(data, seed=rng, tau2_prior=tk.InverseGamma(1, 1), **kw),
            "variances": tk.fit_school_variances(data, seed=rng, nu0_max=100, **kw),
            "three_level": tk.fit_three_level(tk.load_radon(), seed=rng, **kw)}


def _explorer_view(data):
    from teachkit import spectrum

    est = spectrum.shrinkage_estimates(data)
    return plots.shrinkage_explorer_view(est.table, est.mu, "5", title="τ learned", unit=data.unit,
                                         n_max=200)


#: Every public plot, in the variants the notebooks use: name -> (data, fits) -> result.
FIGURES = {
    "data_overview": lambda d, f: plots.data_overview(d),
    "mean_vs_size": lambda d, f: plots.mean_vs_size(d),
    "trace": lambda d, f: plots.trace(f["hier"], ["mu", "tau2"], show_warmup=True),
    "trace complete pooling": lambda d, f: plots.trace(f["complete"], ["theta", "sigma2"]),
    "autocorrelation": lambda d, f: plots.autocorrelation(f["complete"], ["theta", "sigma2"], max_lag=30),
    "boxplots": lambda d, f: plots.boxplots(f["hier"], "theta", ref="mu"),
    "boxplots complete": lambda d, f: plots.boxplots(f["none"], "theta"),
    "caterpillar": lambda d, f: plots.caterpillar(f["none"], "theta"),
    "caterpillar compare": lambda d, f: plots.caterpillar(f["none"], ["theta", "mu"], compare=f["hier"],
                                                          ref="mu"),
    "caterpillar same model": lambda d, f: plots.caterpillar(f["hier"], ["theta", "mu"],
                                                             compare=f["hier_ig"]),
    "shrinkage": lambda d, f: plots.shrinkage(f["none"], f["hier"]),
    "prior_posterior": lambda d, f: plots.prior_posterior(f["hier_ig"], "tau2"),
    "prior_posterior R": lambda d, f: plots.prior_posterior(f["hier_ig"], "R"),
    "pooling_spectrum": lambda d, f: plots.pooling_spectrum(d, f["hier"]),
    "pooling_spectrum alone": lambda d, f: plots.pooling_spectrum(d),
    "shrinkage_explorer_view": lambda d, f: _explorer_view(d),
    "funnel": lambda d, f: plots.funnel({"uniform sd": f["hier"], "inverse-gamma": f["hier_ig"]}),
    "tau_trace": lambda d, f: plots.tau_trace({"uniform sd": f["hier"], "inverse-gamma": f["hier_ig"]}),
    "nu0_posterior": lambda d, f: plots.nu0_posterior(f["variances"]),
    "new_school": lambda d, f: plots.new_school(f["variances"], tk.predict_new_school(f["variances"], seed=1)),
    "new_school model 3": lambda d, f: plots.new_school(f["hier"], tk.predict_new_school(f["hier"], seed=1)),
    "caterpillar school variances": lambda d, f: plots.caterpillar(f["variances"], "sigma2", compare=f["none"],
                                                                   ref=15.05),
    "prior_posterior sigma02": lambda d, f: plots.prior_posterior(f["variances"], "sigma02"),
    "shrinkage_three_levels": lambda d, f: plots.shrinkage_three_levels(f["three_level"]),
    "prior_posterior omega2": lambda d, f: plots.prior_posterior(f["three_level"], "omega2"),
}


def test_every_public_plot_is_covered():
    public = {name for name in plots.__all__ if name not in ("math_label", "alt_text")}
    assert public <= {name.split()[0] for name in FIGURES}


def figure_of(result) -> Figure:
    first = result[0]
    return first if isinstance(first, Figure) else first.figure


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# ------------------------------------------------------------------ inspecting the artists
def _skip(artist, fig) -> bool:
    if not artist.get_visible() or artist is fig or artist is fig.patch:
        return True
    if any(artist is ax.patch for ax in fig.axes):
        return True
    return False


def _gridlines(fig) -> set:
    ids = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                ids.add(id(tick.gridline))
    return ids


def _text_backgrounds(fig) -> dict:
    """id(bbox patch) of every Text with a box: those boxes are backgrounds, not data."""
    return {id(t.get_bbox_patch()): t for t in fig.findobj(Text) if t.get_bbox_patch() is not None}


def _legend_frames(fig) -> set:
    return {id(leg.legendPatch) for leg in fig.findobj(Legend)}


def _is_bold(text) -> bool:
    weight = text.get_fontweight()
    return (weight if isinstance(weight, (int, float)) else
            {"semibold": 600, "demibold": 600, "demi": 600, "bold": 700, "heavy": 800,
             "extra bold": 800, "black": 900}.get(weight, 400)) >= 600


def _describe(artist) -> str:
    bits = [type(artist).__name__]
    if artist.get_gid():
        bits.append(f"gid={artist.get_gid()!r}")
    if isinstance(artist, Text):
        bits.append(repr(artist.get_text()[:30]))
    label = getattr(artist, "get_label", lambda: "")()
    if label and not label.startswith("_"):
        bits.append(f"label={label[:30]!r}")
    return " ".join(bits)


def contrast_problems(fig, white=(1.0, 1.0, 1.0)):
    """[(description, measured ratio, required ratio)] for every artist below its minimum,
    and the lowest ratio seen for text and for graphics (for the report)."""
    for ax in fig.axes:
        assert mcolors.to_rgb(ax.get_facecolor()) == white, "the checks assume a white background"
    assert mcolors.to_rgb(fig.get_facecolor()) == white
    fig.canvas.draw()
    grid, boxes, frames = _gridlines(fig), _text_backgrounds(fig), _legend_frames(fig)
    by_gid = {}
    for artist in fig.findobj():
        if artist.get_gid():
            by_gid.setdefault(artist.get_gid(), []).append(artist)
    problems, lowest = [], {"text": math.inf, "graphics": math.inf}
    carried = []

    def check(artist, value, needed, kind):
        lowest[kind] = min(lowest[kind], value)
        if value < needed - 1e-9:
            problems.append((_describe(artist), round(value, 2), needed))

    artists = fig.findobj()
    # an annotation's arrow is not among its children: add it
    artists += [a.arrow_patch for a in artists if isinstance(a, Annotation) and a.arrow_patch is not None]
    for artist in artists:
        if _skip(artist, fig) or isinstance(artist, Tick):
            continue
        if isinstance(artist, Text):
            text = artist.get_text().strip()
            if not text:
                continue
            if not artist.get_window_extent().width:
                continue
            box = artist.get_bbox_patch()
            background = white if box is None else over(box.get_facecolor(), white)
            colour = over(mcolors.to_rgba(artist.get_color(), artist.get_alpha()), background)
            shown_pt = artist.get_fontsize() * fig.dpi / 96 * SLIDE_SCALE
            large = shown_pt >= 18 or (_is_bold(artist) and shown_pt >= 14)
            check(artist, ratio(colour, background), LARGE_TEXT if large else TEXT, "text")
            continue
        if id(artist) in grid or id(artist) in boxes or id(artist) in frames:
            continue
        if getattr(artist, "_teachkit_carried_by", None):
            carried.append(artist)
            continue
        if isinstance(artist, Line2D):
            measured = []
            points = len(np.atleast_1d(artist.get_xdata()))
            if artist.get_linestyle() not in ("None", "none", "", " ") and artist.get_linewidth() > 0 \
                    and points > 1:
                measured.append(over(mcolors.to_rgba(artist.get_color(), artist.get_alpha()), white))
            if artist.get_marker() not in (None, "None", "none", "", " ") and points:
                for c, lw in ((artist.get_markerfacecolor(), 1), (artist.get_markeredgecolor(),
                                                                  artist.get_markeredgewidth())):
                    if lw and mcolors.to_rgba(c)[3] > 0:
                        measured.append(over(mcolors.to_rgba(c, artist.get_alpha()), white))
            if measured:
                check(artist, max(ratio(c, white) for c in measured), GRAPHICS, "graphics")
        elif isinstance(artist, Collection):
            faces, edges = artist.get_facecolor(), artist.get_edgecolor()
            widths = np.atleast_1d(artist.get_linewidth())
            n = max(len(faces), len(edges))
            if n == 0:
                continue
            worst = math.inf
            for i in range(n):
                options = []
                if len(faces):
                    options.append(ratio(over(faces[i % len(faces)], white), white))
                if len(edges) and widths[i % len(widths)] > 0:
                    options.append(ratio(over(edges[i % len(edges)], white), white))
                if options:
                    worst = min(worst, max(options))
            if worst < math.inf:
                check(artist, worst, GRAPHICS, "graphics")
        elif isinstance(artist, Patch) and not isinstance(artist, Spine):
            options = []
            if artist.get_fill():
                options.append(ratio(over(artist.get_facecolor(), white), white))
            if artist.get_linewidth() > 0:
                options.append(ratio(over(artist.get_edgecolor(), white), white))
            if options:
                check(artist, max(options), GRAPHICS, "graphics")
    for artist in carried:   # a faint area: its information must be drawn by artists that pass
        names = artist._teachkit_carried_by
        found = [a for gid in names for a in by_gid.get(gid, [])]
        failing = {_describe(p[0]) for p in problems}
        if not found or any(_describe(a) in failing for a in found):
            problems.append((_describe(artist) + f" (carried by {names}: missing or failing)", 0.0, GRAPHICS))
    return problems, lowest


@pytest.mark.parametrize("name", list(FIGURES))
def test_figure_meets_contrast(name, data, fits):
    fig = figure_of(FIGURES[name](data, fits))
    problems, lowest = contrast_problems(fig)
    assert not problems, f"{name}: below WCAG 2.1 AA contrast (lowest text {lowest['text']:.2f}, " \
                         f"graphics {lowest['graphics']:.2f}):\n" + "\n".join(map(str, problems))


# ------------------------------------------------------------------ chains without colour
def _legend_keys(ax_or_fig):
    legend = ax_or_fig.get_legend() if hasattr(ax_or_fig, "get_legend") else ax_or_fig.legends[0]
    return [(str(h.get_linestyle()), str(h.get_marker())) for h in legend.legend_handles]


def test_trace_chains_are_told_apart_without_colour(fits):
    fig, axes = plots.trace(fits["hier"], ["mu", "tau2"], show_warmup=True)
    for density_ax, trace_ax in axes:
        styles = [str(line.get_linestyle()) for line in density_ax.lines]
        assert len(styles) == CHAINS and len(set(styles)) == CHAINS
        marks = [c for c in trace_ax.collections if c.get_gid() == "chain marks"]
        shapes = {tuple(np.round(c.get_paths()[0].vertices, 3).ravel()) for c in marks}
        assert len(marks) == CHAINS and len(shapes) == CHAINS
    keys = _legend_keys(axes[0, 1])
    assert len(set(keys)) == CHAINS


def test_autocorrelation_chains_are_told_apart_without_colour(fits):
    fig, panels = plots.autocorrelation(fits["complete"], ["theta", "sigma2"], max_lag=20)
    for ax in panels:
        styles = [str(line.get_linestyle()) for line in ax.lines[1:]]   # lines[0]: the zero line
        assert len(styles) == CHAINS and len(set(styles)) == CHAINS
    assert len(set(_legend_keys(fig))) == CHAINS


def test_text_colour_darkens_only_what_fails():
    from teachkit import _style

    for colour in _style.OKABE_ITO.values():
        darker = _style.text_colour(colour)
        assert ratio(mcolors.to_rgb(darker), (1, 1, 1)) >= 4.5
        if ratio(mcolors.to_rgb(colour), (1, 1, 1)) >= 4.5:
            assert darker == colour
    assert _style.text_colour("#D55E00") != "#D55E00"
    h1, h2 = (mcolors.rgb_to_hsv(mcolors.to_rgb(c))[0] for c in ("#D55E00", _style.text_colour("#D55E00")))
    assert h1 == pytest.approx(h2, abs=0.01)   # the same hue, only darker


# ------------------------------------------------------------------ alt text
def is_full_sentence(text) -> bool:
    """At least one full sentence: starts with a capital, ends with a full stop, 8 words or more."""
    text = (text or "").strip()
    return bool(text) and text[0].isupper() and text.endswith(".") and len(text.split()) >= 8


@pytest.mark.parametrize("name", list(FIGURES))
def test_figure_describes_itself(name, data, fits):
    fig = figure_of(FIGURES[name](data, fits))
    alt = plots.alt_text(fig)
    assert is_full_sentence(alt), f"{name}: {alt!r}"
    assert re.search(r"\d", alt), f"{name}: no number in {alt!r}"
    titles = {t.get_text().strip() for ax in fig.axes for t in (ax.title, ax._left_title, ax._right_title)}
    assert alt.strip() not in titles
    assert "$" not in alt and "\\" not in alt, f"{name}: math markup in {alt!r}"


def test_shrinkage_alt_names_the_biggest_move(fits, data):
    ax, arrows = plots.shrinkage(fits["none"], fits["hier"])
    moves = [abs(a.xy[1] - a.xyann[1]) for a in arrows]
    j = int(np.argmax(moves))
    alt = plots.alt_text(ax)
    assert f"School {data.labels[j]} (n = {data.n[j]}) moves most, from {arrows[j].xyann[1]:.1f} to " \
           f"{arrows[j].xy[1]:.1f}" in alt
    assert f"mu, {float(fits['hier'].mean('mu')):.1f}" in alt


def test_trace_alt_says_whether_chains_agree(fits):
    from teachkit.posterior import Posterior

    post = fits["hier"]
    assert "The chains agree" in plots.alt_text(plots.trace(post, ["mu"])[0])
    draws = {k: v.copy() for k, v in post.draws.items()}
    draws["mu"][0] += 5.0   # one chain somewhere else
    stuck = Posterior(draws=draws, warmup_draws={}, model=post.model, priors=post.priors,
                      labels=post.labels, data=post.data)
    alt = plots.alt_text(plots.trace(stuck, ["mu"])[0])
    assert "The chains disagree for mu" in alt and "not converged" in alt


def test_alt_text_follows_the_figure(data):
    """The explorer redraws into one figure: its text is that of the figure shown now."""
    from teachkit import spectrum

    est = spectrum.shrinkage_estimates(data)
    fig, ax = plt.subplots()
    plots.shrinkage_explorer_view(est.table, est.mu, "5", ax=ax)
    first = plots.alt_text(fig)
    fig.clear()
    plots.shrinkage_explorer_view(est.table, est.mu, "1", ax=fig.add_subplot())
    second = plots.alt_text(fig)
    assert "School 5 (highlighted, n = 9)" in first and "School 1 (highlighted, n = 25)" in second
    assert "School 5 (highlighted" not in second


def test_a_notebook_shows_each_figure_once_with_its_alt_text(tmp_path):
    """In a real kernel (inline backend): a teachkit figure is shown once, with its alt text as
    output metadata; a figure of the student's own is shown as before, without."""
    nbformat = pytest.importorskip("nbformat")
    from nbclient import NotebookClient

    cells = ["import matplotlib.pyplot as plt\nimport teachkit as tk\ndata = tk.load_homework()",
             "_ = tk.plots.mean_vs_size(data)",
             "fig, ax = plt.subplots()\n_ = ax.plot([1, 2])",
             "_ = tk.plots.data_overview(data)"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    images = [[o for o in cell.outputs if "image/png" in o.get("data", {})] for cell in nb.cells]
    assert [len(i) for i in images] == [0, 1, 1, 1]
    alts = [i[0].get("metadata", {}).get("image/png", {}).get("alt") for i in images[1:]]
    assert alts[0].startswith("Scatter plot of each school's sample mean") and is_full_sentence(alts[0])
    assert alts[1] is None
    assert alts[2].startswith("All 165 observations") and is_full_sentence(alts[2])
    # what the legends say travels with the alt text, for the prose test (tests/test_prose.py)
    legends = [i[0].get("metadata", {}).get("image/png", {}).get("legend") for i in images[1:]]
    assert legends[1] is None
    assert {"label", "colour"} <= set(legends[0][0]) and all(e["colour"] for e in legends[0])


def test_legend_entries_name_the_colours_prose_may_use(fits):
    """The legend of a two-model caterpillar plot, as tools/prose.py reads it: each model's
    label with its palette colour by name; a colour outside the palette by its hex code."""
    from teachkit import _alt

    ax, _ = plots.caterpillar(fits["none"], "theta", compare=fits["hier"], ref="mu")
    entries = {e["label"]: e["colour"] for e in _alt.legend_entries(ax.figure)}
    assert entries["no pooling"] == "vermillion" and entries["partial pooling"] == "blue"
    assert _alt.colour_name("#123456") == "#123456" and _alt.colour_name("#CC79A7") == "reddish purple"
    plt.close(ax.figure)


def test_explorer_snapshot_carries_the_alt_text_of_what_it_shows(data):
    from teachkit import widgets

    explorer = widgets.ShrinkageExplorer(data)
    explorer.set(school="1")
    _, metadata = explorer.snapshot()._repr_png_()
    # the explorer describes its own figure, with its state (the school varied, how τ is set)
    assert metadata["alt"] == explorer.image.alt
    assert "School 1 (highlighted, n = 25) goes from 9.5 h to 9.1 h" in metadata["alt"]
    assert is_full_sentence(metadata["alt"])


# ------------------------------------------------------------------ the describers' words and numbers
def test_numbers_are_rounded_to_what_their_spread_needs():
    from teachkit import _alt

    assert _alt.decimals([8.1, 12.0]) == 1
    assert _alt.decimals([0.41, 0.78]) == 2
    assert _alt.decimals([130, 250]) == 0
    assert _alt.number(-0.0, 1) == "0.0"           # no "-0.0"
    assert _alt.number(0.04, 0) == "0.04"          # a small value is not written as 0
    assert _alt.number(-0.01, 1) == "\u22120.01"
    assert _alt.number(-2.345, 2) == "\u22122.35"   # a real minus sign for screen readers


def test_parameter_names_are_spelled_for_a_screen_reader():
    from teachkit import _alt

    rows = [f"theta[{j}]" for j in range(1, 9)] + ["sigma2", "tau2"]
    assert _alt.spoken_list(rows, "school") == \
        "theta of schools 1 to 8, sigma squared, and tau squared"
    assert _alt.spoken_list(["theta[2]", "theta[5]"], "school") == "theta of schools 2 and 5"
    assert _alt.spoken("theta[5]", "school") == "theta of school 5"
