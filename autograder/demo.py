"""``autograder demo``: the whole pipeline on a small embedded class.

Regenerates the release, builds a class of submissions for one assignment (the
reference solution, the untouched release, and a few realistic mistakes made by
editing the reference), batch-grades it on local worker processes with the demo
secret, writes results, feedback and every class report (CSV, JUnit, nbgrader's
gradebook, HTML), and prints the summary and where everything is.
"""
from __future__ import annotations

import argparse
import os
import shutil
import warnings
from pathlib import Path

from rich.console import Console

from autograder.batch.command import grade_class, print_report_paths, summary_table
from autograder.batch.run import BatchOptions
from autograder.grading.runner import GradingOptions
from autograder.grading.seeds import DemoSecretWarning, load_secret
from autograder.manifest import load_manifest
from autograder.paths import ASSIGNMENTS, RELEASE, CourseLayout
from autograder.release.builder import build
from autograder.release.solution import write_solution

#: Realistic mistakes per assignment: (student, file, text in the reference, replacement).
MISTAKES: dict[str, list[tuple[str, str, str, str]]] = {
    "fc_nets": [
        ("dana_relu_sign", "numnet/layers.py", "dx = np.where(x > 0, dout, 0)", "dx = np.where(x >= -1, dout, 0)"),
        ("eli_unbiased_var", "numnet/layers.py", "var = x.var(axis=0)", "var = x.var(axis=0, ddof=1)"),
        ("finn_softmax_no_mean", "numnet/layers.py", "loss = float(-log_probs[rows, y].mean())",
         "loss = float(-log_probs[rows, y].sum())"),
    ],
    "conv_nets": [
        ("dana_pad_ignored", "numnet/layers.py", "x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))\n    out",
         "x_pad = x\n    out"),
        ("eli_group_axes", "numnet/layers.py", "groups = x.reshape(N, G, -1)", "groups = x.transpose(0, 2, 1, 3).reshape(N, G, -1)"),
    ],
    "linear_regression": [
        ("dana_sample_std", "numnet/preprocessing.py", "std = X.std(axis=0)", "std = X.std(axis=0, ddof=1)"),
        ("eli_mae_no_abs", "numnet/metrics.py", "np.mean(np.abs(y_true - y_pred))", "np.mean(y_true - y_pred)"),
    ],
}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="release, build a sample class, grade it and show the results")
    parser.add_argument("assignment", nargs="?", default="fc_nets", choices=ASSIGNMENTS)
    parser.add_argument("--course-dir", type=Path, default=Path("demo-course"), help="where the class is written")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="local grading processes")
    parser.set_defaults(run=run)


def build_class(assignment: str, submitted: Path) -> list[str]:
    """Write the sample submissions into ``submitted/<student>/<assignment>/``; return the student ids."""
    manifest = load_manifest(assignment)
    students = []
    reference = submitted / "ada_reference" / assignment
    write_solution(assignment, reference)
    students.append("ada_reference")
    untouched = submitted / "bo_untouched" / assignment
    for name in manifest.student_files:
        if (RELEASE / assignment / name).is_file():
            (untouched / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(RELEASE / assignment / name, untouched / name)
    students.append("bo_untouched")
    for student, file, old, new in MISTAKES[assignment]:
        folder = submitted / student / assignment
        shutil.copytree(reference, folder)
        text = (folder / file).read_text()
        if text.count(old) != 1:
            raise RuntimeError(f"demo mistake {student!r} no longer matches the reference {file}")
        (folder / file).write_text(text.replace(old, new))
        students.append(student)
    return students


def run(args: argparse.Namespace) -> int:
    console = Console(width=150)
    course = CourseLayout.discover(args.course_dir)
    if course.root.exists():
        shutil.rmtree(course.root)
    console.print(f"[bold]1.[/] regenerating the release of {args.assignment}")
    build([args.assignment], RELEASE)
    console.print("[bold]2.[/] building a sample class")
    students = build_class(args.assignment, course.submitted)
    console.print(f"[bold]3.[/] batch-grading {len(students)} submissions on {args.workers} worker processes "
                  "(demo secret: hidden inputs are predictable)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DemoSecretWarning)
        options = BatchOptions(GradingOptions(secret=load_secret()), workers=args.workers)
    rows, reports = grade_class(args.assignment, course, options, console)
    console.print(summary_table(rows, f"{load_manifest(args.assignment).title}: demo class"))
    console.print(f"results: {course.autograded}/<student>/{args.assignment}/results.json")
    console.print(f"feedback: {course.feedback}/<student>/{args.assignment}/feedback.html")
    print_report_paths(reports, console)
    return 0
