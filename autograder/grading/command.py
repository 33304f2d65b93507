"""``autograder grade ASSIGNMENT SUBMISSION``: grade one submission (design contract §3).

Exit status 0 means grading completed, whatever the score; 1 means the grader
itself could not finish (an invalid manifest, a broken suite, an unwritable
results file), and the message says why.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from autograder.grading.client import worker_isolation
from autograder.grading.isolation import weaker_level_warning
from autograder.grading.limits import Limits
from autograder.grading.results import Results, ResultsError, junit_xml, write_atomically, write_results
from autograder.grading.runner import GradingOptions, grade_submission
from autograder.manifest import ManifestError, load_manifest
from autograder_student.status import Status

#: How a task's status is coloured in the summary table (red for the others).
STATUS_STYLES = {Status.PASSED: "green", Status.PARTIAL: "yellow", Status.NOT_IMPLEMENTED: "yellow"}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("grade", help="grade one submission (a folder or a .zip)")
    parser.add_argument("assignment", help="an assignment of the course")
    parser.add_argument("submission", type=Path, help="folder or .zip laid out like the release")
    parser.add_argument("--student", default="student", help="student id (also part of the hidden seeds)")
    parser.add_argument("--results", type=Path, help="write Gradescope results.json here")
    parser.add_argument("--junit", type=Path, help="write JUnit XML here")
    parser.add_argument("--feedback", type=Path, help="write the student's HTML feedback page here")
    parser.add_argument("--call-timeout", type=float, default=Limits.call_seconds, help="seconds per call into student code")
    parser.add_argument("--time-limit", type=float, default=Limits.submission_seconds, help="seconds for the whole submission")
    add_unconfined_build_flag(parser)
    parser.set_defaults(run=run)


def add_unconfined_build_flag(parser: argparse.ArgumentParser) -> None:
    """``--allow-unconfined-build``, shared by ``grade`` and ``batch``."""
    parser.add_argument("--allow-unconfined-build", action="store_true",
                        help="compile students' Cython code even where bubblewrap is missing and the compiler could "
                             "read the grader's files (see docs/sandbox.md)")


def warn_about_weak_sandbox(limits: Limits, errors: Console) -> None:
    """Say loudly when student code can't get the full sandbox on this machine."""
    warning = weaker_level_warning(worker_isolation(limits))
    if warning:
        errors.print(f"[bold red]{warning}[/]", markup=True, highlight=False)


def summary_table(results: Results) -> Table:
    """Per-task scores as a rich table."""
    table = Table(title=f"score {results.score:g} / {results.max_score:g}")
    for column in ("task", "score", "status"):
        table.add_column(column)
    for task in results.extra_data.get("tasks", {}).values():
        status = Status(task["status"])
        table.add_row(task["title"], f"{task['score']:g} / {task['max_score']:g}",
                      f"[{STATUS_STYLES.get(status, 'red')}]{status.label}[/]")
    return table


def run(args: argparse.Namespace) -> int:
    console = Console(stderr=False)
    errors = Console(stderr=True)
    try:
        manifest = load_manifest(args.assignment)
        limits = Limits(call_seconds=args.call_timeout, submission_seconds=args.time_limit)
        warn_about_weak_sandbox(limits, errors)
        options = GradingOptions(limits=limits, allow_unconfined_build=args.allow_unconfined_build)
        graded = grade_submission(args.assignment, args.submission, args.student, options)
        if args.results:
            write_results(args.results, graded.results, graded.known_names)
        if args.junit:
            write_atomically(args.junit, junit_xml(graded.results, args.assignment))
        if args.feedback:
            from autograder.grading.feedback import write_feedback  # jinja2: only paid for when asked

            write_feedback(args.feedback, graded.results, manifest.title, args.student)
    except (ManifestError, ResultsError, RuntimeError, FileNotFoundError) as exc:
        errors.print(f"[red]grading failed:[/] {exc}", markup=True, highlight=False)
        return 1
    for line in graded.internal_errors:
        print(f"grader error: {line}", file=sys.stderr)
    if graded.results.output:
        console.print(graded.results.output, markup=False, highlight=False)
    console.print(summary_table(graded.results))
    return 0
