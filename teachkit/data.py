"""Grouped data: one numeric value per observation, and the group it belongs to.

Every model in teachkit reads a :class:`GroupedData`. It checks its input once,
when it is built, so that a bad value is reported with its row and column
instead of turning into a NaN deep inside a sampler.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["GroupedData", "load_homework", "load_radon", "homework_path", "simulate_grouped", "mixing_examples"]


def _natural_key(label: str):
    """Sort group labels numerically when they look like numbers ("2" < "10")."""
    # The label itself breaks ties ("2" vs "02"), and "nan" sorts as text: otherwise
    # the order, and so the group codes, would follow set order, which changes per run.
    try:
        x = float(label)
    except ValueError:
        return (1, 0.0, label)
    return (0, x, label) if not math.isnan(x) else (1, 0.0, label)


def _display_label(label):
    """Show "5" rather than "5.0" or np.int64(5) in tables and plot labels."""
    if isinstance(label, (float, np.floating)) and float(label).is_integer():
        return str(int(label))
    return str(label)


@dataclass(frozen=True, eq=False)
class GroupedData:
    """Observations ``values`` split into groups.

    Attributes
    ----------
    values : float array, shape (N,)
    groups : int array, shape (N,), the 0-based group code of each value
    labels : tuple of str, the original label of each group (``labels[groups[i]]``)
    value_name, group_name : used for axis labels and table headers
    unit : the unit of the values, for axis labels ("hours per week")

    An optional second level (houses in counties in *states*): ``supergroups``, the
    0-based supergroup code of each value (int array, shape (N,), as ``groups``),
    ``supergroup_labels`` and ``supergroup_name``. Every group lies in exactly one
    supergroup; ``group_supergroup`` (length J) is the code of each group's. Without a
    second level ``supergroups`` is None and ``supergroup_labels`` empty.

    Derived per group (arrays of length J): ``n``, ``means``, ``sds`` (sample sd,
    ``nan`` for a group with one observation) and ``ss`` (within-group sum of
    squares about the group mean), the sufficient statistics the samplers use.
    """

    values: np.ndarray
    groups: np.ndarray
    labels: tuple
    value_name: str = "value"
    group_name: str = "group"
    unit: str = ""
    supergroups: np.ndarray | None = None
    supergroup_labels: tuple = ()
    supergroup_name: str = "supergroup"
    n: np.ndarray = field(init=False, repr=False)
    means: np.ndarray = field(init=False, repr=False)
    sds: np.ndarray = field(init=False, repr=False)
    ss: np.ndarray = field(init=False, repr=False)
    group_supergroup: np.ndarray | None = field(init=False, repr=False)

    def __post_init__(self):
        J = len(self.labels)
        n = np.bincount(self.groups, minlength=J)
        sums = np.bincount(self.groups, weights=self.values, minlength=J)
        means = sums / n
        ss = np.bincount(self.groups, weights=(self.values - means[self.groups]) ** 2, minlength=J)
        with np.errstate(invalid="ignore", divide="ignore"):
            sds = np.where(n > 1, np.sqrt(ss / np.maximum(n - 1, 1)), np.nan)
        for name, arr in dict(n=n, means=means, sds=sds, ss=ss).items():
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        self.values.setflags(write=False)
        self.groups.setflags(write=False)
        object.__setattr__(self, "group_supergroup", self._group_supergroup())

    def _group_supergroup(self):
        """The supergroup code of each group (None without a second level), checking that
        each group lies in one supergroup and that there are at least two."""
        if self.supergroups is None:
            return None
        K = len(self.supergroup_labels)
        if K < 2:
            raise ValueError(
                f"a second level needs at least 2 {self.supergroup_name} labels to learn how they "
                f"vary; the data have {K} ({', '.join(map(repr, self.supergroup_labels))})"
            )
        sup = np.full(self.J, -1)
        sup[self.groups] = self.supergroups           # the last value of each group wins ...
        clash = np.flatnonzero(sup[self.groups] != self.supergroups)
        if clash.size:                                # ... so any other value that differs is a clash
            i = clash[0]
            j = self.groups[i]
            first = np.flatnonzero((self.groups == j) & (self.supergroups == self.supergroups[i]))[0]
            other = np.flatnonzero((self.groups == j) & (self.supergroups != self.supergroups[i]))[0]
            raise ValueError(
                f"{self.group_name} {self.labels[j]!r} is in two {self.supergroup_name}s, "
                f"{self.supergroup_labels[self.supergroups[first]]!r} (values[{first}], data row {first + 1}) and "
                f"{self.supergroup_labels[self.supergroups[other]]!r} (values[{other}], data row {other + 1}): "
                f"each {self.group_name} must lie in exactly one {self.supergroup_name}"
            )
        self.supergroups.setflags(write=False)
        sup.setflags(write=False)
        return sup

    # ------------------------------------------------------------------ builders
    @classmethod
    def from_arrays(cls, values, groups, supergroups=None, *, value_name="value", group_name="group",
                    unit="", supergroup_name="supergroup"):
        """Build from a sequence of numbers and a sequence of group labels of the same length.

        ``supergroups`` (optional): one label per value for a second level (the state of
        each house's county); a group must have the same supergroup on every value.
        """
        try:
            raw_values = list(values)
            raw_groups = list(groups)
            raw_super = None if supergroups is None else list(supergroups)
        except TypeError as err:
            raise ValueError(f"values, groups and supergroups must be sequences: {err}") from None
        if len(raw_values) != len(raw_groups):
            raise ValueError(
                f"values and groups have different lengths ({len(raw_values)} values, "
                f"{len(raw_groups)} group labels); give one group label per value"
            )
        if raw_super is not None and len(raw_super) != len(raw_values):
            raise ValueError(
                f"values and supergroups have different lengths ({len(raw_values)} values, "
                f"{len(raw_super)} supergroup labels); give one supergroup label per value"
            )
        if not raw_values:
            raise ValueError("no observations: values and groups are empty")
        vals = np.empty(len(raw_values))
        for i, v in enumerate(raw_values):
            vals[i] = _to_float(v, where=f"values[{i}]")
        labels = []
        for i, g in enumerate(raw_groups):
            if _is_missing(g):
                raise ValueError(f"groups[{i}] is missing: every value needs a group label")
            labels.append(_display_label(g).strip())
        super_labels = None
        if raw_super is not None:
            super_labels = []
            for i, k in enumerate(raw_super):
                if _is_missing(k):
                    raise ValueError(f"supergroups[{i}] is missing: every value needs a supergroup label")
                super_labels.append(_display_label(k).strip())
        return cls._from_clean(vals, labels, super_labels, value_name=value_name, group_name=group_name,
                               unit=unit, supergroup_name=supergroup_name)

    @classmethod
    def from_csv(cls, path, *, value, group, supergroup=None, unit="", minimum=None, minimum_reason=None):
        """Read a CSV file with a header row; ``value`` and ``group`` name its columns,
        and ``supergroup`` (optional) the column of a second level (a group's state).

        ``minimum``: values below it are refused (e.g. 0 for hours); ``minimum_reason``
        starts that error message.

        Errors name the file, the column and the row (data rows are counted from 1,
        the header not included, and the line of the file is given too).
        """
        path = Path(path)
        if not path.is_file():
            raise ValueError(f"data file not found: {path}")
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None or not any(h.strip() for h in header):
                raise ValueError(f"{path} is empty: expected a header row naming the columns")
            header = [h.strip() for h in header]
            roles = (("value", value), ("group", group)) + (
                (("supergroup", supergroup),) if supergroup is not None else ())
            for role, col in roles:
                if col not in header:
                    raise ValueError(
                        f"{path} has no column {col!r} (asked for as the {role} column); "
                        f"its columns are {header}"
                    )
            iv, ig = header.index(value), header.index(group)
            ik = None if supergroup is None else header.index(supergroup)
            vals, labels, super_labels = [], [], []
            row_no = 0
            for row in reader:
                if not row or not any(c.strip() for c in row):
                    continue  # blank lines (a trailing newline) are not observations
                row_no += 1
                where = f"{path.name}, row {row_no} (line {reader.line_num}), column {value!r}"
                cell_v = row[iv].strip() if iv < len(row) else ""
                cell_g = row[ig].strip() if ig < len(row) else ""
                if cell_g == "":
                    raise ValueError(
                        f"{path.name}, row {row_no} (line {reader.line_num}), column {group!r}: "
                        "missing group label"
                    )
                if ik is not None:
                    cell_k = row[ik].strip() if ik < len(row) else ""
                    if cell_k == "":
                        raise ValueError(
                            f"{path.name}, row {row_no} (line {reader.line_num}), column {supergroup!r}: "
                            "missing supergroup label"
                        )
                    super_labels.append(cell_k)
                x = _to_float(cell_v, where=where)
                if minimum is not None and x < minimum:
                    reason = minimum_reason or f"values must be at least {minimum:g}"
                    raise ValueError(f"{reason}: {where} holds {cell_v}")
                vals.append(x)
                labels.append(cell_g)
        if not vals:
            raise ValueError(f"{path} has a header but no data rows")
        return cls._from_clean(np.array(vals), labels, super_labels if ik is not None else None,
                               value_name=value, group_name=group, unit=unit,
                               supergroup_name=supergroup or "supergroup")

    @classmethod
    def _from_clean(cls, vals, labels, super_labels=None, **names):
        groups, order = _codes(labels)
        if super_labels is None:
            names.pop("supergroup_name", None)
            return cls(values=np.asarray(vals, dtype=float), groups=groups, labels=order, **names)
        supergroups, super_order = _codes(super_labels)
        return cls(values=np.asarray(vals, dtype=float), groups=groups, labels=order,
                   supergroups=supergroups, supergroup_labels=super_order, **names)

    # ------------------------------------------------------------------ views
    @property
    def J(self) -> int:
        """Number of groups."""
        return len(self.labels)

    @property
    def K(self) -> int:
        """Number of supergroups (0 without a second level)."""
        return len(self.supergroup_labels)

    @property
    def n_total(self) -> int:
        """Number of observations, n = n_1 + ... + n_J."""
        return int(self.values.size)

    def group_values(self, j: int) -> np.ndarray:
        """The observations of group ``j`` (0-based code)."""
        return self.values[self.groups == j]

    def with_group(self, j: int, values) -> "GroupedData":
        """A copy in which group ``j`` (0-based) holds ``values`` instead of its own."""
        values = np.asarray(values, dtype=float)
        keep = self.groups != j
        second = {}
        if self.supergroups is not None:
            second = dict(supergroups=np.concatenate([self.supergroups[keep],
                                                      np.full(values.size, self.group_supergroup[j])]),
                          supergroup_labels=self.supergroup_labels, supergroup_name=self.supergroup_name)
        return GroupedData(
            values=np.concatenate([self.values[keep], values]),
            groups=np.concatenate([self.groups[keep], np.full(values.size, j)]),
            labels=self.labels,
            value_name=self.value_name,
            group_name=self.group_name,
            unit=self.unit,
            **second,
        )

    def summary(self):
        """The exploratory table: one row per group with its size, mean and sd.

        Numbers are shown rounded to 3 decimals but held at full precision.
        """
        import pandas as pd

        from teachkit._tables import RoundedFrame  # pandas is imported only when a table is asked for

        table = pd.DataFrame(
            {
                self.group_name: list(self.labels),
                "sample size": self.n.astype(int),
                "sample mean": self.means,
                "sample sd": self.sds,
            }
        ).set_index(self.group_name)
        return RoundedFrame.wrap(table, digits=3)

    def __repr__(self):
        if self.supergroups is not None:
            return (
                f"GroupedData({self.value_name!r} by {self.group_name!r} in {self.supergroup_name!r}: "
                f"{self.n_total} observations in {self.J} groups in {self.K} supergroups)"
            )
        return (
            f"GroupedData({self.value_name!r} by {self.group_name!r}: "
            f"{self.n_total} observations in {self.J} groups)"
        )


def require_grouped(data, where: str) -> GroupedData:
    """``data`` itself if it is a :class:`GroupedData`; otherwise a ValueError naming ``where``
    (the function it was passed to, e.g. ``"exact.hierarchical"``) and how to make one.
    The models, exact, spectrum, plots and the explorer check their data with it, first."""
    if not isinstance(data, GroupedData):
        raise ValueError(
            f"{where}: data must be a teachkit.GroupedData (from load_homework(), "
            f"GroupedData.from_csv or GroupedData.from_arrays), got {type(data).__name__}"
        )
    return data


def _is_missing(label) -> bool:
    return label is None or (isinstance(label, (float, np.floating)) and math.isnan(label)) or (
        isinstance(label, str) and not label.strip())


def _codes(labels):
    """0-based codes of ``labels`` in natural order, and that order as a tuple."""
    order = sorted(set(labels), key=_natural_key)
    code = {lab: j for j, lab in enumerate(order)}
    return np.array([code[lab] for lab in labels], dtype=np.int64), tuple(order)


def _to_float(cell, *, where: str) -> float:
    if cell is None or (isinstance(cell, str) and cell.strip() == ""):
        raise ValueError(f"{where}: missing value")
    if isinstance(cell, bool):
        raise ValueError(f"{where}: {cell!r} is not a number")
    try:
        x = float(cell)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: {cell!r} is not a number") from None
    if math.isnan(x):
        raise ValueError(f"{where}: missing value (NaN)")
    if math.isinf(x):
        raise ValueError(f"{where}: {cell!r} is infinite")
    return x


def homework_path() -> Path:
    """Where the homework CSV is: the copy packaged inside teachkit (``teachkit/datasets/``)."""
    from teachkit import datasets

    return datasets.path("homework.csv")


def load_homework(path=None) -> GroupedData:
    """Weekly hours of homework of 165 students in 8 schools (the lecture's data set).

    The values are a reconstruction that matches the published per-school summary
    (n, mean, sd) exactly; see data/README.md in the repository. ``path``
    reads another file of the same shape instead (columns ``school`` and ``hours``).
    """
    data = GroupedData.from_csv(path or homework_path(), value="hours", group="school",
                                unit="hours per week", minimum=0,
                                minimum_reason="homework hours cannot be negative")
    return data


def load_radon() -> GroupedData:
    """Log radon in the basements of 7,855 houses in 421 counties in 7 U.S. states: three levels.

    The U.S. EPA's State Residential Radon Survey (1987-1992, public domain), as used by
    Gelman & Hill (2007). Each value is log(activity + 0.1), activity in pCi/L; groups are
    counties (labelled "MN: AITKIN"), supergroups states. Which houses are kept, and why
    (basement readings; the tribal-land survey coded "R5" left out): data/make_radon.py
    in the repository, which writes ``teachkit/datasets/radon.csv``.
    """
    from teachkit import datasets

    return GroupedData.from_csv(datasets.path("radon.csv"), value="log_radon", group="county",
                                supergroup="state", unit="log pCi/L")


def simulate_grouped(*, mu, tau, sigma, sizes, seed, value_name="value", group_name="group",
                     unit="") -> GroupedData:
    """Data simulated from Model 3 with known parameters: θ_j ~ N(μ, τ²), then y_ij ~ N(θ_j, σ²).

    ``sizes`` gives n_j for each group; ``seed`` (an int or a numpy Generator) makes it reproducible.
    Groups are labelled "1", "2", ...; the names and unit are those of :meth:`GroupedData.from_arrays`.
    """
    for name, value in (("mu", mu), ("tau", tau), ("sigma", sigma)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
                or not math.isfinite(value) or (name != "mu" and value <= 0):
            kind = "a finite number" if name == "mu" else "a positive finite number"
            raise ValueError(f"simulate_grouped: {name} must be {kind}, got {value!r}")
    sizes = list(sizes)
    if len(sizes) < 1 or any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1 for s in sizes):
        raise ValueError(f"simulate_grouped: sizes must be positive integers, one per group, got {sizes!r}")
    if not isinstance(seed, np.random.Generator) and (
            isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
        raise ValueError(f"simulate_grouped: seed must be a non-negative int or a numpy Generator, got {seed!r}")
    rng = np.random.default_rng(seed)
    theta = mu + tau * rng.standard_normal(len(sizes))
    groups = np.repeat(np.arange(len(sizes)), sizes)
    values = theta[groups] + sigma * rng.standard_normal(len(groups))
    return GroupedData.from_arrays(values, [str(g + 1) for g in groups], value_name=value_name,
                                   group_name=group_name, unit=unit)


#: The simulated data sets of notebook 08 (when Gibbs crawls), and how they were made.
MIXING_SIMULATIONS = {
    # schools barely differ: τ = 0.2 h against σ/√n_j ≈ 0.8–1.3 h; the homework's school sizes
    "small tau": dict(mu=7.5, tau=0.2, sigma=4.0, sizes=(25, 23, 20, 24, 9, 22, 22, 20), seed=1),
    # schools far apart and well measured: τ = 5 h against σ/√n_j = 0.4 h
    "large tau": dict(mu=7.5, tau=5.0, sigma=4.0, sizes=(100,) * 8, seed=1),
}


def mixing_examples() -> dict:
    """The three data sets on which notebook 08 and benchmarks/bench_mixing.py compare Model 3's samplers:
    ``{"homework": load_homework(), "small tau": ..., "large tau": ...}``, the last two simulated
    by :func:`simulate_grouped` with the parameters and seeds in ``MIXING_SIMULATIONS``."""
    names = dict(value_name="hours", group_name="school", unit="hours per week")
    return {"homework": load_homework(),
            **{name: simulate_grouped(**spec, **names) for name, spec in MIXING_SIMULATIONS.items()}}
