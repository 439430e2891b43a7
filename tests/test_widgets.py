"""teachkit.widgets.ShrinkageExplorer, headless: controls driven by setting `.value`, the
numbers checked against what theory says and against teachkit.exact, the figure checked
to change, and bad values refused with a visible message.

No kernel and no browser: setting a control's value fires the same observers a browser
would (tests/test_browser.py does the browser)."""

import math
import warnings

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import teachkit as tk  # noqa: E402
from teachkit import controls as ui  # noqa: E402
from teachkit import exact, spectrum  # noqa: E402
from teachkit.priors import InverseGamma, Normal, UniformSD  # noqa: E402
from teachkit.widgets import ShrinkageExplorer  # noqa: E402


@pytest.fixture
def explorer(data):
    return ShrinkageExplorer(data)


def weight_of(explorer, school="5"):
    return float(explorer.estimates().loc[school, "weight"])


def estimate_of(explorer, school="5"):
    return float(explorer.estimates().loc[school, "partial pooling"])


# ------------------------------------------------------------------ what it shows
def test_controls_and_defaults(explorer, data):
    c = explorer.controls
    assert {"school", "sample_size", "tau_mode", "tau", "mu_prior_sd", "tau_prior", "tau_prior_upper",
            "tau_prior_shape", "tau_prior_scale"} <= set(c)
    assert isinstance(c["school"], ui.Select) and c["school"].value == "5"
    assert c["school"].labels == list(data.labels)
    assert isinstance(c["sample_size"], ui.Slider)
    assert (c["sample_size"].min, c["sample_size"].max, c["sample_size"].value) == (1, 200, 9)
    assert isinstance(c["tau_mode"], ui.Choice)
    assert c["tau_mode"].options == [("learned", "learned"), ("fixed", "fixed")]
    assert c["tau_mode"].value == "learned"
    assert isinstance(c["tau"], ui.LogSlider)
    assert math.isclose(c["tau"].base ** c["tau"].min, 0.01) and math.isclose(c["tau"].base ** c["tau"].max, 100)
    assert c["mu_prior_sd"].value == 1000 and c["tau_prior_upper"].value == 1000   # the lecture's priors
    for name, control in c.items():   # a refit only when the slider is let go
        if isinstance(control, (ui.Slider, ui.LogSlider)):
            assert control.continuous_update is False, name
    # every control is in the layout, and so are the message, the status line and the figure
    shown = set()
    stack = [explorer.widget]
    while stack:
        w = stack.pop()
        shown.add(id(w))
        stack.extend(getattr(w, "children", ()))
    for w in [*c.values(), explorer.message, explorer.status, explorer.image]:
        assert id(w) in shown
    assert explorer.message.value == ""
    assert explorer.image.value[:8] == b"\x89PNG\r\n\x1a\n"


def test_displays_as_its_layout(explorer):
    bundle = explorer._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == explorer.widget.model_id
    assert bundle["text/plain"] == "ShrinkageExplorer(school 5 with n = 9, τ learned)"


def test_estimates_table(explorer, data):
    table = explorer.estimates()
    assert list(table.columns) == ["n", "sample mean", "partial pooling", "95% low", "95% high", "weight"]
    assert list(table.index) == list(data.labels) and table.index.name == "school"
    np.testing.assert_array_equal(table["n"], data.n)
    np.testing.assert_allclose(table["sample mean"], data.means)
    assert (table["95% low"] < table["partial pooling"]).all()
    assert (table["partial pooling"] < table["95% high"]).all()
    assert ((table["weight"] > 0) & (table["weight"] < 1)).all()
    assert "12.00" in repr(table)    # shown rounded (strict nbval compares text)


# ------------------------------------------------------------------ agreement with teachkit.exact
def test_agrees_with_exact_on_the_data(data):
    """With the default settings the explorer's numbers are exact.hierarchical's (same grid: equal)."""
    explorer = ShrinkageExplorer(data, fast=False)
    table = explorer.estimates()
    ex = exact.hierarchical(data)
    np.testing.assert_allclose(table["partial pooling"], ex.mean("theta"), rtol=0, atol=1e-10)
    low, high = ex.quantile("theta", [0.025, 0.975])
    np.testing.assert_allclose(table["95% low"], low, rtol=0, atol=1e-8)
    np.testing.assert_allclose(table["95% high"], high, rtol=0, atol=1e-8)
    np.testing.assert_allclose(table["weight"], ex.shrinkage_weight(), rtol=0, atol=1e-10)
    assert math.isclose(explorer.mu, ex.mean("mu"), abs_tol=1e-10)


def test_fast_grid_is_within_a_hundredth_of_an_hour(data):
    fast, fine = ShrinkageExplorer(data).estimates(), ShrinkageExplorer(data, fast=False).estimates()
    cols = ["partial pooling", "95% low", "95% high", "weight"]
    assert np.abs(np.asarray(fast[cols]) - np.asarray(fine[cols])).max() < 0.01


def test_fixed_tau_agrees_with_exact_given_tau(explorer, data):
    explorer.set(tau_mode="fixed", tau=1.5, mu_prior_sd=10.0)
    cond = exact.hierarchical_given_tau(data, 1.5, mu_prior=Normal(0, 10.0**2))
    table = explorer.estimates()
    np.testing.assert_allclose(table["partial pooling"], cond.mean("theta"), atol=1e-6)
    np.testing.assert_allclose(table["weight"], cond.shrinkage_weight(), atol=1e-6)
    np.testing.assert_allclose(table["95% high"], cond.quantile("theta", 0.975), atol=1e-3)
    # ... and E[θ_j | τ, y] is what the pooling spectrum draws
    np.testing.assert_allclose(table["partial pooling"],
                               exact.hierarchical(data, mu_prior=Normal(0, 100.0)).conditional_theta_mean([1.5])[0],
                               atol=1e-6)


def test_prior_controls_reach_exact(explorer, data):
    explorer.set(tau_prior="inverse-gamma", tau_prior_shape=1.0, tau_prior_scale=10.0, mu_prior_sd=30.0)
    ex = exact.hierarchical(data, mu_prior=Normal(0, 900.0), tau2_prior=InverseGamma(1.0, 10.0))
    np.testing.assert_allclose(explorer.estimates()["partial pooling"], ex.mean("theta"), atol=0.005)
    explorer.set(tau_prior="uniform", tau_prior_upper=2.0)
    ex = exact.hierarchical(data, mu_prior=Normal(0, 900.0), tau2_prior=UniformSD(2.0))
    np.testing.assert_allclose(explorer.estimates()["weight"], ex.shrinkage_weight(), atol=0.005)


# ------------------------------------------------------------------ what theory says
def test_more_students_move_school_5_toward_its_own_mean(explorer, data):
    """As n_5 grows its weight w_5 = (n/σ²)/(n/σ² + 1/τ²) goes to 1, and its estimate to ȳ_5."""
    ybar5 = float(data.means[4])
    sizes = [9, 15, 25, 50, 100, 150, 200]
    estimates, weights = [], []
    for n in sizes:
        explorer.controls["sample_size"].value = n
        assert explorer.message.value == ""
        table = explorer.estimates()
        assert table.loc["5", "n"] == n
        assert math.isclose(table.loc["5", "sample mean"], ybar5, abs_tol=1e-9)   # only the evidence grows
        estimates.append(float(table.loc["5", "partial pooling"]))
        weights.append(float(table.loc["5", "weight"]))
    distance = ybar5 - np.array(estimates)
    assert (distance > 0).all() and (np.diff(distance) < 0).all()
    assert (np.diff(weights) > 0).all()
    assert weights[0] < 0.7 and weights[-1] > 0.95 and distance[-1] < 0.25


def test_fewer_students_pool_school_5_harder(explorer):
    w9, e9 = weight_of(explorer), estimate_of(explorer)
    explorer.controls["sample_size"].value = 2
    assert weight_of(explorer) < w9 and estimate_of(explorer) < e9


def test_tau_near_zero_is_complete_pooling(explorer):
    explorer.controls["tau_mode"].value = "fixed"
    explorer.controls["tau"].value = 0.01
    table = explorer.estimates()
    assert np.abs(table["partial pooling"] - explorer.mu).max() < 0.05
    assert (table["weight"] < 0.01).all()


def test_large_tau_is_no_pooling(explorer):
    explorer.controls["tau_mode"].value = "fixed"
    explorer.controls["tau"].value = 100
    table = explorer.estimates()
    assert np.abs(table["partial pooling"] - table["sample mean"]).max() < 0.05
    assert (table["weight"] > 0.99).all()


def test_setting_tau_holds_it_fixed(explorer):
    assert explorer.controls["tau"].disabled     # learned: the slider shows where the data put τ
    median = math.sqrt(float(explorer.result.exact.quantile("tau2", 0.5)))
    assert math.isclose(explorer.controls["tau"].value, median, rel_tol=1e-9)
    explorer.controls["tau"].value = 0.5
    assert explorer.controls["tau_mode"].value == "fixed" and not explorer.controls["tau"].disabled
    assert explorer.result.tau == 0.5
    assert explorer.controls["tau_prior_upper"].disabled   # its prior plays no part now


def test_a_tight_prior_on_tau_pools_harder(explorer):
    before = explorer.estimates()["weight"]
    explorer.controls["tau_prior_upper"].value = 0.5
    after = explorer.estimates()["weight"]
    assert (after < before).all()
    assert math.sqrt(float(explorer.result.exact.quantile("tau2", 0.999))) <= 0.5


def test_a_tight_prior_on_mu_pulls_everything_toward_zero(explorer):
    mu = explorer.mu
    explorer.controls["mu_prior_sd"].value = 0.5
    assert explorer.mu < mu - 4 and explorer.message.value == ""


def test_another_school_starts_at_its_own_size(explorer, data):
    explorer.controls["sample_size"].value = 100
    explorer.controls["school"].value = "2"
    assert explorer.controls["sample_size"].value == data.n[1]
    np.testing.assert_array_equal(explorer.estimates()["n"], data.n)   # school 5 is back to 9
    explorer.controls["sample_size"].value = 150
    assert explorer.estimates().loc["2", "n"] == 150 and explorer.estimates().loc["5", "n"] == 9


def test_inverse_gamma_controls_show_only_with_that_prior(explorer):
    c = explorer.controls
    assert c["tau_prior_shape"].layout.display == "none" and c["tau_prior_upper"].layout.display is None
    c["tau_prior"].value = "inverse-gamma"
    assert c["tau_prior_shape"].layout.display is None and c["tau_prior_upper"].layout.display == "none"
    assert explorer.result.exact.tau2_prior == InverseGamma(1.0, 10.0)


# ------------------------------------------------------------------ the figure
def test_figure_follows_the_numbers(explorer):
    first = explorer.image.value
    explorer.controls["sample_size"].value = 100
    assert explorer.image.value != first and explorer.image.value[:4] == b"\x89PNG"
    (ax,) = explorer.figure.axes
    table = explorer.estimates()
    arrows = [a for a in ax.texts if getattr(a, "arrow_patch", None) is not None and a.get_text() == ""]
    assert len(arrows) == 8
    five = arrows[4]
    assert five.xyann == (0.0, pytest.approx(table.loc["5", "sample mean"]))
    assert five.xy == (1.0, pytest.approx(table.loc["5", "partial pooling"]))
    (mu_line,) = [a for a in ax.lines if a.get_gid() == "mu"]
    assert mu_line.get_ydata()[0] == pytest.approx(explorer.mu)
    (weight,) = [a for a in ax.texts if a.get_gid() == "weight"]
    assert f"{table.loc['5', 'weight']:.2f}" in weight.get_text()


def test_figure_keeps_its_frame_as_n_moves(explorer):
    """The axes do not jump: same position and y range for every n (an interval beyond is cut)."""
    frames = set()
    for n in (1, 9, 50, 200):
        explorer.controls["sample_size"].value = n
        (ax,) = explorer.figure.axes
        frames.add((tuple(np.round(ax.get_position().bounds, 6)), tuple(np.round(ax.get_ylim(), 6))))
    assert len(frames) == 1


def test_redraw_leaves_rcparams_alone(explorer):
    before = dict(matplotlib.rcParams)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        explorer.controls["sample_size"].value = 30
    assert dict(matplotlib.rcParams) == before


# ------------------------------------------------------------------ refusing bad values
@pytest.mark.parametrize("name, bad, words", [
    ("sample_size", 0, "sample size"),
    ("sample_size", -5, "sample size"),
    ("sample_size", 201, "sample size"),
    ("tau", -1.0, "τ"),
    ("tau", 0.0, "τ"),
    ("tau", float("nan"), "τ"),
    ("tau", 1e6, "τ"),
    ("mu_prior_sd", 0.0, "prior sd of μ"),
    ("tau_prior_upper", 1e-6, "upper bound"),
    ("tau_prior_upper", -2.0, "upper bound"),
    ("tau_prior_shape", 0.0, "shape"),
    ("tau_prior_scale", -1.0, "scale"),
])
def test_bad_values_are_refused_with_a_message(explorer, name, bad, words):
    control = explorer.controls[name]
    if name.startswith("tau_prior_s"):
        explorer.controls["tau_prior"].value = "inverse-gamma"
    if name == "tau":
        explorer.controls["tau_mode"].value = "fixed"
    old, table, image = control.value, explorer.estimates(), explorer.image.value
    control.value = bad                                # does not raise
    assert control.value == old                        # the previous value is kept ...
    assert words in explorer.message.value and "refused" in explorer.message.value
    assert "Kept" in explorer.message.value
    assert explorer.estimates().equals(table) and explorer.image.value == image   # ... and so is the state
    # a good value afterwards clears the message
    control.value = control.base ** ((control.min + control.max) / 2) if hasattr(control, "base") else 50
    assert explorer.message.value == ""


def test_message_is_visible_in_the_layout(explorer):
    explorer.controls["sample_size"].value = 0
    text = explorer.message.value
    assert 'role="alert"' in text and "n = 9" in text
    assert explorer.message.layout.display != "none"


def test_set_refuses_all_or_nothing(explorer):
    table = explorer.estimates()
    explorer.set(sample_size=100, tau=-3.0)
    assert "refused" in explorer.message.value and "Nothing was changed" in explorer.message.value
    assert explorer.controls["sample_size"].value == 9 and explorer.estimates().equals(table)
    explorer.set(tau_mode="nonsense")
    assert "The value of tau_mode must be one of" in explorer.message.value
    with pytest.raises(ValueError, match="unknown control"):
        explorer.set(nonsense=1)


def test_a_failing_computation_keeps_the_previous_state(explorer, monkeypatch):
    """Whatever goes wrong inside, the callback reports it and puts the controls back."""
    table, image = explorer.estimates(), explorer.image.value

    def broken(*args, **kwargs):
        raise ValueError("the posterior looks improper")

    monkeypatch.setattr(spectrum, "shrinkage_estimates", broken)
    explorer.controls["mu_prior_sd"].value = 50.0
    assert "the posterior looks improper" in explorer.message.value
    assert explorer.controls["mu_prior_sd"].value == 1000.0
    assert explorer.estimates().equals(table) and explorer.image.value == image
    monkeypatch.undo()
    explorer.controls["mu_prior_sd"].value = 50.0
    assert explorer.message.value == "" and explorer.controls["mu_prior_sd"].value == 50.0


def test_refuses_bad_data():
    with pytest.raises(ValueError, match="GroupedData"):
        ShrinkageExplorer([1, 2, 3])
    with pytest.raises(ValueError, match="no school '9'"):
        ShrinkageExplorer(tk.load_homework(), school="9")


def test_a_failing_drawing_keeps_the_previous_state(explorer, monkeypatch):
    from teachkit import plots

    table, image = explorer.estimates(), explorer.image.value

    def broken(*args, **kwargs):
        raise RuntimeError("no room for the labels")

    monkeypatch.setattr(plots, "shrinkage_explorer_view", broken)
    explorer.controls["sample_size"].value = 40
    assert "no room for the labels" in explorer.message.value
    assert explorer.controls["sample_size"].value == 9
    assert explorer.estimates().equals(table) and explorer.image.value == image


def test_reset_and_snapshot(explorer, data):
    start, image = explorer.estimates(), explorer.image.value
    explorer.set(school="3", sample_size=150, tau_mode="fixed", tau=0.2, mu_prior_sd=5.0)
    assert explorer.controls["school"].value == "3" and explorer.result.tau == 0.2
    explorer.reset_button.click()
    assert explorer.controls["school"].value == "5" and explorer.controls["tau_mode"].value == "learned"
    assert explorer.controls["mu_prior_sd"].value == 1000 and explorer.estimates().equals(start)
    assert explorer.image.value == image
    snap = explorer.snapshot()
    assert snap.data == explorer.image.value and snap.format == "png"


# ------------------------------------------------------------------ accessibility: what a screen reader gets
def test_status_line_says_in_words_what_the_figure_shows(explorer):
    row = explorer.estimates().loc["5"]
    status = explorer.status.value
    assert status.startswith(f"School 5, n = 9: estimate {row['partial pooling']:.1f} h "
                             f"(95% {row['95% low']:.1f} to {row['95% high']:.1f}), weight {row['weight']:.2f}; ")
    assert f"μ = {explorer.mu:.1f} h" in status and "τ learned from the data" in status
    explorer.controls["sample_size"].value = 50
    row = explorer.estimates().loc["5"]
    assert explorer.status.value.startswith(f"School 5, n = 50: estimate {row['partial pooling']:.1f} h")
    explorer.controls["tau"].value = 1.81   # fixes τ
    assert "τ fixed at 1.81 h." in explorer.status.value
    explorer.set(tau_mode="learned", tau_prior_upper=0.5)   # a prior: said first, the numbers cannot say it
    assert explorer.status.value.startswith("Prior on τ now U(0, 0.5). School 5, n = 50:")
    explorer.controls["mu_prior_sd"].value = 10.0
    assert explorer.status.value.startswith("Prior on μ now N(0, 10²). School 5")
    explorer.controls["school"].value = "3"
    assert explorer.status.value.startswith(f"School 3, n = {int(explorer.estimates().loc['3', 'n'])}:")
    explorer.reset()
    assert explorer.status.value.startswith("Back to the data as observed and the default priors. School 5, n = 9:")


def test_status_is_unchanged_when_a_value_is_refused(explorer):
    status = explorer.status.value
    explorer.controls["sample_size"].value = 0
    assert explorer.status.value == status and "refused" in explorer.message.value


def test_log_sliders_announce_the_value_shown_not_the_exponent(explorer):
    tau = explorer.controls["tau"]
    # τ learned: the disabled slider shows the posterior median, and says it
    assert tau.readout == ui.format_value(explorer.result.tau_median) == "1.81"
    explorer.controls["tau"].value = 0.25
    assert tau.readout == "0.25"                      # not log10(0.25) = -0.602
    assert explorer.controls["mu_prior_sd"].readout == "1000"    # not 3
    assert explorer.controls["tau_prior_upper"].readout == "1000"
    assert explorer.controls["tau_prior_shape"].readout == "1" and explorer.controls["tau_prior_scale"].readout == "10"
    explorer.controls["sample_size"].value = 37
    assert explorer.controls["sample_size"].readout == "37"
    for value, text in [(0.01, "0.01"), (1.8091440524187723, "1.81"), (12345.0, "12300"), (0.0012345, "0.00123")]:
        assert ui.format_value(value) == text


def test_every_control_has_a_name_and_the_toggles_are_radio_groups(explorer):
    for name, control in explorer.controls.items():
        assert control.description.strip(), f"{name} has no accessible name"
    mode = explorer.controls["tau_mode"]
    assert mode.kind == "choice" and mode.labels == ["learned", "fixed"] and mode.description == "τ is"
    with pytest.raises(Exception, match="not one of"):   # a choice holds one of its options, nothing else
        mode.value = "sometimes"
    assert mode.value == "learned"
    assert {c.kind for c in explorer.controls.values()} == {"select", "slider", "choice", "log-slider"}
    assert explorer.status.kind == "status" and explorer.image.kind == "figure"


def test_figure_alt_text_changes_with_the_figure(explorer):
    alt, image = explorer.image.alt, explorer.image.value
    table = explorer.estimates()
    assert len(alt) > 200 and alt.count(".") >= 4   # sentences, not a title
    assert f"School 5 (highlighted, n = 9) goes from {table.loc['5', 'sample mean']:.1f} h to " \
           f"{table.loc['5', 'partial pooling']:.1f} h" in alt
    assert f"μ = {explorer.mu:.1f} h" in alt
    pull = (table["partial pooling"] - table["sample mean"]).abs()
    assert pull.idxmax() == "5" and "It is pulled furthest of the 8 schools" in alt
    lowest = table["partial pooling"].idxmin()
    assert f"({'school'} {lowest})" in alt
    explorer.set(school="1", tau_mode="fixed", tau=0.5)
    assert explorer.image.value != image and explorer.image.alt != alt
    assert "School 1 (highlighted, n = 25)" in explorer.image.alt and "τ fixed at 0.5 h" in explorer.image.alt
    assert "Pulled furthest: school 5" in explorer.image.alt
    explorer.set(tau=0.01)   # complete pooling: one estimate for all
    assert f"All 8 estimates are {explorer.mu:.1f} h" in explorer.image.alt


def test_snapshot_carries_the_alt_text(explorer):
    data, metadata = explorer.snapshot()._repr_png_()
    assert metadata["alt"] == explorer.image.alt
