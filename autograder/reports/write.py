"""Writing every class report of a batch into one folder."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from autograder.batch.run import ClassRow
from autograder.grading.results import write_atomically
from autograder.manifest import load_manifest
from autograder.paths import CourseLayout
from autograder.reports.class_report import class_report
from autograder.reports.gradebook_csv import gradebook_csv
from autograder.reports.junit import batch_junit
from autograder.reports.nbgrader_db import update_gradebook


@dataclass(frozen=True)
class ReportPaths:
    """Where a batch's reports are written."""

    csv: Path
    junit: Path
    html: Path
    gradebook: Path

    @classmethod
    def of(cls, course: CourseLayout, assignment: str) -> "ReportPaths":
        folder = course.root / "reports" / assignment
        return cls(folder / "gradebook.csv", folder / "junit.xml", folder / "class_report.html", course.root / "gradebook.db")


def write_reports(course: CourseLayout, assignment: str, rows: Sequence[ClassRow]) -> ReportPaths:
    """Write the CSV gradebook, the batch JUnit, the class report and nbgrader's gradebook."""
    manifest = load_manifest(assignment)
    paths = ReportPaths.of(course, assignment)
    write_atomically(paths.csv, gradebook_csv(rows))
    write_atomically(paths.junit, batch_junit(rows, assignment))
    write_atomically(paths.html, class_report(rows, manifest.title))
    update_gradebook(paths.gradebook, manifest, rows)
    return paths
