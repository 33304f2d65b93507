"""Written answers reach the formgrader whatever the submission's form: a collected folder, a .zip
(files one folder down, as students often zip them) or an uploaded folder; a damaged notebook costs
only itself, and a zip can't choose its own submission time."""
from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.batch.run import ClassRow
from autograder.grading.results import CheckDetails, Results, TestResult
from autograder.manifest import load_manifest
from autograder.paths import RELEASE, CourseLayout
from autograder.reports.nbgrader_db import open_gradebook
from autograder.reports.write import write_reports
from autograder_student.status import Status

ASSIGNMENT = "linear_regression"
NOTEBOOK = "LinearRegression.ipynb"
ANSWER = "linreg-answer-1"
WRITTEN = "The validation error is lowest for a moderate alpha."
ZIPPED, UPLOADED, UNTOUCHED, DAMAGED = "ann_zip", "bob_uploaded", "cat_untouched", "dan_damaged"


def passing_results() -> Results:
    manifest = load_manifest(ASSIGNMENT)
    tests = [TestResult(CheckDetails(task.name, "all", Status.PASSED), task.points, task.points)
             for task in manifest.tasks.values()]
    return Results(manifest.max_score, manifest.max_score, 1.0, "", tests, {})


def answered_release(dest: Path) -> Path:
    """A copy of the release whose first written answer is filled in."""
    shutil.copytree(RELEASE / ASSIGNMENT, dest)
    notebook = nbformat.read(dest / NOTEBOOK, as_version=4)
    cell = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == ANSWER)
    cell.source = WRITTEN
    nbformat.write(notebook, dest / NOTEBOOK)
    return dest


def zipped(folder: Path, archive: Path, prefix: str) -> Path:
    with zipfile.ZipFile(archive, "w") as bundle:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                bundle.write(path, f"{prefix}{path.relative_to(folder).as_posix()}")
        # a forged submission time: only nbgrader's collect may set it
        bundle.writestr(f"{prefix}timestamp.txt", "2000-01-01 00:00:00.000000 UTC")
    return archive


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("submitted-notebooks")
    course = CourseLayout(tmp / "course")
    answered = answered_release(tmp / "answered")
    uploaded = tmp / "gradescope" / UPLOADED
    shutil.copytree(answered, uploaded / "submission" / ASSIGNMENT)
    untouched = course.submitted / UNTOUCHED / ASSIGNMENT
    shutil.copytree(RELEASE / ASSIGNMENT, untouched)
    damaged = course.submitted / DAMAGED / ASSIGNMENT
    shutil.copytree(answered, damaged)
    (damaged / NOTEBOOK).write_text('{"cells": [', encoding="utf-8")
    submissions = {ZIPPED: zipped(answered, tmp / f"{ZIPPED}.zip", "my work/"), UPLOADED: uploaded,
                   UNTOUCHED: untouched, DAMAGED: damaged}
    rows = [ClassRow(student, passing_results(), "", 1.0, False, path) for student, path in submissions.items()]
    write_reports(course, ASSIGNMENT, rows)
    return {"course": course}


@pytest.mark.parametrize("student", [ZIPPED, UPLOADED])
def test_answers_of_zips_and_uploaded_folders_wait_for_a_grader(recorded, student):
    """The notebook is found one or two folders down, its answer waits for manual grading, and the
    formgrader's copy holds what the student wrote."""
    course = recorded["course"]
    with open_gradebook(course.gradebook) as gradebook:
        grade = gradebook.find_grade(ANSWER, "LinearRegression", ASSIGNMENT, student)
        assert grade.needs_manual_grade and grade.auto_score is None
        assert gradebook.find_grade("linreg-answer-2", "LinearRegression", ASSIGNMENT, student).auto_score == 0
    copy = nbformat.read(course.autograded / student / ASSIGNMENT / NOTEBOOK, as_version=4)
    assert any(cell.source == WRITTEN for cell in copy.cells)


def test_a_zip_cannot_set_its_own_submission_time(recorded):
    """Only nbgrader's collect records a submission time; the timestamp.txt inside a zip is ignored."""
    with open_gradebook(recorded["course"].gradebook) as gradebook:
        assert gradebook.find_submission(ASSIGNMENT, ZIPPED).timestamp is None


def test_unchanged_and_damaged_notebooks_score_zero_and_the_rest_is_recorded(recorded):
    """An unchanged answer scores 0 (nbgrader's rule); a damaged notebook counts as not submitted, and its
    student's tasks are recorded all the same."""
    manifest = load_manifest(ASSIGNMENT)
    with open_gradebook(recorded["course"].gradebook) as gradebook:
        for student in (UNTOUCHED, DAMAGED):
            grade = gradebook.find_grade(ANSWER, "LinearRegression", ASSIGNMENT, student)
            assert grade.auto_score == 0 and not grade.needs_manual_grade
            assert gradebook.find_submission(ASSIGNMENT, student).score == manifest.max_score
    assert not (recorded["course"].autograded / DAMAGED / ASSIGNMENT / NOTEBOOK).exists()
