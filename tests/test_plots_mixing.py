"""Notebook 08's figures: what they draw, their alt text, and refusals of bad input."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import teachkit as tk  # noqa: E402
from teachkit.plots import mixing as plots_mixing  # noqa: E402


@pytest.fixture(scope="module")
def fits():
    data = tk.data.mixing_examples()["small tau"]
    return {m: tk.fit_hierarchical(data, draws=400, warmup=50, seed=9, method=m)
            for m in ("centred", "interweaving")}


def test_funnel_draws_the_draws_and_describes_them(fits):
    fig, axes = tk.plots.funnel(fits, school=3)
    assert axes.shape == (1, 2)
    for (label, post), ax in zip(fits.items(), axes[0]):
        path = [line for line in ax.lines if line.get_gid() == "path"][0]
        np.testing.assert_allclose(path.get_xdata(), 0.5 * np.log(post["tau2"][0, :plots_mixing.PATH_LENGTH]))
        np.testing.assert_allclose(path.get_ydata(),
                                   (post["theta"][0, :, 2] - post["mu"][0])[:plots_mixing.PATH_LENGTH])
        assert ax.get_title(loc="left") == label
    alt = tk.plots.alt_text(fig)
    assert alt.startswith("Draws of school 3's θ − μ against log τ")
    assert "centred:" in alt and "interweaving:" in alt
    plt.close(fig)


def test_tau_trace_draws_tau_of_chain_1(fits):
    fig, axes = tk.plots.tau_trace(fits, draws=100)
    assert axes.shape == (2, 1)
    np.testing.assert_allclose(axes[0, 0].lines[0].get_ydata(), np.sqrt(fits["centred"]["tau2"][0, :100]))
    alt = tk.plots.alt_text(axes[1, 0])
    per_draw = tk.diagnostics.ess_bulk(fits["interweaving"]["tau2"]) / fits["interweaving"]["tau2"].size
    assert "interweaving: τ from" in alt and f"{per_draw:.2f} effective draws" in alt
    plt.close(fig)


@pytest.mark.parametrize("call, message", [
    (lambda f: tk.plots.funnel({}), "non-empty dict"),
    (lambda f: tk.plots.funnel([f["centred"]]), "non-empty dict"),
    (lambda f: tk.plots.funnel({"x": "not a fit"}), r"fits\['x'\] must be a teachkit Posterior"),
    (lambda f: tk.plots.funnel(f, school=99), "school must be one of"),
    (lambda f: tk.plots.tau_trace(f, draws=1), "draws must be an integer"),
    (lambda f: tk.plots.funnel({"m1": tk.fit_complete_pooling(tk.load_homework(), draws=50, seed=1)}),
     "not a Model 3 fit"),
])
def test_bad_input_is_refused(fits, call, message):
    with pytest.raises(ValueError, match=message):
        call(fits)
