"""Text alternatives for teachkit's figures, and the display hook that carries them.

Every public plot describes what it draws in words (its *alt text*), so that a
student with a screen reader reads the same figure as everyone else: not the
title again, but what the figure shows ("School 5 (n = 9) moves most, from 12.0
to 10.4 ..."). The describers here are pure functions of the numbers a plot has
already computed; each plot calls its describer and stores the text with
:func:`set_alt` on its figure (matplotlib 3.11 has no alt text of its own); read
it back with :func:`get_alt`.

:func:`install_formatter` makes IPython show such a figure with the text as
output metadata, ``{"image/png": {"alt": ...}}``: the convention nbconvert reads
for its HTML export and for our slides. Figures without alt text are shown as
before.
"""

from __future__ import annotations

import math

import numpy as np

# =============================================================== numbers and names
_SPOKEN = {"mu": "mu", "sigma": "sigma", "tau": "tau", "sigma2": "sigma squared",
           "tau2": "tau squared", "R": "R", "theta": "theta", "sigma02": "sigma zero squared",
           "nu0": "nu zero"}


def decimals(values, *, digits=2, most=4) -> int:
    """How many decimals show ``values`` sensibly: about ``digits`` significant digits of their
    spread (8.1 vs 12.0 -> 1 decimal; 0.41 vs 0.78 -> 2; 130 vs 250 -> 0)."""
    x = np.asarray(values, dtype=float).ravel()
    x = x[np.isfinite(x)]
    if x.size == 0:
        return 1
    spread = float(x.max() - x.min())
    if spread <= 0:
        spread = abs(float(x.max())) or 1.0
    return int(min(most, max(0, digits - 1 - math.floor(math.log10(spread)))))


def number(x, d) -> str:
    """``x`` rounded to ``d`` decimals, with a real minus sign and no '-0.0'."""
    x = float(x)
    text = f"{x:.{d}f}"
    if float(text) == 0 and x != 0 and math.isfinite(x):   # 0.04 is not 0
        text = f"{x:.1g}"
    if float(text) == 0:
        text = text.lstrip("-")
    return text.replace("-", "−")


def _split(name):
    if name.endswith("]") and "[" in name:
        base, group = name[:-1].split("[", 1)
        return base, group
    return name, None


def spoken(name, group="group") -> str:
    """A parameter name as a screen reader should say it: 'theta[5]' -> 'theta of school 5',
    'tau2' -> 'tau squared'."""
    base, label = _split(name)
    word = _SPOKEN.get(base, base)
    return word if label is None else f"{word} of {group} {label}"


def spoken_list(names, group="group") -> str:
    """Names of the rows of a figure, vector parameters gathered:
    ['theta[1]', ..., 'theta[8]', 'sigma2'] -> 'theta of schools 1 to 8, and sigma squared'."""
    parts, i = [], 0
    names = list(names)
    while i < len(names):
        base, label = _split(names[i])
        if label is None:
            parts.append(spoken(names[i], group))
            i += 1
            continue
        labels = [label]
        while i + len(labels) < len(names) and _split(names[i + len(labels)])[0] == base \
                and _split(names[i + len(labels)])[1] is not None:
            labels.append(_split(names[i + len(labels)])[1])
        word = _SPOKEN.get(base, base)
        if len(labels) == 1:
            parts.append(f"{word} of {group} {labels[0]}")
        elif len(labels) > 2 and _consecutive(labels):
            parts.append(f"{word} of {group}s {labels[0]} to {labels[-1]}")
        else:
            parts.append(f"{word} of {group}s {_and(labels)}")
        i += len(labels)
    return _and(parts)


def _consecutive(labels) -> bool:
    try:
        numbers = [int(lab) for lab in labels]
    except ValueError:
        return False
    return numbers == list(range(numbers[0], numbers[0] + len(numbers)))


def _and(items) -> str:
    items = [str(it) for it in items]
    if len(items) <= 1:
        return "".join(items)
    if len(items) == 2:
        return f"{items[0]} and {items[1]}"
    return ", ".join(items[:-1]) + ", and " + items[-1]


def _in_unit(unit) -> str:
    return f" Values are in {unit}." if unit else ""


def _count(k, word) -> str:
    return f"{k:,} {word if k == 1 else plural(word)}"


def _capital(text) -> str:
    return text[:1].upper() + text[1:]


# =============================================================== the describers
def data_overview(labels, n, means, sds, overall, *, group="group", value="value", unit="") -> str:
    """Text for ``plots.data_overview``: group means (range and where), overall mean, largest sd.

    The spread is told by the standard deviations, not by each group's lowest and highest
    value: a summary the data's publisher gives (the homework data are rebuilt from n, mean
    and sd, so their single values, and with them the boxes and the ranges, are invented)."""
    means, n, sds = np.asarray(means, float), np.asarray(n, int), np.asarray(sds, float)
    d = decimals(np.concatenate([means, [overall]]))
    lo, hi = int(np.argmin(means)), int(np.argmax(means))
    wide = int(np.argmax(sds))
    return (
        f"All {n.sum():,} observations of {value} as dots, in {len(n)} columns, one per {group}, "
        f"each column with a box around its middle half and a diamond at the {group}'s mean. "
        f"The {group} means run from {number(means[lo], d)} ({group} {labels[lo]}, n = {n[lo]}) to "
        f"{number(means[hi], d)} ({group} {labels[hi]}, n = {n[hi]}); the mean of all "
        f"{n.sum():,} is {number(overall, d)} (dashed line). "
        f"The largest standard deviation is {group} {labels[wide]}'s, {number(sds[wide], 2)}.{_in_unit(unit)}"
    )


def mean_vs_size(labels, n, means, overall, *, group="group", unit="") -> str:
    """Text for ``plots.mean_vs_size``: the points, and whether the most extreme means come from small groups."""
    means, n = np.asarray(means, float), np.asarray(n, int)
    d = decimals(np.concatenate([means, [overall]]))
    far = np.argsort(-np.abs(means - overall), kind="stable")[: min(2, len(n))]
    median_n = float(np.median(n))
    text = (f"Scatter plot of each {group}'s sample mean (vertical axis) against its number of "
            f"observations n (horizontal axis): {len(n)} points with n from {n.min()} to {n.max()}; "
            f"a dashed line marks the mean of all observations, {number(overall, d)}. ")
    extremes = _and(f"{group} {labels[j]} (n = {n[j]}, mean {number(means[j], d)})" for j in far)
    if all(n[j] < median_n for j in far):
        text += (f"The means furthest from it belong to small {group}s: {extremes}, "
                 f"both below the median size of {median_n:g}.")
    else:
        text += f"The means furthest from it are those of {extremes}; the median size is {median_n:g}."
    if len(n) <= 12:
        text += " Points: " + "; ".join(f"{group} {labels[j]}: n = {n[j]}, mean {number(means[j], d)}"
                                       for j in range(len(n))) + "."
    return text + _in_unit(unit)


def trace(rows, rhats, *, nwarmup_shown=0, group="group") -> str:
    """Text for ``plots.trace``: which parameters, how many chains and draws, and whether the
    chains agree (their R-hat), with each parameter's central 95% when there are few rows.

    ``rows``: [(name, draws shaped (chains, draws))]; ``rhats``: one R-hat per row (NaN if unknown).
    """
    names = [name for name, _ in rows]
    nchains, ndraws = rows[0][1].shape
    warm = (f" after {nwarmup_shown:,} warm-up sweeps, which are drawn too, at negative iterations"
            if nwarmup_shown else "")
    text = (f"Trace plots of {spoken_list(names, group)}: {_count(nchains, 'chain')} of "
            f"{ndraws:,} draws each{warm}, with each chain's density on the left and its draws by "
            "iteration on the right, one row per parameter. ")
    rhats = np.asarray(rhats, float)
    known = np.isfinite(rhats)
    if nchains < 2 or not known.any():
        text += "With one chain there is no other chain to agree with."
    else:
        worst = int(np.nanargmax(rhats))
        bad = [names[i] for i in range(len(names)) if known[i] and rhats[i] >= 1.01]
        if not bad:
            text += (f"The chains agree: they overlap, and R-hat is at most {rhats[worst]:.2f} "
                     f"(for {spoken(names[worst], group)}).")
        else:
            text += (f"The chains disagree for {spoken_list(bad, group)} (R-hat up to "
                     f"{rhats[worst]:.2f}): they have not converged to the same distribution.")
    if len(rows) <= 4:
        parts = []
        for name, x in rows:
            lo, hi = np.quantile(x, [0.025, 0.975])
            d = decimals([lo, hi])
            parts.append(f"{spoken(name, group)} {number(lo, d)} to {number(hi, d)}")
        text += " Central 95% of the draws: " + "; ".join(parts) + "."
    return text


def autocorrelation(rows, rho, *, group="group", threshold=0.1) -> str:
    """Text for ``plots.autocorrelation``: by which lag the draws are nearly independent.

    ``rows``: the names; ``rho``: one array (chains, lags) per row, lag 0 first.
    """
    names = list(rows)
    max_lag = rho[0].shape[1] - 1
    nchains = rho[0].shape[0]
    first = []  # first lag where every chain is below the threshold, or None
    for r in rho:
        below = np.flatnonzero(np.all(np.abs(r) < threshold, axis=0))
        first.append(int(below[0]) if below.size else None)
    text = (f"Autocorrelation of the draws of {spoken_list(names, group)} at lags 0 to {max_lag}, "
            f"one line per chain ({_count(nchains, 'chain')}), one panel per parameter. ")
    never = [names[i] for i, f in enumerate(first) if f is None]
    if never:
        at_end = max(float(np.max(np.abs(rho[i][:, -1]))) for i, f in enumerate(first) if f is None)
        text += (f"For {spoken_list(never, group)} it stays above {threshold:g} up to lag {max_lag} "
                 f"(still {at_end:.2f} there): successive draws carry little new information.")
        return text
    slowest = int(np.argmax(first))
    if first[slowest] <= 2:
        text += (f"Every line falls below {threshold:g} by lag {first[slowest]}: "
                 "the draws are nearly independent.")
    else:
        text += (f"Every line falls below {threshold:g} by lag {first[slowest]}, the slowest being "
                 f"{spoken(names[slowest], group)}; the fastest falls below it at lag {min(first)}.")
    return text


def boxplots(labels, q, *, name="theta", model="", group="group", unit="", ref=None) -> str:
    """Text for ``plots.boxplots``: range of the medians, the widest 95% interval.

    ``q``: quantiles (2.5%, 25%, 50%, 75%, 97.5%) shaped (5, groups); ``ref``: (value, words) or None.
    """
    q = np.asarray(q, float)
    d = decimals(q[2])
    lo, hi = int(np.argmin(q[2])), int(np.argmax(q[2]))
    wide = int(np.argmax(q[4] - q[0]))
    under = f" under {model}" if model else ""
    text = (f"Posterior of {spoken(name, group)} for each of {len(labels)} {group}s{under}, one box per "
            f"{group}: the box spans the 50% interval, the whiskers the 95% interval. "
            f"The medians run from {number(q[2, lo], d)} ({group} {labels[lo]}) to "
            f"{number(q[2, hi], d)} ({group} {labels[hi]}); the widest 95% interval is "
            f"{group} {labels[wide]}'s, {number(q[0, wide], d)} to {number(q[4, wide], d)}.")
    if ref is not None:
        text += f" A dashed line marks the {ref[1]}, {number(ref[0], d)}."
    return text + _in_unit(unit)


def _row_name(name, group):
    base, label = _split(name)
    return f"{group} {label}" if base == "theta" and label is not None else spoken(name, group)


def caterpillar(series, *, group="group", unit="", ref=None) -> str:
    """Text for ``plots.caterpillar``.

    ``series``: one (label, rows, quantiles shaped (rows, 5)) per posterior, the first
    being ``post``; ``ref``: (value, words) or None. With one posterior every row is
    read out (median and 95% interval); with two, what changes from the first to the second.
    """
    label, rows, q = series[0]
    q = np.asarray(q, float)
    d = decimals(q[:, 2] if len(rows) > 1 else q[:, [0, 4]])
    if len(series) == 1:
        text = (f"Posterior medians with 50% and 95% intervals under {label}, one row each for "
                f"{spoken_list(rows, group)}. ")
        if len(rows) <= 12:
            text += _capital("; ".join(
                f"{_row_name(r, group)}: {number(q[i, 2], d)} (95% {number(q[i, 0], d)} to "
                f"{number(q[i, 4], d)})" for i, r in enumerate(rows))) + "."
        else:
            lo, hi = int(np.argmin(q[:, 2])), int(np.argmax(q[:, 2]))
            text += (f"Medians run from {number(q[lo, 2], d)} ({_row_name(rows[lo], group)}) to "
                     f"{number(q[hi, 2], d)} ({_row_name(rows[hi], group)}).")
    else:
        label2, rows2, q2 = series[1]
        q2 = np.asarray(q2, float)
        d = decimals(np.concatenate([q[:, 2], q2[:, 2]]))
        shared = [r for r in rows if r in rows2]
        text = (f"{_capital(label)} and {label2} side by side, medians with 50% and 95% intervals, "
                f"one row each for {spoken_list(sorted(set(rows) | set(rows2), key=(rows + rows2).index), group)}. ")
        if shared:
            a = np.array([q[rows.index(r)] for r in shared])
            b = np.array([q2[rows2.index(r)] for r in shared])
            narrower = int(np.sum(b[:, 4] - b[:, 0] < a[:, 4] - a[:, 0]))
            text += (f"The 95% intervals of {label2} are narrower than those of {label} for "
                     f"{narrower} of {len(shared)} rows. ")
            if ref is not None:
                closer = int(np.sum(np.abs(b[:, 2] - ref[0]) < np.abs(a[:, 2] - ref[0])))
                text += f"Its medians lie closer to the {ref[1]} ({number(ref[0], d)}) for {closer} of {len(shared)}. "
            k = int(np.argmax(np.abs(b[:, 2] - a[:, 2])))
            text += (f"{_capital(_row_name(shared[k], group))} changes most: {number(a[k, 2], d)} "
                     f"(95% {number(a[k, 0], d)} to {number(a[k, 4], d)}) under {label}, "
                     f"{number(b[k, 2], d)} ({number(b[k, 0], d)} to {number(b[k, 4], d)}) under {label2}.")
        ref = None if shared else ref
        text = text.rstrip()
    if ref is not None:
        text += f" A dashed line marks the {ref[1]}, {number(ref[0], d)}."
    return text + _in_unit(unit)


def shrinkage(labels, n, before, after, mu, *, names=("no pooling", "partial pooling"), group="group",
              unit="") -> str:
    """Text for ``plots.shrinkage``: which group moves most, from what to what, and where μ lies."""
    before, after = np.asarray(before, float), np.asarray(after, float)
    move = after - before
    d = decimals(np.concatenate([before, after, [mu]]))
    most, least = int(np.argmax(np.abs(move))), int(np.argmin(np.abs(move)))
    toward = int(np.sum(np.abs(after - mu) < np.abs(before - mu)))
    size = (lambda j: f" (n = {int(n[j])})") if n is not None else (lambda j: "")
    text = (f"Each {group}'s estimate under {names[0]} (left) joined by an arrow to its estimate under "
            f"{names[1]} (right)"
            + (", each dot sized by the number of observations" if n is not None else "")
            + f"; a dashed line marks mu, {number(mu, d)}. "
            f"{toward} of {len(before)} estimates move toward mu. "
            f"{_capital(group)} {labels[most]}{size(most)} moves most, from {number(before[most], d)} "
            f"to {number(after[most], d)}; {group} {labels[least]}{size(least)} moves least, by "
            f"{number(abs(move[least]), d)}.")
    return text + _in_unit(unit)


def prior_posterior(name, *, model="", prior, posterior_q, posterior_mode, vague, prior_peak=None,
                    group="group", unit="") -> str:
    """Text for ``plots.prior_posterior``.

    ``prior``: the prior in words ('IG(1, 1)'); ``posterior_q``: (2.5%, 50%, 97.5%) of the
    draws; ``posterior_mode``: where the posterior density peaks; ``vague``: the prior is
    nearly flat on the figure's scale; ``prior_peak``: where the prior's density peaks
    within the figure (None when it peaks at an edge).
    """
    lo, med, hi = (float(v) for v in posterior_q)
    d = decimals([lo, hi], digits=3)
    under = f" under {model}" if model else ""
    text = (f"Prior (dashed) and posterior (filled) density of {spoken(name, group)}{under}. "
            f"The posterior peaks at {number(posterior_mode, d)}, with median {number(med, d)} and "
            f"95% of it between {number(lo, d)} and {number(hi, d)}. ")
    if vague:
        text += f"The prior, {prior}, is vague: its density is close to 0 everywhere on this scale."
    elif prior_peak is not None:
        text += f"The prior, {prior}, peaks at {number(prior_peak, d)}."
    else:
        text += f"The prior, {prior}, is highest at the edge of the range shown."
    return text + _in_unit(unit)


def pooling_spectrum(labels, tau, means, sample_means, *, emphasis, group="group", unit="",
                     tau_q=None) -> str:
    """Text for ``plots.pooling_spectrum``.

    ``tau``: the grid of τ; ``means``: E[θ_j | τ, y] shaped (len(tau), groups);
    ``emphasis``: the index of the group drawn thick; ``tau_q``: τ's posterior
    (2.5%, 50%, 97.5%) when the figure has the lower panel, else None.
    """
    means = np.asarray(means, float)
    sample_means = np.asarray(sample_means, float)
    pooled = float(means[0].mean())
    d = decimals(np.concatenate([sample_means, [pooled]]))
    lo, hi = int(np.argmin(sample_means)), int(np.argmax(sample_means))
    e = emphasis
    text = (f"Each {group}'s estimate given tau, one line per {group}, as tau runs from {tau[0]:g} to "
            f"{tau[-1]:g} on a log scale. At small tau all {len(labels)} lines meet the complete-pooling "
            f"estimate, {number(pooled, d)}; at large tau each ends at its {group}'s sample mean, from "
            f"{number(sample_means[lo], d)} ({group} {labels[lo]}) to {number(sample_means[hi], d)} "
            f"({group} {labels[hi]}). {_capital(group)} {labels[e]} is drawn thick, ending at "
            f"{number(sample_means[e], d)}.")
    if tau_q is not None:
        t_lo, t_med, t_hi = (float(v) for v in tau_q)
        dt = decimals([t_lo, t_hi], digits=3)
        at_median = float(np.interp(math.log(t_med), np.log(tau), means[:, e]))
        text += (f" Below, the posterior of tau: median {number(t_med, dt)}, 95% interval "
                 f"{number(t_lo, dt)} to {number(t_hi, dt)}, shaded over the lines too; at tau's median "
                 f"{group} {labels[e]}'s estimate is {number(at_median, d)}.")
    return text + _in_unit(unit)


def plural(word) -> str:
    """'county' -> 'counties', 'school' -> 'schools'."""
    return word[:-1] + "ies" if word.endswith("y") and word[-2:-1] not in "aeiou" else word + "s"


def shrinkage_three_levels(labels, n, sup_labels, sup, ybar, theta, own, psi, mu, *, group="group",
                           supergroup="supergroup", unit="") -> str:
    """Text for ``plots.shrinkage_three_levels``: the range of the groups' data means and of their
    estimates, the group that moves most, how many move toward their supergroup's estimate, and
    the supergroups' moves toward mu."""
    ybar, theta, own, psi = (np.asarray(v, float) for v in (ybar, theta, own, psi))
    d = 2
    groups, supergroups = plural(group), plural(supergroup)
    move = theta - ybar
    most = int(np.argmax(np.abs(move)))
    toward = int(np.sum(np.abs(theta - psi[sup]) <= np.abs(ybar - psi[sup])))
    K = len(sup_labels)
    J_k = np.bincount(sup, minlength=K)
    text = (f"The {K} {supergroups} side by side ({_and(list(sup_labels))}), each labelled with its number "
            f"of {groups}. In each, hollow grey circles on the left are its {groups}' means of their data, "
            f"blue dots on the right their estimates, a thin line joining each pair. The {len(labels)} "
            f"{group} means run from {number(ybar.min(), d)} to {number(ybar.max(), d)}; the estimates from "
            f"{number(theta.min(), d)} to {number(theta.max(), d)}. {toward} of {len(labels)} {groups} move "
            f"toward their {supergroup}'s estimate; {group} {labels[most]} (n = {int(n[most])}) moves most, "
            f"from {number(ybar[most], d)} to {number(theta[most], d)}. Each {supergroup} is a pair of "
            f"vermillion diamonds joined by a thick line: hollow at what its {groups} alone say, filled at "
            f"its estimate psi; a dashed line marks mu, {number(mu, d)}. ")
    order = np.argsort(-np.abs(psi - own), kind="stable")
    first, rest = int(order[0]), np.abs(psi - own)[order[1:]]
    side = "toward" if abs(psi[first] - mu) <= abs(own[first] - mu) else "away from"
    text += (f"{sup_labels[first]} ({J_k[first]} {groups if J_k[first] != 1 else group}) moves most, from "
             f"{number(own[first], d)} to {number(psi[first], d)}, {side} mu")
    if rest.size:
        text += f"; the other {rest.size} move by {number(rest.max(), d)} or less"
    return text + "." + _in_unit(unit)


def unit_suffix(unit: str) -> str:
    """" h" for hours per week (the lecture's data); nothing for other units."""
    return " h" if unit == "hours per week" else ""


def hours(value: float, unit: str) -> str:
    """A value to one decimal with its unit's suffix, as the explorer's texts write it: "10.4 h"."""
    return f"{value:.1f}{unit_suffix(unit)}"


def shrinkage_explorer_view(labels, n, before, after, low, high, weight, mu, *, highlight=None,
                            title=None, group="group", unit="") -> str:
    """Text for ``plots.shrinkage_explorer_view``, which is also the explorer's image: what it
    draws and its title (the explorer's says how τ was set), the highlighted group, the group
    pulled furthest, and the range of the estimates and of the sample means."""
    before, after = np.asarray(before, float), np.asarray(after, float)
    n, low, high, weight = (np.asarray(v, float) for v in (n, low, high, weight))

    g = group
    text = [f"Each {g}'s sample mean (left) joined by an arrow to its partial-pooling estimate (right), "
            f"with μ = {hours(mu, unit)} as a dashed line" + (f"; {title}." if title else ".")]
    toward = int(np.sum(np.abs(after - mu) < np.abs(before - mu)))
    text.append(f"All {toward} estimates move toward μ." if toward == len(labels)
                else f"{toward} of the {len(labels)} estimates move toward μ.")
    pull = np.abs(after - before)
    far = int(np.argmax(pull))
    if highlight is not None:
        h = highlight
        text.append(f"{_capital(g)} {labels[h]} (highlighted, n = {int(n[h])}) goes from "
                    f"{hours(before[h], unit)} to {hours(after[h], unit)} "
                    f"(95% interval {low[h]:.1f} to {high[h]:.1f}), weight {weight[h]:.2f}.")
    if far == highlight:
        text.append(f"It is pulled furthest of the {len(labels)} {g}s, by {hours(pull[far], unit)}.")
    else:
        text.append(f"Pulled furthest: {g} {labels[far]}, from {hours(before[far], unit)} to {hours(after[far], unit)}.")
    lo, hi = int(np.argmin(after)), int(np.argmax(after))
    if hours(after[lo], unit) == hours(after[hi], unit):
        estimates = f"All {len(labels)} estimates are {hours(after[lo], unit)} (to one decimal)"
    else:
        estimates = (f"Estimates range from {hours(after[lo], unit)} ({g} {labels[lo]}) to "
                     f"{hours(after[hi], unit)} ({g} {labels[hi]})")
    text.append(f"{estimates}; sample means from {hours(before.min(), unit)} to {hours(before.max(), unit)}.")
    return " ".join(text) + ("" if unit_suffix(unit) else _in_unit(unit))


# =============================================================== storing and showing
def set_alt(ax, text) -> str:
    """Store ``text`` as the description of what was drawn in ``ax`` and set the figure's alt text
    to the descriptions of all its axes, in order (several teachkit plots may share a figure;
    a figure that is cleared and redrawn loses its old axes, and their texts with them)."""
    ax._teachkit_alt = text
    fig = ax.figure
    texts = [a._teachkit_alt for a in fig.axes if getattr(a, "_teachkit_alt", None)]
    fig._teachkit_alt = " ".join(texts)
    install_formatter()
    return text


def get_alt(fig) -> str | None:
    """The alt text of a figure (or of an axes' figure) that teachkit drew, else None."""
    from matplotlib.axes import Axes

    if isinstance(fig, Axes):
        fig = fig.figure
    return getattr(fig, "_teachkit_alt", None) or None


def _shell():
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def install_formatter() -> bool:
    """Show matplotlib figures that carry alt text with it, as ``{"image/png": {"alt": ...}}``.

    Wraps whatever IPython's PNG formatter does for a Figure now (the inline
    backend's, set when pyplot is first imported and again by ``%matplotlib`` or
    ``%config InlineBackend``), so it has to be called after the backend set its
    own: every teachkit plot calls it when it has drawn. Figures without alt text,
    and outside IPython, nothing changes. Returns whether the formatter is in place.
    """
    shell = _shell()
    if shell is None or not hasattr(shell, "display_formatter"):
        return False
    from matplotlib.figure import Figure

    png = shell.display_formatter.formatters.get("image/png")
    if png is None:
        return False
    current = png.lookup_by_type(Figure) if Figure in png else None
    if current is None or getattr(current, "_teachkit_alt", False):
        return current is not None

    def with_alt(fig, _inner=current):
        result = _inner(fig)
        alt = get_alt(fig)
        if not alt or result is None:
            return result
        extra = {"alt": alt}
        legend = legend_entries(fig)
        if legend:
            extra["legend"] = legend
        if isinstance(result, tuple):
            data, metadata = result
            return data, {**(metadata or {}), **extra}
        return result, extra

    with_alt._teachkit_alt = True
    png.for_type(Figure, with_alt)
    return True


# ================================================== what the legends say, for the prose test
def colour_name(colour) -> str:
    """The name of one of teachkit's colours (``_style``), as prose should call it; else its hex code."""
    from matplotlib.colors import to_hex

    from teachkit import _style

    names = {to_hex(v): k for k, v in _style.OKABE_ITO.items()}
    names.update({to_hex(_style.NEUTRAL): "dark grey", to_hex(_style.ARROW): "grey",
                  to_hex(_style.LEADER): "grey", to_hex(_style.LIGHT): "light grey"})
    code = to_hex(colour, keep_alpha=False)
    return names.get(code, code)


def _handle_colour(handle):
    """The colour a legend key shows: a line's colour, else a patch's or a collection's fill, or its edge
    when the fill is transparent."""
    from matplotlib.colors import to_rgba_array

    if not hasattr(handle, "get_facecolor"):   # a line
        return handle.get_color() if hasattr(handle, "get_color") else None
    for get in ("get_facecolor", "get_edgecolor"):
        colours = to_rgba_array(getattr(handle, get)())
        if len(colours) and colours[0][-1] > 0:
            return tuple(colours[0])
    return None


def legend_entries(fig) -> list[dict]:
    """Every legend entry of a figure as ``{"label": ..., "colour": ...}`` (colours by name).

    Stored beside the alt text in a notebook's output metadata, so that a test can check
    that the words of the prose ("no pooling in vermillion") match what the legend shows.
    """
    legends = [ax.get_legend() for ax in fig.axes] + list(getattr(fig, "legends", []))
    entries = []
    for legend in legends:
        if legend is None:
            continue
        for handle, text in zip(legend.legend_handles, legend.get_texts()):
            colour = _handle_colour(handle) if handle is not None else None
            entries.append({"label": text.get_text(), "colour": colour_name(colour) if colour is not None else ""})
    return entries
