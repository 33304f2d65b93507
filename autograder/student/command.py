"""``autograder check`` and ``autograder submit``, run inside a release folder."""
from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from autograder.manifest import ManifestError
from autograder.student.check import CheckError, all_passed, render, run_public_tests, task_rows
from autograder.student.folder import load_folder_manifest
from autograder.student.submit import (
    archive_name,
    missing_files,
    notebooks_without_outputs,
    unreadable_files,
    write_archive,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``check`` and ``submit`` sub-commands."""
    check = subparsers.add_parser(
        "check",
        help="run the public tests of a release folder and show a table per task",
        description="Run the public tests and report, task by task, what passes.",
    )
    submit = subparsers.add_parser(
        "submit",
        help="validate a release folder and zip your files for submission",
        description="Check the layout, run the public tests and write <assignment>_submission.zip.",
    )
    for parser in (check, submit):
        parser.add_argument("--folder", type=Path, default=Path("."), help="the release folder (default: here)")
    check.set_defaults(run=run_check)
    submit.set_defaults(run=run_submit)


def _public_tests(folder: Path, console: Console) -> bool:
    """Run and show the public tests; True when every task passes."""
    manifest = load_folder_manifest(folder)
    run = run_public_tests(folder)
    rows = task_rows(manifest, run)
    render(manifest, rows, run, console)
    return all_passed(rows, run)


def run_check(args: argparse.Namespace) -> int:
    console = Console()
    try:
        return 0 if _public_tests(args.folder, console) else 1
    except (ManifestError, CheckError) as exc:
        console.print(f"[red]error:[/] {exc}", markup=True, highlight=False)
        return 1


def run_submit(args: argparse.Namespace) -> int:
    console = Console()
    folder: Path = args.folder
    try:
        manifest = load_folder_manifest(folder)
        problems = unreadable_files(manifest, folder)
        for problem in problems:
            console.print(f"[red]error:[/] {problem}", highlight=False)
        if problems:
            console.print("Fix these files first; nothing was written.")
            return 1
        for path in missing_files(manifest, folder):
            console.print(f"[yellow]warning:[/] {path} is missing; it won't be in the submission", highlight=False)
        for path in notebooks_without_outputs(manifest, folder):
            console.print(f"[yellow]warning:[/] {path} has no outputs; run it top to bottom and save it", highlight=False)
        _public_tests(folder, console)
    except (ManifestError, CheckError) as exc:
        console.print(f"[red]error:[/] {exc}", highlight=False)
        return 1
    archive = folder / archive_name(manifest)
    included = write_archive(manifest, folder, archive)
    console.print(f"wrote {archive} with {len(included)} files: {', '.join(included)}", highlight=False)
    return 0
