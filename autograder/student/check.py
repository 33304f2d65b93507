"""``autograder check``: the public tests of a release folder, summed up task by task."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from autograder.manifest import Manifest

STATUS_STYLE = {
    "passed": "green",
    "failed": "red",
    "not implemented yet": "yellow",
    "no public tests": "dim",
    "not run": "red",
}


class CheckError(RuntimeError):
    """The public tests could not be run at all."""


@dataclass(frozen=True)
class Outcome:
    nodeid: str
    task: str | None
    status: str  # passed, failed, not_implemented or skipped
    summary: str


@dataclass(frozen=True)
class PublicTestRun:
    """What pytest reported: one outcome per test, and the files it could not collect."""

    outcomes: tuple[Outcome, ...]
    collection_errors: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class TaskRow:
    """One line of the table: a task, its points, and how its public tests went."""

    task: str
    title: str
    points: float
    passed: int
    total: int
    status: str
    detail: str


def run_public_tests(folder: Path) -> PublicTestRun:
    """Run the public tests of ``folder`` in a fresh interpreter and read their outcomes."""
    with tempfile.TemporaryDirectory(prefix="autograder-check-") as scratch:
        report = Path(scratch, "report.json")
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "autograder.student.plugin",
                   f"--task-report={report}"]
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        completed = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True)
        if not report.is_file():
            raise CheckError(f"pytest could not run the public tests in {folder}:\n{completed.stdout}{completed.stderr}")
        data = json.loads(report.read_text(encoding="utf-8"))
    return PublicTestRun(
        outcomes=tuple(Outcome(t["nodeid"], t["task"], t["status"], t["summary"]) for t in data["tests"]),
        collection_errors=tuple((e["nodeid"], e["summary"]) for e in data["errors"]),
    )


def _task_row(task: str, title: str, points: float, outcomes: list[Outcome], collection_failed: bool) -> TaskRow:
    passed = sum(o.status == "passed" for o in outcomes)
    failures = [o for o in outcomes if o.status == "failed"]
    if failures:
        status, detail = "failed", f"{failures[0].nodeid.rpartition('::')[2]}: {failures[0].summary}"
    elif any(o.status == "not_implemented" for o in outcomes):
        status, detail = "not implemented yet", ""
    elif outcomes and passed == len(outcomes):
        status, detail = "passed", ""
    elif collection_failed:
        status, detail = "not run", "a test file could not be imported (see below)"
    else:
        status, detail = "no public tests", ""
    return TaskRow(task, title, points, passed, len(outcomes), status, detail)


def task_rows(manifest: Manifest, run: PublicTestRun) -> list[TaskRow]:
    """One row per task of ``manifest``, plus one for tests that name no known task."""
    failed_collection = bool(run.collection_errors)
    rows = [
        _task_row(name, task.title, task.points, [o for o in run.outcomes if o.task == name], failed_collection)
        for name, task in manifest.tasks.items()
    ]
    untasked = [o for o in run.outcomes if o.task not in manifest.tasks]
    if untasked:
        rows.append(_task_row("-", "other tests", 0.0, untasked, failed_collection))
    return rows


def render(manifest: Manifest, rows: list[TaskRow], run: PublicTestRun, console: Console) -> None:
    """Print the per-task table and any collection errors."""
    table = Table(title=f"{manifest.title}: public tests")
    for column in ("task", "points", "tests passed", "status", "details"):
        table.add_column(column, overflow="fold")
    for row in rows:
        style = STATUS_STYLE.get(row.status, "")
        table.add_row(row.title, f"{row.points:g}", f"{row.passed}/{row.total}", f"[{style}]{row.status}[/]", row.detail)
    console.print(table)
    for nodeid, summary in run.collection_errors:
        console.print(f"[red]could not import {nodeid}[/]: {summary}")


def all_passed(rows: list[TaskRow], run: PublicTestRun) -> bool:
    return not run.collection_errors and all(row.status in ("passed", "no public tests") for row in rows)
