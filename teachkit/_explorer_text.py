"""The shrinkage explorer in words: its status line, what changed, and the title that says how τ
was set.

Computed from the numbers the figure draws (the explorer's estimates table, μ and τ), so
that a student who cannot see the figure hears what changed: which school is varied and
where its estimate lands, where μ lies, and τ. The figure's own text alternative is the
plot's (:func:`teachkit._alt.shrinkage_explorer_view`), which starts from the same title.
"""

from __future__ import annotations

from teachkit._alt import hours as _hours
from teachkit._alt import unit_suffix
from teachkit.controls import format_value


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


def change(state, names) -> str | None:
    """What the status line says first when the settings ``names`` changed to ``state``: a
    new prior, which the numbers alone do not name (a new school, n or τ is in the rest of
    the line)."""
    if state.tau_mode == "learned" and any(n.startswith("tau_prior") for n in names):
        if state.tau_prior == "uniform":
            return f"Prior on τ now U(0, {format_value(state.tau_prior_upper)})"
        return (f"Prior on τ² now IG({format_value(state.tau_prior_shape)}, "
                f"{format_value(state.tau_prior_scale)})")
    if "mu_prior_sd" in names:
        return f"Prior on μ now N(0, {format_value(state.mu_prior_sd)}²)"
    return None
