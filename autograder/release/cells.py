"""Notebook cells with nbgrader's metadata, so source notebooks need no hand-written JSON.

Each cell gets a unique ``grade_id``; nbgrader reads the rest of the metadata to
decide what students may edit (``solution``), what it restores (``locked``) and what
earns points (``points``). See ``docs/authoring.md``.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

SCHEMA_VERSION = 3
KERNEL = {"display_name": "Python 3", "language": "python", "name": "python3"}


def nbgrader_cell(kind: str, source: str, grade_id: str, *, solution: bool = False,
                  points: float | None = None) -> NotebookNode:
    """A ``"code"`` or ``"markdown"`` cell: a solution cell (``solution=True``: the
    student writes it; mark the answer with ``### BEGIN SOLUTION`` / ``### END SOLUTION``),
    else locked; with ``points``, an autograded (code) or manually graded (solution) cell.
    A markdown solution cell (a written answer) must have points."""
    if kind not in ("code", "markdown"):
        raise ValueError(f"a cell is 'code' or 'markdown', not {kind!r}")
    if kind == "markdown" and solution and points is None:
        raise ValueError(f"cell {grade_id!r}: nbgrader needs points on a written-answer (markdown solution) cell")
    metadata = {"grade": points is not None, "grade_id": grade_id, "locked": not solution,
                "schema_version": SCHEMA_VERSION, "solution": solution}
    if points is not None:
        if points <= 0:
            raise ValueError(f"cell {grade_id!r}: points must be positive, got {points}")
        metadata["points"] = points
    make = new_code_cell if kind == "code" else new_markdown_cell
    return make(source, metadata={"nbgrader": metadata})


def write_notebook(path: Path, cells: list[NotebookNode]) -> None:
    """Write a source notebook of ``cells``; ``grade_id`` values must be unique."""
    ids = [cell.metadata["nbgrader"]["grade_id"] for cell in cells]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"{path.name}: grade_id used more than once: {', '.join(duplicates)}")
    notebook = new_notebook(cells=cells, metadata={"kernelspec": KERNEL, "language_info": {"name": "python"}})
    nbformat.validate(notebook)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, str(path))
