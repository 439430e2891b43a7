"""The samplers' contract: shapes, reproducibility, refusals of bad input."""

import hashlib
import subprocess
import sys

import numpy as np
import pytest

import teachkit as tk
from teachkit.priors import InverseGamma, Normal, UniformSD

FITS = {
    "complete": tk.fit_complete_pooling,
    "none": tk.fit_no_pooling,
    "hier": tk.fit_hierarchical,
}


@pytest.mark.parametrize("name", FITS)
def test_shapes_and_names(data, name):
    post = FITS[name](data, draws=300, warmup=50, chains=3, seed=1)
    expected = {"complete": {"theta": (3, 300), "sigma2": (3, 300)},
                "none": {"theta": (3, 300, 8), "sigma2": (3, 300, 8)},
                "hier": {"theta": (3, 300, 8), "mu": (3, 300), "sigma2": (3, 300), "tau2": (3, 300)}}[name]
    assert {k: v.shape for k, v in post.draws.items()} == expected
    assert all(w.shape[1] == 50 for w in post.warmup_draws.values())
    for x in post.draws.values():
        assert np.all(np.isfinite(x))
    for k in ("sigma2", "tau2"):
        if k in post.draws:
            assert np.all(post.draws[k] > 0)


@pytest.mark.parametrize("name", FITS)
def test_same_seed_same_draws_different_seed_different(data, name):
    a = FITS[name](data, draws=200, warmup=20, seed=7)
    np.random.seed(123)  # global state must not matter
    np.random.standard_normal(10)
    b = FITS[name](data, draws=200, warmup=20, seed=7)
    c = FITS[name](data, draws=200, warmup=20, seed=8)
    for k in a.draws:
        np.testing.assert_array_equal(a.draws[k], b.draws[k])
        assert not np.array_equal(a.draws[k], c.draws[k])


def _digest(post):
    h = hashlib.sha256()
    for k in sorted(post.draws):
        h.update(np.ascontiguousarray(post.draws[k]).tobytes())
    return h.hexdigest()


def test_bit_identical_in_a_fresh_process(data):
    here = _digest(tk.fit_hierarchical(data, draws=300, warmup=30, seed=2024))
    code = (
        "import hashlib, numpy as np, teachkit as tk\n"
        "p = tk.fit_hierarchical(tk.load_homework(), draws=300, warmup=30, seed=2024)\n"
        "h = hashlib.sha256()\n"
        "for k in sorted(p.draws): h.update(np.ascontiguousarray(p.draws[k]).tobytes())\n"
        "print(h.hexdigest())\n"
    )
    there = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert there.stdout.strip() == here


def test_generator_is_accepted_and_consumed(data):
    rng = np.random.default_rng(5)
    a = tk.fit_complete_pooling(data, draws=100, warmup=10, seed=rng)
    b = tk.fit_complete_pooling(data, draws=100, warmup=10, seed=rng)
    assert not np.array_equal(a.draws["theta"], b.draws["theta"])


def test_chains_start_dispersed(data):
    post = tk.fit_hierarchical(data, draws=100, warmup=100, chains=4, seed=3)
    first_tau2 = post.warmup_draws["tau2"][:, 0]
    first_sigma2 = post.warmup_draws["sigma2"][:, 0]
    # starting points differ by chain (they are spread over two orders of magnitude)
    assert len(np.unique(np.round(first_sigma2, 6))) == 4
    assert first_tau2.max() / first_tau2.min() > 1.5


def test_summary_table(data):
    post = tk.fit_hierarchical(data, draws=1000, seed=1)
    table = post.summary()
    assert list(table.columns) == ["mean", "sd", "2.5%", "25%", "50%", "75%", "97.5%", "ess_bulk", "r_hat"]
    assert list(table.index) == [f"theta[{j}]" for j in range(1, 9)] + ["mu", "sigma2", "tau2"]
    np.testing.assert_allclose(table.loc["theta[5]", "mean"], post["theta"][:, :, 4].mean())
    np.testing.assert_allclose(table.loc["mu", "50%"], np.median(post["mu"]))
    assert (table["r_hat"] < 1.02).all()
    text = repr(table)
    assert "theta[5]" in text and "r_hat" in text


def test_interval_and_labels(data):
    post = tk.fit_no_pooling(data, draws=500, seed=1)
    iv = post.interval("theta", 0.95)
    assert iv.shape == (8, 2) and np.all(iv[:, 0] < iv[:, 1])
    iv5 = post.interval("theta[5]", 0.5)
    np.testing.assert_allclose(iv5, np.quantile(post["theta"][:, :, 4], [0.25, 0.75]))
    with pytest.raises(KeyError, match="no group labelled '9'"):
        post["theta[9]"]
    with pytest.raises(KeyError, match="'tau2' is not a parameter"):
        post["tau2"]
    with pytest.raises(ValueError, match="prob must be between 0 and 1"):
        post.interval("theta", 95)


def test_repr(data):
    post = tk.fit_hierarchical(data, draws=200, warmup=10, chains=2, seed=1)
    text = repr(post)
    assert "hierarchical" in text and "2 chains × 200 draws" in text
    assert "sd ~ U(0, 1000)" in text and "theta[8]" in text


def test_to_inference_data(data):
    az = pytest.importorskip("arviz")
    post = tk.fit_hierarchical(data, draws=200, warmup=10, chains=2, seed=1)
    idata = post.to_inference_data()
    assert idata.posterior["theta"].shape == (2, 200, 8)
    np.testing.assert_array_equal(idata.posterior["mu"].values, post["mu"])
    assert az.rhat(idata)["mu"].values < 1.1


def test_hoff_priors_run(data):
    post = tk.fit_hierarchical(data, draws=500, seed=1, mu_prior=Normal(7, 5),
                               tau2_prior=InverseGamma.hoff(2, 10), sigma2_prior=InverseGamma.hoff(2, 15))
    assert str(post.priors["tau2"]) == "IG(1, 10)"
    assert np.all(np.isfinite(post["R"])) and np.all((post["R"] > 0) & (post["R"] < 1))


def test_a_single_student_group_is_fine_for_model_3_but_refused_by_model_2():
    rng = np.random.default_rng(0)
    values = np.concatenate([rng.normal(5, 2, 10), rng.normal(7, 2, 10), [12.0]])
    groups = ["a"] * 10 + ["b"] * 10 + ["c"]
    data = tk.GroupedData.from_arrays(values, groups)
    post = tk.fit_hierarchical(data, draws=300, seed=1)
    assert np.all(np.isfinite(post["theta"]))
    with pytest.raises(ValueError, match="group c has 1 observation.*fit_hierarchical"):
        tk.fit_no_pooling(data)


def test_tight_uniform_bound_is_respected(data):
    post = tk.fit_hierarchical(data, draws=500, seed=1, tau2_prior=UniformSD(0.5))
    assert post["tau2"].max() < 0.25
    post = tk.fit_complete_pooling(data, draws=200, seed=1, sigma2_prior=UniformSD(0.01))
    assert np.all(np.isfinite(post["sigma2"])) and post["sigma2"].max() < 1e-4


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("make_prior, message", [
    (lambda: Normal(0, 0), r"Normal: var \(the variance\) must be positive"),
    (lambda: Normal(0, -1), r"Normal: var \(the variance\) must be positive"),
    (lambda: Normal(float("nan"), 1), r"Normal: mean must be finite"),
    (lambda: InverseGamma(0, 1), r"InverseGamma: shape must be positive"),
    (lambda: InverseGamma(1, -2), r"InverseGamma: scale must be positive"),
    (lambda: UniformSD(0), r"UniformSD: upper \(the bound on the sd\) must be positive"),
    (lambda: UniformSD("big"), r"UniformSD: upper \(the bound on the sd\) must be a positive number"),
])
def test_bad_priors(make_prior, message):
    with pytest.raises(ValueError, match=message):
        make_prior()


@pytest.mark.parametrize("name", FITS)
@pytest.mark.parametrize("kwargs, message", [
    ({"draws": 0}, "draws must be a positive integer, got 0"),
    ({"draws": 10.5}, "draws must be a positive integer, got 10.5"),
    ({"warmup": -1}, "warmup must be a non-negative integer, got -1"),
    ({"chains": 0}, "chains must be a positive integer, got 0"),
    ({"chains": True}, "chains must be a positive integer, got True"),
    ({"seed": "abc"}, "seed must be a non-negative int or a numpy.random.Generator, got 'abc'"),
    ({"seed": 1.5}, "seed must be a non-negative int or a numpy.random.Generator"),
])
def test_bad_sampler_arguments(data, name, kwargs, message):
    with pytest.raises(ValueError, match=message):
        FITS[name](data, **kwargs)


@pytest.mark.parametrize("name", FITS)
def test_data_must_be_grouped_data(name):
    with pytest.raises(ValueError, match="data must be a teachkit.GroupedData"):
        FITS[name]([1.0, 2.0, 3.0])


@pytest.mark.parametrize("name", FITS)
def test_identical_values_refused(name):
    data = tk.GroupedData.from_arrays([3.0] * 6, ["a", "a", "a", "b", "b", "b"])
    with pytest.raises(ValueError, match="all 6 values are identical"):
        FITS[name](data)


def test_wrong_prior_kind(data):
    with pytest.raises(ValueError, match="tau2_prior must be a teachkit.priors InverseGamma or UniformSD"):
        tk.fit_hierarchical(data, tau2_prior=Normal(0, 1))
    with pytest.raises(ValueError, match="theta_prior must be a teachkit.priors Normal"):
        tk.fit_complete_pooling(data, theta_prior=UniformSD(3))


def test_model_3_needs_two_groups():
    data = tk.GroupedData.from_arrays([1.0, 2.0, 4.0], ["a", "a", "a"])
    with pytest.raises(ValueError, match="needs at least 2 groups"):
        tk.fit_hierarchical(data)


def test_import_is_light():
    code = "import sys, teachkit; print(sorted(m for m in ('scipy', 'pandas', 'matplotlib') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
