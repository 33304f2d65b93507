"""``autograder release`` and ``autograder solution``."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder.course import current_course
from autograder.manifest import ManifestError, load_manifest
from autograder.release.builder import build, stale_files, stale_grading_notebooks
from autograder.release.grading_notebook import FILE as GRADING_FILE
from autograder.release.markers import MarkerError
from autograder.release.notebooks import NotebookError
from autograder.release.requirements import RequirementError
from autograder.release.solution import write_solution

BUILD_ERRORS = (ManifestError, MarkerError, NotebookError, RequirementError)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``release`` and ``solution`` sub-commands."""
    release = subparsers.add_parser(
        "release",
        help="(re)generate release/<assignment>/ from the reference and the sources",
        description="Build the student release of each ASSIGNMENT (default: all of them).",
    )
    release.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="an assignment of the course (source/<ASSIGNMENT>/assignment.toml)")
    release.add_argument("--check", action="store_true", help="only report whether the committed release is stale")
    release.set_defaults(run=run_release)
    solution = subparsers.add_parser(
        "solution",
        help="write the reference solution laid out like a student submission",
        description="Write the student-owned files of ASSIGNMENT, solved, into DEST.",
    )
    solution.add_argument("assignment", metavar="ASSIGNMENT")
    solution.add_argument("dest", metavar="DEST", type=Path)
    solution.set_defaults(run=run_solution)


def run_release(args: argparse.Namespace) -> int:
    course = current_course()
    assignments = args.assignments or course.assignments()
    try:
        if args.check:
            stale = [f"source/{name}/{GRADING_FILE}" for name in stale_grading_notebooks(assignments)]
            stale += [f"release/{line}" for line in stale_files(assignments, course.release)]
            for line in stale:
                print(f"stale: {line}", file=sys.stderr)
            if stale:
                print("release/ is out of date: run `autograder release`", file=sys.stderr)
            return 1 if stale else 0
        build(assignments, course.release)
        print(f"wrote {', '.join(f'release/{name}' for name in dict.fromkeys(assignments))}")
        others = stale_others(assignments)
    except BUILD_ERRORS as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if others:
        print(f"now stale (they share reference modules): {', '.join(others)}; run `autograder release` "
              "with no argument to regenerate every assignment", file=sys.stderr)
    return 0


def stale_others(released: list[str]) -> list[str]:
    """The course's other assignments that share a reference module with ``released``
    and whose committed release a fresh build would change."""
    course = current_course()
    shared = {module for name in released for module in load_manifest(name).modules}
    candidates = [name for name in course.assignments()
                  if name not in released and shared & set(load_manifest(name).modules)]
    return [name for name in candidates if stale_files([name], course.release)]


def run_solution(args: argparse.Namespace) -> int:
    try:
        written = write_solution(args.assignment, args.dest)
    except BUILD_ERRORS as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {len(written)} files of the {args.assignment} solution into {args.dest}")
    return 0
