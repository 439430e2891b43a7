"""Model 4's own figures: the posterior of ν0, and a new school beside the surveyed ones."""

from __future__ import annotations

import matplotlib
import numpy as np
from matplotlib.lines import Line2D

from teachkit import _alt, _style
from teachkit._style import LINE, model_colour, model_name, THICK, THIN
from teachkit.plots._annotate import _legend_above
from teachkit.plots._figure import _check_posterior, _single_axes, _styled
from teachkit.plots._labels import _group_label, _group_name, _unit, _with_unit, math_label

#: Quantiles drawn for each school: 95% interval, 50% interval, median.
NEW_SCHOOL_QUANTILES = (0.025, 0.25, 0.5, 0.75, 0.975)
#: Area (points²) of a median's dot in ``new_school``: its diameter, 5.5 pt, is narrower than the
#: 50% bar (THICK, 6 pt) is wide, and far shorter than the bar is long, so the bar stays in sight.
MEDIAN_AREA = 30.0


@_styled
def nu0_posterior(post, *, ax=None):
    """Posterior probabilities of ν0 (bars) against its prior (dashed steps), Model 4 only.

    ν0 is an integer, so this is a bar chart, not a density. The axis ends where both
    the posterior and the prior have put 99.9% of their mass.

    Returns
    -------
    (ax, {"posterior": BarContainer, "prior": Line2D})
    """
    _check_posterior(post)
    if "nu0" not in post.draws:
        raise ValueError(f"nu0_posterior needs a school variances posterior (Model 4, with ν0); "
                         f"this {post.model} posterior has {', '.join(post.names)}")
    fig, ax = _single_axes(ax)
    nu0 = post.flat("nu0").astype(int)
    prior = post.priors["nu0"]
    k = prior.support.astype(int)
    prior_p = prior.pmf(k)
    top = max(np.quantile(nu0, 0.999), k[np.searchsorted(np.cumsum(prior_p), 0.999)])
    shown = k[k <= top]
    post_p = np.bincount(nu0, minlength=shown.max() + 1)[shown] / nu0.size
    colour = model_colour(post.model)
    bars = ax.bar(shown, post_p, width=0.8, color=matplotlib.colors.to_rgba(colour, 0.6),
                  edgecolor=colour, linewidth=1.2, label=f"posterior ({model_name(post.model)})")
    (prior_line,) = ax.step(shown, prior_p[: shown.size], where="mid", color=_style.PRIOR_COLOUR,
                            ls="--", lw=2.5, gid="prior", label=f"prior {prior}")
    ax.set_xlabel(r"$\nu_0$ (how alike the school variances are: larger is more alike)")
    ax.set_ylabel("probability")
    ax.set_xlim(shown[0] - 0.6, shown[-1] + 0.6)
    ax.set_ylim(0, 1.15 * max(post_p.max(), prior_p.max()))
    ax.legend(loc="upper right")
    lo, hi = np.quantile(nu0, [0.025, 0.975])
    _alt.set_alt(ax, _nu0_alt(shown, post_p, prior, float(nu0.mean()), (lo, hi), model_name(post.model),
                              _group_name(post)))
    return ax, {"posterior": bars, "prior": prior_line}


def _nu0_alt(shown, post_p, prior, mean, interval, model, group) -> str:
    """Text for ``nu0_posterior``: where the prior and the posterior put their mass."""
    top = int(shown[int(np.argmax(post_p))])
    first = int(prior.support[0])
    return (f"Bar chart of the posterior probability of nu zero, how alike the {group} variances are, "
            f"under {model}, for nu zero from {int(shown[0])} to {int(shown[-1])}; dashed steps show its prior, "
            f"{prior}. The prior puts {float(prior.pmf(first)):.2f} on nu zero = {first}. The posterior is highest "
            f"at {top} ({float(post_p.max()):.2f}), with mean {mean:.1f} and 95% of it from "
            f"{int(interval[0])} to {int(interval[1])}.")


@_styled
def new_school(post, prediction, *, ax=None):
    """Each surveyed school's θ_j beside a new school's θ_new, and a new student's hours there.

    ``post``: a Model 3 or 4 posterior; ``prediction``: what
    :func:`teachkit.predict_new_school` returned for it. Each school gets its median
    (dot), 50% (thick) and 95% (thin) interval; the new school the same in a second
    colour, with the 95% interval of a new student's hours (ỹ) as a line beside
    it (dotted). The dashed horizontal line is the posterior mean of μ.

    Returns
    -------
    (ax, {"schools": LineCollection of 95% intervals, "new": Line2D (θ_new's 95% interval),
    "student": Line2D (ỹ's 95% interval), "mu": Line2D})
    """
    from matplotlib.collections import LineCollection

    _check_posterior(post)
    if not isinstance(prediction, dict) or not {"theta", "y"} <= set(prediction):
        raise ValueError("prediction must be the dict that teachkit.predict_new_school returns, "
                         f"with keys 'theta' and 'y'; got {type(prediction).__name__}")
    theta = post["theta"]
    J = theta.shape[2]
    q = np.quantile(theta.reshape(-1, J), NEW_SCHOOL_QUANTILES, axis=0)       # (5, J)
    q_new = np.quantile(np.ravel(prediction["theta"]), NEW_SCHOOL_QUANTILES)
    q_y = np.quantile(np.ravel(prediction["y"]), [0.025, 0.975])
    fig, ax = _single_axes(ax)
    colour, new_colour = model_colour(post.model), _style.OKABE_ITO["black"]   # both >= 3:1 on white
    x = np.arange(1, J + 1)
    x_new = J + 1.5
    mu = float(post.mean("mu"))
    mu_line = ax.axhline(mu, color=_style.NEUTRAL, ls="--", lw=LINE, zorder=0, gid="mu")
    outer = LineCollection([[(xi, lo), (xi, hi)] for xi, lo, hi in zip(x, q[0], q[4])],
                           colors=colour, linewidths=THIN, zorder=2)
    inner = LineCollection([[(xi, lo), (xi, hi)] for xi, lo, hi in zip(x, q[1], q[3])],
                           colors=colour, linewidths=THICK, zorder=3)
    ax.add_collection(outer)
    ax.add_collection(inner)
    # the median's dot is narrower than the 50% bar, so the bar shows above and below it
    ax.scatter(x, q[2], s=MEDIAN_AREA, color=colour, edgecolor="white", linewidth=1.2, zorder=4)
    (new95,) = ax.plot([x_new, x_new], [q_new[0], q_new[4]], color=new_colour, lw=THIN, zorder=2, gid="new")
    ax.plot([x_new, x_new], [q_new[1], q_new[3]], color=new_colour, lw=THICK, zorder=3, solid_capstyle="butt")
    ax.scatter([x_new], [q_new[2]], s=MEDIAN_AREA, color=new_colour, edgecolor="white", linewidth=1.2, zorder=4)
    (student,) = ax.plot([x_new + 0.45] * 2, q_y, color=new_colour, lw=LINE, ls=":", zorder=2,
                         gid="student")
    ax.axvline(J + 0.75, color=_style.LEADER, lw=1.0, zorder=0)   # surveyed | new
    ax.set_xticks([*x, x_new], [_group_label(post, j) for j in range(J)] + ["new"])
    ax.set_xlim(0.4, x_new + 0.9)
    ax.set_xlabel(_group_name(post))
    ax.set_ylabel(_with_unit(math_label("theta[j]"), _unit(post, "theta")))
    ax.grid(axis="y")
    dark = _style.NEUTRAL
    handles = [Line2D([], [], marker="o", ls="none", markersize=MEDIAN_AREA ** 0.5, color=dark,
                      markeredgecolor="white"),
               Line2D([], [], color=dark, lw=THICK), Line2D([], [], color=dark, lw=THIN),
               Line2D([], [], color=new_colour, lw=LINE, ls=":"), mu_line]
    labels = ["median", "50% interval", "95% interval", "a new student there (95%)",
              f"posterior mean of {math_label('mu')} = {mu:.2f}"]
    _legend_above(ax, handles, labels, ncols=3)
    _alt.set_alt(ax, _new_school_alt([_group_label(post, j) for j in range(J)], q, q_new, q_y, mu,
                                     _group_name(post), _unit(post, "theta")))
    return ax, {"schools": outer, "new": new95, "student": student, "mu": mu_line}


def _new_school_alt(labels, q, q_new, q_y, mu, group, unit) -> str:
    """Text for ``new_school``: the surveyed groups' range, the new group's interval, a new student's."""
    n = _alt.number
    d = _alt.decimals(np.concatenate([q[2], [q_new[2], mu]]))
    low, high = int(np.argmin(q[2])), int(np.argmax(q[2]))
    wide = int(np.argmax(q[4] - q[0]))
    return (f"Posterior medians with 50% and 95% intervals of the mean of each of {len(labels)} surveyed "
            f"{group}s, and at the right those of a new {group}. The surveyed medians run from "
            f"{n(q[2, low], d)} ({group} {labels[low]}) to {n(q[2, high], d)} ({group} {labels[high]}); "
            f"the widest 95% interval is {group} {labels[wide]}'s, {n(q[0, wide], d)} to {n(q[4, wide], d)}. "
            f"The new {group}: median {n(q_new[2], d)}, 95% interval {n(q_new[0], d)} to {n(q_new[4], d)}. "
            f"A new student there (dotted line): 95% interval {n(q_y[0], d)} to {n(q_y[1], d)}. "
            f"A dashed horizontal line marks the posterior mean of mu, {n(mu, d)}."
            + (f" Values are in {unit}." if unit else ""))
