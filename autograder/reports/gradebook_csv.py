"""The per-check CSV gradebook: one row per student, one column per check, then totals."""
from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from autograder.batch.run import ClassRow
from autograder.reports.scores import test_columns

FIXED = ("student", "total", "max_score", "error")


def gradebook_csv(rows: Sequence[ClassRow]) -> str:
    """The gradebook as CSV text; a student without results has empty check cells and the error."""
    columns = test_columns(row.results for row in rows if row.results)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*FIXED, *columns])
    for row in rows:
        if row.results is None:
            writer.writerow([row.student, "", "", row.error, *([""] * len(columns))])
            continue
        by_name = {test.name: test.score for test in row.results.tests}
        writer.writerow([row.student, f"{row.results.score:g}", f"{row.results.max_score:g}", row.error,
                         *(f"{by_name[c]:g}" if c in by_name else "" for c in columns)])
    return out.getvalue()
