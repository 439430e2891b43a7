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

__all__ = ["GroupedData", "load_homework", "homework_path"]


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
    n: np.ndarray = field(init=False, repr=False)
    means: np.ndarray = field(init=False, repr=False)
    sds: np.ndarray = field(init=False, repr=False)
    ss: np.ndarray = field(init=False, repr=False)

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

    # ------------------------------------------------------------------ builders
    @classmethod
    def from_arrays(cls, values, groups, *, value_name="value", group_name="group", unit=""):
        """Build from a sequence of numbers and a sequence of group labels of the same length."""
        try:
            raw_values = list(values)
            raw_groups = list(groups)
        except TypeError as err:
            raise ValueError(f"values and groups must be sequences: {err}") from None
        if len(raw_values) != len(raw_groups):
            raise ValueError(
                f"values and groups have different lengths ({len(raw_values)} values, "
                f"{len(raw_groups)} group labels); give one group label per value"
            )
        if not raw_values:
            raise ValueError("no observations: values and groups are empty")
        vals = np.empty(len(raw_values))
        for i, v in enumerate(raw_values):
            vals[i] = _to_float(v, where=f"values[{i}]")
        labels = []
        for i, g in enumerate(raw_groups):
            if g is None or (isinstance(g, (float, np.floating)) and math.isnan(g)) or (
                isinstance(g, str) and not g.strip()
            ):
                raise ValueError(f"groups[{i}] is missing: every value needs a group label")
            labels.append(_display_label(g).strip())
        return cls._from_clean(vals, labels, value_name=value_name, group_name=group_name, unit=unit)

    @classmethod
    def from_csv(cls, path, *, value, group, unit="", minimum=None, minimum_reason=None):
        """Read a CSV file with a header row; ``value`` and ``group`` name its columns.

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
            for role, col in (("value", value), ("group", group)):
                if col not in header:
                    raise ValueError(
                        f"{path} has no column {col!r} (asked for as the {role} column); "
                        f"its columns are {header}"
                    )
            iv, ig = header.index(value), header.index(group)
            vals, labels = [], []
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
                x = _to_float(cell_v, where=where)
                if minimum is not None and x < minimum:
                    reason = minimum_reason or f"values must be at least {minimum:g}"
                    raise ValueError(f"{reason}: {where} holds {cell_v}")
                vals.append(x)
                labels.append(cell_g)
        if not vals:
            raise ValueError(f"{path} has a header but no data rows")
        return cls._from_clean(np.array(vals), labels, value_name=value, group_name=group, unit=unit)

    @classmethod
    def _from_clean(cls, vals, labels, **names):
        order = sorted(set(labels), key=_natural_key)
        code = {lab: j for j, lab in enumerate(order)}
        groups = np.array([code[lab] for lab in labels], dtype=np.int64)
        return cls(values=np.asarray(vals, dtype=float), groups=groups, labels=tuple(order), **names)

    # ------------------------------------------------------------------ views
    @property
    def J(self) -> int:
        """Number of groups."""
        return len(self.labels)

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
        return GroupedData(
            values=np.concatenate([self.values[keep], values]),
            groups=np.concatenate([self.groups[keep], np.full(values.size, j)]),
            labels=self.labels,
            value_name=self.value_name,
            group_name=self.group_name,
            unit=self.unit,
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
