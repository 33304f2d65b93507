"""Recording batch grades in nbgrader's ``gradebook.db`` through nbgrader's own API.

nbgrader grades notebooks cell by cell; our checks grade Python modules. Each
assignment is therefore modelled as one pseudo-notebook (named ``autograded``)
whose grade cells are the manifest's tasks, worth the task's points. Each
student's task score is stored as the cell's ``auto_score``, so nbgrader's
formgrader and ``nbgrader export`` show the same totals as our CSV.
"""
from __future__ import annotations

import contextlib
import os
import sys
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

from autograder.batch.run import ClassRow
from autograder.manifest import Manifest
from autograder.reports.scores import task_scores

NOTEBOOK = "autograded"


@contextlib.contextmanager
def _alembic_on_path() -> Iterator[None]:
    """nbgrader runs the ``alembic`` executable when it creates a database; make the
    one installed next to this interpreter findable even when the venv isn't activated."""
    before = os.environ.get("PATH", "")
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), before])
    try:
        yield
    finally:
        os.environ["PATH"] = before


def open_gradebook(db_path: Path):
    """nbgrader's :class:`~nbgrader.api.Gradebook` on the SQLite file ``db_path``."""
    from nbgrader.api import Gradebook

    db_path.parent.mkdir(parents=True, exist_ok=True)
    with _alembic_on_path():
        return Gradebook(f"sqlite:///{db_path.resolve()}")


def update_gradebook(db_path: Path, manifest: Manifest, rows: Sequence[ClassRow]) -> None:
    """Create the assignment structure if needed, then store every graded student's task scores.

    Students whose grading failed are added to the roster without grades, so a
    re-run fills them in.
    """
    with open_gradebook(db_path) as gradebook, warnings.catch_warnings():
        # nbgrader's own add_submission triggers SQLAlchemy autoflush warnings; they are harmless
        warnings.filterwarnings("ignore", message=".*not in session.*")
        gradebook.update_or_create_assignment(manifest.name)
        gradebook.update_or_create_notebook(NOTEBOOK, manifest.name)
        for task in manifest.tasks.values():
            gradebook.update_or_create_grade_cell(task.name, NOTEBOOK, manifest.name, max_score=float(task.points),
                                                  cell_type="code")
        for row in rows:
            gradebook.update_or_create_student(row.student)
            if row.results is None:
                continue
            gradebook.update_or_create_submission(manifest.name, row.student)
            for task, earned in task_scores(row.results, manifest).items():
                grade = gradebook.find_grade(task, NOTEBOOK, manifest.name, row.student)
                grade.auto_score = earned
                grade.needs_manual_grade = False
            gradebook.db.commit()
