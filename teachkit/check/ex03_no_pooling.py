"""Checks of notebooks/exercises/ex03_no_pooling.ipynb (Model 2, no pooling)."""

from __future__ import annotations

import math

import numpy as np

from teachkit.check._answers import _array, _describe, _number, _present, _probability
from teachkit.check._reference import (
    _density_at, _exact2, _homework, _prob_greater_model2, _tol_mean, _tol_prob, _tol_quantile,
    ESS_ASSUMED, K_MCSE,
)
from teachkit.check._report import _g, _Off, _run


def school_statistics(n_j=..., means=..., sds=...) -> bool:
    """ex03, task 1: per school (in label order 1..8) its size, mean and sample sd (n − 1)."""
    return _run("size, mean and sd of each school", _school_statistics, n_j, means, sds)


def _school_statistics(report, n, means, sds):
    data = _homework()
    J = data.J
    by_school = [data.group_values(j) for j in range(J)]
    ref_n = np.array([v.size for v in by_school], dtype=float)
    ref_m = np.array([v.mean() for v in by_school])
    ref_s = np.array([v.std(ddof=1) for v in by_school])
    got_n, got_m, got_s = (_array(x, name, (J,)) for x, name in ((n, "n_j"), (means, "means"), (sds, "sds")))
    if np.array_equal(got_n, ref_n):
        report.good(f"sizes: {', '.join(str(int(v)) for v in ref_n)}")
    else:
        report.bad("sizes are not the number of students per school",
                   "Count per school: `np.bincount(data.groups)`, or the length of each group's values.")
    for label, got, ref, other, slip in (
            ("means", got_m, ref_m, None, ""),
            ("sds", got_s, ref_s, np.array([v.std(ddof=0) for v in by_school]),
             "np.std divides by n; the sample sd divides by n − 1: use `ddof=1`.")):
        if np.allclose(got, ref, rtol=1e-9):
            report.good(f"{label}: {', '.join(f'{v:.2f}' for v in ref)}")
        elif other is not None and np.allclose(got, other, rtol=1e-9):
            report.bad(f"{label} are off by a factor √((n−1)/n)", slip)
        elif np.allclose(np.sort(got), np.sort(ref), rtol=1e-9):
            report.bad(f"{label} are right but in the wrong order", "List the schools in order 1, 2, ..., 8.")
        else:
            wrong = int(np.flatnonzero(~np.isclose(got, ref, rtol=1e-9))[0])
            report.bad(f"{label}: school {data.labels[wrong]} is {_g(got[wrong])}, should be {_g(ref[wrong])}",
                       "Select a school's values with `data.values[data.groups == j]` (j from 0).")


def model2_theta_summary(theta_means=..., theta_intervals=...) -> bool:
    """ex03, task 2: posterior means of θ_1..θ_8 (shape (8,)) and central 95% intervals
    (shape (8, 2)) in Model 2 with the lecture's priors; against teachkit.exact."""
    return _run("θ_j in Model 2: means and 95% intervals", _model2_theta_summary, theta_means, theta_intervals)


def _model2_theta_summary(report, means, intervals):
    data = _homework()
    J = data.J
    got_m = _array(means, "theta_means", (J,))
    got_i = _array(intervals, "theta_intervals", (J, 2))
    if np.allclose(got_i, got_i[:, ::-1]) or np.any(got_i[:, 0] > got_i[:, 1]):
        raise _Off("each row of `theta_intervals` should be (lower, upper) with lower < upper",
                   "`post.interval('theta', 0.95)` gives that shape.")
    ex = _exact2()
    bad_m, bad_i = [], []
    for j in range(J):
        e = ex[j]
        if abs(got_m[j] - e.mean("theta")) > _tol_mean(e.sd("theta")):
            bad_m.append(j)
        for k, q in enumerate((0.025, 0.975)):
            xq = float(e.quantile("theta", q))
            if abs(got_i[j, k] - xq) > _tol_quantile(q, _density_at(e, "theta", xq)):
                bad_i.append((j, k, xq))
    if not bad_m:
        report.good("posterior means of all 8 schools")
    else:
        j = bad_m[0]
        report.bad(f"posterior mean of θ_{data.labels[j]}: yours {_g(got_m[j])}, "
                   f"reference {_g(ex[j].mean('theta'))} ({len(bad_m)} school(s) off)",
                   "Average the draws of each school: `post.mean('theta')` (one value per school).")
    if not bad_i:
        report.good("95% intervals of all 8 schools")
    else:
        j, k, xq = bad_i[0]
        side = "lower" if k == 0 else "upper"
        if np.allclose(got_i[:, 0], got_m - 1.96 * np.array([e.sd("theta") for e in ex]), atol=0.3):
            hint = "Use the 2.5% and 97.5% quantiles of the draws, not mean ± 1.96 sd."
        else:
            hint = "The central 95% interval runs from the 2.5% to the 97.5% quantile: `post.interval('theta', 0.95)`."
        report.bad(f"{side} end for θ_{data.labels[j]}: yours {_g(got_i[j, k])}, reference {_g(xq)}", hint)
    if not (bad_m or bad_i):
        report.note(f"(accepted within {int(K_MCSE)} Monte Carlo standard errors of "
                    f"{ESS_ASSUMED} effective draws; reference: teachkit.exact)")


def model2_school5_vs_6(overlap=..., prob=...) -> bool:
    """ex03, task 3: do the 95% intervals of θ_5 and θ_6 overlap in Model 2 (True/False),
    and P(θ_5 > θ_6 | y)."""
    return _run("school 5 against school 6 in Model 2", _model2_school5_vs_6, overlap, prob)


def _model2_school5_vs_6(report, overlap, prob):
    _present(overlap, "overlap")
    if not isinstance(overlap, (bool, np.bool_)):
        raise _Off(f"`overlap` should be True or False, got {_describe(overlap)}",
                   "Compare the ends: the intervals overlap when low5 < high6 and low6 < high5.")
    p = _probability(prob, "prob")
    ex = _exact2()
    lo5, hi5 = ex[4].quantile("theta", [0.025, 0.975])
    lo6, hi6 = ex[5].quantile("theta", [0.025, 0.975])
    ref_overlap = bool(lo5 < hi6 and lo6 < hi5)
    if bool(overlap) == ref_overlap:
        report.good(f"the intervals {'overlap' if ref_overlap else 'do not overlap'}")
    else:
        report.bad(f"overlap = {bool(overlap)}, but the intervals {'overlap' if ref_overlap else 'do not overlap'}",
                   "Print both intervals and compare their ends.")
    ref = _prob_greater_model2(4, 5)
    tol = _tol_prob(ref)
    if abs(p - ref) <= tol:
        report.good(f"P(θ_5 > θ_6 | y): yours {p:.3f}, reference {ref:.3f} (accepted ± {tol:.3f})")
    elif abs((1 - p) - ref) <= tol:
        report.bad(f"P(θ_5 > θ_6 | y): yours {p:.3f} is P(θ_5 < θ_6 | y)",
                   "Count the draws in which school 5's θ is the larger one.")
    else:
        report.bad(f"P(θ_5 > θ_6 | y): yours {p:.3f}, reference {ref:.3f} (accepted ± {tol:.3f})",
                   "Compare the draws pairwise, draw by draw: `np.mean(theta[:, 4] > theta[:, 5])`.")


def model2_weighted_average(avg_mean=..., avg_sd=...) -> bool:
    """ex03, task 4: posterior mean and sd of the student-weighted average
    Σ_j n_j θ_j / n in Model 2."""
    return _run("the weighted average of the θ_j in Model 2", _model2_weighted_average, avg_mean, avg_sd)


def _model2_weighted_average(report, mean, sd):
    data = _homework()
    m, s = _number(mean, "avg_mean"), _number(sd, "avg_sd", positive=True)
    ex = _exact2()
    w = data.n / data.n.sum()
    means = np.array([e.mean("theta") for e in ex])
    sds = np.array([e.sd("theta") for e in ex])
    ref_m, ref_s = float(w @ means), float(np.sqrt(np.sum(w**2 * sds**2)))
    tol_m, tol_s = _tol_mean(ref_s), K_MCSE * ref_s / math.sqrt(2 * ESS_ASSUMED)
    if abs(m - ref_m) <= tol_m:
        report.good(f"mean: yours {m:.3f}, reference {ref_m:.3f} (accepted ± {tol_m:.3f})")
    elif abs(m - means.mean()) <= tol_m:
        report.bad(f"mean: yours {m:.3f} is the plain average of the 8 θ_j",
                   "Weight each school by its number of students: Σ n_j θ_j / n.")
    else:
        report.bad(f"mean: yours {m:.3f}, reference {ref_m:.3f} (accepted ± {tol_m:.3f})",
                   "Compute Σ n_j θ_j / n in every draw, then average over draws.")
    if abs(s - ref_s) <= tol_s:
        report.good(f"sd: yours {s:.3f}, reference {ref_s:.3f} (accepted ± {tol_s:.3f})")
    elif abs(s - float(np.sqrt(np.mean(sds**2) / data.J))) <= tol_s:
        report.bad(f"sd: yours {s:.3f} is that of the plain average", "Weight by n_j.")
    else:
        report.bad(f"sd: yours {s:.3f}, reference {ref_s:.3f} (accepted ± {tol_s:.3f})",
                   "Take the sd of the weighted average's draws, one value per draw, not of the θ_j.")
