"""The per-assignment grading notebook: one nbgrader *task* cell per manifest task.

nbgrader grades notebooks cell by cell while our hidden suites grade Python
modules. ``source/<assignment>/Autograder.ipynb`` bridges the two: it holds one
locked task cell per task of the manifest, worth the task's points, so
``nbgrader generate_assignment`` records the tasks in the gradebook like any
other cell. Students receive it too (read-only) and submit it with their work,
which is what lets ``nbgrader release_feedback`` hand them its feedback page,
our feedback page. For every graded student, ``autograder batch`` writes a copy
whose task cells show the checks' results
(``autograded/<student>/<assignment>/Autograder.ipynb``): the formgrader shows
each task with its score and feedback, and a grader can override both there.
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
from nbformat.notebooknode import NotebookNode

from autograder.grading.results import Results
from autograder.manifest import Manifest
from autograder_student.status import Status

NAME = "Autograder"
FILE = f"{NAME}.ipynb"
_BACKTICKS = re.compile(r"`+")


def _nbgrader(grade_id: str, **extra) -> dict:
    return {"nbgrader": {"grade": False, "grade_id": grade_id, "locked": True, "schema_version": 3,
                         "solution": False, **extra}}


def grading_notebook(manifest: Manifest) -> NotebookNode:
    """The source grading notebook of ``manifest`` (deterministic: ids derive from task names)."""
    intro = nbformat.v4.new_markdown_cell(
        f"# {manifest.title}: autograded tasks\n\n"
        "Each cell below is one task of the assignment's modules and its points. Leave this notebook as it is "
        "and submit it with your work: once graded, its feedback shows each task's score and the result of "
        "every hidden check.",
        id="autograder-intro", metadata=_nbgrader("autograder-intro"))
    cells = [intro]
    for task in manifest.tasks.values():
        functions = ", ".join(f"`{ref}`" for ref in task.functions)
        cells.append(nbformat.v4.new_markdown_cell(
            f"## {task.title}\n\nFunctions: {functions}.\n\nNot graded yet.",
            id=f"task-{task.name}", metadata=_nbgrader(task.name, task=True, points=task.points)))
    notebook = nbformat.v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"}})
    return notebook


def grading_notebook_text(manifest: Manifest) -> str:
    """The grading notebook as the bytes committed in ``source/`` (nbformat's own layout)."""
    return nbformat.writes(grading_notebook(manifest)) + "\n"


def _fenced(text: str) -> str:
    """``text`` as a Markdown code block whose fence no backtick run inside can close."""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def task_feedback(results: Results, task: str) -> str:
    """The plain-text feedback of one task: a line per check, then the messages of failed checks."""
    lines = []
    for test in results.tests:
        if test.task != task:
            continue
        lines.append(f"{test.status.value:6} {test.score:g}/{test.max_score:g}  {test.extra_data.check}")
        if test.status is Status.FAILED and test.output:
            lines.extend("    " + line for line in test.output.splitlines())
    return "\n".join(lines)


def graded_notebook(source: NotebookNode, manifest: Manifest, results: Results) -> NotebookNode:
    """A student's copy of the grading notebook: every task cell shows its score and checks."""
    notebook = nbformat.from_dict(source)
    summary = results.extra_data.get("tasks", {})
    for cell in notebook.cells:
        task = manifest.tasks.get(cell.metadata.get("nbgrader", {}).get("grade_id", ""))
        if task is None or not cell.metadata["nbgrader"].get("task"):
            continue
        entry = summary.get(task.name, {})
        earned = entry.get("score", 0.0)
        status = Status(entry.get("status", Status.FAILED)).label
        note = f"\n\n{_fenced(results.output)}" if results.output else ""
        cell.source = (f"## {task.title}\n\n**Autograded: {earned:g} / {task.points:g}** ({status})\n\n"
                       f"{_fenced(task_feedback(results, task.name))}{note}")
    return notebook


def read_source(assignment_folder: Path) -> NotebookNode:
    """The grading notebook committed in ``source/<assignment>/``."""
    return nbformat.read(assignment_folder / FILE, as_version=4)
