"""Writing every class report of a batch into one folder."""
from __future__ import annotations

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
from autograder.reports.nbgrader_db import update_gradebook


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
        return cls(folder / "gradebook.csv", folder / "junit.xml", folder / "class_report.html", course.root / "gradebook.db")


def safe_row(row: ClassRow) -> ClassRow:
    """``row`` with every text made safe for the writers, so no student's text can break a report."""
    return replace(row, student=clean_text(row.student, 4 * NAME_CHARS), error=clean_text(row.error),
                   results=row.results.cleaned() if row.results else None)


def write_reports(course: CourseLayout, assignment: str, rows: Sequence[ClassRow]) -> ReportPaths:
    """Write the CSV gradebook, the batch JUnit, the class report and nbgrader's gradebook.

    Each report is written even when another one fails; the failures are then raised
    together as a :class:`ReportError`.
    """
    manifest = load_manifest(assignment)
    paths = ReportPaths.of(course, assignment)
    rows = [safe_row(row) for row in rows]
    writers: list[tuple[Path, Callable[[], None]]] = [
        (paths.csv, lambda: write_atomically(paths.csv, gradebook_csv(rows))),
        (paths.junit, lambda: write_atomically(paths.junit, batch_junit(rows, assignment))),
        (paths.html, lambda: write_atomically(paths.html, class_report(rows, manifest.title, paths.html.parent / "similarity"))),
        (paths.gradebook, lambda: update_gradebook(paths.gradebook, manifest, rows)),
    ]
    failed = []
    for path, write in writers:
        try:
            write()
        except Exception as exc:  # noqa: BLE001 - one broken report must not cost the others
            failed.append(f"{path.name}: {type(exc).__name__}: {exc}")
    if failed:
        raise ReportError("these reports could not be written: " + "; ".join(failed))
    return paths
