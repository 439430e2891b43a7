"""The homework data file, its loader, and how GroupedData reports bad input."""

import importlib.util
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import teachkit
from teachkit.data import GroupedData, load_homework

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = ROOT / "data"
PACKAGED = ROOT / "teachkit" / "datasets" / "homework.csv"

# The published per-school summary, written out here independently of the script,
# so that an edit to the script's own table cannot go unnoticed.
TABLE = {
    "1": (25, 9.464, 3.885),
    "2": (23, 7.033, 4.485),
    "3": (20, 7.953, 3.782),
    "4": (24, 6.232, 4.102),
    "5": (9, 12.001, 5.073),
    "6": (22, 6.205, 3.272),
    "7": (22, 6.133, 3.709),
    "8": (20, 7.381, 3.076),
}


def _script():
    spec = importlib.util.spec_from_file_location("make_homework", DATA_DIR / "make_homework.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


# --------------------------------------------------------------- the committed file
def test_committed_csv_is_what_the_script_writes():
    assert PACKAGED.read_bytes() == _script().build().encode("utf-8")


def test_script_writes_the_packaged_copy():
    assert _script().PACKAGED == PACKAGED
    assert teachkit.data.homework_path() == PACKAGED   # and load_homework() reads that copy


def test_script_table_is_the_published_one():
    assert {str(s.school): (s.n, s.mean, s.sd) for s in _script().SUMMARY} == TABLE


def test_csv_values_are_plausible_hours():
    lines = PACKAGED.read_text(encoding="utf-8").split("\n")
    assert lines[0] == "school,hours" and lines[-1] == ""
    rows = [line.split(",") for line in lines[1:-1]]
    schools = [int(s) for s, _ in rows]
    assert schools == sorted(schools) and sorted(set(schools)) == list(range(1, 9))
    assert all(re.fullmatch(r"\d+\.\d\d", h) for _, h in rows)
    hours = np.array([float(h) for _, h in rows])
    assert hours.min() >= 0 and hours.max() <= 40
    for school in range(1, 9):
        x = np.array([float(h) for s, h in rows if int(s) == school])
        d = x - x.mean()
        assert np.mean(d**3) > 0, f"school {school} is not right-skewed"


# --------------------------------------------------------------- load_homework
def test_load_homework_reproduces_the_table():
    data = teachkit.load_homework()
    assert data.J == 8
    assert data.n_total == 165
    assert data.labels == tuple(str(j) for j in range(1, 9))
    assert data.value_name == "hours" and data.group_name == "school"
    for j, label in enumerate(data.labels):
        n, mean, sd = TABLE[label]
        assert data.n[j] == n
        assert round(float(data.means[j]), 3) == mean
        assert round(float(data.sds[j]), 3) == sd
        x = data.group_values(j)
        assert x.size == n and round(float(np.std(x, ddof=1)), 3) == sd


def test_summary_keeps_full_precision_and_shows_three_decimals():
    data = load_homework()
    table = data.summary()
    assert isinstance(table, pd.DataFrame)
    assert list(table.columns) == ["sample size", "sample mean", "sample sd"]
    assert table.index.name == "school"
    assert list(table.index) == [str(j) for j in range(1, 9)]
    assert list(table["sample size"]) == [TABLE[s][0] for s in table.index]
    assert [round(float(x), 3) for x in table["sample mean"]] == [TABLE[s][1] for s in table.index]
    assert [round(float(x), 3) for x in table["sample sd"]] == [TABLE[s][2] for s in table.index]
    # held at full precision, not rounded
    np.testing.assert_array_equal(table["sample mean"].to_numpy(), data.means)
    np.testing.assert_array_equal(table["sample sd"].to_numpy(), data.sds)
    assert (table["sample mean"] != table["sample mean"].round(3)).any()
    assert (table["sample sd"] != table["sample sd"].round(3)).any()
    # shown with 3 decimals
    shown = repr(table)
    numbers = re.findall(r"\d+\.\d+", shown)
    assert len(numbers) == 16
    assert all(len(x.split(".")[1]) == 3 for x in numbers)
    assert "12.001" in shown and "5.073" in shown


def test_load_homework_rejects_negative_hours(tmp_path):
    path = _write(tmp_path, "school,hours\n1,2.5\n1,-1.5\n2,3.0\n")
    with pytest.raises(
        ValueError,
        match=re.escape("homework hours cannot be negative: data.csv, row 2 (line 3), column 'hours' holds -1.5"),
    ):
        load_homework(path)


def test_negative_hours_after_a_blank_line_name_the_right_line(tmp_path):
    path = _write(tmp_path, "school,hours\n1,2\n\n1,-3\n")
    with pytest.raises(ValueError, match=re.escape("data.csv, row 2 (line 4), column 'hours' holds -3")):
        load_homework(path)


def test_from_csv_accepts_negative_values(tmp_path):
    path = _write(tmp_path, "school,hours\n1,2.5\n1,-1.5\n2,3.0\n")
    data = GroupedData.from_csv(path, value="hours", group="school")
    np.testing.assert_array_equal(data.values, [2.5, -1.5, 3.0])
    assert data.means[0] == 0.5


def test_load_homework_reads_a_valid_file(tmp_path):
    path = _write(tmp_path, "school,hours\n2,1.0\n1,2.0\n1,4.0\n")
    data = load_homework(path)
    assert data.labels == ("1", "2") and data.unit == "hours per week"
    np.testing.assert_array_equal(data.n, [2, 1])


# --------------------------------------------------------------- from_csv: bad input
def test_missing_file(tmp_path):
    path = tmp_path / "nope.csv"
    with pytest.raises(ValueError, match=re.escape(f"data file not found: {path}")):
        GroupedData.from_csv(path, value="hours", group="school")


@pytest.mark.parametrize("text", ["", "\n", "  \n"])
def test_empty_file(tmp_path, text):
    path = _write(tmp_path, text)
    with pytest.raises(ValueError, match=re.escape(f"{path} is empty: expected a header row")):
        GroupedData.from_csv(path, value="hours", group="school")


@pytest.mark.parametrize("text", ["school,hours", "school,hours\n", "school,hours\n\n"])
def test_header_only_file(tmp_path, text):
    path = _write(tmp_path, text)
    with pytest.raises(ValueError, match=re.escape(f"{path} has a header but no data rows")):
        GroupedData.from_csv(path, value="hours", group="school")


def test_unknown_value_column_lists_the_columns(tmp_path):
    path = _write(tmp_path, "school,hours\n1,2.0\n")
    with pytest.raises(
        ValueError,
        match=re.escape(
            f"{path} has no column 'hrs' (asked for as the value column); "
            "its columns are ['school', 'hours']"
        ),
    ):
        GroupedData.from_csv(path, value="hrs", group="school")


def test_unknown_group_column_lists_the_columns(tmp_path):
    path = _write(tmp_path, "school,hours\n1,2.0\n")
    with pytest.raises(
        ValueError,
        match=re.escape(
            f"{path} has no column 'group' (asked for as the group column); "
            "its columns are ['school', 'hours']"
        ),
    ):
        GroupedData.from_csv(path, value="hours", group="group")


@pytest.mark.parametrize("text", ["school,hours\n1,2.0\n1,\n", "school,hours\n1,2.0\n1\n"])
def test_missing_value_names_row_and_column(tmp_path, text):
    path = _write(tmp_path, text)
    with pytest.raises(
        ValueError, match=re.escape("data.csv, row 2 (line 3), column 'hours': missing value")
    ):
        GroupedData.from_csv(path, value="hours", group="school")


def test_nan_in_csv_is_a_missing_value(tmp_path):
    path = _write(tmp_path, "school,hours\n1,2.0\n1,nan\n")
    with pytest.raises(
        ValueError, match=re.escape("data.csv, row 2 (line 3), column 'hours': missing value (NaN)")
    ):
        GroupedData.from_csv(path, value="hours", group="school")


def test_non_numeric_value_names_value_row_and_column(tmp_path):
    path = _write(tmp_path, "school,hours\n1,2.0\n2,3.0\n2,about 4\n")
    with pytest.raises(
        ValueError,
        match=re.escape("data.csv, row 3 (line 4), column 'hours': 'about 4' is not a number"),
    ):
        GroupedData.from_csv(path, value="hours", group="school")


@pytest.mark.parametrize("cell", ["inf", "-inf", "Infinity"])
def test_infinite_value(tmp_path, cell):
    path = _write(tmp_path, f"school,hours\n1,2.0\n1,{cell}\n")
    with pytest.raises(
        ValueError, match=re.escape(f"data.csv, row 2 (line 3), column 'hours': '{cell}' is infinite")
    ):
        GroupedData.from_csv(path, value="hours", group="school")


def test_missing_group_label_in_csv(tmp_path):
    path = _write(tmp_path, "school,hours\n1,2.0\n ,3.0\n")
    with pytest.raises(
        ValueError, match=re.escape("data.csv, row 2 (line 3), column 'school': missing group label")
    ):
        GroupedData.from_csv(path, value="hours", group="school")


# --------------------------------------------------------------- from_arrays: bad input
def test_nan_in_from_arrays():
    with pytest.raises(ValueError, match=re.escape("values[1]: missing value (NaN)")):
        GroupedData.from_arrays([1.0, math.nan, 2.0], ["a", "a", "b"])


@pytest.mark.parametrize("bad", [math.inf, -math.inf, np.inf])
def test_infinite_in_from_arrays(bad):
    with pytest.raises(ValueError, match=re.escape(f"values[2]: {bad!r} is infinite")):
        GroupedData.from_arrays([1.0, 2.0, bad], ["a", "a", "b"])


def test_non_numeric_in_from_arrays():
    with pytest.raises(ValueError, match=re.escape("values[0]: 'x' is not a number")):
        GroupedData.from_arrays(["x", 2.0], ["a", "b"])


def test_missing_value_in_from_arrays():
    with pytest.raises(ValueError, match=re.escape("values[1]: missing value")):
        GroupedData.from_arrays([1.0, None], ["a", "b"])


def test_different_lengths():
    with pytest.raises(
        ValueError,
        match=re.escape("values and groups have different lengths (3 values, 2 group labels)"),
    ):
        GroupedData.from_arrays([1.0, 2.0, 3.0], ["a", "b"])


def test_no_observations():
    with pytest.raises(ValueError, match="no observations"):
        GroupedData.from_arrays([], [])


@pytest.mark.parametrize("label", [None, math.nan, "", "  "])
def test_missing_group_label_in_from_arrays(label):
    with pytest.raises(
        ValueError, match=re.escape("groups[1] is missing: every value needs a group label")
    ):
        GroupedData.from_arrays([1.0, 2.0], ["a", label])


# --------------------------------------------------------------- valid edge cases
def test_single_observation_group_from_arrays():
    data = GroupedData.from_arrays([1.0, 2.0, 4.0], ["a", "a", "b"])
    assert list(data.n) == [2, 1]
    assert data.sds[0] == pytest.approx(math.sqrt(0.5))
    assert math.isnan(data.sds[1])
    assert data.ss[1] == 0.0 and data.means[1] == 4.0
    table = data.summary()
    assert math.isnan(table.loc["b", "sample sd"])
    shown = repr(table)
    b_line = next(line for line in shown.splitlines() if line.startswith("b "))
    assert b_line.split() == ["b", "1", "4.000", "—"]
    assert "0.707" in shown and "nan" not in shown.lower()
    assert "—" in table._repr_html_()


def test_single_observation_group_from_csv(tmp_path):
    path = _write(tmp_path, "school,hours\n1,2.0\n1,3.0\n2,5.0\n")
    data = GroupedData.from_csv(path, value="hours", group="school")
    assert math.isnan(data.sds[1])
    assert "—" in repr(data.summary())


def test_string_labels():
    data = GroupedData.from_arrays([1.0, 2.0, 3.0, 4.0], ["north", "east", "north", "west"])
    assert data.labels == ("east", "north", "west")
    np.testing.assert_array_equal(data.groups, [1, 0, 1, 2])
    np.testing.assert_array_equal(data.group_values(1), [1.0, 3.0])
    assert list(data.summary().index) == ["east", "north", "west"]


@pytest.mark.parametrize(
    "groups", [[10, 2, 1, 2], ["10", "2", "1", "2"], [10.0, 2.0, 1.0, 2.0], np.array([10, 2, 1, 2])]
)
def test_numeric_labels_sort_as_numbers(groups):
    data = GroupedData.from_arrays([1.0, 2.0, 3.0, 4.0], groups)
    assert data.labels == ("1", "2", "10")
    np.testing.assert_array_equal(data.groups, [2, 1, 0, 1])
    np.testing.assert_array_equal(data.group_values(1), [2.0, 4.0])


def test_label_order_does_not_depend_on_the_hash_seed():
    # "2" and "02" are equal as numbers; their order must not follow set order,
    # which changes from one interpreter to the next.
    code = (
        "from teachkit.data import GroupedData as G\n"
        "print(G.from_arrays([1, 2, 3, 4], ['02', '2', '1', 'nan']).labels)"
    )
    seen = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in range(6)
    }
    assert seen == {"('1', '02', '2', 'nan')\n"}
