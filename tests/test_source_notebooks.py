"""The source notebooks: valid nbgrader cells, and each runs top to bottom against the reference."""
from __future__ import annotations

import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbgrader.nbgraderformat import MetadataValidator

from autograder.manifest import load_manifest
from autograder.paths import SOURCE
from autograder.release import grading_notebook
from autograder.release.builder import stale_grading_notebooks
from release_support import ASSIGNMENTS

NOTEBOOKS = [SOURCE / name / notebook for name in ASSIGNMENTS for notebook in load_manifest(name).notebooks]
IDS = [f"{path.parent.name}/{path.name}" for path in NOTEBOOKS]
# Each notebook takes well under 30 s on an idle 2-core machine; the bound leaves room for a busy one.
TIME_LIMIT_S = 90


def _nbgrader_cells(notebook: nbformat.NotebookNode) -> list[tuple[nbformat.NotebookNode, dict]]:
    return [(cell, cell.metadata["nbgrader"]) for cell in notebook.cells if "nbgrader" in cell.metadata]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_cells_carry_valid_nbgrader_metadata(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    MetadataValidator().validate_nb(notebook)  # raises on duplicate ids, missing points, ...
    cells = _nbgrader_cells(notebook)
    assert len(cells) == len(notebook.cells), "every cell should be an nbgrader cell (locked, solution or test)"
    # No point is decided by code the student runs: check cells are self-checks, only written answers carry points.
    graded = [(cell, meta) for cell, meta in cells if meta["grade"]]
    assert graded, "no written answer to grade"
    assert all(cell.cell_type == "markdown" and meta["solution"] for cell, meta in graded), "a graded cell is not a written answer"
    assert all(meta["locked"] for cell, meta in cells if meta["grade"] and not meta["solution"])
    for cell, meta in cells:
        has_region = "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source
        assert has_region == meta["solution"], f"cell {meta['grade_id']}: solution flag and markers disagree"
        if "BEGIN HIDDEN TESTS" in cell.source:
            assert meta["grade"] and "### END HIDDEN TESTS" in cell.source, meta["grade_id"]


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_runs_against_the_reference(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # One BLAS thread per kernel: with pytest -n 2 on two cores, more threads only fight each other.
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()  # raises CellExecutionError, naming the cell, when a check fails
    elapsed = time.perf_counter() - start
    assert elapsed < TIME_LIMIT_S, f"{path.name} took {elapsed:.0f} s"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_grading_notebook_has_one_locked_task_cell_per_task(assignment: str) -> None:
    """source/<a>/Autograder.ipynb is current and worth exactly the manifest's task points, task by task."""
    assert stale_grading_notebooks([assignment]) == [], "run `autograder release`"
    notebook = nbformat.read(SOURCE / assignment / grading_notebook.FILE, as_version=4)
    MetadataValidator().validate_nb(notebook)
    tasks = {meta["grade_id"]: meta["points"] for _, meta in _nbgrader_cells(notebook) if meta.get("task")}
    assert tasks == {task.name: task.points for task in load_manifest(assignment).tasks.values()}
    assert all(meta["locked"] and not meta["grade"] and not meta["solution"] for _, meta in _nbgrader_cells(notebook))
