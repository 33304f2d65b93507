"""pytest plugin behind ``autograder check``: one JSON record per public test.

Loaded with ``-p autograder.student.plugin --task-report=FILE``. Each record gives
the test's task (its ``@pytest.mark.task`` argument), its status (``passed``,
``failed``, ``not_implemented`` or ``skipped``) and a one-line summary of a failure.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

NUMERIC_LINES = ("Mismatched elements", "Max absolute difference", "Max relative difference")
SUMMARY_LENGTH = 160


def failure_summary(message: str) -> str:
    """One line out of an exception message, preferring NumPy's numeric mismatch lines."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    numeric = [line for line in lines if line.startswith(NUMERIC_LINES)]
    summary = "; ".join(numeric) if numeric else (lines[0] if lines else "failed")
    return summary if len(summary) <= SUMMARY_LENGTH else summary[: SUMMARY_LENGTH - 3] + "..."


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--task-report", metavar="FILE", help="write the per-test outcomes as JSON to FILE")


class TaskReport:
    """Collects the outcome of every test and every collection error."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tests: dict[str, dict[str, Any]] = {}
        self.errors: list[dict[str, str]] = []

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo) -> Any:
        outcome = yield
        report = outcome.get_result()
        marker = item.get_closest_marker("task")
        record = self.tests.setdefault(
            item.nodeid, {"task": marker.args[0] if marker and marker.args else None, "status": "passed", "summary": ""}
        )
        if report.skipped and record["status"] == "passed":
            record["status"] = "skipped"
        elif report.failed and record["status"] != "failed":
            excinfo = call.excinfo
            not_implemented = excinfo is not None and excinfo.errisinstance(NotImplementedError)
            record["status"] = "not_implemented" if not_implemented else "failed"
            record["summary"] = failure_summary(excinfo.exconly() if excinfo else str(report.longrepr))

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.errors.append({"nodeid": report.nodeid, "summary": failure_summary(str(report.longrepr).splitlines()[-1])})

    def pytest_sessionfinish(self) -> None:
        tests = [{"nodeid": nodeid, **record} for nodeid, record in self.tests.items()]
        self.path.write_text(json.dumps({"tests": tests, "errors": self.errors}, indent=1), encoding="utf-8")


def pytest_configure(config: pytest.Config) -> None:
    path = config.getoption("task_report")
    if path:
        config.pluginmanager.register(TaskReport(Path(path)), "autograder-task-report")
