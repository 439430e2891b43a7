"""The three-level model: GroupedData's second level and its bad input, fit_three_level
(same seed, same draws; agreement with exact.three_level within 4 MCSE), the exact
integration itself, and the radon data (data/make_radon.py, tk.load_radon)."""

import importlib.util
import io
import math
import zipfile
from pathlib import Path

import numpy as np
import pytest
from _agreement import assert_mean_agrees, assert_quantile_agrees

import teachkit as tk
from teachkit import exact
from teachkit.data import GroupedData
from teachkit.priors import InverseGamma, Normal, UniformSD

ROOT = Path(__file__).resolve().parents[1]


def simulate_three_level(*, mu, omega, tau, sigma, groups_per, sizes, seed):
    """Houses in counties in states with known parameters; counties labelled "k-j"."""
    rng = np.random.default_rng(seed)
    values, groups, supers = [], [], []
    for k, J_k in enumerate(groups_per):
        psi = mu + omega * rng.standard_normal()
        for j in range(J_k):
            theta = psi + tau * rng.standard_normal()
            n = int(rng.choice(sizes))
            values += list(theta + sigma * rng.standard_normal(n))
            groups += [f"{k + 1}-{j + 1}"] * n
            supers += [f"s{k + 1}"] * n
    return GroupedData.from_arrays(values, groups, supers, group_name="county", supergroup_name="state")


@pytest.fixture(scope="module")
def nested():
    """8 supergroups of 2-4 groups of 2-7 values: small enough for every check, and with
    8 supergroups E[ω⁴] is finite under the uniform prior (the posterior tail of ω falls like ω^−7)."""
    return simulate_three_level(mu=5, omega=1.5, tau=1, sigma=2, groups_per=[2, 3, 2, 4, 3, 2, 3, 2],
                                sizes=range(2, 8), seed=3)


# ------------------------------------------------------------------ GroupedData's second level
def test_second_level_codes_and_labels():
    d = GroupedData.from_arrays([1, 2, 3, 4, 5, 6], ["b", "b", "a", "c", "c", "d"], ["S2", "S2", "S1", "S2", "S2", "S1"])
    assert d.labels == ("a", "b", "c", "d") and d.supergroup_labels == ("S1", "S2")
    assert d.supergroups.tolist() == [1, 1, 0, 1, 1, 0]
    assert d.group_supergroup.tolist() == [0, 1, 1, 0]
    assert (d.J, d.K) == (4, 2)
    assert "in 2 supergroups" in repr(d)
    # a copy with new values in one group keeps the nesting
    d2 = d.with_group(1, [9.0, 9.5, 10.0])
    assert d2.group_supergroup.tolist() == [0, 1, 1, 0] and d2.n.tolist() == [1, 3, 2, 1]


def test_without_a_second_level_nothing_changes():
    d = GroupedData.from_arrays([1, 2, 3], ["x", "y", "y"])
    assert d.supergroups is None and d.supergroup_labels == () and d.group_supergroup is None and d.K == 0
    assert repr(d) == "GroupedData('value' by 'group': 3 observations in 2 groups)"


def test_from_csv_reads_the_second_level(tmp_path):
    f = tmp_path / "h.csv"
    f.write_text("y,county,state\n1.0,A,s1\n2.0,A,s1\n3.0,B,s2\n4.5,C,s2\n")
    d = GroupedData.from_csv(f, value="y", group="county", supergroup="state")
    assert d.supergroup_labels == ("s1", "s2") and d.group_supergroup.tolist() == [0, 1, 1]
    assert d.supergroup_name == "state"


@pytest.mark.parametrize("supers, message", [
    (["s1", "s1", "s2", "s2"], r"group 'a' is in two supergroups, 's1' \(values\[0\].*'s2' \(values\[2\]"),
    (["s1", "s1", "s1", "s1"], r"at least 2 supergroup labels.*have 1 \('s1'\)"),
    (["s1", None, "s2", "s2"], r"supergroups\[1\] is missing"),
    (["s1", " ", "s2", "s2"], r"supergroups\[1\] is missing"),
    (["s1", "s2"], r"values and supergroups have different lengths \(4 values, 2 supergroup labels\)"),
])
def test_bad_second_level_from_arrays(supers, message):
    with pytest.raises(ValueError, match=message):
        GroupedData.from_arrays([1.0, 2.0, 3.0, 4.0], ["a", "a", "a", "b"], supers)


def test_non_finite_values_with_a_second_level():
    with pytest.raises(ValueError, match=r"values\[1\]: 'inf' is infinite"):
        GroupedData.from_arrays([1.0, "inf", 3.0], ["a", "a", "b"], ["s1", "s1", "s2"])
    with pytest.raises(ValueError, match=r"values\[2\]: missing value \(NaN\)"):
        GroupedData.from_arrays([1.0, 2.0, math.nan], ["a", "a", "b"], ["s1", "s1", "s2"])


@pytest.mark.parametrize("body, message", [
    ("1,A,s1\n2,A,s2\n3,B,s2\n", r"county 'A' is in two states, 's1' \(values\[0\], data row 1\) and 's2'"),
    ("1,A,s1\n2,B,\n", r"h.csv, row 2 \(line 3\), column 'state': missing supergroup label"),
    ("1,A,s1\n2,B,s1\n", r"at least 2 state labels"),
    ("1,A,s1\nnan,B,s2\n", r"row 2 \(line 3\), column 'y': missing value"),
])
def test_bad_second_level_from_csv(tmp_path, body, message):
    f = tmp_path / "h.csv"
    f.write_text("y,county,state\n" + body)
    with pytest.raises(ValueError, match=message):
        GroupedData.from_csv(f, value="y", group="county", supergroup="state")


def test_from_csv_names_a_missing_supergroup_column(tmp_path):
    f = tmp_path / "h.csv"
    f.write_text("y,county\n1,A\n")
    with pytest.raises(ValueError, match=r"no column 'state' \(asked for as the supergroup column\)"):
        GroupedData.from_csv(f, value="y", group="county", supergroup="state")


# ------------------------------------------------------------------ the sampler
def test_shapes_labels_and_same_seed_same_draws(nested):
    a = tk.fit_three_level(nested, draws=50, warmup=10, chains=3, seed=7)
    b = tk.fit_three_level(nested, draws=50, warmup=10, chains=3, seed=7)
    c = tk.fit_three_level(nested, draws=50, warmup=10, chains=3, seed=8)
    assert a["theta"].shape == (3, 50, nested.J) and a["psi"].shape == (3, 50, nested.K)
    for name in ("mu", "sigma2", "tau2", "omega2"):
        assert a[name].shape == (3, 50)
    for name in a.names:
        np.testing.assert_array_equal(a[name], b[name])
        assert not np.array_equal(a[name], c[name])
    assert a["psi[s3]"].shape == (3, 50) and a["theta[2-3]"].shape == (3, 50)
    assert [label for label, _ in a.scalars("psi")] == [f"psi[s{k}]" for k in range(1, 9)]
    from teachkit.plots._labels import _scalars, math_label
    assert [math_label(label) for label, _ in _scalars(a, "psi")][:2] == [r"$\psi_{s1}$", r"$\psi_{s2}$"]


@pytest.mark.parametrize("kwargs, message", [
    (dict(omega2_prior=Normal(0, 1)), r"three_level: omega2_prior must be a teachkit.priors InverseGamma or UniformSD"),
    (dict(mu_prior=UniformSD(3)), r"three_level: mu_prior must be a teachkit.priors Normal"),
    (dict(draws=0), r"three_level: draws must be a positive integer"),
    (dict(seed=-1), r"three_level: seed must be a non-negative int"),
])
def test_sampler_bad_arguments(nested, kwargs, message):
    with pytest.raises(ValueError, match=message):
        tk.fit_three_level(nested, **kwargs)


def test_sampler_needs_a_second_level():
    with pytest.raises(ValueError, match=r"three_level: the data have no second level"):
        tk.fit_three_level(tk.load_homework())
    with pytest.raises(ValueError, match=r"three_level: data must be a teachkit.GroupedData"):
        tk.fit_three_level([1.0, 2.0])


PRIORS = {
    "uniform sd (the default)": {},
    "inverse-gamma": dict(sigma2_prior=InverseGamma(1, 4), tau2_prior=InverseGamma(1, 1), omega2_prior=InverseGamma(1, 2)),
}


@pytest.mark.parametrize("priors", PRIORS.values(), ids=PRIORS.keys())
def test_sampler_matches_exact(nested, priors):
    post = tk.fit_three_level(nested, draws=20_000, seed=5, **priors)
    ex = exact.three_level(nested, **priors)
    for name, J in (("theta", nested.J), ("psi", nested.K)):
        m = ex.mean(name)
        for j in range(J):
            assert_mean_agrees(post[name][:, :, j], m[j], f"{name}[{j}]")
    for name in ("mu", "sigma2", "tau2", "omega2"):
        assert_mean_agrees(post[name], ex.mean(name), name)
        for q in (0.05, 0.5, 0.95):
            assert_quantile_agrees(post[name], ex.quantile(name, q), q, f"{name} q={q}")
    for q in (0.05, 0.95):
        for j, value in enumerate(ex.quantile("psi", q)):
            assert_quantile_agrees(post["psi"][:, :, j], value, q, f"psi[{j}] q={q}")


def test_the_agreement_check_has_teeth(nested):
    """A sampler that pulls ψ_1 0.2 further from its groups (about a sixth of its posterior sd) is caught."""
    post = tk.fit_three_level(nested, draws=5_000, seed=5)
    ex = exact.three_level(nested)
    assert_mean_agrees(post["psi"][:, :, 0], ex.mean("psi")[0], "psi[0]")
    with pytest.raises(AssertionError, match="psi"):
        assert_mean_agrees(post["psi"][:, :, 0] - 0.2, ex.mean("psi")[0], "psi[0]")


# ------------------------------------------------------------------ the exact integration
def test_exact_grid_is_converged(nested):
    """A grid 1.25-1.5 times finer in every direction changes means and sds by less than 1e-4
    relative, quantiles by less than 1e-3 of the sd (the Monte Carlo error of a quantile from
    80,000 nearly independent draws is about 1e-2 of the sd)."""
    a = exact.three_level(nested)
    b = exact.three_level(nested, n_sigma=61, n_tau=101, n_omega=101)
    for name in ("theta", "psi", "mu", "sigma2", "tau2", "omega2"):
        np.testing.assert_allclose(a.mean(name), b.mean(name), rtol=1e-4, err_msg=name)
        np.testing.assert_allclose(a.sd(name), b.sd(name), rtol=1e-4, err_msg=name)
        if name == "theta":
            continue   # θ_j's quantiles come from the same mixtures as ψ_k's, and cost J root searches per grid
        np.testing.assert_allclose(a.quantile(name, [0.05, 0.5, 0.95]), b.quantile(name, [0.05, 0.5, 0.95]),
                                   atol=1e-3 * np.max(b.sd(name)), err_msg=name)


def test_exact_reduces_to_model_3_when_the_groups_are_alone():
    """With ω² fixed near 0 (a tight IG prior) and every supergroup's ψ_k pulled to μ, the
    three-level model is Model 3: E[θ_j] matches exact.hierarchical to 1e-3."""
    d2 = tk.load_homework()
    supers = ["a" if int(lab) <= 4 else "b" for lab in np.array(d2.labels)[d2.groups]]
    d3 = GroupedData.from_arrays(d2.values, np.array(d2.labels)[d2.groups], supers)
    three = exact.three_level(d3, omega2_prior=InverseGamma(1000, 1e-7))
    two = exact.hierarchical(d2)
    np.testing.assert_allclose(three.mean("theta"), two.mean("theta"), atol=1e-3)
    np.testing.assert_allclose(three.mean("tau2"), two.mean("tau2"), rtol=1e-3)


def test_exact_bad_input(nested):
    with pytest.raises(ValueError, match=r"exact.three_level: the data have no second level"):
        exact.three_level(tk.load_homework())
    with pytest.raises(ValueError, match=r"exact.three_level: tau2_prior must be"):
        exact.three_level(nested, tau2_prior=Normal(0, 1))
    with pytest.raises(ValueError, match=r"exact.three_level: n_omega must be an integer ≥ 21"):
        exact.three_level(nested, n_omega=5)
    with pytest.raises(ValueError, match=r"unknown parameter 'eta'"):
        exact.three_level(nested).mean("eta")


# ------------------------------------------------------------------ the radon data
def _make_radon():
    spec = importlib.util.spec_from_file_location("make_radon", ROOT / "data" / "make_radon.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_load_radon():
    d = tk.load_radon()
    assert (d.n_total, d.J, d.K) == (7855, 421, 7)
    assert d.supergroup_labels == ("AZ", "IN", "MA", "MN", "MO", "ND", "PA")
    for j, label in enumerate(d.labels):   # "MN: AITKIN" lies in MN
        assert label.split(": ")[0] == d.supergroup_labels[d.group_supergroup[j]], label
    assert np.all(np.isfinite(d.values)) and d.values.min() >= math.log(0.1) - 1e-6
    assert d.unit == "log pCi/L" and tk.datasets.path("radon.csv").is_file()


def test_make_radon_keeps_basements_of_states(tmp_path):
    """The script's rules on a made-up file: R5 (tribal lands) out, other floors out, rows without a
    county out, log(activity + 0.1), county named with its state; and the source's checksum is checked."""
    make = _make_radon()
    header = "idnum, state, state2, floor, activity, county\n"
    rows = ["1,MN,MN,0,     2.0,AITKIN              ", "2,MN,MN,1,     5.0,AITKIN", "3,R5,WI,0,3.0,MENOMINEE",
            "4,PA,PA,0,0.0,", "5,PA,PA,0,     0.0,ADAMS", "6,AZ,AZ,0,1.5,APACHE"]
    houses = [dict(zip([h.strip() for h in header.split(",")], (c.strip() for c in r.split(",")))) for r in rows]
    out = make.derived_rows(houses)
    assert out == [{"log_radon": f"{math.log(1.6):.6f}", "county": "AZ: APACHE", "state": "AZ"},
                   {"log_radon": f"{math.log(2.1):.6f}", "county": "MN: AITKIN", "state": "MN"},
                   {"log_radon": f"{math.log(0.1):.6f}", "county": "PA: ADAMS", "state": "PA"}]
    fake = tmp_path / "srrs2.dat.zip"
    with zipfile.ZipFile(fake, "w") as z:
        z.writestr("srrs2.dat", header + "\n".join(rows))
    with pytest.raises(SystemExit, match="expected 1134f173"):
        make.read_houses(fake)
