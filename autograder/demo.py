"""``autograder demo``: the whole pipeline on a small embedded class.

Regenerates the release, builds a class of submissions for one assignment (the
reference solution, the untouched release, and the course's sample mistakes made
by editing the reference, if it has any), batch-grades it on local worker processes with the demo
secret, writes results, feedback and every class report (CSV, JUnit, nbgrader's
gradebook, HTML), and prints the summary and where everything is.
"""
from __future__ import annotations

import argparse
import os
import shutil
import tomllib
import warnings
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from autograder.batch.command import grade_class, print_report_paths, summary_table
from autograder.batch.run import BatchOptions
from autograder.grading.runner import GradingOptions
from autograder.grading.seeds import DemoSecretWarning, load_secret
from autograder.course import current_course
from autograder.manifest import ManifestError, load_manifest
from autograder.paths import CourseLayout
from autograder.release.builder import build
from autograder.release.solution import write_solution

MISTAKES_FOLDER = "mistakes"


@dataclass(frozen=True)
class Mistake:
    """A sample wrong submission: the reference solution with a few text edits.

    Read from ``source/<assignment>/mistakes/<student>.toml``::

        description = "what is wrong"
        [[edits]]
        file = "pkg/module.py"   # a student-owned file
        old = "text in the reference"
        new = "its replacement"
    """

    student: str
    description: str
    edits: tuple[tuple[str, str, str], ...]


def load_mistakes(folder: Path) -> list[Mistake]:
    """The sample mistakes in ``folder`` (none when it doesn't exist), by student id."""
    mistakes = []
    for path in sorted(folder.glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            edits = tuple((e["file"], e["old"], e["new"]) for e in data["edits"])
        except (tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
            raise ManifestError(f"{path}: not a mistake file ({type(exc).__name__}: {exc}); see docs/authoring.md") from None
        if not edits or not all(isinstance(part, str) for edit in edits for part in edit):
            raise ManifestError(f"{path}: [[edits]] needs string 'file', 'old' and 'new' entries")
        mistakes.append(Mistake(path.stem, str(data.get("description", "")), edits))
    return mistakes


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="release, build a sample class, grade it and show the results")
    parser.add_argument("assignment", nargs="?", help="an assignment of the course (default: its first)")
    parser.add_argument("--course-dir", type=Path, default=Path("demo-course"), help="where the class is written")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="local grading processes")
    parser.set_defaults(run=run)


def build_class(assignment: str, submitted: Path) -> list[str]:
    """Write the sample submissions into ``submitted/<student>/<assignment>/``; return the student ids."""
    manifest = load_manifest(assignment)
    course = current_course()
    mistakes = load_mistakes(course.source / assignment / MISTAKES_FOLDER)
    students = []
    reference = submitted / "ada_reference" / assignment
    write_solution(assignment, reference)
    students.append("ada_reference")
    untouched = submitted / "bo_untouched" / assignment
    for name in manifest.student_files:
        released = course.release / assignment / name
        if released.is_file():
            (untouched / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(released, untouched / name)
    students.append("bo_untouched")
    for mistake in mistakes:
        folder = submitted / mistake.student / assignment
        shutil.copytree(reference, folder)
        for file, old, new in mistake.edits:
            if file not in manifest.student_files or not (folder / file).is_file():
                raise ManifestError(f"demo mistake {mistake.student!r} edits {file!r}, which the student does not own")
            text = (folder / file).read_text()
            if text.count(old) != 1:
                raise ManifestError(f"demo mistake {mistake.student!r} no longer matches the reference {file}")
            (folder / file).write_text(text.replace(old, new))
        students.append(mistake.student)
    return students


def run(args: argparse.Namespace) -> int:
    console = Console(width=150)
    assignment = args.assignment or current_course().assignments()[0]
    course = CourseLayout.discover(args.course_dir)
    if course.root.exists():
        shutil.rmtree(course.root)
    console.print(f"[bold]1.[/] regenerating the release of {assignment}")
    build([assignment], current_course().release)
    console.print("[bold]2.[/] building a sample class")
    students = build_class(assignment, course.submitted)
    console.print(f"[bold]3.[/] batch-grading {len(students)} submissions on {args.workers} worker processes "
                  "(demo secret: hidden inputs are predictable)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DemoSecretWarning)
        options = BatchOptions(GradingOptions(secret=load_secret()), workers=args.workers)
    rows, reports = grade_class(assignment, course, options, console)
    console.print(summary_table(rows, f"{load_manifest(assignment).title}: demo class"))
    console.print(f"results: {course.autograded}/<student>/{assignment}/results.json")
    console.print(f"feedback: {course.feedback}/<student>/{assignment}/feedback.html")
    print_report_paths(reports, console)
    return 0
