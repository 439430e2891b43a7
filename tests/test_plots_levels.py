"""Notebook 10's figure: counties pulled toward their state, states toward the national mean
(plots.shrinkage_three_levels), and what each state's counties alone say
(three_level.supergroup_own_estimate), checked against the formula and the exact posterior."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import teachkit as tk  # noqa: E402
from teachkit import _alt, plots  # noqa: E402
from teachkit.models import three_level  # noqa: E402


@pytest.fixture(scope="module")
def radon():
    return tk.load_radon()


@pytest.fixture(scope="module")
def post(radon):
    return tk.fit_three_level(radon, draws=1000, warmup=200, seed=np.random.default_rng(10))


@pytest.fixture(scope="module")
def model3():
    """A two-level fit: what both functions must refuse."""
    return tk.fit_hierarchical(tk.load_homework(), draws=200, warmup=50, seed=np.random.default_rng(1))


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_own_estimate_is_the_precision_weighted_mean_of_the_counties(post, radon):
    own = three_level.supergroup_own_estimate(post)
    # by hand at every draw, for the state with the fewest counties
    k = int(np.argmin(np.bincount(radon.group_supergroup)))
    members = radon.group_supergroup == k
    s2, t2 = post.flat("sigma2"), post.flat("tau2")
    by_hand = [np.average(radon.means[members], weights=1 / (t + s / radon.n[members])) for s, t in zip(s2, t2)]
    assert own[k] == pytest.approx(np.mean(by_hand), rel=1e-12)
    # it lies inside the range of its counties' means, and the posterior of psi_k is pulled from it toward mu
    for j in range(radon.K):
        assert radon.means[radon.group_supergroup == j].min() <= own[j] <= radon.means[radon.group_supergroup == j].max()
    psi, mu = post.mean("psi"), post.mean("mu")
    assert abs(psi[k] - mu) < abs(own[k] - mu)


def test_own_estimate_refuses_other_fits(model3):
    with pytest.raises(ValueError, match="needs a fit of fit_three_level.*hierarchical posterior"):
        three_level.supergroup_own_estimate(model3)
    with pytest.raises(ValueError, match="needs a fit of fit_three_level.*ndarray"):
        three_level.supergroup_own_estimate(np.zeros(3))


def test_figure_draws_both_pulls(post, radon):
    ax, states = plots.shrinkage_three_levels(post)
    assert len(states) == radon.K
    own, psi = three_level.supergroup_own_estimate(post), post.mean("psi")
    for k, line in enumerate(states):
        (x0, x1), (y0, y1) = line.get_xdata(), line.get_ydata()
        assert x0 < k < x1
        assert (y0, y1) == pytest.approx((own[k], psi[k]))
    data_pts = next(c for c in ax.collections if c.get_gid() == "data").get_offsets()
    est_pts = next(c for c in ax.collections if c.get_gid() == "estimate").get_offsets()
    np.testing.assert_allclose(data_pts[:, 1], radon.means)
    np.testing.assert_allclose(est_pts[:, 1], post.mean("theta"))
    # every county sits in its own state's column pair: data left of the state's centre, estimate right
    sup = radon.group_supergroup
    assert np.all(data_pts[:, 0] < sup) and np.all(est_pts[:, 0] > sup)
    assert np.all(np.abs(data_pts[:, 0] - sup) < 0.5) and np.all(np.abs(est_pts[:, 0] - sup) < 0.5)
    mu_line = next(line for line in ax.lines if line.get_gid() == "mu")
    assert mu_line.get_ydata()[0] == pytest.approx(post.mean("mu"))


def test_alt_text_is_computed_from_the_fit(post, radon):
    ax, _ = plots.shrinkage_three_levels(post)
    text = plots.alt_text(ax)
    theta, move = post.mean("theta"), post.mean("theta") - radon.means
    j = int(np.argmax(np.abs(move)))
    assert f"county {radon.labels[j]} (n = {radon.n[j]}) moves most" in text
    assert f"from {_alt.number(radon.means[j], 2)} to {_alt.number(theta[j], 2)}" in text
    assert "The 7 states side by side (AZ, IN, MA, MN, MO, ND, and PA)" in text
    assert "421 county means" in text and "counties" in text and "countys" not in text
    own, psi = three_level.supergroup_own_estimate(post), post.mean("psi")
    k = int(np.argmax(np.abs(psi - own)))
    assert text.count(f"{radon.supergroup_labels[k]} (") == 1
    assert f"{radon.supergroup_labels[k]} ({np.bincount(radon.group_supergroup)[k]} counties) moves most" in text


def test_legend_names_and_colours(post):
    ax, _ = plots.shrinkage_three_levels(post)
    entries = _alt.legend_entries(ax.figure)
    assert [(e["label"], e["colour"]) for e in entries][:4] == [
        ("county data mean", "grey"), ("county estimate", "blue"), ("state's counties alone", "vermillion"),
        ("state estimate ($\\psi_k$)", "vermillion")]


def test_refuses_other_fits(model3):
    with pytest.raises(ValueError, match="shrinkage_three_levels: needs a fit of fit_three_level"):
        plots.shrinkage_three_levels(model3)
    with pytest.raises(ValueError, match="must be a teachkit Posterior"):
        plots.shrinkage_three_levels("not a fit")


def test_plural():
    assert [_alt.plural(w) for w in ("county", "school", "day", "state")] == ["counties", "schools", "days", "states"]


def test_omega_is_derived_like_sigma_and_tau(post):
    np.testing.assert_array_equal(post["omega"], np.sqrt(post["omega2"]))
    assert "omega" in post
