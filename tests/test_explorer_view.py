"""The shrinkage explorer's three parts without a widget or a browser: the state
(teachkit._explorer_state), the view (teachkit._explorer_view) and the figure it moves
rather than rebuilds (teachkit.plots.shrinkage_explorer_view drawn again into its axes).

The view is quick because it moves the artists of one figure; these tests check that
nothing else changes: after any sequence of states, its PNG (pixel for pixel), alt text
and status line are those of a figure drawn afresh for the last state."""

import io

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from PIL import Image  # noqa: E402

from teachkit import _explorer_text as words  # noqa: E402
from teachkit import _style, plots  # noqa: E402
from teachkit._explorer_state import ExplorerState, problem  # noqa: E402
from teachkit._explorer_view import ExplorerView, png_rgb  # noqa: E402
from teachkit.widgets import ShrinkageExplorer  # noqa: E402

N_MAX = 200

#: A walk through the settings: each state changes one or two things from the one before.
WALK = [
    dict(sample_size=100),
    dict(school="1", sample_size=25),
    dict(tau_mode="fixed", tau=0.5),
    dict(tau=0.01),                                   # complete pooling
    dict(tau=100.0),                                  # no pooling
    dict(tau_mode="learned", mu_prior_sd=0.5),        # μ pulled to 0: the y range widens
    dict(mu_prior_sd=1000.0, tau_prior="inverse-gamma", tau_prior_shape=0.1, tau_prior_scale=0.01),
    dict(tau_prior="uniform", school="8", sample_size=1),
    dict(school="5", sample_size=9, tau_prior_upper=0.5),
]


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def walk_states(data):
    state = ExplorerState.observed(data, "5")
    states = [state]
    for change in WALK:
        state = state.replace(**change)
        states.append(state)
    return states


@pytest.fixture(scope="module")
def walked(data):
    """One view shown every state of the walk in turn: [(state, result, picture)]."""
    view = ExplorerView(data, n_max=N_MAX)
    shown = []
    for state in walk_states(data):
        result = state.estimates(data)
        shown.append((state, result, view.show(result, state.school)))
    return view, shown


def fresh_picture(data, result, school, ylim, position):
    """The figure drawn from nothing, in a new Figure, with the view's frame and y range."""
    with matplotlib.rc_context(_style.RC):
        fig = Figure(figsize=_style.SLIDE_FIGSIZE, dpi=_style.DPI, layout="none")
        FigureCanvasAgg(fig)
        ax = fig.add_axes(position)
        plots.shrinkage_explorer_view(result.table, result.mu, school, title=words.tau_phrase(result, data.unit),
                                      unit=data.unit, n_max=N_MAX, ylim=ylim, ax=ax)
        fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[:, :, :3], plots.alt_text(ax)


# ------------------------------------------------------------------ the view
def test_a_view_moved_through_many_states_draws_what_a_fresh_figure_draws(walked, data):
    view, shown = walked
    state, result, picture = shown[-1]
    expected, alt = fresh_picture(data, result, state.school, view.ax.get_ylim(), view.ax.get_position())
    got = pixels(picture.png)
    assert got.shape == (550, 1000, 3)
    assert np.array_equal(got, expected), f"{int((got != expected).any(axis=2).sum())} pixels differ"
    assert picture.alt == alt


def test_a_view_updated_in_place_says_what_a_new_view_says(walked, data):
    """For every state of the walk: the same PNG, alt text and status line as a new view that
    was shown only the data as observed (which fixes the y range, as in the explorer) and then that state."""
    _, shown = walked
    observed = shown[0][1]
    for state, result, picture in shown[1:]:
        new = ExplorerView(data, n_max=N_MAX)
        new.show(observed, "5")
        again = new.show(result, state.school)
        assert again.alt == picture.alt and again.status == picture.status, state
        assert np.array_equal(pixels(again.png), pixels(picture.png)), state


def test_the_picture_is_the_figure_and_its_words(walked, data):
    view, shown = walked
    state, result, picture = shown[-1]
    assert np.array_equal(pixels(picture.png), np.asarray(view.figure.canvas.buffer_rgba())[:, :, :3])
    assert picture.alt == plots.alt_text(view.figure)
    assert picture.status == words.status(result, state.school, data.group_name, data.unit)
    assert "School 5 (highlighted, n = 9)" in picture.alt and picture.status.startswith("School 5, n = 9:")
    said = view.show(result, state.school, change="Prior on τ now U(0, 0.5)")
    assert said.status.startswith("Prior on τ now U(0, 0.5). School 5, n = 9:")


def test_the_frame_stays_and_the_y_range_widens_only_while_it_must(walked, data):
    """The axes stay where the first layout put them. The y range set by the data as observed
    widens for a result outside it (a tight prior on μ pulls μ to 0), and comes back after."""
    view, shown = walked
    observed = shown[0][1]
    tight = next(result for state, result, _ in shown if state.mu_prior_sd == 0.5)
    new = ExplorerView(data, n_max=N_MAX)
    new.show(observed, "5")
    frame, (base_low, base_high) = new.ax.get_position().bounds, new.ax.get_ylim()
    new.show(tight, "5")
    low, high = new.ax.get_ylim()
    assert low <= tight.mu < base_low and high == base_high
    new.show(observed, "5")
    assert new.ax.get_ylim() == (base_low, base_high)
    for ax in (new.ax, view.ax):
        assert np.allclose(ax.get_position().bounds, frame)


def test_drawing_again_into_the_same_axes_moves_the_artists(data):
    """plots.shrinkage_explorer_view into an axes that holds its figure: no artist added."""
    states = walk_states(data)
    with matplotlib.rc_context(_style.RC):
        fig = Figure()
        ax = fig.add_subplot()
        counts = []
        for state in (states[0], states[2], states[3]):
            result = state.estimates(data)
            _, arrows = plots.shrinkage_explorer_view(result.table, result.mu, state.school, ax=ax)
            counts.append((len(ax.texts), len(ax.lines), len(ax.collections), id(ax.get_legend())))
            table = result.table
            assert [a.xy[1] for a in arrows] == pytest.approx(list(table["partial pooling"]))
            (weight,) = [t for t in ax.texts if t.get_gid() == "weight"]
            assert f"{table.loc[state.school, 'weight']:.2f}" in weight.get_text()
            bold = [t.get_text() for t in ax.texts if t.get_fontweight() == "bold" and t.get_gid() is None]
            assert bold == [f"school {state.school} (n = {state.sample_size})", f"school {state.school}"]
        assert len(set(counts)) == 1
        # without a highlighted group the figure has no interval: drawn afresh (the axes cleared)
        plots.shrinkage_explorer_view(result.table, result.mu, ax=ax)
        assert not [line for line in ax.lines if line.get_gid() == "interval"]
        assert len([a for a in ax.texts if a.get_text() == ""]) == data.J   # the arrows, once


def test_the_explorer_shows_what_its_view_draws(data):
    explorer = ShrinkageExplorer(data)
    explorer.set(school="3", sample_size=150, tau_mode="fixed", tau=0.2)
    view = ExplorerView(data, n_max=N_MAX)
    view.show(ExplorerState.observed(data, "5").estimates(data), "5")
    picture = view.show(explorer.state.estimates(data), "3")
    assert np.array_equal(pixels(picture.png), pixels(explorer.image.value))
    assert picture.alt == explorer.image.alt
    assert explorer.status.value.endswith(picture.status)


# ------------------------------------------------------------------ the state
def test_state_of_the_data_as_observed(data):
    state = ExplorerState.observed(data, "5")
    assert (state.school, state.sample_size, state.tau_mode, state.tau_prior) == ("5", 9, "learned", "uniform")
    assert state.mu_prior_sd == 1000.0 and state.tau_prior_upper == 1000.0
    assert ExplorerState.observed(data, 2).school == "2"


@pytest.mark.parametrize("change, words_", [
    (dict(sample_size=0), "sample size n must be a whole number from 1 to 200; 0 was refused"),
    (dict(sample_size=2.5), "sample size"),
    (dict(tau=-1.0), "between-school sd τ"),
    (dict(tau=float("nan")), "between-school sd τ"),
    (dict(mu_prior_sd=True), "prior sd of μ"),
    (dict(tau_prior_upper=1e6), "upper bound of τ's prior"),
    (dict(tau_prior_shape=0.0), "shape a"),
    (dict(tau_prior_scale="10"), "scale b"),
    (dict(tau_mode="sometimes"), "tau_mode must be one of ['learned', 'fixed']"),
    (dict(tau_prior="flat"), "tau_prior must be one of"),
    (dict(nonsense=1), "unknown setting"),
])
def test_state_refuses_bad_settings_naming_them(data, change, words_):
    with pytest.raises(ValueError, match=words_.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(")):
        ExplorerState.observed(data, "5").replace(**change)


def test_problem_names_the_unit_of_the_data():
    assert problem("tau", 0.0, "hours per week") == \
        "the between-school sd τ must be a number from 0.01 to 100 hours per week; 0 was refused"
    assert problem("tau_prior_shape", 0.0, "hours per week").endswith("from 0.001 to 100; 0 was refused")
    assert problem("sample_size", 37) is None and problem("tau_mode", "fixed") is None


def test_state_inputs_say_when_the_numbers_cannot_change(data):
    state = ExplorerState.observed(data, "5")
    # another school, at its own n: the same data, the same numbers
    other = state.replace(school="2", sample_size=int(data.n[1]))
    assert other.inputs(data) == state.inputs(data)
    assert other.estimates(data).table.equals(state.estimates(data).table)
    # τ fixed: its prior plays no part
    fixed = state.replace(tau_mode="fixed", tau=2.0)
    assert fixed.replace(tau_prior_upper=3.0).inputs(data) == fixed.inputs(data)
    for change in (dict(sample_size=10), dict(mu_prior_sd=10.0), dict(tau_prior_upper=3.0),
                   dict(tau_mode="fixed", tau=2.0)):
        assert state.replace(**change).inputs(data) != state.inputs(data), change


# ------------------------------------------------------------------ the PNG
def test_png_round_trips_and_refuses_what_it_cannot_write():
    rng = np.random.default_rng(20261124)
    for shape in [(3, 5, 3), (4, 2, 4), (1, 1, 3)]:
        image = rng.integers(0, 256, size=shape, dtype=np.uint8)
        assert np.array_equal(pixels(png_rgb(image)), image[:, :, :3])
    with pytest.raises(ValueError, match="uint8"):
        png_rgb(np.zeros((2, 2, 3), dtype=float))
    with pytest.raises(ValueError, match="3 or 4"):
        png_rgb(np.zeros((2, 2), dtype=np.uint8))


def test_an_axes_cleared_by_its_owner_keeps_what_was_drawn_since(data):
    result = ExplorerState.observed(data, "5").estimates(data)
    with matplotlib.rc_context(_style.RC):
        fig = Figure()
        ax = fig.add_subplot()
        plots.shrinkage_explorer_view(result.table, result.mu, "5", ax=ax)
        ax.clear()
        (mine,) = ax.plot([0, 1], [5, 10], gid="mine")
        plots.shrinkage_explorer_view(result.table, result.mu, "2", ax=ax)
        assert mine in ax.lines
        assert len([a for a in ax.texts if a.get_text() == ""]) == data.J


def test_other_data_other_groups(data):
    """Simulated data: twelve groups called 'class', no unit; the view moves as for the lecture's."""
    from teachkit.data import simulate_grouped

    other = simulate_grouped(mu=50.0, tau=5.0, sigma=10.0, sizes=[5, 8, 12, 20, 30, 3, 9, 14, 40, 6, 11, 25],
                             seed=np.random.default_rng(20261206), group_name="class")
    explorer = ShrinkageExplorer(other, school="3")
    assert explorer.status.value.startswith("Class 3, n = 12:") and "Class 3 (highlighted, n = 12)" in explorer.image.alt
    explorer.set(school="12", sample_size=200)
    explorer.set(tau_mode="fixed", tau=2.0)
    assert explorer.message.value == "" and explorer.status.value.startswith("Class 12, n = 200:")
    view = ExplorerView(other, n_max=N_MAX)
    view.show(ExplorerState.observed(other, "3").estimates(other), "3")
    picture = view.show(explorer.state.estimates(other), "12")
    assert np.array_equal(pixels(picture.png), pixels(explorer.image.value)) and picture.alt == explorer.image.alt
