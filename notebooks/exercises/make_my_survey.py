"""Write teachkit/datasets/my_survey.csv: an INVENTED data set for the open task of exercise 6.

Minutes spent reading for pleasure on one school day, reported by the pupils of six
classes (A to F). Nothing here was measured: class means are drawn around 25 minutes
with a spread of 6 minutes between classes, pupils around their class mean with a
spread of 12 minutes, cut at 0 and rounded to whole minutes. One fixed seed, so every
run writes the same bytes. The file ships inside teachkit; exercise 6 opens it with
`tk.datasets.path("my_survey.csv")`, so the notebook finds it wherever it runs.

    python notebooks/exercises/make_my_survey.py
"""

from pathlib import Path

import numpy as np

SEED = 20261124
PACKAGED = Path(__file__).resolve().parents[2] / "teachkit" / "datasets" / "my_survey.csv"
SIZES = {"A": 24, "B": 27, "C": 6, "D": 21, "E": 30, "F": 18}


def main(out=None):
    """Write the CSV to ``out`` (default: teachkit/datasets/my_survey.csv in this repository)."""
    rng = np.random.default_rng(SEED)
    rows = ["class,minutes"]
    for label, size in SIZES.items():
        class_mean = rng.normal(25, 6)
        minutes = np.maximum(0, np.round(rng.normal(class_mean, 12, size=size)))
        rows += [f"{label},{int(m)}" for m in minutes]
    out = Path(out) if out else PACKAGED
    out.write_text("\n".join(rows) + "\n", encoding="utf-8", newline="\n")
    print(f"wrote {out} ({len(rows) - 1} pupils in {len(SIZES)} classes)")


if __name__ == "__main__":
    main()
