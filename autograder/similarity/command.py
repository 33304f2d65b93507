"""``autograder similarity ASSIGNMENT``: rank similar task code across a class."""
from __future__ import annotations

import argparse
import os
from pathlib import Path

from rich.console import Console
from rich.markup import escape as escape_rich
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from autograder import similarity
from autograder.paths import CourseLayout


def _share(text: str) -> float:
    value = float(text)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"must be in (0, 1], got {text}")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "similarity", help="rank pairs of students with similar task code (evidence to review, never a penalty)")
    parser.add_argument("assignment", help="an assignment of the course")
    parser.add_argument("--course-dir", type=Path, help="course folder (default: $AUTOGRADER_COURSE_DIR or this checkout)")
    parser.add_argument("--zips", type=Path, help="also read the <student>.zip files of this folder")
    parser.add_argument("--known", type=Path, help="folder of known solutions (any layout) to compare every student with")
    parser.add_argument("--threshold", type=_share, default=0.5, help="score from which a pair is flagged (default 0.5)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="local processes")
    parser.add_argument("--scheduler", help="Dask scheduler address (tcp://host:port) instead of local processes")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from autograder.similarity.output import OutputPaths, ranked_table, write_outputs
    from autograder.similarity.run import Options, run_similarity

    console = Console()
    if args.known is not None and not args.known.is_dir():
        console.print(f"[red]--known {args.known}: not a folder[/]")
        return 2
    course = CourseLayout.discover(args.course_dir)
    options = Options(threshold=args.threshold, known=args.known, zips=args.zips, scheduler=args.scheduler,
                      workers=args.workers)
    columns = (TextColumn("fingerprinting {task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=console) as progress:
            bar = progress.add_task(args.assignment, total=None)
            report = run_similarity(args.assignment, course, options, lambda total: progress.update(bar, total=total),
                                    lambda prints: progress.advance(bar))
    except ValueError as exc:  # e.g. a student with both a folder and a zip
        console.print(f"[red]{escape_rich(str(exc))}[/]")
        return 2
    students = sum(not owner.known for owner in report.prints)
    if not students:
        console.print(f"[yellow]no submissions of {args.assignment} under {course.submitted}[/]")
        return 1
    paths = OutputPaths.of(course, args.assignment)
    write_outputs(report, options, paths)
    console.print(ranked_table(report))
    console.print(f"{students} submissions, {len(report.flagged)} flagged pair(s) at threshold {report.threshold:.2f}; "
                  f"{sum(len(c) for c in report.clusters.values())} cluster(s) of three or more")
    console.print(f"CSV: {paths.csv}\npages of flagged pairs: {paths.folder / 'pairs'}\nsummary: {paths.summary}")
    console.print("the class report shows this run from its next writing (`autograder batch` skips graded work)")
    console.print(f"[bold]{similarity.NOTICE}[/]")
    return 0
