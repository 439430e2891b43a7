"""Every sentence true: numbers in the notebooks' prose are backed by outputs, colours match legends.

tools/prose.py holds the check (it also runs from the command line); these tests run it on
every lecture notebook, exercise and solution, and show that it fails where it should: a
planted number that no cell prints, a colour that no legend shows, a label the sentence
does not name.
"""

import copy
import json
import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
prose = runpy.run_path(str(ROOT / "tools" / "prose.py"))
NOTEBOOKS = [*prose["LECTURES"], *prose["SOLUTIONS"], *prose["STUDENTS"]]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_number_and_colour_in_the_prose_is_backed(path):
    findings = prose["check"](path)
    assert not findings, "\n".join(map(str, findings))


def test_the_notebooks_are_all_there():
    assert len(prose["LECTURES"]) >= 9 and len(prose["SOLUTIONS"]) >= 6
    assert len(prose["STUDENTS"]) == len(prose["SOLUTIONS"])


def _notebook(*cells):
    return {"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def _md(text):
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def _code(src, *outputs):
    return {"cell_type": "code", "metadata": {}, "source": src, "outputs": list(outputs), "execution_count": 1}


def _printed(text):
    return {"output_type": "stream", "name": "stdout", "text": text}


def _figure(legend):
    return {"output_type": "display_data", "data": {"image/png": "", "text/plain": "<Figure>"},
            "metadata": {"image/png": {"alt": "A figure.", "legend": legend}}}


def test_a_planted_unbacked_number_fails_in_a_real_notebook():
    path = ROOT / "notebooks" / "05_shrinkage.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert not prose["check_numbers"](nb, "05")
    planted = copy.deepcopy(nb)
    planted["cells"].append(_md("School 5 keeps 43.71% of its distance, about 2.468 hours."))
    found = {f.text for f in prose["check_numbers"](planted, "05")}
    assert found == {"43.71%", "2.468"}


def test_numbers_are_backed_at_the_precision_quoted():
    nb = _notebook(_code("x = 2000\nprint(round(m, 2))", _printed("posterior mean 7.68, ESS 4,544, p = 0.632\n")),
                   _md("About 7.7 hours (7.68), 4,544 or 4,500 effective draws, 63% of the way, 63.2%, "
                       "2000 draws of 8 schools, one hour in 0.05."))
    assert prose["check_numbers"](nb, "t") == []
    wrong = _notebook(nb["cells"][0], _md("About 7.6 hours, 7.683 hours, 64% of the way, 4,600 draws."))
    assert {f.text for f in prose["check_numbers"](wrong, "t")} == {"7.6", "7.683", "64%", "4,600"}


def test_citations_links_and_allowed_numbers_are_not_checked():
    nb = _notebook(_md("Gelman (2006), Hoff's exercise 8.3, [a link](https://x.org/v2/123.45)."),
                   _md("*References:* Y. Yu and X.-L. Meng (2011), JCGS 20, 531–570."))
    assert prose["check_numbers"](nb, "t") == []


def test_colour_words_must_match_the_legend_beside_them():
    legend = [{"label": "no pooling", "colour": "vermillion"}, {"label": "school variances", "colour": "reddish purple"}]
    good = _notebook(_md("School variances in reddish purple, no pooling in vermillion."), _code("f()", _figure(legend)))
    assert prose["check_colours"](good, "t") == []
    bad = _notebook(_md("Model 4 in purple, Model 2 in red."), _code("f()", _figure(legend)))
    problems = [f.text for f in prose["check_colours"](bad, "t")]
    assert problems == ["purple", "red"]
    unnamed = _notebook(_code("f()", _figure(legend)), _md("Model 2 is drawn in vermillion."))
    assert [f.problem.split(":")[0] for f in prose["check_colours"](unnamed, "t")] == [
        "the sentence does not name the legend entry drawn in vermillion"]
