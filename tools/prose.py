"""Check the prose of the notebooks against what their cells print: every number backed, every colour named right.

    python tools/prose.py                       # every lecture notebook, exercise and solution
    python tools/prose.py notebooks/05_shrinkage.ipynb

A number in a markdown cell with two or more significant digits ("7.68", "165", "63%",
"1,200"; not "8", "0.5" or "1000") must be *backed*:

* it appears, at the precision quoted, in a stored output of the same notebook: the text a
  cell printed or displayed, or a legend label of a figure (what a student can read). "7.7"
  is backed by a printed 7.68 (rounded to one decimal it is 7.7), "63%" by 0.63 or 63%;
  a figure's alt text does not count (a sighted student never sees it);
* or it is *declared*: a literal in the notebook's code (a prior's parameter, a number of
  draws, a typed-in published value), or an entry of ALLOWED below, each with its reason;
* citations ("*References:*" paragraphs) and link targets are not prose to check.

A student exercise is backed by its solution's outputs (the student version has none).

Colours: where a markdown cell sits next to a code cell that shows a teachkit figure with a
legend (its output metadata holds the legend's labels and colour names, written by
``teachkit._alt``), every colour word of the cell ("vermillion", "purple", ...) must be the
colour of a legend entry, and the sentence naming it must also name that entry's label.

Exit status 1 and a list when anything is unbacked; ``tests/test_prose.py`` runs the same check.
"""

from __future__ import annotations

import io
import json
import re
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path

# a cell's source as text: the same as the student-notebook builder's (and tools/notebook_links.py's)
from teachkit.exercises import _source

ROOT = Path(__file__).resolve().parents[1]
LECTURES = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
SOLUTIONS = sorted((ROOT / "notebooks" / "exercises" / "solutions").glob("ex*.ipynb"))
STUDENTS = sorted((ROOT / "notebooks" / "exercises").glob("ex*.ipynb"))

#: Numbers that prose may quote without a cell printing them, and why.
ALLOWED = {
    "1961": "a year: James and Stein (1961)",
    "1987": "a year: the EPA's radon survey ran 1987-1992 (notebook 10)",
    "1992": "a year: the EPA's radon survey ran 1987-1992 (notebook 10)",
    "1962": "a year: Lindley (1962)",
    "2006": "a year: Gelman (2006)",
    "2008": "a year: Okabe and Ito (2008)",
    "2009": "a year: Hoff (2009)",
    "2011": "a year: Yu and Meng (2011)",
    "2012": "a year: Gelman, Hill and Yajima (2012)",
    "2018": "a year: Talts et al. (2018)",
    "2021": "a year: Vehtari et al. (2021)",
    "8.3": "a citation: Hoff's exercise 8.3",
    "10239": "a citation: statsmodels' issue 10239 (a known bug)",
    "8.5": "a citation: Hoff's section 8.5",
    "168": "a fact: a week has 7 × 24 = 168 hours",
    "1.96": "the 97.5% quantile of the standard normal",
    "95": "the level of an interval (95%)",
    "2.5": "the lower quantile of a 95% interval (2.5%)",
    "97.5": "the upper quantile of a 95% interval (97.5%)",
}

# A number: digits with optional thousands separators and decimals, optionally a percent.
NUMBER = re.compile(r"(?<![\w.^_\\])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?![\w])(\s?%)?")
# Numbers printed by cells: plain, with separators, or in scientific notation.
OUTPUT_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
COLOURS = ("reddish purple", "bluish green", "sky blue", "vermillion", "black", "orange", "yellow",
           "blue", "green", "red", "purple", "pink", "brown")
COLOUR = re.compile(r"\b(" + "|".join(COLOURS) + r")\b", re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    path: str
    cell: int
    text: str
    problem: str

    def __str__(self):
        return f"{self.path} cell {self.cell}: {self.text!r}: {self.problem}"


def _load(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


# ------------------------------------------------------------------------- what prose says
def _prose_text(markdown: str) -> str:
    """The markdown a student reads as sentences: without citations, link targets, images and HTML tags."""
    kept = [line for line in markdown.split("\n\n") if not re.match(r"\s*\*References?:\*", line)]
    text = "\n\n".join(kept)
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", " ", text)          # images
    text = re.sub(r"\]\([^)]*\)", "] ", text)                    # link targets
    text = re.sub(r"https?://\S+", " ", text)
    text = re.sub(r"<[^>]+>", " ", text)
    return text


def significant_digits(digits: str) -> int:
    """Significant digits of a number as written: '7.68' 3, '0.05' 1, '165' 3, '1,200' 2, '1000' 1."""
    plain = digits.replace(",", "")
    if "." in plain:
        return len(plain.replace(".", "").lstrip("0"))
    return len(plain.strip("0"))


def prose_numbers(markdown: str):
    """(text as written, value, decimals, is_percent) for every number with 2+ significant digits."""
    for m in NUMBER.finditer(_prose_text(markdown)):
        whole, frac, percent = m.group(1), m.group(2) or "", m.group(3)
        written = whole + frac
        if significant_digits(written) < 2:
            continue
        value = float(written.replace(",", ""))
        if frac:
            decimals = len(frac) - 1
        else:
            plain = whole.replace(",", "")
            decimals = -(len(plain) - len(plain.rstrip("0")))
        yield written + ("%" if percent else ""), value, decimals, bool(percent)


# ------------------------------------------------------------------------- what cells show
def output_texts(cell) -> list[str]:
    """The text a student sees in a code cell's outputs: printed text, displayed text, legend labels."""
    texts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            texts.append("".join(out.get("text", "")))
        data = out.get("data", {})
        for key in ("text/plain", "text/markdown", "text/html"):
            if key in data and (key != "text/html" or "text/plain" not in data):
                texts.append("".join(data[key]))
        meta = out.get("metadata", {}).get("image/png", {})
        texts += [entry.get("label", "") for entry in meta.get("legend", [])]
    return texts


def code_literals(source: str) -> set[float]:
    """Every number literal in a cell's code (comments and strings excluded)."""
    values = set()
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.NUMBER:
                try:
                    values.add(float(tok.string.replace("_", "").rstrip("jJ")))
                except ValueError:
                    pass
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return values


def shown_numbers(texts) -> set[float]:
    values = set()
    for text in texts:
        for m in OUTPUT_NUMBER.finditer(text):
            try:
                values.add(float(m.group(0).replace(",", "")))
            except ValueError:
                pass
    return values


def _backed(value, decimals, percent, shown) -> bool:
    candidates = [(value, decimals)] + ([(value / 100, decimals + 2)] if percent else [])
    for v, d in candidates:
        half = 0.5 * 10.0 ** (-d) * (1 + 1e-9)
        if any(abs(s - v) <= half for s in shown):
            return True
    return False


# ------------------------------------------------------------------------- the checks
def check_numbers(nb: dict, path: str, *, backing: dict | None = None) -> list[Finding]:
    """Every number of the prose of ``nb`` backed by its outputs, its code, or ALLOWED.

    ``backing``: another notebook whose outputs and code also count (a student exercise's solution).
    """
    sources = [nb] + ([backing] if backing is not None else [])
    shown, declared = set(), set()
    for book in sources:
        for cell in book["cells"]:
            if cell["cell_type"] == "code":
                shown |= shown_numbers(output_texts(cell))
                declared |= code_literals(_source(cell))
    findings = []
    for k, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        for written, value, decimals, percent in prose_numbers(_source(cell)):
            if written.rstrip("%") in ALLOWED:
                continue
            if _backed(value, decimals, percent, shown):
                continue
            if not percent and value in declared:
                continue
            findings.append(Finding(path, k, written, "no output of this notebook shows it, and it is not declared "
                                                       "(a literal in the code, or tools/prose.py ALLOWED)"))
    return findings


def _legend(cell) -> list[dict]:
    entries = []
    for out in cell.get("outputs", []):
        entries += out.get("metadata", {}).get("image/png", {}).get("legend", [])
    return entries


def _label_key(label: str) -> str:
    """A legend label as prose would name it: LaTeX symbols as letters, up to a line break, '=' or '('."""
    label = label.replace("$\\mu$", "μ").replace("$\\tau$", "τ").replace("$", "")
    return re.split(r"[\n=(]", label)[0].strip().lower()


def _sentences(text: str):
    return [s for s in re.split(r"(?<=[.;:!?])\s+|\n\s*[-*]\s", text) if s.strip()]


def check_colours(nb: dict, path: str) -> list[Finding]:
    """Colour words next to a teachkit figure with a legend name a legend colour and its label."""
    cells = nb["cells"]
    findings = []
    for k, cell in enumerate(cells):
        if cell["cell_type"] != "markdown":
            continue
        neighbours = []
        for step in (-1, 1):
            j = k + step
            while 0 <= j < len(cells) and cells[j]["cell_type"] != "code":
                j += step
            if 0 <= j < len(cells):
                neighbours.append(cells[j])
        legend = [entry for c in neighbours for entry in _legend(c)]
        if not legend:
            continue
        for sentence in _sentences(_prose_text(_source(cell))):
            for m in COLOUR.finditer(sentence):
                colour = m.group(1).lower()
                labels = [_label_key(e["label"]) for e in legend if e.get("colour", "").lower() == colour]
                if not labels:
                    shown = sorted({e.get("colour", "") for e in legend})
                    findings.append(Finding(path, k, m.group(0), f"no legend entry of the figure beside it is "
                                                                  f"{colour} (its colours: {', '.join(shown)})"))
                elif not any(label and label in sentence.lower() for label in labels):
                    findings.append(Finding(path, k, m.group(0), f"the sentence does not name the legend entry "
                                                                  f"drawn in {colour}: {' / '.join(labels)}"))
    return findings


def check(path: Path) -> list[Finding]:
    path = Path(path)
    nb = _load(path)
    backing = None
    solution = path.parent / "solutions" / path.name
    if path.parent.name == "exercises" and solution.exists():
        backing = _load(solution)
    name = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
    return check_numbers(nb, name, backing=backing) + check_colours(nb, name)


def main(argv=None) -> int:
    paths = [Path(p).resolve() for p in (argv or [])] or [*LECTURES, *SOLUTIONS, *STUDENTS]
    findings = [f for p in paths for f in check(p)]
    for f in findings:
        print(f)
    print(f"{len(findings)} finding(s) in {len(paths)} notebook(s)")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
