"""Grading results in Gradescope's ``results.json`` schema, validated and written atomically."""
from __future__ import annotations

import json
import os
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from autograder.grading.safe_text import NAME_CHARS, OUTPUT_CHARS, clean_text

STATUSES = ("passed", "failed")


class ResultsError(Exception):
    """Results that are invalid or could not be written."""


@dataclass
class TestResult:
    """One graded check (Gradescope's ``tests`` entry)."""

    __test__ = False  # not a pytest test class

    name: str
    score: float
    max_score: float
    status: str
    output: str = ""
    visibility: str = "visible"


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
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Results":
        tests = [TestResult(**t) for t in data["tests"]]
        return cls(**{**data, "tests": tests})

    def cleaned(self) -> "Results":
        """A copy whose texts are safe for any writer (see :mod:`~autograder.grading.safe_text`)."""
        tests = [TestResult(clean_text(t.name, 4 * NAME_CHARS), t.score, t.max_score, t.status,
                            clean_text(t.output, OUTPUT_CHARS), t.visibility) for t in self.tests]
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
        if test.status not in STATUSES:
            raise ResultsError(f"test {test.name!r} has status {test.status!r}")
        if not 0 <= test.score <= test.max_score + 1e-9:
            raise ResultsError(f"test {test.name!r} scores {test.score} of {test.max_score}")
    total = sum(t.score for t in results.tests)
    if abs(total - results.score) > 1e-6 or not 0 <= results.score <= results.max_score + 1e-6:
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
    failures = sum(t.status == "failed" for t in results.tests)
    suite = ET.Element("testsuite", name=suite_name, tests=str(len(results.tests)), failures=str(failures),
                       errors="0", time=f"{results.execution_time:.3f}")
    for test in results.tests:
        task, _, check = test.name.partition(": ")
        case = ET.SubElement(suite, "testcase", classname=f"{suite_name}.{task}", name=check or task)
        props = ET.SubElement(case, "properties")
        ET.SubElement(props, "property", name="score", value=f"{test.score:g}")
        ET.SubElement(props, "property", name="max_score", value=f"{test.max_score:g}")
        if test.status == "failed":
            ET.SubElement(case, "failure", message=test.output.splitlines()[0] if test.output else "failed").text = test.output
    return suite


def junit_xml(results: Results, suite_name: str) -> str:
    """The results as a JUnit XML document."""
    suite = junit_suite(results, suite_name)
    ET.indent(suite)
    return ET.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"
