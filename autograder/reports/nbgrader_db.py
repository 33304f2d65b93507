"""nbgrader's ``gradebook.db`` as the one place an assignment's grade lives.

An assignment's grade is its module tasks (our hidden suites) plus the written
answers of its notebooks (graded by hand in the formgrader). Both are nbgrader
cells: the tasks are the task cells of ``Autograder.ipynb`` (see
:mod:`autograder.release.grading_notebook`), the answers are the notebooks'
own manually graded cells. After a batch, for every graded student:

- the submission is recorded with the ``timestamp.txt`` nbgrader's ``collect``
  wrote, so nbgrader computes lateness against the assignment's due date;
- every task's score becomes its cell's ``auto_score`` and the checks' results
  its ``auto_comment``; ``autograded/<student>/<assignment>/Autograder.ipynb``
  shows them in the formgrader;
- the submitted notebooks (from a collected folder, a zip or an uploaded folder) are
  copied there, unexecuted (see :mod:`autograder.reports.nbgrader_notebooks`), and
  their graded cells recorded;
- nbgrader's configured late-submission plugin sets each notebook's penalty.

Manual scores and comments are never touched, so re-running after manual
grading keeps them. The totals read back by :func:`read_grades` are nbgrader's,
so the formgrader, ``nbgrader export``, the CSV and the class report agree.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from traitlets.config import Config

from autograder.batch.run import ClassRow
from autograder.manifest import Manifest
from autograder.course import current_course
from autograder.paths import PROJECT_ROOT, CourseLayout
from autograder.release import grading_notebook
from autograder.release.notebooks import CONFIG_FILE, generate_assignment, load_config
from autograder.reports.scores import task_scores

NOTEBOOK = grading_notebook.NAME


class GradebookError(RuntimeError):
    """The gradebook can't hold this assignment as it is; the message says what to do."""


@dataclass(frozen=True)
class StudentGrade:
    """A student's grade as nbgrader computes it (manual overrides and late penalty included);
    ``overridden`` names the tasks whose score a grader set, ``comments`` holds the graders'
    comments on tasks."""

    student: str
    tasks: dict[str, float]
    written: float
    raw: float
    late_penalty: float
    seconds_late: float
    max_score: float
    needs_manual_grade: bool
    overridden: frozenset[str] = frozenset()
    comments: dict[str, str] = field(default_factory=dict)

    @property
    def autograded(self) -> float:
        return sum(self.tasks.values())

    @property
    def total(self) -> float:
        return self.raw - self.late_penalty


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
        return Gradebook(_db_url(db_path))


def _db_url(db_path: Path) -> str:
    return f"sqlite:///{db_path.resolve()}"


def course_config(course: CourseLayout) -> Config:
    """The course's ``nbgrader_config.py`` (late-penalty plugin, ...), else this project's."""
    return load_config(course.root if (course.root / CONFIG_FILE).is_file() else PROJECT_ROOT)


def _structure_is_current(db_path: Path, manifest: Manifest) -> bool:
    from nbgrader.api import MissingEntry

    with open_gradebook(db_path) as gradebook:
        try:
            assignment = gradebook.find_assignment(manifest.name)
        except MissingEntry:
            return False
        expected = {Path(name).stem for name in manifest.notebooks} | {NOTEBOOK}
        if {notebook.name for notebook in assignment.notebooks} != expected:
            return False
        tasks = {cell.name: cell.max_score for cell in gradebook.find_notebook(NOTEBOOK, manifest.name).task_cells}
        return tasks == {task.name: task.points for task in manifest.tasks.values()}


def ensure_assignment(db_path: Path, manifest: Manifest, config: Config, source: Path | None = None) -> None:
    """Make the gradebook know the assignment's notebooks and cells exactly as
    ``nbgrader generate_assignment`` records them, unless it already does (a due
    date or anything else set in nbgrader is kept)."""
    from nbgrader.converters.base import NbGraderException

    if _structure_is_current(db_path, manifest):
        return
    with tempfile.TemporaryDirectory(prefix="gradebook-") as scratch, _alembic_on_path():
        try:
            generate_assignment(manifest.name, source or current_course().source, config, Path(scratch, manifest.name),
                                db_url=_db_url(db_path))
        except NbGraderException as exc:
            raise GradebookError(f"{db_path} can't record {manifest.name} as its sources define it: {exc}") from None
    if not _structure_is_current(db_path, manifest):
        raise GradebookError(f"{db_path}: {manifest.name} has notebooks or tasks its sources don't define, and submissions; "
                             f"remove them with `nbgrader db assignment remove {manifest.name}` after a backup")


def _timestamp(folder: Path) -> str | None:
    """The submission time nbgrader's ``collect`` recorded, if any (an unreadable one counts as none)."""
    from nbgrader.utils import parse_utc

    try:
        text = (folder / "timestamp.txt").read_text(encoding="utf-8").strip()
        parse_utc(text)
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return text or None


def _record_tasks(gradebook, graded_folder: Path, manifest: Manifest, row: ClassRow, source_notebook) -> None:
    """Task scores and feedback into the grading notebook's cells, and its formgrader copy."""
    for task, earned in task_scores(row.results, manifest).items():
        grade = gradebook.find_grade(task, NOTEBOOK, manifest.name, row.student)
        grade.auto_score = earned
        if grade.manual_score is None:
            grade.needs_manual_grade = False
        comment = gradebook.find_comment(task, NOTEBOOK, manifest.name, row.student)
        comment.auto_comment = grading_notebook.task_feedback(row.results, task)
    gradebook.db.commit()
    graded = grading_notebook.graded_notebook(source_notebook, manifest, row.results)
    dest = graded_folder / grading_notebook.FILE
    dest.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(graded, dest)


def _record_missing(gradebook, manifest: Manifest, student: str, notebook: str) -> None:
    """nbgrader's rule for a notebook that was not submitted: zero, unless a grader scored it."""
    for grade in gradebook.find_submission_notebook(notebook, manifest.name, student).grades:
        if grade.manual_score is None:
            grade.auto_score = 0.0
            grade.needs_manual_grade = False
    gradebook.db.commit()


#: Files of nbgrader's ``collect`` that ``generate_feedback`` and ``release_feedback`` need next to the notebooks.
EXCHANGE_FILES = ("timestamp.txt", "submission_secret.txt")


def _copy_exchange_files(folder: Path, graded: Path) -> None:
    for name in EXCHANGE_FILES:
        if (folder / name).is_file() and not (folder / name).is_symlink():
            graded.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(folder / name, graded / name)


def update_gradebook(course: CourseLayout, manifest: Manifest, rows: Sequence[ClassRow], db_path: Path) -> None:
    """Record every graded student of ``rows`` (see the module docstring). Students whose grading
    failed are added to the roster without a submission, so a re-run fills them in."""
    config = course_config(course)
    ensure_assignment(db_path, manifest, config)
    source_notebook = grading_notebook.read_source(current_course().source / manifest.name)
    with open_gradebook(db_path) as gradebook:
        for row in rows:
            gradebook.update_or_create_student(row.student)
    for row in rows:
        if row.results is not None:
            _record_student(course, manifest, row, db_path, config, source_notebook)


def _record_student(course: CourseLayout, manifest: Manifest, row: ClassRow, db_path: Path, config: Config,
                    source_notebook) -> None:
    """One graded student: submission, tasks, the notebooks found in what they submitted, late penalties."""
    from autograder.reports.nbgrader_notebooks import assign_late_penalty, import_notebook, submitted_notebooks  # slow

    url = _db_url(db_path)
    graded = course.autograded / row.student / manifest.name
    # timestamp.txt is nbgrader's record of a collected folder; inside a zip it would be the student's word
    collected = row.submission if row.submission is not None and row.submission.is_dir() else None
    with submitted_notebooks(row.submission, manifest) as notebooks:
        with open_gradebook(db_path) as gradebook, warnings.catch_warnings():
            # nbgrader's own add_submission triggers SQLAlchemy autoflush warnings; they are harmless
            warnings.filterwarnings("ignore", message=".*not in session.*")
            timestamp = _timestamp(collected) if collected else None
            gradebook.update_or_create_submission(manifest.name, row.student, **({"timestamp": timestamp} if timestamp else {}))
            _record_tasks(gradebook, graded, manifest, row, source_notebook)
            if collected:
                _copy_exchange_files(collected, graded)
            for name in manifest.notebooks:
                if name not in notebooks:
                    _record_missing(gradebook, manifest, row.student, Path(name).stem)
        for name in manifest.notebooks:
            if name in notebooks:
                import_notebook(notebooks[name], graded / name, config, url, manifest.name, row.student, Path(name).stem)
            else:
                assign_late_penalty(None, config, url, manifest.name, row.student, Path(name).stem)
    assign_late_penalty(source_notebook, config, url, manifest.name, row.student, NOTEBOOK)


def read_grades(db_path: Path, manifest: Manifest) -> dict[str, StudentGrade]:
    """Every submitted student's grade, read back from the gradebook."""
    with open_gradebook(db_path) as gradebook:
        assignment = gradebook.find_assignment(manifest.name)
        return {submission.student.id: _student_grade(gradebook, assignment, submission)
                for submission in assignment.submissions}


def read_grade(db_path: Path, manifest: Manifest, student: str) -> StudentGrade | None:
    """One student's grade, read back from the gradebook (``None`` without a submission)."""
    from nbgrader.api import MissingEntry

    with open_gradebook(db_path) as gradebook:
        assignment = gradebook.find_assignment(manifest.name)
        try:
            submission = gradebook.find_submission(manifest.name, student)
        except MissingEntry:
            return None
        return _student_grade(gradebook, assignment, submission)


def _student_grade(gradebook, assignment, submission) -> StudentGrade:
    """A submission's grade as nbgrader's gradebook holds it (manual scores and comments included)."""
    task_notebook = gradebook.find_submission_notebook(NOTEBOOK, assignment.name, submission.student.id)
    tasks = {grade.name: grade.score for grade in task_notebook.grades}
    return StudentGrade(
        student=submission.student.id, tasks=tasks, written=submission.score - sum(tasks.values()),
        raw=submission.score, late_penalty=submission.late_submission_penalty or 0.0,
        seconds_late=submission.total_seconds_late, max_score=assignment.max_score,
        needs_manual_grade=submission.needs_manual_grade,
        overridden=frozenset(grade.name for grade in task_notebook.grades if grade.manual_score is not None),
        comments={comment.name: comment.manual_comment for comment in task_notebook.comments
                  if comment.manual_comment})
