"""Three levels: counties pulled toward their state, and states toward the overall mean μ, in one figure."""

from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D

from teachkit import _alt, _style
from teachkit._style import LINE
from teachkit.plots._annotate import _legend_above
from teachkit.plots._figure import _check_posterior, _single_axes, _styled
from teachkit.models.three_level import supergroup_own_estimate
from teachkit.plots._labels import _unit, _with_unit

#: Horizontal distance from a supergroup's centre to its two columns (data left, estimates right).
HALF_WIDTH = 0.27

#: Colours: a group's data mean (grey, 3.95:1 on white), its estimate (partial pooling's blue),
#: a supergroup's two estimates (vermillion, 3.87:1).
DATA_COLOUR = _style.ARROW
GROUP_COLOUR = _style.MODEL_COLOURS["partial pooling"]
SUPER_COLOUR = _style.OKABE_ITO["vermillion"]


@_styled
def shrinkage_three_levels(post, *, ax=None):
    """Both pulls of a three-level fit (``fit_three_level``), one column pair per supergroup.

    In each supergroup (a state), the left column holds its groups' (counties') data means
    ȳ_j as grey circles, the right column their posterior means as blue dots, and a thin
    line joins each pair: every county moves toward its state. The state itself is a pair of
    vermillion diamonds: open on the left at what its counties alone say about its mean
    (:func:`teachkit.models.three_level.supergroup_own_estimate`), filled on the right at the
    posterior mean of ψ_k, a thick line between them: the state's pull toward the overall mean μ, the dashed line.

    Returns
    -------
    (ax, states) : ``states[k]`` is supergroup k's Line2D from (left, own estimate) to
        (right, posterior mean of ψ_k). The groups' markers are the PathCollections with gid
        "data" and "estimate"; the μ line has gid "mu".
    """
    _check_posterior(post)
    if post.model != "three_level" or post.data is None:
        raise ValueError(f"shrinkage_three_levels: needs a fit of fit_three_level with its data; "
                         f"got a {post.model} posterior")
    data = post.data
    fig, ax = _single_axes(ax)
    sup, K = data.group_supergroup, data.K
    ybar, theta = data.means, post.mean("theta")
    own, psi, mu = supergroup_own_estimate(post), post.mean("psi"), float(post.mean("mu"))
    # spread the groups of a supergroup a little sideways, by size, so pairs are told apart
    rank = np.empty(data.J)
    for k in range(K):
        idx = np.flatnonzero(sup == k)
        rank[idx] = np.argsort(np.argsort(data.n[idx], kind="stable"), kind="stable") / max(idx.size - 1, 1)
    left = sup - HALF_WIDTH + 0.06 * (rank - 0.5)
    right = sup + HALF_WIDTH + 0.06 * (rank - 0.5)

    ax.axhline(mu, color=_style.NEUTRAL, ls="--", lw=LINE, zorder=1, gid="mu")
    segments = np.stack([np.column_stack([left, ybar]), np.column_stack([right, theta])], axis=1)
    pairs = ax.add_collection(LineCollection(segments, colors=_style.LEADER, linewidths=0.6, alpha=0.5, zorder=2))
    pairs._teachkit_carried_by = ("data", "estimate")      # faint: the two markers it joins carry the values
    ax.scatter(left, ybar, s=14, facecolor="none", edgecolor=DATA_COLOUR, linewidth=0.9, zorder=3, gid="data")
    ax.scatter(right, theta, s=14, color=GROUP_COLOUR, linewidth=0, zorder=3, gid="estimate")
    states = []
    for k in range(K):
        line, = ax.plot([k - HALF_WIDTH, k + HALF_WIDTH], [own[k], psi[k]], color=SUPER_COLOUR, lw=3,
                        zorder=4, gid=f"supergroup {data.supergroup_labels[k]}")
        ax.plot([k - HALF_WIDTH], [own[k]], marker="D", ms=11, mfc="white", mec=SUPER_COLOUR, mew=2.5, zorder=5)
        ax.plot([k + HALF_WIDTH], [psi[k]], marker="D", ms=11, color=SUPER_COLOUR, mec="white", mew=1.2, zorder=5)
        states.append(line)

    J_k = np.bincount(sup, minlength=K)
    ax.set_xticks(range(K), [f"{lab}\n{J_k[k]}" for k, lab in enumerate(data.supergroup_labels)])
    ax.set_xlim(-0.6, K - 0.4)
    g, s, gs = data.group_name, data.supergroup_name, _alt.plural(data.group_name)
    ax.set_xlabel(f"{s} and its number of {gs}; in each, "
                  "the data (left) and the estimates (right)")
    ax.set_ylabel(_with_unit(data.value_name.replace("_", " "), _unit(post, "theta")))
    ax.tick_params(axis="x", length=0)
    handles = [Line2D([], [], marker="o", ls="none", color=DATA_COLOUR, mfc="none", mec=DATA_COLOUR, mew=1.2, ms=7),
               Line2D([], [], marker="o", ls="none", color=GROUP_COLOUR, ms=7),
               Line2D([], [], marker="D", ls="none", color=SUPER_COLOUR, mfc="white", mec=SUPER_COLOUR, mew=2.5, ms=9),
               Line2D([], [], marker="D", ls="none", color=SUPER_COLOUR, ms=9),
               Line2D([], [], color=_style.NEUTRAL, ls="--", lw=LINE)]
    labels = [f"{g} data mean", f"{g} estimate", f"{s}'s {gs} alone", f"{s} estimate ($\\psi_k$)",
              f"$\\mu$ = {mu:.2f}"]
    _legend_above(ax, handles, labels, ncols=3)
    _alt.set_alt(ax, _alt.shrinkage_three_levels(
        list(data.labels), data.n, list(data.supergroup_labels), sup, ybar, theta, own, psi, mu,
        group=g, supergroup=s, unit=_unit(post, "theta")))
    return ax, states
