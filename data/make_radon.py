"""Rebuild teachkit/datasets/radon.csv: log radon in the basements of houses, in counties, in states.

Source and licence
------------------
The U.S. Environmental Protection Agency's State Residential Radon Survey (SRRS),
measured in 1987-1992: one short-term radon measurement per house. A work of the
U.S. federal government, in the public domain. We read the file ``srrs2.dat`` that
Gelman & Hill (*Data Analysis Using Regression and Multilevel/Hierarchical Models*,
2007) used, from the copy in the public repository stan-dev/posteriordb:

    posterior_database/data/data-raw/radon/srrs2.dat.zip
    (repository https://github.com/stan-dev/posteriordb, BSD-3-Clause for its own code;
    this file last changed in its commit bf1db267d1c3fba503f1e17f03cdce75d0011de3)

Run it with the path of that zip file:

    git clone https://github.com/stan-dev/posteriordb   # or download only that file
    python data/make_radon.py posteriordb/posterior_database/data/data-raw/radon/srrs2.dat.zip

The script refuses a zip whose SHA-256 is not the one we read (SOURCE_SHA256).

What is kept, and why
---------------------
The file holds 12,777 houses with 10 codes in its ``state`` column. Kept:

* **Seven states** (AZ, IN, MA, MN, MO, ND, PA). The code "R5" is not a state: its
  "counties" are tribal lands (Bad River, Leech Lake, Menominee, Red Lake, ...), its
  ``state2`` column puts them in Wisconsin, Minnesota and Michigan, the states of
  the EPA's Region 5, and several of them span more than one county (``cntyfips``
  differs, or is 999). It is a separate survey of homes on tribal lands in EPA
  Region 5 with its own units, not a state with counties, so it does not fit
  "houses in counties in states" and is left out (934 houses).
* **Basement measurements only** (``floor`` = 0). Radon comes from the soil, so a
  basement reading is higher than one taken on the first floor (Gelman & Hill model
  the floor as a predictor; our model has none). How many houses have a basement
  differs a lot between states (in Arizona 45 of 1,507 readings were taken in a
  basement), so mixing floors would make states differ by their housing rather than
  by their radon. Keeping one floor makes every value the same kind of measurement.
* **Houses with a county name** (a few rows have none).

Each value is ``log(activity + 0.1)``, activity in pCi/L, as in posteriordb's own
preparation of these data (``radon.R`` next to the zip): activity is recorded to
0.1 pCi/L and some readings are 0.0 (below what the test resolves); adding 0.1
keeps them, rather than dropping the lowest readings and biasing county means up.

Columns: ``log_radon`` (6 decimals), ``county`` ("MN: AITKIN", the state first, so
that the name is unique across states and counties sort by state) and ``state``.
Rows are sorted by state, county and the survey's house id.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import sys
import zipfile
from pathlib import Path

SOURCE_SHA256 = "1134f17354d1cce504cbf541efe0341998e3c0a2e5c02b53042546345e65989a"
OUT = Path(__file__).resolve().parent.parent / "teachkit" / "datasets" / "radon.csv"
NOT_A_STATE = {"R5": "tribal lands in EPA Region 5 (WI, MN, MI), a separate survey"}
BASEMENT = "0"


def read_houses(zip_path: Path):
    """The rows of srrs2.dat as dicts with stripped fields."""
    raw = zip_path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SOURCE_SHA256:
        raise SystemExit(f"{zip_path}: SHA-256 {digest}, expected {SOURCE_SHA256}: not the file this script was written for")
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        text = z.read("srrs2.dat").decode("ascii")
    rows = [r for r in csv.reader(io.StringIO(text)) if r]
    header = [h.strip() for h in rows[0]]
    return [dict(zip(header, (c.strip() for c in r))) for r in rows[1:]]


def keep(house) -> bool:
    return (house["state"] not in NOT_A_STATE and house["floor"] == BASEMENT and house["county"] != "")


def derived_rows(houses):
    rows = []
    for h in filter(keep, houses):
        activity = float(h["activity"])
        rows.append((h["state"], h["county"], int(h["idnum"]), math.log(activity + 0.1)))
    rows.sort()
    return [{"log_radon": f"{y:.6f}", "county": f"{state}: {county}", "state": state}
            for state, county, _, y in rows]


def main(argv):
    if len(argv) != 2:
        raise SystemExit("usage: python data/make_radon.py PATH/TO/srrs2.dat.zip")
    houses = read_houses(Path(argv[1]))
    rows = derived_rows(houses)
    with OUT.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["log_radon", "county", "state"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    states = sorted({r["state"] for r in rows})
    counties = len({r["county"] for r in rows})
    print(f"{len(houses)} houses read; wrote {len(rows)} basement readings in {counties} counties "
          f"in {len(states)} states ({', '.join(states)}) to {OUT}")


if __name__ == "__main__":
    main(sys.argv)
