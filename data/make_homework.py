"""Rebuild teachkit/datasets/homework.csv: weekly hours of homework, 165 students in 8 schools.

Where the numbers come from
---------------------------
The data set follows Hoff, *A First Course in Bayesian Statistical Methods*
(2009), exercise 8.3, with school 5 changed as in the lecture this package
follows. Only a per-school summary (size, mean and standard deviation, to three
decimals) is available to us, not the students' records, so this script makes
up records that have exactly that summary. It is a reconstruction: any model fit
to it sees the published group sizes, means and sds, but the individual values
are ours.

How a school is built
---------------------
1. Draw n values from a gamma distribution whose mean and sd are the school's.
   Hours of homework are non-negative and have a long right tail, and a gamma
   draw has both.
2. Shift and scale the draw so that its sample mean is S/(100 n) and its sample
   sd (ddof=1) is the table's sd. S is the whole number of hundredths of an hour
   closest to n times the table's mean: with two decimals, a mean can only be a
   multiple of 0.01/n, and this is the one nearest the table.
3. Round to hundredths so that the sum is exactly S hundredths: round every
   value down, then round up the ones with the largest remainders, as many as
   needed (ties go to the earlier student).
4. Rounding moves the sd a little. Move 0.01 h from one student to another, the
   pair that brings the sd closest to the table's, until no such move helps.
   The sum, and so the mean, does not change.
5. Keep the school only if every value is between 0 and 40 hours and the sample
   skewness is positive; otherwise draw again from the same generator.

Every step is deterministic (one seeded generator, ties broken by position), so
the file is the same byte for byte on every run. The script checks its result
from the text it is about to write, parsed back as floats, before writing it.

Run ``python data/make_homework.py`` to write homework.csv into the package
(``teachkit/datasets/homework.csv``, where ``teachkit.load_homework()`` reads it,
in a clone and in an installed wheel); ``build()`` returns the same text without
writing anything.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import NamedTuple

import numpy as np

SEED = 20090803
MAX_HOURS = 40.0
MAX_TRIES = 1000  # redraws allowed per school before giving up


class School(NamedTuple):
    school: int
    n: int
    mean: float
    sd: float


# The published summary the reconstruction must reproduce (mean and sd to 3 decimals).
SUMMARY = (
    School(1, 25, 9.464, 3.885),
    School(2, 23, 7.033, 4.485),
    School(3, 20, 7.953, 3.782),
    School(4, 24, 6.232, 4.102),
    School(5, 9, 12.001, 5.073),
    School(6, 22, 6.205, 3.272),
    School(7, 22, 6.133, 3.709),
    School(8, 20, 7.381, 3.076),
)

_HALF = Fraction(1, 2000)  # half of the last shown digit, 0.0005
_MARGIN = Fraction(1, 10**9)  # stay this far inside a rounding interval, for float safety


def _dec(x: float) -> Fraction:
    """The decimal number as written in the table (9.464 exactly, not its binary float)."""
    return Fraction(str(x))


def _target_sum(n: int, mean: float) -> int:
    """Hundredths of an hour in the school's total: the multiple of 0.01/n nearest the mean."""
    return round(_dec(mean) * 100 * n)


def _q(cents: list[int]) -> int:
    """n * sum(c^2) - (sum c)^2 = n (n-1) var, in hundredths squared (an exact integer)."""
    return len(cents) * sum(c * c for c in cents) - sum(cents) ** 2


def _q_target(n: int, sd: float) -> Fraction:
    return n * (n - 1) * (_dec(sd) * 100) ** 2


def _skewness(x: np.ndarray) -> float:
    """Sample skewness g1 = m3 / m2^1.5 (moments about the mean, divided by n)."""
    d = x - x.mean()
    return float(np.mean(d**3) / np.mean(d**2) ** 1.5)


def _round_to_sum(y: np.ndarray, total: int) -> list[int]:
    """Hundredths of ``y``, rounded so that they add up to ``total`` (largest remainders)."""
    scaled = y * 100
    cents = np.floor(scaled).astype(np.int64)
    short = total - int(cents.sum())
    if not 0 <= short <= len(y):
        raise RuntimeError(f"cannot round to a sum of {total} hundredths")
    order = np.argsort(-(scaled - cents), kind="stable")
    cents[order[:short]] += 1
    return [int(c) for c in cents]


def _tune_sd(cents: list[int], sd: float) -> list[int]:
    """Move 0.01 h between pairs of students until the sd is as close to ``sd`` as it gets."""
    cents = list(cents)
    n = len(cents)
    goal = _q_target(n, sd)
    top = round(MAX_HOURS * 100)
    q = _q(cents)
    while True:
        best = None
        for i in range(n):  # i gains a hundredth
            if cents[i] + 1 > top:
                continue
            for j in range(n):  # j loses one
                if j == i or cents[j] - 1 < 0:
                    continue
                q_new = q + n * (2 * (cents[i] - cents[j]) + 2)
                err = abs(q_new - goal)
                if err < abs(q - goal) and (best is None or err < best[0]):
                    best = (err, i, j, q_new)
        if best is None:
            return cents
        _, i, j, q = best
        cents[i] += 1
        cents[j] -= 1


def _school_cents(rng: np.random.Generator, row: School) -> list[int]:
    total = _target_sum(row.n, row.mean)
    shape = (row.mean / row.sd) ** 2
    scale = row.sd**2 / row.mean
    for _ in range(MAX_TRIES):
        x = rng.gamma(shape, scale, size=row.n)
        z = (x - x.mean()) / x.std(ddof=1)
        y = total / (100 * row.n) + row.sd * z
        if y.min() < 0 or y.max() > MAX_HOURS:
            continue
        cents = _tune_sd(_round_to_sum(y, total), row.sd)
        hours = np.array(cents) / 100
        if hours.min() >= 0 and hours.max() <= MAX_HOURS and _skewness(hours) > 0:
            return cents
    raise RuntimeError(f"school {row.school}: no acceptable draw in {MAX_TRIES} tries")


def _check(text: str) -> None:
    """Fail loudly unless ``text`` reproduces SUMMARY (exactly, and as floats parsed back)."""
    lines = text.split("\n")
    if lines[0] != "school,hours" or lines[-1] != "":
        raise RuntimeError("unexpected layout")
    rows = [line.split(",") for line in lines[1:-1]]
    for row in SUMMARY:
        cells = [h for s, h in rows if s == str(row.school)]
        cents = [round(Fraction(h) * 100) for h in cells]
        hours = np.array([float(h) for h in cells])
        n = len(cents)
        exact_mean = Fraction(sum(cents), 100 * n)
        exact_var = Fraction(_q(cents), n * (n - 1) * 10**4)
        lo, hi = _dec(row.sd) - _HALF + _MARGIN, _dec(row.sd) + _HALF - _MARGIN
        problems = []
        if n != row.n:
            problems.append(f"n = {n}")
        if abs(exact_mean - _dec(row.mean)) >= _HALF - _MARGIN:
            problems.append(f"mean = {float(exact_mean)}")
        if not lo**2 < exact_var < hi**2:
            problems.append(f"sd = {float(exact_var) ** 0.5}")
        if round(float(hours.mean()), 3) != row.mean or round(float(hours.std(ddof=1)), 3) != row.sd:
            problems.append("float summary does not round to the table")
        if hours.min() < 0 or hours.max() > MAX_HOURS or _skewness(hours) <= 0:
            problems.append("values out of range or not right-skewed")
        if any(len(h.split(".")[-1]) != 2 for h in cells):
            problems.append("values not written with two decimals")
        if problems:
            raise RuntimeError(f"school {row.school}: " + "; ".join(problems))


def build() -> str:
    """The CSV text (``school,hours``, one row per student, ``\\n`` line endings)."""
    rng = np.random.default_rng(SEED)
    out = ["school,hours"]
    for row in SUMMARY:
        out += [f"{row.school},{c / 100:.2f}" for c in _school_cents(rng, row)]
    text = "\n".join(out) + "\n"
    _check(text)
    return text


#: Where main() writes: the copy that ships inside the teachkit package.
PACKAGED = Path(__file__).resolve().parents[1] / "teachkit" / "datasets" / "homework.csv"


def main() -> Path:
    path = PACKAGED
    path.write_bytes(build().encode("utf-8"))
    return path


if __name__ == "__main__":
    print(f"wrote {main()}")
