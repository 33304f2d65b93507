"""Class reports: the CSV gradebook, nbgrader's gradebook read back through its API,
the batch JUnit and the HTML class report."""
from __future__ import annotations

import csv
import io
import os
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from autograder.batch.run import ClassRow
from autograder.grading.diagnose import Diagnosis, DiagnosisKind
from autograder.grading.results import CheckDetails, Results, TestResult
from autograder.manifest import load_manifest
from autograder.paths import CourseLayout
from autograder.release.grading_notebook import task_feedback
from autograder.reports.class_report import common_causes, task_summaries
from autograder.reports.nbgrader_db import NOTEBOOK, open_gradebook, read_grades
from autograder.reports.write import write_reports
from autograder_student.status import Status

ASSIGNMENT = "linear_regression"
CAUSES = (Diagnosis(DiagnosisKind.SCALE_FACTOR, "-1/8"), Diagnosis(DiagnosisKind.SCALE_FACTOR, "64"),
          Diagnosis(DiagnosisKind.KNOWN_MISTAKE, "statistics over the wrong axis"))
#: What a failed check's output says: a cause that is never the diagnosed one, so a report that
#: read the text instead of the check's diagnosis would count the wrong mistakes.
MISLEADING_OUTPUT = "mismatch. Likely cause: the output is all zeros"


def check(task: str, name: str, points: float, diagnosis: Diagnosis | None) -> TestResult:
    """A check worth ``points``, passed when there is no ``diagnosis``."""
    status = Status.FAILED if diagnosis else Status.PASSED
    return TestResult(CheckDetails(task, name, status, diagnosis), 0.0 if diagnosis else points, points,
                      MISLEADING_OUTPUT if diagnosis else "ok")


def synthetic_rows(rng: np.random.Generator, students: int) -> list[ClassRow]:
    """Graded students with two checks per task, passed at random, plus one student without results."""
    manifest = load_manifest(ASSIGNMENT)
    rows = []
    for index in range(students):
        tests = []
        for task in manifest.tasks.values():
            for name in ("forward", "backward"):
                passed = bool(rng.random() < 0.6)
                tests.append(check(task.name, name, task.points / 2, None if passed else CAUSES[int(rng.integers(3))]))
        total = sum(t.score for t in tests)
        results = Results(total, manifest.max_score, 1.0, "", tests, {})
        rows.append(ClassRow(f"student{index:02d}", results, "", float(rng.uniform(0.5, 3)), False))
    rows.append(ClassRow("zz_broken", None, "grading raised RuntimeError: boom", 0.2, False))
    return rows


def write_class(root) -> tuple[CourseLayout, list[ClassRow], object]:
    course = CourseLayout(root)
    rows = synthetic_rows(np.random.default_rng(231), 6)
    return course, rows, write_reports(course, ASSIGNMENT, rows)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """Reports of one synthetic class, shared by the tests that only read them."""
    return write_class(tmp_path_factory.mktemp("reports"))


def test_nbgrader_gradebook_matches_the_csv(written):
    """Per-task grades read back through nbgrader's API equal the CSV's task columns and its check columns
    summed per task; the total is nbgrader's (no written answer submitted here: they score 0)."""
    _, rows, paths = written
    table = list(csv.DictReader(io.StringIO(paths.csv.read_text())))
    assert [r["student"] for r in table] == [row.student for row in rows]
    manifest = load_manifest(ASSIGNMENT)
    with open_gradebook(paths.gradebook) as gradebook:
        assert {s.id for s in gradebook.students} == {row.student for row in rows}
        for line in table:
            if line["error"]:
                with pytest.raises(Exception, match="No such submission"):
                    gradebook.find_submission(ASSIGNMENT, line["student"])
                continue
            submission = gradebook.find_submission(ASSIGNMENT, line["student"])
            assert submission.score == pytest.approx(float(line["total"]), abs=1e-4)
            assert float(line["written"]) == 0 and line["needs_manual_grade"] == "false"
            assert float(line["max_score"]) == gradebook.find_assignment(ASSIGNMENT).max_score > manifest.max_score
            for task in manifest.tasks:
                from_csv = sum(float(v) for k, v in line.items() if k.startswith(f"{task}: "))
                grade = gradebook.find_grade(task, NOTEBOOK, ASSIGNMENT, line["student"])
                assert grade.score == pytest.approx(from_csv, abs=1e-4) == pytest.approx(float(line[f"task: {task}"]))
                assert grade.max_score == manifest.tasks[task].points
                comment = gradebook.find_comment(task, NOTEBOOK, ASSIGNMENT, line["student"])
                row = next(r for r in rows if r.student == line["student"])
                assert comment.auto_comment == task_feedback(row.results, task) and comment.auto_comment


def test_rewriting_reports_updates_grades_without_duplicates(tmp_path):
    """A second batch with new scores updates nbgrader's grades in place."""
    course, rows, paths = write_class(tmp_path)
    regraded = [ClassRow(r.student, r.results, r.error, r.seconds, True) for r in rows[:-1]]
    first = regraded[0].results
    first.tests = [check(t.task, t.extra_data.check, t.max_score, CAUSES[0]) for t in first.tests]
    first.score = 0.0
    write_reports(course, ASSIGNMENT, regraded + rows[-1:])
    with open_gradebook(paths.gradebook) as gradebook:
        assert len(gradebook.students) == len(rows)
        assert len(gradebook.find_assignment(ASSIGNMENT).submissions) == len(rows) - 1
        assert gradebook.find_submission(ASSIGNMENT, rows[0].student).score == 0


def test_manual_overrides_and_comments_survive_a_rerun_and_reach_every_total(tmp_path):
    """A grader's task override and comment, entered through nbgrader's API, are kept by a re-run,
    and the CSV, the class report and nbgrader agree on the new total."""
    course, rows, paths = write_class(tmp_path)
    student, task = rows[0].student, next(iter(load_manifest(ASSIGNMENT).tasks))
    with open_gradebook(paths.gradebook) as gradebook:
        grade = gradebook.find_grade(task, NOTEBOOK, ASSIGNMENT, student)
        grade.manual_score = 1.5
        gradebook.find_comment(task, NOTEBOOK, ASSIGNMENT, student).manual_comment = "see me"
        gradebook.db.commit()
        expected = gradebook.find_submission(ASSIGNMENT, student).score
    write_reports(course, ASSIGNMENT, rows)
    with open_gradebook(paths.gradebook) as gradebook:
        assert gradebook.find_grade(task, NOTEBOOK, ASSIGNMENT, student).score == 1.5
        assert gradebook.find_comment(task, NOTEBOOK, ASSIGNMENT, student).manual_comment == "see me"
        assert gradebook.find_submission(ASSIGNMENT, student).score == pytest.approx(expected)
    line = next(r for r in csv.DictReader(io.StringIO(paths.csv.read_text())) if r["student"] == student)
    assert float(line["total"]) == pytest.approx(expected, abs=1e-4) and float(line[f"task: {task}"]) == 1.5
    assert read_grades(paths.gradebook, load_manifest(ASSIGNMENT))[student].total == pytest.approx(expected)
    assert f"<td>{student}</td>\n<td class=\"n\">{expected:.3g}</td>" in paths.html.read_text()


def test_batch_junit_has_one_suite_per_student_and_an_error_case(written):
    """The JUnit document holds one suite per student; a student without results is one errored case."""
    _, rows, paths = written
    suites = ET.fromstring(paths.junit.read_text())
    assert len(suites) == len(rows)
    failed = sum(t.status is Status.FAILED for row in rows if row.results for t in row.results.tests)
    assert len(suites.findall(".//failure")) == failed
    errors = suites.findall(".//error")
    assert len(errors) == 1 and "boom" in errors[0].text


def test_class_report_embeds_figures_and_counts_diagnoses(written):
    """Four PNG figures (histogram, per-task chart, heatmap, slowest); mistakes are counted per task and
    student from the checks' diagnoses (never their text), diagnoses of one kind differing only in
    their value counted together; pass rates count fully passed tasks."""
    _, rows, paths = written
    html = paths.html.read_text()
    assert html.count("data:image/png;base64,") == 4
    causes = common_causes(rows)
    assert {cause for found in causes.values() for cause, _ in found} == {c.mistake for c in CAUSES}
    assert CAUSES[0].mistake == CAUSES[1].mistake != CAUSES[2].mistake
    for task, found in causes.items():
        diagnosed = [{t.extra_data.diagnosis.mistake for t in row.results.tests if t.task == task and t.extra_data.diagnosis}
                     for row in rows if row.results]
        assert dict(found) == {cause: sum(cause in d for d in diagnosed) for cause, _ in found}
    assert "the output is all zeros" not in html
    summaries = task_summaries(rows, load_manifest(ASSIGNMENT), {})
    for summary in summaries:
        full = [all(t.status is Status.PASSED for t in row.results.tests if t.task == summary.name)
                for row in rows if row.results]
        assert summary.pass_rate == pytest.approx(sum(full) / len(full))
        assert f"{100 * summary.pass_rate:.0f}%" in html
    assert "zz_broken" in html and "boom" in html


def test_report_files_are_readable_by_the_course_group(written):
    """Reports get a new file's usual mode (0o666 less the umask), not the temporary file's 0o600."""
    _, _, paths = written
    umask = os.umask(0)
    os.umask(umask)
    for path in (paths.csv, paths.junit, paths.html):
        assert path.stat().st_mode & 0o777 == 0o666 & ~umask, path
