"""``autograder check`` and ``autograder submit``, run inside a release folder."""
from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from autograder_student.check import TASK_SECONDS, CheckError, all_passed, check_folder, render, task_rows
from autograder_student.files import missing_files, notebooks_without_outputs, unreadable_files
from autograder_student.manifest import ManifestError, load_folder_manifest
from autograder_student.submit import archive_name, write_archive


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``check`` and ``submit`` sub-commands."""
    check = subparsers.add_parser(
        "check",
        help="run the public tests of a release folder and show a table per task",
        description="Run the public tests, each task in its own process, and report task by task what passes.",
    )
    submit = subparsers.add_parser(
        "submit",
        help="validate a release folder and zip your files for submission",
        description="Check your files, run the public tests and write <assignment>_submission.zip.",
    )
    for parser in (check, submit):
        parser.add_argument("--folder", type=Path, default=Path("."), help="the release folder (default: here)")
        parser.add_argument("--timeout", type=float, default=TASK_SECONDS, metavar="SECONDS",
                            help=f"time limit for one task's public tests (default: {TASK_SECONDS:g})")
    check.add_argument("--json", type=Path, metavar="FILE", help="also write the table and the failures as JSON to FILE")
    check.set_defaults(run=run_check)
    submit.set_defaults(run=run_submit)


def _public_tests(folder: Path, seconds: float, console: Console, report: Path | None = None) -> bool:
    """Run and show the public tests (and write them to ``report``); True when every task passes."""
    manifest = load_folder_manifest(folder)
    run = check_folder(folder, manifest, seconds)
    rows = task_rows(manifest, run)
    render(manifest, rows, run, console)
    passed = all_passed(rows, run)
    if report is not None:
        data = {"passed": passed, "tasks": [dataclasses.asdict(row) for row in rows],
                "syntax_errors": list(run.syntax_errors), "collection_errors": [list(e) for e in run.collection_errors]}
        report.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return passed


def _error(console: Console, message: str) -> None:
    console.print(f"[red]error:[/] {escape(message)}", highlight=False)


def run_check(args: argparse.Namespace) -> int:
    console = Console()
    try:
        return 0 if _public_tests(args.folder, args.timeout, console, args.json) else 1
    except (ManifestError, CheckError) as exc:
        _error(console, str(exc))
        return 1


def run_submit(args: argparse.Namespace) -> int:
    console = Console()
    folder: Path = args.folder
    try:
        manifest = load_folder_manifest(folder)
        problems = [f"{path} is missing" for path in missing_files(manifest, folder)]
        problems += unreadable_files(manifest, folder)
        for problem in problems:
            _error(console, problem)
        if problems:
            console.print("Fix these files first; nothing was written.")
            return 1
        for path in notebooks_without_outputs(manifest, folder):
            console.print(f"[yellow]warning:[/] {escape(path)} has no outputs; run it top to bottom and save it",
                          highlight=False)
        _public_tests(folder, args.timeout, console)
    except (ManifestError, CheckError) as exc:
        _error(console, str(exc))
        return 1
    archive = write_archive(manifest, folder, folder / archive_name(manifest))
    console.print(f"wrote {escape(str(archive.path))} ({archive.size} bytes) with {len(archive.files)} files: "
                  f"{escape(', '.join(archive.files))}", highlight=False)
    console.print(f"SHA-256 {archive.sha256}", highlight=False)
    console.print("The grader records this SHA-256 with your results: keep it as proof of what you handed in.",
                  highlight=False)
    return 0
