"""Report-breaking text: control characters, mathtext, CDATA ends, megabytes and undecodable
bytes in a student's messages or name never break JUnit, the CSV, the class report or
nbgrader's gradebook, and every other student is reported in full."""
from __future__ import annotations

import csv
import io
import shutil
import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest

from autograder.batch.run import BatchOptions, ClassRow, run_batch
from autograder.demo import build_class
from autograder.grading.diagnose import Diagnosis, DiagnosisKind
from autograder.grading.results import CheckDetails, Results, TestResult, junit_xml
from autograder.grading.runner import GradingOptions
from autograder.grading.safe_text import clean_name, clean_text
from autograder.manifest import load_manifest
from autograder.paths import CourseLayout
from autograder.reports.nbgrader_db import open_gradebook
from autograder.reports.write import ReportError, ReportPaths, write_reports
from autograder_student.status import Status
from grading_support import TEST_SECRET, Mutation

ASSIGNMENT = "linear_regression"
UNDECODABLE = b"caf\xe9 \xff\xfe".decode("utf-8", "surrogateescape")
HOSTILE = f"Likely cause: $\\frac{{$ ]]> \x01\x1b[2J {UNDECODABLE} <script>" + "z" * 3_000_000


def hostile_rows() -> list[ClassRow]:
    """Three graded students (one hostile in every text field) and one without results."""
    manifest = load_manifest(ASSIGNMENT)
    rows = []
    for student, text in (("ann", "ok"), (f"bad$\\frac{{$\x01{UNDECODABLE}", HOSTILE), ("cid", "Likely cause: a sign error")):
        mistake = Diagnosis(DiagnosisKind.KNOWN_MISTAKE, text)
        tests = [TestResult(CheckDetails(task, "check", Status.FAILED, mistake), 0.0, manifest.tasks[task].points, text)
                 for task in manifest.tasks]
        tests[0] = TestResult(replace(tests[0].extra_data, status=Status.PASSED), tests[0].max_score, tests[0].max_score, text)
        rows.append(ClassRow(student, Results(tests[0].score, manifest.max_score, 1.0, text, tests, {}), "", 1.0, False))
    rows.append(ClassRow("dee", None, HOSTILE, 0.5, False))
    return rows


def assert_reports_complete(paths, students: list[str]) -> None:
    """Every report is written, valid, names every student and holds only clean, bounded text."""
    junit = paths.junit.read_text(encoding="utf-8")
    assert len(ET.fromstring(junit)) == len(students)
    table = list(csv.DictReader(io.StringIO(paths.csv.read_text(encoding="utf-8"))))
    assert len(table) == len(students)
    html = paths.html.read_text(encoding="utf-8")
    assert "data:image/png;base64," in html and "<script>" not in html
    for text in (junit, html, paths.csv.read_text(encoding="utf-8")):
        assert "\x01" not in text and "\x1b" not in text and len(text) < 2 << 20
    with open_gradebook(paths.gradebook) as gradebook:
        assert len(gradebook.students) == len(students)


def test_hostile_text_breaks_no_report_and_one_failed_report_spares_the_others(tmp_path):
    rows = hostile_rows()
    course = CourseLayout(tmp_path)
    blocked = ReportPaths.of(course, ASSIGNMENT).junit
    (blocked / "in-the-way").mkdir(parents=True)  # a folder where the JUnit file should go
    with pytest.raises(ReportError, match=r"junit.xml: ResultsError"):
        write_reports(course, ASSIGNMENT, rows)
    written = ReportPaths.of(course, ASSIGNMENT)
    assert written.csv.is_file() and written.html.is_file() and written.gradebook.is_file()
    shutil.rmtree(blocked)
    paths = write_reports(course, ASSIGNMENT, rows)
    assert_reports_complete(paths, [row.student for row in rows])
    table = {line["student"]: line for line in csv.DictReader(io.StringIO(paths.csv.read_text()))}
    assert float(table["ann"]["total"]) == float(table["cid"]["total"]) == rows[0].results.score
    assert "Likely cause: $\\frac{$ ]]&gt;" in paths.html.read_text()  # shown, escaped


def test_single_junit_of_hostile_results_is_valid_xml():
    results = hostile_rows()[1].results
    document = ET.fromstring(junit_xml(results, "linear_regression"))
    failure = document.find(".//failure")
    assert failure.text.startswith("Likely cause: $\\frac{$ ]]>  caf ") and len(failure.text) < 9000


@pytest.mark.slow
def test_a_batch_with_a_hostile_student_reports_everyone(tmp_path):
    """A batch of three: a student whose exception carries report-breaking text, the reference and a buggy one.
    The hostile student loses the task and is reported; the other two are reported in full."""
    course = CourseLayout(tmp_path / "course")
    build_class(ASSIGNMENT, course.submitted)
    keep = ("ada_reference", "bo_untouched")
    for folder in course.submitted.iterdir():
        if folder.name not in keep:
            shutil.rmtree(folder)
    hostile = course.submitted / "cy$\\frac{$]]>" / ASSIGNMENT
    shutil.copytree(course.submitted / "ada_reference" / ASSIGNMENT, hostile)
    raising = 'raise RuntimeError("Likely cause: $\\\\frac{$ ]]> \\x01 \\udcff" + "y" * 5000)\n    error = '
    Mutation("hostile", "numnet/metrics.py", "error = float(np.mean((y_true - y_pred) ** 2))",
             raising + "float(np.mean((y_true - y_pred) ** 2))").apply(hostile)
    rows = run_batch(ASSIGNMENT, course, BatchOptions(GradingOptions(secret=TEST_SECRET), workers=2))
    by_student = {row.student: row for row in rows}
    assert by_student["ada_reference"].results.score == 100 and by_student["bo_untouched"].results.score == 0
    cy = by_student["cy$\\frac{$]]>"].results
    assert 0 < cy.score < 100 and all(not row.error for row in rows)
    assert any("Likely cause: $\\frac{$ ]]>  " in t.output and len(t.output) < 2500 for t in cy.tests)
    paths = write_reports(course, ASSIGNMENT, rows)
    assert_reports_complete(paths, sorted(by_student))
    suites = {suite.get("name"): suite for suite in ET.fromstring(paths.junit.read_text())}
    assert suites[f"{ASSIGNMENT}.ada_reference"].get("failures") == "0"
    assert int(suites[f"{ASSIGNMENT}.bo_untouched"].get("failures")) == len(by_student["bo_untouched"].results.tests)


@pytest.mark.parametrize(("raw", "clean"), [
    ("line one\r\nline two\rthree\ttabbed", "line one\nline two\nthree\ttabbed"),
    ("\x1b[31mred\x1b[0m \x1b]0;title\x07bell \x00nul \x7fdel \x85next", "red bell nul del next"),
    (f"bytes {UNDECODABLE} and \ud800 surrogates", "bytes caf  and  surrogates"),
    ("\u202egnp.exe \ufffe\uffff", "gnp.exe "),
    ("$\\frac{$ ]]> <b>&amp;", "$\\frac{$ ]]> <b>&amp;"),  # harmless characters stay; writers escape them
])
def test_clean_text_keeps_words_and_drops_controls(raw, clean):
    assert clean_text(raw) == clean


def test_clean_text_cuts_long_text_and_says_so():
    assert clean_text("x" * 10, 4) == "xxxx... [text cut at 4 characters]"
    huge = clean_text("y" * 50_000_000, 100)
    assert huge.startswith("y" * 100) and len(huge) < 140
    assert clean_name("Evil\x01\u202eName<>" * 20) == ("EvilName" * 10)
    assert clean_name(None) == "object" and clean_name("\x01", fallback="Error") == "Error"
