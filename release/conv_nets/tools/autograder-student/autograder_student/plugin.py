"""pytest plugin behind ``autograder check``: one JSON line per event of a public test run.

Loaded with ``-p autograder_student.plugin --task-events=FILE [--only-task=NAME]``.
The file gets a ``start`` line when a test starts (its name, parameters and task,
the ``@pytest.mark.task`` argument) and a ``result`` line when it ends, flushed at
once, so a run that crashes or is killed still tells which test it was in. A
``result`` adds the test's :class:`~autograder_student.status.Status` (passed,
failed, not implemented, not built or skipped) and a one-line summary of a failure;
``collect_error`` lines name the test files that could not be imported.

The plugin also makes the assignment's package (the folder of the student's modules,
read from the release's ``assignment.toml``) importable only from the folder under
test, so an installed copy can never stand in for the student's own modules or extension.
"""
from __future__ import annotations

import importlib.abc
import importlib.machinery
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import IO, Any

import pytest

from autograder_student.manifest import ManifestError, load_folder_manifest, package_of
from autograder_student.status import Status

NUMERIC_LINES = ("Mismatched elements", "Max absolute difference", "Max relative difference")
SUMMARY_LENGTH = 200
PARAMETER_LENGTH = 40


class ExtensionNotBuilt(ModuleNotFoundError):
    """A Cython module of the folder's package that has not been compiled."""


class FolderOnlyFinder(importlib.abc.MetaPathFinder):
    """Finds ``package`` and its modules in one folder only, never in an installed copy."""

    def __init__(self, folder: Path, package: str) -> None:
        self.folder = folder.resolve()
        self.package = package

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None) -> Any:
        if fullname != self.package and not fullname.startswith(self.package + "."):
            return None
        search = [str(self.folder)] if fullname == self.package else list(path or [])
        spec = importlib.machinery.PathFinder.find_spec(fullname, search)
        if spec is not None and spec.origin and self.folder in Path(spec.origin).resolve().parents:
            return spec
        relative = Path(*fullname.split("."))
        if (self.folder / relative.with_suffix(".pyx")).is_file():
            raise ExtensionNotBuilt(
                f"{relative.with_suffix('.pyx').as_posix()} is not compiled: run "
                f"`python -m {self.package}.build_ext` in this folder",
                name=fullname,
            )
        raise ModuleNotFoundError(f"No module named {fullname!r} in {self.folder}", name=fullname)


def failure_summary(message: str) -> str:
    """One line out of an exception message, preferring NumPy's numeric mismatch lines."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    numeric = [line for line in lines if line.startswith(NUMERIC_LINES)]
    summary = "; ".join(numeric) if numeric else (lines[0] if lines else "failed")
    return summary if len(summary) <= SUMMARY_LENGTH else summary[: SUMMARY_LENGTH - 3] + "..."


def describe_parameter(value: Any) -> str:
    """A short readable form of a test parameter: functions and dtypes by name."""
    name = getattr(value, "__name__", None)
    text = name if isinstance(name, str) and callable(value) else repr(value)
    return text if len(text) <= PARAMETER_LENGTH else text[: PARAMETER_LENGTH - 3] + "..."


def _chain(error: BaseException | None) -> list[BaseException]:
    seen: list[BaseException] = []
    while error is not None and error not in seen:
        seen.append(error)
        error = error.__cause__ or error.__context__
    return seen


def _student_location(excinfo: pytest.ExceptionInfo[BaseException], package_dir: Path) -> str:
    """``package/file.py:line`` of the innermost frame in the student's package, or ``""``."""
    for entry in reversed(excinfo.traceback):
        path = Path(str(entry.path))
        if package_dir in path.parents:
            return f"{path.relative_to(package_dir.parent).as_posix()}:{entry.lineno + 1}"
    return ""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("autograder", "autograder check")
    group.addoption("--task-events", metavar="FILE", help="append the test events as JSON lines to FILE")
    group.addoption("--only-task", metavar="NAME", help="run only the tests of task NAME ('' for tests without a task)")


def task_of(item: pytest.Item) -> str | None:
    marker = item.get_closest_marker("task")
    return str(marker.args[0]) if marker and marker.args else None


class TaskEvents:
    """Writes the events of a run, one JSON object per line."""

    def __init__(self, stream: IO[str], package_dir: Path) -> None:
        self.stream = stream
        self.package_dir = package_dir
        self.records: dict[str, dict[str, Any]] = {}

    def _write(self, event: dict[str, Any]) -> None:
        self.stream.write(json.dumps(event) + "\n")
        self.stream.flush()

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> None:
        """Announce the test (its name, parameters and task) before it runs."""
        callspec = getattr(item, "callspec", None)
        announced = {
            "test": getattr(item, "originalname", item.name),
            "params": {k: describe_parameter(v) for k, v in callspec.params.items()} if callspec else {},
            "task": task_of(item),
        }
        self.records[item.nodeid] = {**announced, "status": Status.PASSED, "summary": ""}
        self._write({"event": "start", "nodeid": item.nodeid, **announced})

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo) -> Any:
        outcome = yield
        report = outcome.get_result()
        record = self.records[item.nodeid]
        if report.skipped and record["status"] is Status.PASSED:
            record["status"] = Status.SKIPPED
        elif report.failed and record["status"] in (Status.PASSED, Status.SKIPPED):
            excinfo = call.excinfo
            errors = _chain(excinfo.value) if excinfo else []
            not_built = [error for error in errors if isinstance(error, ExtensionNotBuilt)]
            if not_built:
                record["status"], record["summary"] = Status.NOT_BUILT, str(not_built[0])
                return
            if any(isinstance(error, NotImplementedError) for error in errors):
                record["status"] = Status.NOT_IMPLEMENTED
            else:
                record["status"] = Status.FAILED
            summary = failure_summary(excinfo.exconly() if excinfo else str(report.longrepr))
            where = _student_location(excinfo, self.package_dir) if excinfo else ""
            record["summary"] = f"{summary} (at {where})" if where and record["status"] is Status.FAILED else summary

    def pytest_runtest_logfinish(self, nodeid: str) -> None:
        record = self.records.get(nodeid)
        if record is not None:
            self._write({"event": "result", "nodeid": nodeid, **record})

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self._write({"event": "collect_error", "nodeid": report.nodeid,
                         "summary": failure_summary(str(report.longrepr).splitlines()[-1])})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    only = config.getoption("only_task", None)
    if only is None:
        return
    wanted = only or None
    keep = [item for item in items if task_of(item) == wanted]
    dropped = [item for item in items if task_of(item) != wanted]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = keep


def pytest_configure(config: pytest.Config) -> None:
    try:
        package = package_of(load_folder_manifest(config.rootpath).student_files)
    except ManifestError as exc:
        raise pytest.UsageError(str(exc)) from None
    sys.meta_path.insert(0, FolderOnlyFinder(config.rootpath, package))
    path = config.getoption("task_events", None)
    if path:
        stream = open(path, "a", encoding="utf-8")  # closed in pytest_unconfigure
        config.stash[_STREAM] = stream
        events = TaskEvents(stream, config.rootpath.resolve() / package)
        config.pluginmanager.register(events, "autograder-task-events")


def pytest_unconfigure(config: pytest.Config) -> None:
    stream = config.stash.get(_STREAM, None)
    if stream is not None:
        stream.close()


_STREAM = pytest.StashKey[IO[str]]()
