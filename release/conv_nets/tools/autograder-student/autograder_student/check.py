"""``autograder check``: the public tests of a release folder, task by task.

Each task's tests run in a pytest process of their own with a time limit, so an
endless loop or a crash in one task is reported while the others still run. The
processes report through :mod:`autograder_student.plugin`'s event file.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from autograder_student.manifest import AssignmentInfo
from autograder_student.files import syntax_errors
from autograder_student.status import Status

#: Seconds one task's public tests may take before the process is stopped.
TASK_SECONDS = 300.0
#: The group of tests that name no task of the manifest.
UNTASKED = ""

STATUS_STYLE = {
    Status.PASSED: "green",
    Status.FAILED: "red",
    Status.NOT_IMPLEMENTED: "yellow",
    Status.NOT_BUILT: "yellow",
    Status.NO_TESTS: "dim",
    Status.NOT_RUN: "red",
    Status.TIMED_OUT: "red",
    Status.CRASHED: "red",
}


class CheckError(RuntimeError):
    """The public tests could not be run at all."""


@dataclass(frozen=True)
class Outcome:
    """One public test: where it is, its task and parameters, how it went."""

    nodeid: str
    test: str
    params: dict[str, str]
    task: str | None
    status: Status  # PASSED, FAILED, NOT_IMPLEMENTED, NOT_BUILT, SKIPPED, TIMED_OUT or CRASHED
    summary: str

    @property
    def label(self) -> str:
        """The test's name with its parameters, e.g. ``test_loss(loss_fn=svm_loss)``."""
        args = ", ".join(f"{name}={value}" for name, value in self.params.items())
        return f"{self.test}({args})" if args else self.test


@dataclass(frozen=True)
class PublicTestRun:
    """What the runs reported: one outcome per test, files that could not be collected or compiled."""

    outcomes: tuple[Outcome, ...]
    collection_errors: tuple[tuple[str, str], ...]
    syntax_errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class TaskRow:
    """One line of the table: a task, its points, and how its public tests went."""

    task: str
    title: str
    points: float
    passed: int
    total: int
    status: Status
    detail: str
    failures: tuple[Outcome, ...] = field(default=())


@dataclass
class _GroupRun:
    outcomes: list[Outcome]
    collection_errors: list[tuple[str, str]]


def _read_events(path: Path) -> tuple[list[dict], list[dict], list[dict]]:
    """Results, collection errors, and the tests that started without a result (their start events)."""
    results, errors, started = [], [], []
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                event = json.loads(line)
            except json.JSONDecodeError:  # the last line of a killed run may be cut
                continue
            {"result": results, "collect_error": errors, "start": started}.get(event.get("event"), []).append(event)
    finished = {event["nodeid"] for event in results}
    return results, errors, sorted((e for e in started if e["nodeid"] not in finished), key=lambda e: e["nodeid"])


def _outcome(event: dict, status: Status, summary: str) -> Outcome:
    return Outcome(event["nodeid"], event["test"], event["params"], event["task"], status, summary)


def run_task_tests(folder: Path, task: str, seconds: float = TASK_SECONDS) -> _GroupRun:
    """Run the public tests of ``task`` (``UNTASKED``: those without a task) in a fresh interpreter."""
    with tempfile.TemporaryDirectory(prefix="autograder-check-") as scratch:
        events = Path(scratch, "events.jsonl")
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "autograder_student.plugin",
                   f"--task-events={events}", f"--only-task={task}"]
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        try:
            completed = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=seconds)
            ending, code = None, completed.returncode
        except subprocess.TimeoutExpired:
            ending, code = Status.TIMED_OUT, None
        results, errors, unfinished = _read_events(events)
        if ending is None and code not in (0, 1, 5) and not unfinished and not results and not errors:
            output = completed.stdout + completed.stderr
            raise CheckError(f"pytest could not run the public tests in {folder} (exit {code}):\n{output[-3000:]}")
    outcomes = [_outcome(event, Status(event["status"]), event["summary"]) for event in results]
    if ending is Status.TIMED_OUT and not unfinished:
        summary = f"the run did not finish within {seconds:g} s (between tests); it was stopped"
        outcomes.append(Outcome(f"tests of {task or 'no task'}", "(run)", {}, task or None, ending, summary))
    for event in unfinished:
        if ending is Status.TIMED_OUT:
            summary = f"still running after {seconds:g} s (an endless loop?); the test was stopped"
        else:
            ending, summary = Status.CRASHED, f"the Python process died (exit status {code}) while this test ran"
        outcomes.append(_outcome(event, ending, summary))
    return _GroupRun(outcomes, [(e["nodeid"], e["summary"]) for e in errors])


def run_public_tests(folder: Path, tasks: Iterable[str], seconds: float = TASK_SECONDS) -> PublicTestRun:
    """Run every task's public tests, and those without a task, each group in its own process."""
    groups = [*tasks, UNTASKED]
    with ThreadPoolExecutor(max_workers=max(1, min(len(groups), os.cpu_count() or 1))) as pool:
        runs = list(pool.map(lambda group: run_task_tests(folder, group, seconds), groups))
    errors = dict(error for run in runs for error in run.collection_errors)
    return PublicTestRun(tuple(o for run in runs for o in run.outcomes), tuple(errors.items()))


def check_folder(folder: Path, manifest: AssignmentInfo, seconds: float = TASK_SECONDS) -> PublicTestRun:
    """Compile the student's Python files (to name syntax errors by line), then run the public tests."""
    run = run_public_tests(folder, manifest.tasks, seconds)
    return PublicTestRun(run.outcomes, run.collection_errors, tuple(syntax_errors(manifest, folder)))


#: A task's status is that of the first of these its tests have, in this order.
_FIRST_OF = (Status.FAILED, Status.CRASHED, Status.TIMED_OUT, Status.NOT_BUILT, Status.NOT_IMPLEMENTED)


def _task_row(task: str, title: str, points: float, outcomes: list[Outcome], blocked: str) -> TaskRow:
    passed = sum(o.status is Status.PASSED for o in outcomes)
    failures = tuple(o for o in outcomes if o.status not in (Status.PASSED, Status.SKIPPED))
    for status in _FIRST_OF:
        first = next((o for o in outcomes if o.status is status), None)
        if first is not None:
            detail = "" if status is Status.NOT_IMPLEMENTED else f"{first.label}: {first.summary}"
            return TaskRow(task, title, points, passed, len(outcomes), status, detail, failures)
    if outcomes and passed == len(outcomes):
        return TaskRow(task, title, points, passed, len(outcomes), Status.PASSED, "")
    if blocked:
        return TaskRow(task, title, points, passed, len(outcomes), Status.NOT_RUN, blocked)
    return TaskRow(task, title, points, passed, len(outcomes), Status.NO_TESTS, "")


def task_rows(manifest: AssignmentInfo, run: PublicTestRun) -> list[TaskRow]:
    """One row per task of ``manifest``, plus one for tests that name no known task."""
    blocked = ("a file does not compile (see below)" if run.syntax_errors
               else "a test file could not be imported (see below)" if run.collection_errors else "")
    rows = [
        _task_row(name, task.title, task.points, [o for o in run.outcomes if o.task == name], blocked)
        for name, task in manifest.tasks.items()
    ]
    untasked = [o for o in run.outcomes if o.task not in manifest.tasks]
    if untasked:
        rows.append(_task_row("-", "other tests", 0.0, untasked, blocked))
    return rows


def render(manifest: AssignmentInfo, rows: list[TaskRow], run: PublicTestRun, console: Console) -> None:
    """Print the per-task table, then every failing test, then what kept tests from running."""
    table = Table(title=f"{manifest.title}: public tests")
    for column in ("task", "points", "tests passed", "status", "details"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(escape(row.title), f"{row.points:g}", f"{row.passed}/{row.total}",
                      f"[{STATUS_STYLE.get(row.status, '')}]{row.status.label}[/]", escape(row.detail))
    console.print(table)
    failing = [(row, o) for row in rows for o in row.failures if o.status in (Status.FAILED, Status.CRASHED, Status.TIMED_OUT)]
    if failing:
        console.print("[bold]Failing tests[/]")
        for row, outcome in failing:
            console.print(f"  {escape(row.title)}: {escape(outcome.label)}\n      {escape(outcome.summary)}",
                          highlight=False)
    for problem in run.syntax_errors:
        console.print(f"[red]does not compile:[/] {escape(problem)}", highlight=False)
    for nodeid, summary in run.collection_errors:
        console.print(f"[red]could not import {escape(nodeid)}[/]: {escape(summary)}", highlight=False)


def all_passed(rows: list[TaskRow], run: PublicTestRun) -> bool:
    return not run.collection_errors and not run.syntax_errors and all(
        row.status in (Status.PASSED, Status.NO_TESTS) for row in rows)
