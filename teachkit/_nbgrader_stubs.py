"""nbgrader's ClearSolutions with teachkit's stubs (named in the course's nbgrader_config.py).

nbgrader replaces a code solution region with one fixed stub (``raise NotImplementedError()``),
which stops a student's notebook at the first task. This replaces it with the stub
:func:`teachkit.exercises.strip_code` writes: the region's ``# TODO`` line and ``name = ...`` for
each name the notebook reads later, so the released notebook is the student notebook of
``make exercises`` and every check below an unanswered task prints ✗ with a hint. Markdown
regions are left to nbgrader (its ``text_stub`` is teachkit's ``*Write your answer here.*``).

Imports nbgrader: only nbgrader itself loads this module.
"""

from nbgrader.preprocessors import ClearSolutions

from teachkit.exercises import _source, _without_regions, strip_code


class ClearSolutionsToStubs(ClearSolutions):
    """ClearSolutions whose code stubs are teachkit's."""

    def preprocess(self, nb, resources):
        code = [_source(c) if c.cell_type == "code" else "" for c in nb.cells]
        self._later = [_without_regions("\n".join(code[i + 1:])) for i in range(len(code))]
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, cell_index):
        self._index = cell_index
        return super().preprocess_cell(cell, resources, cell_index)

    def _replace_solution_region(self, cell, language):
        if cell.cell_type != "code":
            return super()._replace_solution_region(cell, language)
        stubbed = strip_code(cell.source, self._later[self._index])
        replaced = stubbed != cell.source
        cell.source = stubbed
        return replaced
