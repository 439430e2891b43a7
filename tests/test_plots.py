"""teachkit.plots: every figure carries the numbers it claims to show, renders cleanly,
and leaves matplotlib's global settings alone."""

import io
import subprocess
import sys
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import teachkit as tk  # noqa: E402
from teachkit import _style, plots  # noqa: E402
from teachkit.data import GroupedData  # noqa: E402
from teachkit.diagnostics import autocorrelation as chain_autocorrelation  # noqa: E402

DRAWS, WARMUP, CHAINS = 1000, 200, 4


# ------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def no_pooling(data):
    return tk.fit_no_pooling(data, draws=DRAWS, warmup=WARMUP, chains=CHAINS, seed=1)


@pytest.fixture(scope="module")
def hierarchical(data):
    return tk.fit_hierarchical(data, draws=DRAWS, warmup=WARMUP, chains=CHAINS, seed=1)


@pytest.fixture(scope="module")
def complete(data):
    return tk.fit_complete_pooling(data, draws=DRAWS, warmup=WARMUP, chains=CHAINS, seed=1)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def with_gid(container, gid):
    return [a for a in container.findobj(lambda a: a.get_gid() == gid)]


def figure_of(result):
    first = result[0]
    return first if isinstance(first, Figure) else first.figure


# ------------------------------------------------------------------ import cost
def test_import_teachkit_does_not_import_matplotlib():
    code = "import sys, teachkit; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ------------------------------------------------------------------ labels
@pytest.mark.parametrize("name, label", [
    ("theta[5]", r"$\theta_{5}$"), ("mu", r"$\mu$"), ("sigma2", r"$\sigma^2$"), ("tau2", r"$\tau^2$"),
    ("sigma2[3]", r"$\sigma^2_{3}$"), ("theta", r"$\theta$"), ("R", "$R$"),
    ("theta[Lincoln High]", r"$\theta_{Lincoln\ High}$"),
])
def test_math_label(name, label):
    assert plots.math_label(name) == label


# ------------------------------------------------------------------ caterpillar
def test_caterpillar_points_and_lines_are_the_quantiles(hierarchical):
    ax, series = plots.caterpillar(hierarchical, ["theta", "mu"])
    (only,) = series
    assert only["rows"] == [f"theta[{j}]" for j in range(1, 9)] + ["mu"]
    medians = only["median"].get_offsets()
    expected = np.append(hierarchical.median("theta"), hierarchical.median("mu"))
    np.testing.assert_allclose(medians[:, 0], expected)
    np.testing.assert_allclose(medians[:, 1], np.arange(9))  # one row each, top to bottom
    for key, (lo, hi) in (("50%", (0.25, 0.75)), ("95%", (0.025, 0.975))):
        segments = np.array(only[key].get_segments())
        q = np.array([np.quantile(hierarchical[row].ravel(), [lo, hi]) for row in only["rows"]])
        np.testing.assert_allclose(segments[:, 0, 0], q[:, 0])
        np.testing.assert_allclose(segments[:, 1, 0], q[:, 1])
        np.testing.assert_allclose(segments[:, 0, 1], segments[:, 1, 1])  # horizontal
    assert only["50%"].get_linewidths()[0] > only["95%"].get_linewidths()[0]
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks == [rf"$\theta_{{{j}}}$" for j in range(1, 9)] + [r"$\mu$"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"median", "50% interval", "95% interval"} <= set(legend)
    assert ax.get_xlabel() == "hours per week"


def test_caterpillar_compares_two_models_row_by_row(no_pooling, hierarchical):
    ax, (left, right) = plots.caterpillar(no_pooling, ["theta", "mu"], compare=hierarchical, ref="mu")
    assert (left["label"], right["label"]) == ("no pooling", "partial pooling")
    assert left["rows"] == [f"theta[{j}]" for j in range(1, 9)]     # no pooling has no mu
    assert right["rows"][-1] == "mu"
    np.testing.assert_allclose(left["median"].get_offsets()[:, 0], no_pooling.median("theta"))
    np.testing.assert_allclose(right["median"].get_offsets()[:8, 0], hierarchical.median("theta"))
    y_left, y_right = left["median"].get_offsets()[:, 1], right["median"].get_offsets()[:8, 1]
    assert np.all(y_left < y_right) and np.all(y_right - y_left < 0.5)  # side by side, same row
    colours = {tuple(s["median"].get_facecolor()[0][:3]) for s in (left, right)}
    assert len(colours) == 2
    (ref,) = with_gid(ax, "ref")
    np.testing.assert_allclose(ref.get_xdata(), hierarchical.mean("mu"))
    assert ref.get_linestyle() == "--"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "no pooling" in legend and "partial pooling" in legend


def test_caterpillar_of_variances(hierarchical):
    ax, (only,) = plots.caterpillar(hierarchical, ["sigma2", "tau2"])
    assert only["rows"] == ["sigma2", "tau2"]
    assert [t.get_text() for t in ax.get_yticklabels()] == [r"$\sigma^2$", r"$\tau^2$"]
    assert ax.get_xlabel() == "(hours per week)²"


def test_caterpillar_labels_must_name_each_posterior(no_pooling, hierarchical):
    with pytest.raises(ValueError, match="labels"):
        plots.caterpillar(no_pooling, compare=hierarchical, labels=("only one",))


# ------------------------------------------------------------------ shrinkage
def test_shrinkage_arrows_go_from_no_pooling_to_partial_pooling(data, no_pooling, hierarchical):
    ax, arrows = plots.shrinkage(no_pooling, hierarchical)
    assert len(arrows) == data.J
    starts = np.array([a.xyann for a in arrows])
    ends = np.array([a.xy for a in arrows])
    np.testing.assert_allclose(starts[:, 1], no_pooling.mean("theta"))
    np.testing.assert_allclose(ends[:, 1], hierarchical.mean("theta"))
    assert np.all(starts[:, 0] < ends[:, 0])

    for gid in ("no pooling", "partial pooling"):
        (markers,) = with_gid(ax, gid)
        ratio = markers.get_sizes() / data.n
        np.testing.assert_allclose(ratio, ratio[0])  # area proportional to n_j
    (mu,) = with_gid(ax, "mu")
    np.testing.assert_allclose(mu.get_ydata(), hierarchical.mean("mu"))
    assert mu.get_linestyle() == "--"


def test_shrinkage_makes_school_5_stand_out(no_pooling, hierarchical):
    ax, arrows = plots.shrinkage(no_pooling, hierarchical)
    moves = [abs(a.xy[1] - a.xyann[1]) for a in arrows]
    assert int(np.argmax(moves)) == 4  # school 5, n = 9
    bold = [t.get_text() for t in ax.texts if t.get_fontweight() == "bold"]
    assert bold and all(text.startswith("school 5") for text in bold)
    widths = [a.arrow_patch.get_linewidth() for a in arrows]
    assert int(np.argmax(widths)) == 4


def test_shrinkage_refuses_posteriors_of_different_groups(data, no_pooling):
    keep = data.groups != 7
    fewer = GroupedData.from_arrays(data.values[keep], np.array(data.labels)[data.groups[keep]],
                                    group_name="school", unit="hours per week")
    other = tk.fit_hierarchical(fewer, draws=50, warmup=10, chains=2, seed=2)
    with pytest.raises(ValueError, match="different groups"):
        plots.shrinkage(no_pooling, other)


def test_shrinkage_refuses_swapped_arguments(no_pooling, hierarchical):
    with pytest.raises(ValueError, match="partial_pooling"):
        plots.shrinkage(hierarchical, no_pooling)


# ------------------------------------------------------------------ trace
def test_trace_has_one_line_per_chain_with_the_draws(hierarchical):
    fig, axes = plots.trace(hierarchical, ["mu", "tau2", "theta[5]"])
    assert axes.shape == (3, 2)
    for (density_ax, trace_ax), name in zip(axes, ["mu", "tau2", "theta[5]"]):
        draws = hierarchical[name]
        assert len(trace_ax.lines) == CHAINS and len(density_ax.lines) == CHAINS
        for k, line in enumerate(trace_ax.lines):
            np.testing.assert_array_equal(line.get_ydata(), draws[k])
            np.testing.assert_array_equal(line.get_xdata(), np.arange(DRAWS))
        for line in density_ax.lines:  # a density: non-negative, integrates to about 1
            x, y = line.get_xdata(), line.get_ydata()
            assert y.min() >= 0
            assert 0.9 < np.sum((y[1:] + y[:-1]) / 2 * np.diff(x)) < 1.05
        assert density_ax.get_ylabel() == plots.math_label(name)
    colours = [line.get_color() for line in axes[0, 1].lines]
    assert colours == [_style.chain_colour(k) for k in range(CHAINS)]
    assert not with_gid(fig, "warm-up")


def test_trace_expands_vectors_and_shows_warmup(no_pooling):
    fig, axes = plots.trace(no_pooling, "theta", show_warmup=True)
    assert axes.shape == (8, 2)
    assert [a.get_ylabel() for a in axes[:, 0]] == [rf"$\theta_{{{j}}}$" for j in range(1, 9)]
    trace_ax = axes[4, 1]
    warm = [line for line in trace_ax.lines if line.get_gid() == "warm-up"]
    kept = [line for line in trace_ax.lines if line.get_gid() != "warm-up"]
    assert len(warm) == len(kept) == CHAINS
    for k, line in enumerate(warm):
        np.testing.assert_array_equal(line.get_xdata(), np.arange(-WARMUP, 0))
        np.testing.assert_array_equal(line.get_ydata(), no_pooling.warmup_draws["theta"][k, :, 4])
    assert any(t.get_text() == "warm-up" for t in trace_ax.texts)
    assert [p for p in trace_ax.patches if p.get_gid() == "warm-up"]  # the shaded band
    assert trace_ax.get_xlim()[0] == -WARMUP


def test_trace_draws_into_given_axes(complete):
    fig, given = plt.subplots(2, 2)
    out_fig, axes = plots.trace(complete, axes=given)
    assert out_fig is fig and axes[1, 1] is given[1, 1]
    with pytest.raises(ValueError, match="6 matplotlib Axes"):
        plots.trace(complete, ["theta", "sigma2", "theta"], axes=given)


# ------------------------------------------------------------------ boxplots
def test_boxplots_one_box_per_school(data, hierarchical):
    ax, boxes = plots.boxplots(hierarchical, ref="mu")
    assert len(boxes["boxes"]) == data.J
    medians = [line.get_ydata()[0] for line in boxes["medians"]]
    np.testing.assert_allclose(medians, hierarchical.median("theta"))
    whisker_ends = np.array([line.get_ydata()[1] for line in boxes["whiskers"]]).reshape(-1, 2)
    np.testing.assert_allclose(whisker_ends, hierarchical.interval("theta", 0.95))
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert [t.split("\n")[0] for t in ticks] == list(data.labels)
    assert ticks[4] == "5\nn = 9"
    assert ax.get_xlabel() == "school" and "hours per week" in ax.get_ylabel()
    (ref,) = with_gid(ax, "ref")
    np.testing.assert_allclose(ref.get_ydata(), hierarchical.mean("mu"))


def test_boxplots_needs_a_vector(hierarchical):
    with pytest.raises(ValueError, match="'mu'"):
        plots.boxplots(hierarchical, "mu")


# ------------------------------------------------------------------ prior_posterior
@pytest.mark.parametrize("name", ["mu", "sigma2", "tau2"])
def test_prior_line_is_the_prior_density(hierarchical, name):
    ax, lines = plots.prior_posterior(hierarchical, name)
    x, y = lines["prior"].get_xdata(), lines["prior"].get_ydata()
    np.testing.assert_allclose(y, hierarchical.priors[name].pdf(x))
    assert lines["prior"].get_linestyle() == "--"
    # the x-range follows the posterior: it holds the central 99% of the draws
    lo, hi = np.quantile(hierarchical[name], [0.005, 0.995])
    assert x[0] <= lo and x[-1] >= hi and x[-1] - x[0] < 3 * (hi - lo)
    xp, yp = lines["posterior"].get_xdata(), lines["posterior"].get_ydata()
    assert 0.95 < np.sum((yp[1:] + yp[:-1]) / 2 * np.diff(xp)) < 1.01
    assert any("density ≈ 0" in t.get_text() for t in ax.get_legend().get_texts())  # vague priors


def test_prior_posterior_of_one_school_and_an_informative_prior(no_pooling):
    prior = tk.Normal(8, 9)
    ax, lines = plots.prior_posterior(no_pooling, "theta[5]", prior)
    x, y = lines["prior"].get_xdata(), lines["prior"].get_ydata()
    np.testing.assert_allclose(y, prior.pdf(x))
    assert x[0] <= 8 - 2 * 3  # the informative prior's bulk is shown
    assert ax.get_xlabel() == r"$\theta_{5}$ (hours per week)"
    # the default for one school of a no-pooling fit is the prior of theta
    _, default = plots.prior_posterior(no_pooling, "theta[5]")
    xd = default["prior"].get_xdata()
    np.testing.assert_allclose(default["prior"].get_ydata(), no_pooling.priors["theta"].pdf(xd))


def test_prior_of_R_by_monte_carlo(hierarchical):
    _, lines = plots.prior_posterior(hierarchical, "R")
    x, y = lines["prior"].get_xdata(), lines["prior"].get_ydata()
    assert 0 <= x[0] and x[-1] <= 1
    rng = np.random.default_rng(12345)  # an independent Monte Carlo estimate
    sigma2 = hierarchical.priors["sigma2"].sample(rng, 400_000)
    tau2 = hierarchical.priors["tau2"].sample(rng, 400_000)
    r = tau2 / (sigma2 + tau2)
    width = x[1] - x[0]
    inside = (x > 0.1) & (x < 0.9)
    check = np.array([np.mean(np.abs(r - c) < width / 2) / width for c in x[inside]])
    np.testing.assert_allclose(y[inside], check, rtol=0.15)
    _, again = plots.prior_posterior(hierarchical, "R")
    np.testing.assert_array_equal(again["prior"].get_ydata(), y)  # fixed generator


def test_prior_posterior_without_a_known_prior(hierarchical):
    with pytest.raises(ValueError, match=r"theta\[5\]"):
        plots.prior_posterior(hierarchical, "theta[5]")
    with pytest.raises(ValueError, match="one school"):
        plots.prior_posterior(hierarchical, "theta")


# ------------------------------------------------------------------ autocorrelation
def test_autocorrelation_lines_per_chain(hierarchical):
    fig, axes = plots.autocorrelation(hierarchical, ["mu", "tau2"], max_lag=30)
    assert len(axes) == 2
    for ax, name in zip(axes, ["mu", "tau2"]):
        lines = [line for line in ax.lines if len(line.get_xdata()) > 2]
        assert len(lines) == CHAINS
        expected = chain_autocorrelation(hierarchical[name])[:, :31]
        for k, line in enumerate(lines):
            np.testing.assert_array_equal(line.get_xdata(), np.arange(31))
            np.testing.assert_allclose(line.get_ydata(), expected[k])
            assert line.get_ydata()[0] == pytest.approx(1.0)
        assert ax.get_title() == plots.math_label(name)


def test_autocorrelation_of_every_parameter(hierarchical):
    fig, axes = plots.autocorrelation(hierarchical)
    assert len(axes) == 11 and len(fig.axes) == 11  # no empty panels left over
    with pytest.raises(ValueError, match="max_lag"):
        plots.autocorrelation(hierarchical, max_lag=0)


# ------------------------------------------------------------------ data figures
def test_data_overview(data):
    ax, strips = plots.data_overview(data)
    assert len(strips) == data.J
    for j, strip in enumerate(strips):
        np.testing.assert_array_equal(np.sort(strip.get_offsets()[:, 1]), np.sort(data.group_values(j)))
        assert np.all(np.abs(strip.get_offsets()[:, 0] - (j + 1)) < 0.25)
    (means,) = with_gid(ax, "means")
    np.testing.assert_allclose(means.get_ydata(), data.means)
    _, again = plots.data_overview(data)
    np.testing.assert_array_equal(again[0].get_offsets(), strips[0].get_offsets())  # fixed jitter


def test_mean_vs_size(data):
    ax, points = plots.mean_vs_size(data)
    np.testing.assert_allclose(points.get_offsets(), np.column_stack([data.n, data.means]))
    labels = sorted(t.get_text() for t in ax.texts)
    assert labels == sorted(f"school {lab}" for lab in data.labels)


# ------------------------------------------------------------------ every function
def all_figures(data, complete, no_pooling, hierarchical):
    return {
        "data_overview": lambda: plots.data_overview(data),
        "mean_vs_size": lambda: plots.mean_vs_size(data),
        "trace": lambda: plots.trace(hierarchical, ["mu", "tau2"], show_warmup=True),
        "trace complete pooling": lambda: plots.trace(complete),
        "autocorrelation": lambda: plots.autocorrelation(no_pooling, "theta"),
        "boxplots": lambda: plots.boxplots(hierarchical, ref="mu"),
        "caterpillar": lambda: plots.caterpillar(no_pooling, ["theta", "mu"], compare=hierarchical,
                                                 ref="mu"),
        "shrinkage": lambda: plots.shrinkage(no_pooling, hierarchical),
        "prior_posterior": lambda: plots.prior_posterior(hierarchical, "R"),
    }


FIGURES = ["data_overview", "mean_vs_size", "trace", "trace complete pooling", "autocorrelation",
           "boxplots", "caterpillar", "shrinkage", "prior_posterior"]


@pytest.mark.parametrize("which", FIGURES)
def test_renders_cleanly_and_leaves_rcparams_alone(which, data, complete, no_pooling, hierarchical,
                                                   monkeypatch):
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("plots must not call plt.show()"))
    before = dict(matplotlib.rcParams)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = all_figures(data, complete, no_pooling, hierarchical)[which]()
    assert dict(matplotlib.rcParams) == before
    fig = figure_of(result)
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.savefig(buffer, format="png", dpi=100)
    assert buffer.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = fig.get_size_inches() * 100
    assert width == 1000 and height >= 300
    assert dict(matplotlib.rcParams) == before


def test_style_survives_rendering_under_other_global_settings(hierarchical):
    ax, _ = plots.caterpillar(hierarchical, "theta")
    with matplotlib.rc_context({"xtick.labelsize": 5, "font.size": 5}):
        ax.figure.savefig(io.BytesIO(), format="png")
        sizes = {t.get_fontsize() for t in ax.get_xticklabels()}
    assert sizes == {_style.RC["xtick.labelsize"]}
    assert ax.xaxis.label.get_fontsize() == _style.RC["axes.labelsize"]


def test_functions_draw_into_given_axes(no_pooling, hierarchical):
    fig, (left, right) = plt.subplots(1, 2, figsize=(14, 5))
    ax_left, _ = plots.caterpillar(no_pooling, compare=hierarchical, ax=left)
    ax_right, arrows = plots.shrinkage(no_pooling, hierarchical, ax=right)
    assert ax_left is left and ax_right is right and len(fig.axes) == 2
    with pytest.raises(ValueError, match="Axes"):
        plots.boxplots(hierarchical, ax="not an axes")


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("call", [
    lambda p: plots.trace(p, ["mu", "nonsense"]),
    lambda p: plots.autocorrelation(p, "nonsense"),
    lambda p: plots.boxplots(p, "nonsense"),
    lambda p: plots.caterpillar(p, ["theta", "nonsense"]),
    lambda p: plots.prior_posterior(p, "nonsense"),
    lambda p: plots.boxplots(p, ref="nonsense"),
], ids=["trace", "autocorrelation", "boxplots", "caterpillar", "prior_posterior", "ref"])
def test_unknown_parameter_is_named(hierarchical, call):
    with pytest.raises((KeyError, ValueError), match="nonsense"):
        call(hierarchical)


def test_unknown_school_is_named(hierarchical, no_pooling):
    with pytest.raises(KeyError, match="'9'"):
        plots.trace(hierarchical, "theta[9]")
    with pytest.raises(KeyError, match="nonsense"):
        plots.caterpillar(no_pooling, "nonsense", compare=hierarchical)


def test_not_a_posterior():
    with pytest.raises(ValueError, match="Posterior"):
        plots.caterpillar({"theta": np.zeros((2, 10, 3))})
    with pytest.raises(ValueError, match="GroupedData"):
        plots.data_overview([1, 2, 3])


def test_every_figure_shows_in_a_jupyter_kernel():
    """Regression: rc_context used to switch off the interactive mode that the inline
    backend turns on with the first figure, so later figures were never displayed."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in (
        "import teachkit as tk\ndata = tk.load_homework()\n_ = tk.plots.data_overview(data)",
        "_ = tk.plots.mean_vs_size(data)",
        "_ = tk.plots.data_overview(data)",
    )]
    NotebookClient(nb, kernel_name="python3", timeout=120).execute()
    for cell in nb.cells:
        assert any("image/png" in out.get("data", {}) for out in cell.outputs), cell.source


def test_a_spike_of_the_prior_near_zero_is_drawn(data):
    """IG(0.01, 0.01) on τ² peaks at 0.01/1.01, far below the posterior's first grid step: the
    prior's line is drawn on a finer grid there, so the spike shows and the alt text names it."""
    post = tk.fit_hierarchical(data, tau2_prior=tk.InverseGamma(0.01, 0.01), draws=1000, seed=11)
    ax, lines = plots.prior_posterior(post, "tau2")
    x, y = lines["prior"].get_xdata(), lines["prior"].get_ydata()
    np.testing.assert_allclose(y, post.priors["tau2"].pdf(x))
    assert abs(x[np.argmax(y)] - 0.01 / 1.01) < 0.002 and y.max() > 0.3
    assert "IG(0.01, 0.01), peaks at 0.01" in plots.alt_text(ax)
    plt.close(ax.figure)
