"""A student's submitted notebooks, made ready for the formgrader without running them.

nbgrader's ``autograde`` executes every notebook as the instructor, outside any
sandbox. Here nothing is executed: the notebooks keep the outputs the student
submitted, pass through nbgrader's own sanitizing preprocessors (locked cells
restored from the gradebook, duplicate ids removed, output size limited), lose
every output format a browser would run (HTML, JavaScript, SVG: the formgrader
renders outputs inside the instructor's session), and their graded cells are
recorded with nbgrader's rules. Manual scores are never overwritten, and a cell
a grader already scored is not flagged again.

A submission may be a collected folder, a ``.zip`` or a folder uploaded
elsewhere (Gradescope): :func:`submitted_notebooks` finds its notebooks the way
the grader finds its modules, unpacking a zip with the grader's own safeguards.
"""
from __future__ import annotations

import contextlib
import logging
import tempfile
from collections.abc import Iterator
from pathlib import Path

import nbformat
from nbconvert.exporters import NotebookExporter
from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, DeduplicateIds, LimitOutput,
                                    NbGraderPreprocessor, OverwriteCells, OverwriteKernelspec, SaveAutoGrades)
from traitlets.config import Config

from autograder.grading.submission import SubmissionError, open_submission, regular_file
from autograder.manifest import Manifest

_log = logging.getLogger(__name__)

#: Output formats the formgrader may show; anything else (text/html, scripts, SVG) is dropped.
SAFE_MIME_TYPES = ("text/plain", "image/png", "image/jpeg")


class SafeOutputs(NbGraderPreprocessor):
    """Keep streams, errors and the :data:`SAFE_MIME_TYPES` of rich outputs; drop attachments."""

    def preprocess_cell(self, cell: NotebookNode, resources: dict, cell_index: int) -> tuple[NotebookNode, dict]:
        cell.pop("attachments", None)
        if cell.cell_type != "code":
            return cell, resources
        kept = []
        for output in cell.outputs:
            if output.output_type in ("display_data", "execute_result"):
                output.data = {k: v for k, v in output.get("data", {}).items() if k in SAFE_MIME_TYPES}
                output.metadata = {}
                if not output.data:
                    continue
            kept.append(output)
        cell.outputs = kept
        return cell, resources


class KeepManualGrades(SaveAutoGrades):
    """nbgrader's :class:`SaveAutoGrades`, except that a cell a grader already scored stays resolved."""

    def _add_score(self, cell: NotebookNode, resources: dict) -> None:
        grade = self.gradebook.find_grade(cell.metadata["nbgrader"]["grade_id"], self.notebook_id,
                                          self.assignment_id, self.student_id)
        grade.auto_score, _ = utils.determine_grade(cell, self.log)
        if grade.manual_score is None:
            grade.needs_manual_grade = grade.auto_score is None
        self.gradebook.db.commit()


def _exporter(config: Config, steps: list) -> NotebookExporter:
    exporter = NotebookExporter(config=config)
    for step in steps:
        exporter.register_preprocessor(step, enabled=True)
    return exporter


def _resources(db_url: str, assignment: str, notebook: str, student: str) -> dict:
    return {"unique_key": notebook,
            "nbgrader": {"db_url": db_url, "assignment": assignment, "notebook": notebook, "student": student}}


def import_notebook(path: Path, dest: Path, config: Config, db_url: str, assignment: str, student: str,
                    notebook: str) -> None:
    """Record the grades and late penalty of a submitted notebook and write its formgrader copy to ``dest``."""
    resources = _resources(db_url, assignment, notebook, student)
    steps = [DeduplicateIds, OverwriteKernelspec, OverwriteCells, SafeOutputs, LimitOutput, CheckCellMetadata,
             KeepManualGrades, AssignLatePenalties]
    text, _ = _exporter(config, steps).from_filename(str(path), resources=resources)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(text, encoding="utf-8")


def assign_late_penalty(notebook: NotebookNode | None, config: Config, db_url: str, assignment: str, student: str,
                        name: str) -> None:
    """Apply nbgrader's configured late-submission plugin to one notebook whose grades are recorded
    (``notebook`` is ``None`` for a notebook the student did not submit)."""
    notebook = notebook if notebook is not None else nbformat.v4.new_notebook()
    _exporter(config, [AssignLatePenalties]).from_notebook_node(notebook, resources=_resources(db_url, assignment, name, student))


@contextlib.contextmanager
def submitted_notebooks(submission: Path | None, manifest: Manifest) -> Iterator[dict[str, Path]]:
    """The manifest's notebooks in ``submission`` (a folder or a ``.zip`` laid out like the release,
    possibly inside a sub-folder), by file name. A notebook that is missing, not a regular file or
    not a readable notebook is left out (it then counts as not submitted) and a warning names it."""
    with tempfile.TemporaryDirectory(prefix="notebooks-") as scratch:
        found: dict[str, Path] = {}
        try:
            root = (open_submission(submission, Path(scratch) / "unpacked", manifest.student_files)[1]
                    if submission is not None else None)
        except (SubmissionError, OSError) as exc:
            _log.warning("%s: no notebook imported from %s (%s)", manifest.name, submission, exc)
            root = None
        for name in manifest.notebooks if root is not None else ():
            if regular_file(root, name) and _readable(root / name):
                found[name] = root / name
        yield found


def _readable(path: Path) -> bool:
    """Whether ``path`` holds a notebook nbformat can read (a damaged one is reported, not imported)."""
    try:
        nbformat.read(path, as_version=4)
    except Exception as exc:  # noqa: BLE001 - a student's file may be damaged in any way
        _log.warning("%s is not a readable notebook (%s: %s); it counts as not submitted", path.name,
                     type(exc).__name__, exc)
        return False
    return True
