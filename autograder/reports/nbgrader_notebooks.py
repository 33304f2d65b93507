"""A student's submitted notebooks, made ready for the formgrader without running them.

nbgrader's ``autograde`` executes every notebook as the instructor, outside any
sandbox. Here nothing is executed: the notebooks keep the outputs the student
submitted, pass through nbgrader's own sanitizing preprocessors (locked cells
restored from the gradebook, duplicate ids removed, output size limited), lose
every output format a browser would run (HTML, JavaScript, SVG: the formgrader
renders outputs inside the instructor's session), and their graded cells are
recorded with nbgrader's rules. Manual scores are never overwritten, and a cell
a grader already scored is not flagged again.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
from nbconvert.exporters import NotebookExporter
from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, DeduplicateIds, LimitOutput,
                                    NbGraderPreprocessor, OverwriteCells, OverwriteKernelspec, SaveAutoGrades)
from traitlets.config import Config

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
