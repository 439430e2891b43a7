r"""Build the students' exercise notebooks from the solution notebooks.

The solution notebooks in ``notebooks/exercises/solutions/`` are the single source
of truth. Their answers sit between two marker lines, as in nbgrader:

    ### BEGIN SOLUTION
    # TODO: what the student should write (optional; becomes the stub's comment)
    ...the answer...
    ### END SOLUTION

in a code cell, or in a markdown cell (a derivation, an interpretation).
``python -m teachkit.exercises build`` (or ``make exercises``) writes the student
version of every ``ex*.ipynb`` next to the solutions' folder, with

* each code region replaced by a stub that still runs: the ``# TODO:`` comment
  lines (or a generic one), then ``name = ...`` for every name the region assigns
  and the notebook reads afterwards (or a bare ``...`` if there is none), at the
  region's indentation. The checks in :mod:`teachkit.check` treat ``...`` as
  "no answer yet" and print a ✗ with a hint, so the student's notebook runs to its end;
* each markdown region replaced by ``*Write your answer here.*``;
* cells tagged ``solution-only`` left out;
* outputs, execution counts and execution timestamps cleared; slide and tag
  metadata kept; notebook metadata reduced to the kernel spec;
* data files (``*.csv``) in the solutions' folder copied alongside.

The output is deterministic (the same bytes on every run): nbformat 4.5, keys
sorted, one-space indentation, a trailing newline.

Only the standard library is used, so building needs neither Jupyter nor nbformat.
"""

from __future__ import annotations

import argparse
import ast
import io
import json
import re
import shutil
import sys
import textwrap
import tokenize
from pathlib import Path

__all__ = ["BEGIN", "END", "MARKDOWN_STUB", "RegionError", "build", "dumps", "student_notebook",
           "strip_code", "strip_markdown", "has_solution", "main"]

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
SOLUTION_ONLY_TAG = "solution-only"
MARKDOWN_STUB = "*Write your answer here.*"
GENERIC_TODO = "# TODO: write your answer here"
NBFORMAT_MINOR = 5
DATA_SUFFIXES = (".csv",)


class RegionError(ValueError):
    """A BEGIN without END, an END without BEGIN, or a nested BEGIN."""


# ------------------------------------------------------------------ regions
def _regions(lines: list[str]):
    """(start, end) line indices of each BEGIN/END pair (inclusive of the markers)."""
    out, start = [], None
    for i, line in enumerate(lines):
        mark = line.strip()
        if mark == BEGIN:
            if start is not None:
                raise RegionError(f"line {i + 1}: {BEGIN} inside another solution region")
            start = i
        elif mark == END:
            if start is None:
                raise RegionError(f"line {i + 1}: {END} without a {BEGIN} before it")
            out.append((start, i))
            start = None
    if start is not None:
        raise RegionError(f"line {start + 1}: {BEGIN} is never closed by {END}")
    return out


def has_solution(source: str) -> bool:
    """Whether a cell's source holds at least one solution region."""
    return bool(_regions(source.splitlines()))


def _replace_regions(source: str, stub) -> str:
    """``source`` with each solution region, markers included, replaced by the lines
    ``stub(lines, a, b)`` returns for the region from line ``a`` to line ``b``."""
    lines = source.splitlines()
    regions = _regions(lines)
    if not regions:
        return source
    out, pos = [], 0
    for a, b in regions:
        out.extend(lines[pos:a])
        out.extend(stub(lines, a, b))
        pos = b + 1
    out.extend(lines[pos:])
    return "\n".join(out) + ("\n" if source.endswith("\n") else "")


def _without_regions(source: str) -> str:
    return _replace_regions(source, lambda lines, a, b: [])


def _assigned_names(code: str) -> list[str]:
    """Names a block of code binds at its own level (not inside functions it defines), in order."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    names: list[str] = []

    def add(name):
        if name not in names:
            names.append(name)

    def visit(node):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            add(node.name)
            return
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            return
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            add(node.id)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return names


def _names_read(code: str) -> set[str]:
    """Every identifier in ``code`` outside comments and strings (attribute names excluded)."""
    names, previous = set(), None
    # Indentation carries no names; without it a fragment of a block (the rest of a loop's
    # body after a region) tokenizes cleanly.
    code = "\n".join(line.lstrip() for line in code.splitlines()) + "\n"
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.type == tokenize.NAME and previous != ".":
                names.add(tok.string)
            if tok.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT):
                previous = tok.string
    except (tokenize.TokenError, IndentationError, SyntaxError):
        # an unfinished fragment: fall back to words, which may over-count (a harmless extra stub)
        names |= set(re.findall(r"(?<![\w.])[A-Za-z_]\w*", code))
    return names


def strip_code(source: str, later: str = "") -> str:
    """A code cell's source with every solution region replaced by a stub.

    ``later`` is the code that runs after this cell (the notebook's later cells,
    solution regions removed): a name the region assigns gets a ``name = ...``
    stub only if it is read after the region, in this cell or in ``later``.
    """
    def stub(lines, a, b):
        indent = lines[a][: len(lines[a]) - len(lines[a].lstrip())]
        body = lines[a + 1:b]
        hint = []
        for line in body:
            text = line.strip()
            if not text.startswith("#") or (not hint and not text.upper().startswith("# TODO")):
                break
            hint.append(indent + text)
        after = _without_regions("\n".join(lines[b + 1:])) + "\n" + later
        read = _names_read(after)
        names = [n for n in _assigned_names(textwrap.dedent("\n".join(body))) if n in read]
        out = hint or [indent + GENERIC_TODO]
        if names:
            out.extend(indent + f"{n} = ..." for n in names)
        elif indent:
            out.append(indent + "...")    # a block needs a statement; at top level a comment is enough
        return out

    return _replace_regions(source, stub)


def strip_markdown(source: str) -> str:
    """A markdown cell's source with every solution region replaced by MARKDOWN_STUB."""
    return _replace_regions(source, lambda lines, a, b: [MARKDOWN_STUB])


# ------------------------------------------------------------------ notebooks
def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _lines(text: str) -> list[str]:
    """Source as Jupyter stores it: a list of lines, each but the last ending in a newline."""
    return text.splitlines(keepends=True)


def student_notebook(nb: dict) -> dict:
    """The student version of a solution notebook (a dict as read from .ipynb JSON)."""
    cells = [c for c in nb.get("cells", [])
             if SOLUTION_ONLY_TAG not in c.get("metadata", {}).get("tags", [])]
    code = [_source(c) if c.get("cell_type") == "code" else "" for c in cells]
    out_cells = []
    for i, cell in enumerate(cells):
        kind = cell.get("cell_type")
        src = _source(cell)
        try:
            if kind == "code":
                later = _without_regions("\n".join(code[i + 1:]))
                src = strip_code(src, later)
            elif kind == "markdown":
                src = strip_markdown(src)
        except RegionError as err:
            raise RegionError(f"cell {i} ({cell.get('id', '?')}): {err}") from None
        meta = {k: v for k, v in cell.get("metadata", {}).items() if k not in ("execution", "collapsed", "scrolled")}
        new = {"cell_type": kind, "metadata": meta, "source": _lines(src)}
        if "id" in cell:
            new["id"] = cell["id"]
        if kind == "code":
            new["execution_count"] = None
            new["outputs"] = []
        if "attachments" in cell and kind != "code":
            new["attachments"] = cell["attachments"]
        out_cells.append(new)
    meta = {k: nb["metadata"][k] for k in ("kernelspec",) if k in nb.get("metadata", {})}
    return {"cells": out_cells, "metadata": meta, "nbformat": 4, "nbformat_minor": NBFORMAT_MINOR}


def dumps(nb: dict) -> str:
    """Deterministic JSON text of a notebook."""
    return json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def build(src_dir, dst_dir) -> list[Path]:
    """Write the student version of every ``ex*.ipynb`` in ``src_dir`` into ``dst_dir``,
    and copy the data files there. Returns the paths written, in order."""
    src_dir, dst_dir = Path(src_dir), Path(dst_dir)
    if not src_dir.is_dir():
        raise FileNotFoundError(f"no solutions folder at {src_dir}")
    dst_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted(src_dir.glob("ex*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        target = dst_dir / path.name
        target.write_text(dumps(student_notebook(nb)), encoding="utf-8", newline="\n")
        written.append(target)
    for path in sorted(p for p in src_dir.iterdir() if p.suffix in DATA_SUFFIXES and p.is_file()):
        target = dst_dir / path.name
        shutil.copyfile(path, target)
        written.append(target)
    return written


def _default_dirs() -> tuple[Path, Path]:
    for root in (Path.cwd(), Path(__file__).resolve().parent.parent):
        src = root / "notebooks" / "exercises" / "solutions"
        if src.is_dir():
            return src, src.parent
    raise FileNotFoundError("notebooks/exercises/solutions not found: run this from the repository root")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m teachkit.exercises",
        description="Build the student exercise notebooks, or an nbgrader course, from the solution notebooks.")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="write notebooks/exercises/exNN_*.ipynb from solutions/")
    b.add_argument("--src", type=Path, help="solutions folder (default notebooks/exercises/solutions)")
    b.add_argument("--dst", type=Path, help="output folder (default notebooks/exercises)")
    g = sub.add_parser("nbgrader", help="write an nbgrader course (source/, nbgrader_config.py) from solutions/")
    g.add_argument("--course", type=Path, default=Path("build/grading"),
                   help="the course folder to write (default build/grading)")
    g.add_argument("--src", type=Path, help="solutions folder (default notebooks/exercises/solutions)")
    g.add_argument("--points", type=Path, help="points table (default grading/points.toml)")
    g.add_argument("--hidden", type=Path, help="hidden tests (default grading/teachkit_hidden.py)")
    g.add_argument("--timeout", type=int, default=30, help="seconds a cell may run while grading (default 30)")
    args = parser.parse_args(argv)
    try:
        src = args.src or _default_dirs()[0]
        if args.command == "nbgrader":
            from teachkit._nbgrader import build_course

            grading = _default_dirs()[0].parent.parent.parent / "grading"   # the repository's grading/
            written = build_course(src, args.course, args.points or grading / "points.toml",
                                   args.hidden or grading / "teachkit_hidden.py", timeout=args.timeout)
        else:
            written = build(src, args.dst or _default_dirs()[1])
    except (RegionError, FileNotFoundError, ValueError, json.JSONDecodeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
