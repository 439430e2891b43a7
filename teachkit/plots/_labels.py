"""Names, labels and units: parameter names to math, axis labels with units, group names."""

from __future__ import annotations

import math

import numpy as np

from teachkit.posterior import Posterior


_SYMBOLS = {"theta": r"\theta", "mu": r"\mu", "sigma": r"\sigma", "tau": r"\tau",
            "sigma2": r"\sigma^2", "tau2": r"\tau^2", "R": "R",
            "sigma02": r"\sigma_0^2", "nu0": r"\nu_0",
            "psi": r"\psi", "omega": r"\omega", "omega2": r"\omega^2"}
_POSITIVE = {"sigma", "tau", "sigma2", "tau2", "sigma02", "omega", "omega2"}
_MATH_ESCAPES = {"\\": r"\backslash{}", "_": r"\_", "$": r"\$", "{": r"\{", "}": r"\}",
                 "%": r"\%", "#": r"\#", "&": r"\&", "^": r"\^{}", "~": r"\sim{}", " ": r"\ "}


def _split(name: str) -> tuple[str, str | None]:
    """'theta[5]' -> ('theta', '5'); 'mu' -> ('mu', None)."""
    if name.endswith("]") and "[" in name:
        base, group = name[:-1].split("[", 1)
        return base, group
    return name, None


def _escape_math(text: str) -> str:
    return "".join(_MATH_ESCAPES.get(ch, ch) for ch in text)


def math_label(name: str) -> str:
    r"""The math-text label of a parameter: 'theta[5]' -> '$\theta_{5}$', 'tau2' -> '$\tau^2$'."""
    base, group = _split(name)
    symbol = _SYMBOLS.get(base) or r"\mathrm{%s}" % _escape_math(base)
    if group is None:
        return f"${symbol}$"
    return f"${symbol}_{{{_escape_math(group)}}}$"


def _unit(post_or_data, name=None) -> str:
    """The unit of a parameter's values: 'hours per week', '(hours per week)²' or '' (for R)."""
    data = getattr(post_or_data, "data", post_or_data)
    unit = getattr(data, "unit", "") or ""
    if name is None or not unit:
        return unit
    base, _ = _split(name)
    if base == "R":
        return ""
    if base in ("sigma2", "tau2", "sigma02", "omega2"):
        return f"({unit})²"
    if base == "nu0":
        return ""
    return unit


def _with_unit(label: str, unit: str) -> str:
    if not unit:
        return label
    return f"{label} in {unit}" if unit.startswith("(") else f"{label} ({unit})"


def _axis_label(post, name) -> str:
    r"""'$\theta_{5}$ (hours per week)'; R gets its definition instead of a unit."""
    if _split(name)[0] == "R":
        return r"$R = \tau^2 / (\sigma^2 + \tau^2)$"
    return _with_unit(math_label(name), _unit(post, name))


def _bounds(name) -> tuple[float | None, float | None]:
    """Where a parameter's support ends, for densities that must not spill over: σ² > 0, 0 < R < 1."""
    base, _ = _split(name)
    if base == "R":
        return 0.0, 1.0
    if base in _POSITIVE:
        return 0.0, None
    return None, None


def _group_label(post, j, name=None) -> str:
    """The label of entry j of a vector parameter: its group's, or (``name`` given) the parameter's own
    labels where it has them (the three-level model's psi, one per supergroup)."""
    labels = getattr(post, "vector_labels", {}).get(name, post.labels)
    return str(labels[j]) if j < len(labels) else str(j + 1)


def _group_name(post_or_data) -> str:
    data = getattr(post_or_data, "data", post_or_data)
    return getattr(data, "group_name", "") or "group"


def _scalars(post, names) -> list[tuple[str, np.ndarray]]:
    """[(label, draws shaped (chains, draws))], vector parameters expanded one group per row.

    ``names`` is None (every sampled parameter), a name or a list of names; each
    may be a whole vector ('theta'), one group ('theta[5]') or derived ('R').
    An unknown name raises the Posterior's KeyError, which names it.
    """
    if names is None:
        names = post.names
    elif isinstance(names, str):
        names = [names]
    rows = []
    for name in names:
        x = post[name]
        if x.ndim == 2:
            rows.append((name, x))
        else:
            rows.extend((f"{name}[{_group_label(post, j, name)}]", x[:, :, j]) for j in range(x.shape[2]))
    if not rows:
        raise ValueError("no parameters to plot: names is empty")
    return rows


def _warmup_posterior(post) -> Posterior | None:
    """The warm-up sweeps as a Posterior, so 'theta[5]' and 'R' work on them too."""
    if not post.nwarmup:
        return None
    return Posterior(draws=post.warmup_draws, warmup_draws={}, model=post.model, priors=post.priors,
                     labels=post.labels, data=post.data)


def _reference(ref, posts) -> tuple[float, str] | None:
    """A reference line: a number, or a parameter name meaning its posterior mean."""
    if ref is None:
        return None
    if isinstance(ref, str):
        for post in posts:
            if ref in post:
                value = float(np.mean(post[ref]))
                return value, f"posterior mean of {math_label(ref)} = {value:.2f}"
        raise KeyError(f"ref={ref!r} is not a parameter of the posterior(s) plotted")
    if isinstance(ref, bool) or not isinstance(ref, (int, float, np.integer, np.floating)) \
            or not math.isfinite(ref):
        raise ValueError(f"ref must be a number or a parameter name such as 'mu', got {ref!r}")
    return float(ref), f"reference = {float(ref):g}"
