"""Class reports: the CSV gradebook, nbgrader's gradebook read back through its API,
the batch JUnit and the HTML class report."""
from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from autograder.batch.run import ClassRow
from autograder.grading.results import Results, TestResult
from autograder.manifest import load_manifest
from autograder.paths import CourseLayout
from autograder.reports.class_report import common_causes, pass_rates
from autograder.reports.nbgrader_db import NOTEBOOK, open_gradebook
from autograder.reports.write import write_reports

ASSIGNMENT = "linear_regression"
CAUSES = ("a constant factor 2 (a missing 1/N?)", "statistics over the wrong axis")


def synthetic_rows(rng: np.random.Generator, students: int) -> list[ClassRow]:
    """Graded students with two checks per task, passed at random, plus one student without results."""
    manifest = load_manifest(ASSIGNMENT)
    rows = []
    for index in range(students):
        tests = []
        for task in manifest.tasks.values():
            for check in ("forward", "backward"):
                passed = bool(rng.random() < 0.6)
                output = "ok" if passed else f"mismatch. Likely cause: {CAUSES[int(rng.integers(2))]}"
                tests.append(TestResult(f"{task.name}: {check}", task.points / 2 if passed else 0.0, task.points / 2,
                                        "passed" if passed else "failed", output))
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
    """Per-task grades read back through nbgrader's API equal the CSV's check columns summed per task."""
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
            for task in manifest.tasks:
                from_csv = sum(float(v) for k, v in line.items() if k.startswith(f"{task}: "))
                grade = gradebook.find_grade(task, NOTEBOOK, ASSIGNMENT, line["student"])
                assert grade.score == pytest.approx(from_csv, abs=1e-4)
                assert grade.max_score == manifest.tasks[task].points


def test_rewriting_reports_updates_grades_without_duplicates(tmp_path):
    """A second batch with new scores updates nbgrader's grades in place."""
    course, rows, paths = write_class(tmp_path)
    regraded = [ClassRow(r.student, r.results, r.error, r.seconds, True) for r in rows[:-1]]
    first = regraded[0].results
    first.tests = [TestResult(t.name, 0.0, t.max_score, "failed", t.output) for t in first.tests]
    first.score = 0.0
    write_reports(course, ASSIGNMENT, regraded + rows[-1:])
    with open_gradebook(paths.gradebook) as gradebook:
        assert len(gradebook.students) == len(rows)
        assert len(gradebook.find_assignment(ASSIGNMENT).submissions) == len(rows) - 1
        assert gradebook.find_submission(ASSIGNMENT, rows[0].student).score == 0


def test_batch_junit_has_one_suite_per_student_and_an_error_case(written):
    """The JUnit document holds one suite per student; a student without results is one errored case."""
    _, rows, paths = written
    suites = ET.fromstring(paths.junit.read_text())
    assert len(suites) == len(rows)
    failed = sum(t.status == "failed" for row in rows if row.results for t in row.results.tests)
    assert len(suites.findall(".//failure")) == failed
    errors = suites.findall(".//error")
    assert len(errors) == 1 and "boom" in errors[0].text


def test_class_report_embeds_figures_and_counts_diagnoses(written):
    """The HTML report embeds four PNG figures; diagnoses and pass rates are counted from the outputs."""
    _, rows, paths = written
    html = paths.html.read_text()
    assert html.count("data:image/png;base64,") == 4
    failed = [t for row in rows if row.results for t in row.results.tests if t.status == "failed"]
    assert sum(count for _, count in common_causes(rows)) == len(failed)
    assert {cause for cause, _ in common_causes(rows)} <= set(CAUSES)
    rates = pass_rates(rows)
    passed = sum(t.status == "passed" for row in rows if row.results for t in row.results.tests)
    assert sum(rates.values()) * (len(rows) - 1) == pytest.approx(passed)
    assert "zz_broken" in html and "boom" in html
