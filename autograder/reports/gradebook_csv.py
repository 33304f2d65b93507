"""The CSV gradebook: one row per student with nbgrader's grade, then every task and check."""
from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

from autograder.batch.run import ClassRow
from autograder.reports.nbgrader_db import StudentGrade
from autograder.reports.scores import test_columns

FIXED = ("student", "total", "max_score", "autograded", "written", "late_penalty", "seconds_late", "needs_manual_grade",
         "error")


def gradebook_csv(rows: Sequence[ClassRow], grades: Mapping[str, StudentGrade], tasks: Sequence[str]) -> str:
    """The gradebook as CSV text. ``total`` is nbgrader's (tasks with overrides + written answers -
    late penalty); ``task: <name>`` columns include overrides; check columns are the raw autograder
    scores. A student without results has empty cells and the error."""
    checks = test_columns(row.results for row in rows if row.results)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*FIXED, *(f"task: {t}" for t in tasks), *checks])
    for row in rows:
        grade = grades.get(row.student)
        if row.results is None or grade is None:
            writer.writerow([row.student, *([""] * (len(FIXED) - 2)), row.error, *([""] * (len(tasks) + len(checks)))])
            continue
        by_name = {test.name: test.score for test in row.results.tests}
        writer.writerow([row.student, f"{grade.total:g}", f"{grade.max_score:g}", f"{grade.autograded:g}",
                         f"{grade.written:g}", f"{grade.late_penalty:g}", f"{grade.seconds_late:g}",
                         str(grade.needs_manual_grade).lower(), row.error,
                         *(f"{grade.tasks.get(t, 0.0):g}" for t in tasks),
                         *(f"{by_name[c]:g}" if c in by_name else "" for c in checks)])
    return out.getvalue()
