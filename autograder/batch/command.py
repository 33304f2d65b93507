"""``autograder batch ASSIGNMENT``: grade a whole class, resumably, and write the reports."""
from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from autograder.batch.run import BatchOptions, ClassRow, run_batch
from autograder.grading.command import add_unconfined_build_flag, warn_about_weak_sandbox
from autograder.grading.limits import Limits
from autograder.grading.runner import GradingOptions
from autograder.grading.safe_text import clean_text
from autograder.paths import CourseLayout
from autograder.reports.write import ReportError, ReportPaths, write_reports


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("batch", help="grade every submission of an assignment and write the class reports")
    parser.add_argument("assignment", help="an assignment of the course")
    parser.add_argument("--course-dir", type=Path, help="folder holding submitted/ (default: the course directory)")
    parser.add_argument("--zips", type=Path, help="also grade the <student>.zip files of this folder")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="local grading processes")
    parser.add_argument("--scheduler", help="Dask scheduler address (tcp://host:port) instead of local processes")
    parser.add_argument("--force", action="store_true", help="regrade submissions that are already graded")
    parser.add_argument("--time-limit", type=float, default=Limits.submission_seconds, help="seconds per submission")
    add_unconfined_build_flag(parser)
    parser.set_defaults(run=run)


def summary_table(rows: Sequence[ClassRow], title: str) -> Table:
    """One line per student: score, time, whether it was skipped, and any error."""
    table = Table(title=title)
    for column, justify in (("student", "left"), ("score", "right"), ("seconds", "right"), ("note", "left")):
        table.add_column(column, justify=justify)
    for row in rows:
        score = f"{row.results.score:.3g} / {row.results.max_score:g}" if row.results else "[red]error[/]"
        note = Text(clean_text(row.error), style="red") if row.error else ("skipped (unchanged)" if row.skipped else "")
        table.add_row(Text(clean_text(row.student)), score, f"{row.seconds:.1f}", note)
    return table


def print_report_paths(reports: ReportPaths, console: Console) -> None:
    """Tell the instructor where each report was written."""
    for label, path in (("gradebook CSV", reports.csv), ("JUnit", reports.junit), ("class report", reports.html),
                        ("nbgrader gradebook", reports.gradebook)):
        console.print(f"{label}: {path}")


def grade_class(assignment: str, course: CourseLayout, options: BatchOptions, console: Console) -> tuple[list[ClassRow], ReportPaths]:
    """Run the batch with a progress bar, then write the reports."""
    columns = (TextColumn("grading {task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[errors]} errors"), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        bar = progress.add_task(assignment, total=None, errors=0)
        errors = 0

        def started(todo: int, skipped: int) -> None:
            progress.update(bar, total=todo)
            if skipped:
                console.print(f"{skipped} submission(s) unchanged since their last grading: skipped")

        def finished(outcome) -> None:
            nonlocal errors
            errors += bool(outcome.error)
            progress.update(bar, advance=1, errors=errors)

        rows = run_batch(assignment, course, options, started, finished)
    return rows, write_reports(course, assignment, rows)


def run(args: argparse.Namespace) -> int:
    console = Console()
    course = CourseLayout.discover(args.course_dir)
    grading = GradingOptions(limits=Limits(submission_seconds=args.time_limit),
                             allow_unconfined_build=args.allow_unconfined_build)
    warn_about_weak_sandbox(grading.limits, Console(stderr=True))
    options = BatchOptions(grading, workers=args.workers, scheduler=args.scheduler, force=args.force, zips=args.zips)
    try:
        rows, reports = grade_class(args.assignment, course, options, console)
    except ReportError as exc:
        console.print(str(exc), style="red", markup=False, highlight=False)
        return 1
    if not rows:
        console.print(f"[yellow]no submissions of {args.assignment} under {course.submitted} [/]")
        return 1
    console.print(summary_table(rows, f"{args.assignment}: {len(rows)} submissions"))
    print_report_paths(reports, console)
    return 0
