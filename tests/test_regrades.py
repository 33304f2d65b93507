"""Honest regrades: a batch reuses a result only when the submission, the release, the hidden
suite, the grader and the course secret are all unchanged; results say which secret (by id)
and which suite produced them."""
from __future__ import annotations

import json
import shutil

import pytest

import autograder
from autograder.batch.run import BatchOptions, run_batch
from autograder.demo import build_class
from autograder.grading.runner import GradingOptions
from autograder.grading.seeds import DEMO_SECRET, Secret
from autograder.paths import RELEASE, SUITES, CourseLayout

ASSIGNMENT = "linear_regression"
DEMO = Secret(DEMO_SECRET, "demo")
REAL = Secret(b"a real course secret, kept in a file outside the course", "/srv/course/secret")


@pytest.fixture
def course(tmp_path) -> CourseLayout:
    """A class of two: the reference and the untouched release (both cheap to grade)."""
    course = CourseLayout(tmp_path / "course")
    build_class(ASSIGNMENT, course.submitted)
    for folder in course.submitted.iterdir():
        if folder.name not in ("ada_reference", "bo_untouched"):
            shutil.rmtree(folder)
    return course


def regraded(course: CourseLayout, grading: GradingOptions) -> list[str]:
    """Run the batch; return the students it graded (the others were skipped as unchanged)."""
    rows = run_batch(ASSIGNMENT, course, BatchOptions(grading, workers=2))
    assert all(row.results is not None and not row.error for row in rows)
    return sorted(row.student for row in rows if not row.skipped)


def recorded(course: CourseLayout, student: str = "ada_reference") -> dict:
    return json.loads((course.autograded / student / ASSIGNMENT / "results.json").read_text())


def test_switching_secret_editing_the_suite_or_the_release_regrades(course, tmp_path, monkeypatch):
    everyone = ["ada_reference", "bo_untouched"]
    demo = GradingOptions(secret=DEMO)
    assert regraded(course, demo) == everyone
    assert regraded(course, demo) == []
    assert recorded(course)["extra_data"]["graded_with"]["secret"] == DEMO.id

    real = GradingOptions(secret=REAL)
    assert regraded(course, real) == everyone
    results_text = json.dumps(recorded(course))
    assert recorded(course)["extra_data"]["graded_with"]["secret"] == REAL.id != DEMO.id
    assert REAL.value.decode() not in results_text and REAL.source not in results_text
    assert regraded(course, real) == []

    suites = shutil.copytree(SUITES, tmp_path / "suites", ignore=shutil.ignore_patterns("__pycache__"))
    edited_suite = GradingOptions(secret=REAL, suites=suites)
    assert regraded(course, edited_suite) == []  # a copy of the same suite is the same suite
    test_file = suites / ASSIGNMENT / "test_metrics.py"
    test_file.write_text(test_file.read_text() + "\n# a tolerance was revised\n")
    assert regraded(course, edited_suite) == everyone
    assert recorded(course)["extra_data"]["graded_with"]["suite"] == edited_suite.fingerprints(edited_suite.manifest(ASSIGNMENT), REAL)["suite"]

    release = shutil.copytree(RELEASE, tmp_path / "release", ignore=shutil.ignore_patterns("__pycache__", "*.so", "build"))
    edited_release = GradingOptions(secret=REAL, suites=suites, release=release)
    assert regraded(course, edited_release) == []
    given = release / ASSIGNMENT / "numnet" / "__init__.py"
    given.write_text(given.read_text() + "\n# the release was regenerated\n")
    assert regraded(course, edited_release) == everyone
    assert regraded(course, edited_release) == []

    monkeypatch.setattr(autograder, "__version__", "99.0")  # the batch's own view of the grader changes
    assert regraded(course, edited_release) == everyone


def test_unreadable_or_old_state_regrades(course):
    """A state file without the grading inputs (written by an older grader) is not trusted."""
    options = GradingOptions(secret=DEMO)
    assert len(regraded(course, options)) == 2
    state = course.autograded / "ada_reference" / ASSIGNMENT / "state.json"
    old = json.loads(state.read_text())
    del old["graded_with"]
    state.write_text(json.dumps(old))
    assert regraded(course, options) == ["ada_reference"]
