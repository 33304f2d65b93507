"""Grading results in Gradescope's ``results.json`` schema, validated and written atomically.

Gradescope's schema gives a test a name, a score, ``passed`` or ``failed`` and an output
text; everything else about a check travels as data in the test's own ``extra_data``
(:class:`CheckDetails`), which the reports, the gradebook and the feedback page read.
"""
from __future__ import annotations

import json
import os
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from autograder.grading.diagnose import Diagnosis
from autograder.grading.safe_text import NAME_CHARS, OUTPUT_CHARS, clean_text
from autograder_student.status import Status

#: Slack for sums of floating-point scores.
SCORE_SLACK = 1e-6


def check_name(task: str, check: str) -> str:
    """A check's name in results.json: ``"<task>: <check>"``."""
    return f"{task}: {check}"


class ResultsError(Exception):
    """Results that are invalid or could not be written."""


@dataclass(frozen=True)
class CheckDetails:
    """What a graded check was and how it ended, as data: its task, its name in the task,
    its status (finer than Gradescope's), the likely cause of a mismatch and the failing
    case (the test's parameters, the output that differs and its numbers)."""

    task: str
    check: str
    status: Status
    diagnosis: Diagnosis | None = None
    case: dict[str, Any] = field(default_factory=dict)
    rules: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"task": self.task, "check": self.check, "status": self.status.value,
                "diagnosis": self.diagnosis.to_json() if self.diagnosis else None, "case": self.case,
                "rules": list(self.rules)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "CheckDetails":
        diagnosis = data.get("diagnosis")
        return cls(str(data["task"]), str(data["check"]), Status(data["status"]),
                   Diagnosis.from_json(diagnosis) if diagnosis else None, dict(data.get("case") or {}),
                   tuple(data.get("rules") or ()))

    def cleaned(self) -> "CheckDetails":
        """A copy whose texts are safe for any writer."""
        case = {key: clean_text(value, NAME_CHARS) if isinstance(value, str) else value for key, value in self.case.items()}
        diagnosis = self.diagnosis and replace(self.diagnosis, value=clean_text(self.diagnosis.value, 4 * NAME_CHARS))
        return replace(self, task=clean_text(self.task, NAME_CHARS), check=clean_text(self.check, 4 * NAME_CHARS),
                       diagnosis=diagnosis, case=case)


@dataclass
class TestResult:
    """One graded check (Gradescope's ``tests`` entry). Its name (``"<task>: <check>"``) and its
    Gradescope status follow from its details, which results.json keeps in the test's ``extra_data``."""

    __test__ = False  # not a pytest test class

    extra_data: CheckDetails
    score: float
    max_score: float
    output: str = ""
    visibility: str = "visible"

    @property
    def name(self) -> str:
        return check_name(self.extra_data.task, self.extra_data.check)

    @property
    def status(self) -> Status:
        return self.extra_data.status.gradescope

    @property
    def task(self) -> str:
        return self.extra_data.task

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "score": self.score, "max_score": self.max_score, "status": self.status.value,
                "output": self.output, "visibility": self.visibility, "extra_data": self.extra_data.to_json()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "TestResult":
        test = cls(CheckDetails.from_json(data["extra_data"]), data["score"], data["max_score"], data.get("output", ""),
                   data.get("visibility", "visible"))
        if (data["name"], data["status"]) != (test.name, test.status.value):
            raise ValueError(f"test {data['name']!r} disagrees with its extra_data")
        return test


@dataclass
class Results:
    """One submission's results (Gradescope's top-level object)."""

    score: float
    max_score: float
    execution_time: float
    output: str
    tests: list[TestResult]
    extra_data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(replace(self, tests=[])), "tests": [test.to_json() for test in self.tests]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Results":
        tests = [TestResult.from_json(t) for t in data["tests"]]
        return cls(**{**data, "tests": tests})

    def cleaned(self) -> "Results":
        """A copy whose texts are safe for any writer (see :mod:`~autograder.grading.safe_text`)."""
        tests = [replace(t, output=clean_text(t.output, OUTPUT_CHARS), extra_data=t.extra_data.cleaned()) for t in self.tests]
        return Results(self.score, self.max_score, self.execution_time, clean_text(self.output, OUTPUT_CHARS), tests,
                       self.extra_data)


def validate(results: Results, known_names: set[str]) -> None:
    """Check names, statuses and scores; raise :class:`ResultsError` on the first problem."""
    seen: set[str] = set()
    for test in results.tests:
        if test.name not in known_names:
            raise ResultsError(f"unknown test name {test.name!r}")
        if test.name in seen:
            raise ResultsError(f"test {test.name!r} appears twice")
        seen.add(test.name)
        if not isinstance(test.extra_data.status, Status):
            raise ResultsError(f"test {test.name!r} has status {test.extra_data.status!r}")
        if test.status is Status.FAILED and test.score != 0:
            raise ResultsError(f"test {test.name!r} failed ({test.extra_data.status.label}) but scores {test.score}")
        if not 0 <= test.score <= test.max_score + SCORE_SLACK:
            raise ResultsError(f"test {test.name!r} scores {test.score} of {test.max_score}")
    total = sum(t.score for t in results.tests)
    if abs(total - results.score) > SCORE_SLACK or not 0 <= results.score <= results.max_score + SCORE_SLACK:
        raise ResultsError(f"score {results.score} is inconsistent with its tests ({total}) or max {results.max_score}")


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder, so the
    file is either the old one or the complete new one, never a partial write."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise ResultsError(f"can't write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ResultsError(f"can't write {path}: {exc.strerror or exc}") from None


def write_results(path: Path, results: Results, known_names: set[str]) -> None:
    """Validate, then write ``results.json`` atomically."""
    validate(results, known_names)
    write_atomically(path, json.dumps(results.to_json(), indent=2, sort_keys=False) + "\n")


def junit_suite(results: Results, suite_name: str) -> ET.Element:
    """The results as a JUnit ``<testsuite>`` (one test case per check, score as properties), every text cleaned."""
    results = results.cleaned()
    suite_name = clean_text(suite_name, 4 * NAME_CHARS)
    errors = sum(t.extra_data.status is Status.ERROR for t in results.tests)
    failures = sum(t.status is Status.FAILED for t in results.tests) - errors
    suite = ET.Element("testsuite", name=suite_name, tests=str(len(results.tests)), failures=str(failures),
                       errors=str(errors), time=f"{results.execution_time:.3f}")
    for test in results.tests:
        details = test.extra_data
        case = ET.SubElement(suite, "testcase", classname=f"{suite_name}.{details.task}", name=details.check)
        props = ET.SubElement(case, "properties")
        ET.SubElement(props, "property", name="score", value=f"{test.score:g}")
        ET.SubElement(props, "property", name="max_score", value=f"{test.max_score:g}")
        ET.SubElement(props, "property", name="status", value=details.status.value)
        if details.diagnosis:
            ET.SubElement(props, "property", name="diagnosis", value=details.diagnosis.kind.value)
        if test.status is Status.FAILED:
            element = "error" if details.status is Status.ERROR else "failure"
            message = test.output.splitlines()[0] if test.output else details.status.label
            ET.SubElement(case, element, message=message, type=details.status.value).text = test.output
    return suite


def junit_xml(results: Results, suite_name: str) -> str:
    """The results as a JUnit XML document."""
    suite = junit_suite(results, suite_name)
    ET.indent(suite)
    return ET.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"
