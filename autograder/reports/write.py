"""Writing every class report of a batch: nbgrader's gradebook first, then the files read from it."""
from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from autograder.batch.run import ClassRow
from autograder.grading.results import write_atomically
from autograder.grading.safe_text import NAME_CHARS, clean_text
from autograder.manifest import load_manifest
from autograder.paths import CourseLayout
from autograder.reports.class_report import class_report
from autograder.reports.gradebook_csv import gradebook_csv
from autograder.reports.junit import batch_junit
from autograder.reports.nbgrader_db import StudentGrade, read_grades, update_gradebook


class ReportError(Exception):
    """Some class reports could not be written (the others were)."""


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
        return cls(folder / "gradebook.csv", folder / "junit.xml", folder / "class_report.html", course.gradebook)


def safe_row(row: ClassRow) -> ClassRow:
    """``row`` with every text made safe for the writers, so no student's text can break a report."""
    return replace(row, student=clean_text(row.student, 4 * NAME_CHARS), error=clean_text(row.error),
                   results=row.results.cleaned() if row.results else None)


def share_with_group(path: Path) -> None:
    """Give ``path`` the mode a new file would get (``0o666`` less the umask; typically readable by the
    course group), since atomic writes go through private temporary files."""
    umask = os.umask(0)
    os.umask(umask)
    path.chmod(0o666 & ~umask)


def write_reports(course: CourseLayout, assignment: str, rows: Sequence[ClassRow]) -> ReportPaths:
    """Record the class in nbgrader's gradebook, then write the CSV, the batch JUnit and the class
    report from it (group-readable).

    Each report is written even when another one fails (without the gradebook, the CSV and the
    class report have no grades); the failures are then raised together as a :class:`ReportError`.
    """
    manifest = load_manifest(assignment)
    paths = ReportPaths.of(course, assignment)
    rows = [safe_row(row) for row in rows]
    grades: dict[str, StudentGrade] = {}

    def record() -> None:
        update_gradebook(course, manifest, rows, paths.gradebook)
        grades.update(read_grades(paths.gradebook, manifest))

    def write(path: Path, text: Callable[[], str]) -> Callable[[], None]:
        return lambda: (write_atomically(path, text()), share_with_group(path))

    writers: list[tuple[Path, Callable[[], None]]] = [
        (paths.gradebook, record),
        (paths.csv, write(paths.csv, lambda: gradebook_csv(rows, grades, list(manifest.tasks)))),
        (paths.junit, write(paths.junit, lambda: batch_junit(rows, assignment))),
        (paths.html, write(paths.html, lambda: class_report(rows, manifest, grades, paths.html.parent / "similarity"))),
    ]
    failed = []
    for path, run in writers:
        try:
            run()
        except Exception as exc:  # noqa: BLE001 - one broken report must not cost the others
            failed.append(f"{path.name}: {type(exc).__name__}: {exc}")
    if failed:
        raise ReportError("these reports could not be written: " + "; ".join(failed))
    return paths
