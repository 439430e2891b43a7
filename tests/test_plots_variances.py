"""Model 4's figures (teachkit.plots.variances): what they draw is the posterior's numbers."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import teachkit as tk  # noqa: E402


@pytest.fixture(scope="module")
def model4(data):
    return tk.fit_school_variances(data, draws=1500, seed=11, nu0_max=200)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_nu0_bars_are_the_posterior_frequencies_and_the_steps_the_prior(model4):
    ax, art = tk.plots.nu0_posterior(model4)
    nu0 = model4.flat("nu0").astype(int)
    for bar in art["posterior"]:
        k = int(round(bar.get_x() + bar.get_width() / 2))
        assert bar.get_height() == pytest.approx(np.mean(nu0 == k))
    x, y = art["prior"].get_data()
    np.testing.assert_allclose(y, model4.priors["nu0"].pmf(x))
    shown = sum(bar.get_height() for bar in art["posterior"])
    assert shown > 0.999  # the axis ends past 99.9% of the posterior
    assert "nu" in ax.get_xlabel()


def test_nu0_posterior_needs_model_4(data):
    post = tk.fit_hierarchical(data, draws=100, warmup=10, seed=1)
    with pytest.raises(ValueError, match="nu0_posterior needs a school variances posterior"):
        tk.plots.nu0_posterior(post)


def test_new_school_intervals_are_the_quantiles(model4):
    pred = tk.predict_new_school(model4, seed=3)
    ax, art = tk.plots.new_school(model4, pred)
    segments = art["schools"].get_segments()
    assert len(segments) == 8
    q = np.quantile(model4.flat("theta"), [0.025, 0.975], axis=0)
    for j, seg in enumerate(segments):
        np.testing.assert_allclose([seg[0][1], seg[1][1]], q[:, j])
    np.testing.assert_allclose(art["new"].get_ydata(), np.quantile(pred["theta"], [0.025, 0.975]))
    np.testing.assert_allclose(art["student"].get_ydata(), np.quantile(pred["y"], [0.025, 0.975]))
    assert art["mu"].get_ydata()[0] == pytest.approx(model4.mean("mu"))
    # the new school sits to the right of the surveyed ones, and is labelled
    assert art["new"].get_xdata()[0] > max(seg[0][0] for seg in segments)
    assert [t.get_text() for t in ax.get_xticklabels()][-1] == "new"


def test_new_school_works_for_model_3_and_checks_its_prediction(data):
    post = tk.fit_hierarchical(data, draws=500, seed=2)
    ax, art = tk.plots.new_school(post, tk.predict_new_school(post, seed=1))
    assert len(art["schools"].get_segments()) == 8
    with pytest.raises(ValueError, match="prediction must be the dict that teachkit.predict_new_school returns"):
        tk.plots.new_school(post, np.zeros(5))


def test_model_4_labels_and_colour(model4):
    assert tk.plots.math_label("sigma02") == r"$\sigma_0^2$"
    assert tk.plots.math_label("nu0") == r"$\nu_0$"
    ax, _ = tk.plots.prior_posterior(model4, "sigma02")
    assert r"\sigma_0^2" in ax.get_xlabel() and "²" in ax.get_xlabel()
    ax, series = tk.plots.caterpillar(model4, "sigma2", compare=tk.fit_no_pooling(model4.data, draws=300, seed=1))
    assert series[0]["label"] == "school variances" and len(series[0]["rows"]) == 8
    assert matplotlib.colors.to_hex(series[0]["median"].get_facecolor()[0]) == "#cc79a7"


def test_draw_into_given_axes(model4):
    fig, axes = plt.subplots(1, 2)
    ax, _ = tk.plots.nu0_posterior(model4, ax=axes[0])
    assert ax is axes[0]
    ax, _ = tk.plots.new_school(model4, tk.predict_new_school(model4, seed=1), ax=axes[1])
    assert ax is axes[1]
