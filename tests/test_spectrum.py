"""teachkit.spectrum (the numbers behind the explorer) and the two figures built on it,
teachkit.plots.pooling_spectrum and teachkit.plots.shrinkage_explorer_view."""

import io
import math
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import teachkit as tk  # noqa: E402
from teachkit import exact, plots, spectrum  # noqa: E402
from teachkit.priors import InverseGamma, Normal, UniformSD  # noqa: E402


@pytest.fixture(scope="module")
def hierarchical(data):
    return tk.fit_hierarchical(data, draws=2000, warmup=500, chains=4, seed=3)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# ------------------------------------------------------------------ with_sample_size
@pytest.mark.parametrize("n", [1, 2, 3, 9, 10, 100, 200])
def test_with_sample_size_keeps_mean_and_sd(data, n):
    new = spectrum.with_sample_size(data, "5", n)
    assert new.n[4] == n and new.n_total == data.n_total - 9 + n
    assert math.isclose(new.means[4], data.means[4], abs_tol=1e-12)
    if n > 1:
        assert math.isclose(new.sds[4], data.sds[4], rel_tol=1e-12)
        assert math.isclose(new.ss[4], (n - 1) * data.sds[4] ** 2, rel_tol=1e-12)
    others = [j for j in range(data.J) if j != 4]
    np.testing.assert_array_equal(new.n[others], data.n[others])
    np.testing.assert_allclose(new.means[others], data.means[others], rtol=0, atol=1e-12)
    np.testing.assert_allclose(new.ss[others], data.ss[others], rtol=1e-12)
    assert new.labels == data.labels


def test_with_sample_size_at_the_observed_n_gives_the_same_posterior(data):
    """Only the sufficient statistics matter: rebuilt values, same exact posterior."""
    same = spectrum.with_sample_size(data, "5", int(data.n[4]))
    np.testing.assert_allclose(exact.hierarchical(same).mean("theta"), exact.hierarchical(data).mean("theta"),
                               rtol=0, atol=1e-9)


@pytest.mark.parametrize("bad", [0, -1, 2.5, "ten", True])
def test_with_sample_size_refuses_bad_n(data, bad):
    with pytest.raises(ValueError, match="sample size"):
        spectrum.with_sample_size(data, "5", bad)


def test_with_sample_size_refuses_unknown_group(data):
    with pytest.raises(ValueError, match="no school '12'"):
        spectrum.with_sample_size(data, "12", 10)
    assert spectrum.with_sample_size(data, 5, 10).n[4] == 10     # a number names the label "5"


# ------------------------------------------------------------------ shrinkage_estimates
def test_estimates_learned_are_exact_hierarchical(data):
    result = spectrum.shrinkage_estimates(data)
    ex = exact.hierarchical(data)
    assert result.tau is None and result.tau_mode == "learned"
    np.testing.assert_allclose(result.table["partial pooling"], ex.mean("theta"), atol=1e-12)
    np.testing.assert_allclose(result.table["weight"], ex.shrinkage_weight(), atol=1e-12)
    assert math.isclose(result.mu, ex.mean("mu"), abs_tol=1e-12)
    assert math.isclose(result.tau_median, math.sqrt(float(ex.quantile("tau2", 0.5))), rel_tol=1e-12)


def test_estimates_fixed_are_exact_given_tau(data):
    result = spectrum.shrinkage_estimates(data, tau=2.0)
    cond = exact.hierarchical_given_tau(data, 2.0)
    assert result.tau == 2.0 and result.tau_mode == "fixed" and result.tau_median is None
    np.testing.assert_allclose(result.table["partial pooling"], cond.mean("theta"), atol=1e-12)
    np.testing.assert_allclose(result.table[["95% low", "95% high"]].T,
                               cond.quantile("theta", [0.025, 0.975]), atol=1e-12)


@pytest.mark.parametrize("n", [1, 9, 60, 200])
@pytest.mark.parametrize("settings", [
    {}, {"tau2_prior": UniformSD(0.5)}, {"tau2_prior": InverseGamma(1, 10)},
    {"tau2_prior": InverseGamma(0.01, 0.01)}, {"mu_prior": Normal(0, 1)}, {"tau": 0.05}, {"tau": 3.0},
], ids=["lecture", "U(0,0.5)", "IG(1,10)", "IG(0.01,0.01)", "mu~N(0,1)", "tau=0.05", "tau=3"])
def test_fast_grid_within_a_hundredth_of_an_hour(data, n, settings):
    """The explorer's coarser grids stay within 0.01 h (0.01 in weight) of the default grids."""
    modified = spectrum.with_sample_size(data, "5", n)
    fast = spectrum.shrinkage_estimates(modified, fast=True, **settings).table
    fine = spectrum.shrinkage_estimates(modified, **settings).table
    cols = ["partial pooling", "95% low", "95% high", "weight"]
    assert np.abs(np.asarray(fast[cols]) - np.asarray(fine[cols])).max() < 0.01


def test_spectrum_ends(data):
    tau, means = spectrum.spectrum(data, [1e-4, 1e4])
    pooled = exact.complete_pooling(data, sigma2_prior=UniformSD(1000)).mean("theta")
    np.testing.assert_allclose(means[0], pooled, atol=0.01)
    np.testing.assert_allclose(means[1], data.means, atol=0.01)


# ------------------------------------------------------------------ pooling_spectrum
def lines_of(ax):
    return {line.get_gid(): line for line in ax.lines if (line.get_gid() or "").startswith("theta[")}


def test_pooling_spectrum_lines_run_from_complete_to_no_pooling(data):
    fig, axes = plots.pooling_spectrum(data)
    assert len(axes) == 1 and len(fig.axes) == 1
    lines = lines_of(axes[0])
    assert sorted(lines) == sorted(f"theta[{lab}]" for lab in data.labels)
    pooled = exact.complete_pooling(data, sigma2_prior=UniformSD(1000)).mean("theta")
    for j, lab in enumerate(data.labels):
        tau, mean = lines[f"theta[{lab}]"].get_data()
        assert tau[0] <= 0.01 and tau[-1] >= 1000
        assert abs(mean[0] - pooled) < 0.05           # τ → 0: every school at the pooled estimate
        assert abs(mean[-1] - data.means[j]) < 0.05   # τ → ∞: every school at its sample mean
    assert axes[0].get_xscale() == "log"
    five = lines["theta[5]"]
    assert five.get_linewidth() > max(line.get_linewidth() for gid, line in lines.items() if gid != "theta[5]")
    texts = " ".join(t.get_text() for t in axes[0].texts)
    assert "complete pooling" in texts and "no pooling" in texts


def test_pooling_spectrum_lines_are_exact(data):
    fig, axes = plots.pooling_spectrum(data)
    tau, mean5 = lines_of(axes[0])["theta[5]"].get_data()
    np.testing.assert_allclose(mean5, exact.hierarchical(data).conditional_theta_mean(tau)[:, 4], atol=1e-12)


def test_pooling_spectrum_with_a_posterior_shows_tau_beneath(data, hierarchical):
    fig, axes = plots.pooling_spectrum(data, hierarchical)
    assert len(axes) == 2
    top, bottom = axes
    assert bottom.get_shared_x_axes().joined(top, bottom)
    (density,) = [line for line in bottom.lines if line.get_gid() == "tau density"]
    tau, per_log = density.get_data()
    ex = exact.hierarchical(data)
    _, dens = ex.tau_density(tau)
    np.testing.assert_allclose(per_log, dens * tau * math.log(10), rtol=1e-12)
    # the area under the density of log10 τ is 1 (the whole posterior is on the axis)
    assert abs(np.trapezoid(per_log, np.log10(tau)) - 1) < 0.01
    draws = [p for p in bottom.patches if p.get_gid() == "tau draws"]
    assert len(draws) == 1
    median = [line for line in top.lines if line.get_gid() == "tau median"][0].get_xdata()[0]
    assert math.isclose(median, math.sqrt(float(ex.quantile("tau2", 0.5))), rel_tol=1e-9)


def test_pooling_spectrum_with_an_exact_posterior(data):
    ex = exact.hierarchical(data, tau2_prior=UniformSD(1.0))
    fig, axes = plots.pooling_spectrum(data, ex)
    median = [line for line in axes[0].lines if line.get_gid() == "tau median"][0].get_xdata()[0]
    assert median < 1.0


@pytest.mark.parametrize("with_posterior", [False, True])
def test_pooling_spectrum_renders_cleanly(data, hierarchical, with_posterior):
    before = dict(matplotlib.rcParams)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig, _ = plots.pooling_spectrum(data, hierarchical if with_posterior else None)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
    assert buffer.getvalue()[:4] == b"\x89PNG"
    assert tuple(fig.get_size_inches()) == (10.0, 5.5)
    assert dict(matplotlib.rcParams) == before


def test_pooling_spectrum_draws_into_given_axes(data, hierarchical):
    fig, (a, b) = plt.subplots(2, 1)
    _, axes = plots.pooling_spectrum(data, hierarchical, ax=[a, b])
    assert axes[0] is a and axes[1] is b
    with pytest.raises(ValueError, match="two matplotlib Axes"):
        plots.pooling_spectrum(data, hierarchical, ax=a)


def test_pooling_spectrum_refuses_bad_input(data, hierarchical):
    with pytest.raises(ValueError, match="GroupedData"):
        plots.pooling_spectrum([1, 2, 3])
    with pytest.raises(ValueError, match="hierarchical"):
        plots.pooling_spectrum(data, tk.fit_complete_pooling(data, draws=200, warmup=50, seed=1))
    with pytest.raises(ValueError, match="other data"):
        plots.pooling_spectrum(spectrum.with_sample_size(data, "5", 50), hierarchical)


# ------------------------------------------------------------------ shrinkage_explorer_view
def test_explorer_view_draws_the_table(data):
    result = spectrum.shrinkage_estimates(data, fast=True)
    table = result.table
    ax, arrows = plots.shrinkage_explorer_view(table, result.mu, "5", title="τ learned", unit=data.unit)
    assert len(arrows) == data.J
    for j, arrow in enumerate(arrows):
        assert arrow.xyann == (0.0, pytest.approx(table["sample mean"].iloc[j]))
        assert arrow.xy == (1.0, pytest.approx(table["partial pooling"].iloc[j]))
    (interval,) = [line for line in ax.lines if line.get_gid() == "interval"]
    np.testing.assert_allclose(interval.get_ydata(), table.loc["5", ["95% low", "95% high"]].astype(float))
    (weight,) = [t for t in ax.texts if t.get_gid() == "weight"]
    assert "0.63" in weight.get_text()
    assert "hours per week" in ax.get_ylabel()
    assert ax.get_title(loc="left") == "τ learned"


def test_explorer_view_cuts_an_interval_beyond_ylim(data):
    result = spectrum.shrinkage_estimates(spectrum.with_sample_size(data, "5", 1), fast=True)
    low, high = result.table.loc["5", ["95% low", "95% high"]].astype(float)
    ylim = (low + 0.5, high - 0.5)
    ax, _ = plots.shrinkage_explorer_view(result.table, result.mu, "5", ylim=ylim)
    assert ax.get_ylim() == ylim
    (interval,) = [line for line in ax.lines if line.get_gid() == "interval"]
    assert ylim[0] < min(interval.get_ydata()) and max(interval.get_ydata()) < ylim[1]
    assert {line.get_marker() for line in ax.lines if line.get_gid() is None} >= {"v", "^"}


def test_explorer_view_renders_cleanly(data):
    result = spectrum.shrinkage_estimates(data, fast=True)
    before = dict(matplotlib.rcParams)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax, _ = plots.shrinkage_explorer_view(result.table, result.mu, "5")
        ax.figure.savefig(io.BytesIO(), format="png")
    assert dict(matplotlib.rcParams) == before


def test_explorer_view_refuses_bad_input(data):
    result = spectrum.shrinkage_estimates(data, fast=True)
    with pytest.raises(ValueError, match="columns"):
        plots.shrinkage_explorer_view(result.table.drop(columns="weight"), result.mu)
    with pytest.raises(ValueError, match="highlight"):
        plots.shrinkage_explorer_view(result.table, result.mu, "12")
