"""The shrinkage explorer in words: its status line and its figure's text alternative.

Both are computed from the numbers the figure draws (the explorer's estimates
table, μ and τ), so that a student who cannot see the figure gets what it shows:
which school is varied and where its estimate lands, where μ lies, which school
is pulled furthest, and the spread of the estimates.
"""

from __future__ import annotations

import numpy as np

from teachkit.controls import format_value


def unit_suffix(unit: str) -> str:
    """" h" for hours per week (the lecture's data); nothing for other units."""
    return " h" if unit == "hours per week" else ""


def _hours(value: float, unit: str) -> str:
    return f"{value:.1f}{unit_suffix(unit)}"


def tau_phrase(result, unit: str) -> str:
    """τ as the figure's title gives it: learned (with its posterior median) or fixed."""
    u = unit_suffix(unit)
    if result.tau is None:
        return f"τ learned from the data (posterior median {format_value(result.tau_median)}{u})"
    return f"τ fixed at {format_value(result.tau)}{u}"


def group_line(table, label: str, group_name: str, unit: str) -> str:
    """'School 5, n = 50: estimate 11.2 h (95% 9.1 to 13.3), weight 0.81'."""
    row = table.loc[label]
    return (f"{group_name.capitalize()} {label}, n = {int(row['n'])}: estimate "
            f"{_hours(row['partial pooling'], unit)} (95% {row['95% low']:.1f} to {row['95% high']:.1f}), "
            f"weight {row['weight']:.2f}")


def status(result, label: str, group_name: str, unit: str, change: str | None = None) -> str:
    """The status line: what changed (when the numbers alone do not say it), the varied
    group's estimate, μ and τ."""
    text = (f"{group_line(result.table, label, group_name, unit)}; μ = {_hours(result.mu, unit)}; "
            f"{tau_phrase(result, unit)}.")
    return f"{change}. {text}" if change else text


def figure_alt(result, label: str, group_name: str, unit: str) -> str:
    """The figure's text alternative: what it draws, the varied group, the group pulled
    furthest, and the range of the estimates and of the sample means."""
    table = result.table
    labels = [str(lab) for lab in table.index]
    before = np.asarray(table["sample mean"], dtype=float)
    after = np.asarray(table["partial pooling"], dtype=float)
    row = table.loc[label]
    g = group_name
    pull = np.abs(after - before)
    far = int(np.argmax(pull))
    low, high = int(np.argmin(after)), int(np.argmax(after))
    text = [
        f"Each {g}'s sample mean (left) joined by an arrow to its partial-pooling estimate (right), "
        f"with μ = {_hours(result.mu, unit)} as a dashed line; {tau_phrase(result, unit)}.",
        f"{g.capitalize()} {label} (highlighted, n = {int(row['n'])}) goes from "
        f"{_hours(row['sample mean'], unit)} to {_hours(row['partial pooling'], unit)} "
        f"(95% interval {row['95% low']:.1f} to {row['95% high']:.1f}), weight {row['weight']:.2f}.",
    ]
    if labels[far] == label:
        text.append(f"It is pulled furthest of the {len(labels)} {g}s, by {_hours(pull[far], unit)}.")
    else:
        text.append(f"Pulled furthest: {g} {labels[far]}, from {_hours(before[far], unit)} to "
                    f"{_hours(after[far], unit)}.")
    if _hours(after[low], unit) == _hours(after[high], unit):
        estimates = f"All {len(labels)} estimates are {_hours(after[low], unit)} (to one decimal)"
    else:
        estimates = (f"Estimates range from {_hours(after[low], unit)} ({g} {labels[low]}) to "
                     f"{_hours(after[high], unit)} ({g} {labels[high]})")
    text.append(f"{estimates}; sample means from {_hours(before.min(), unit)} to "
                f"{_hours(before.max(), unit)}.")
    return " ".join(text)
