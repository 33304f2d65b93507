"""Structured results: one spelling per status, diagnoses as data, results.json in Gradescope's schema."""
from __future__ import annotations

import ast
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from autograder.grading.compare import Mismatch, expect_array
from autograder.grading.diagnose import Diagnosis, DiagnosisKind, diagnose
from autograder.grading.plugin import TestRecord, failure_of
from autograder.grading.results import Results, junit_xml, validate
from autograder.grading.runner import score
from autograder.manifest import load_manifest
from autograder.paths import PROJECT_ROOT
from autograder_student.status import Status

SOURCES = (PROJECT_ROOT / "autograder", PROJECT_ROOT / "student_tools" / "autograder_student")
SPELLINGS = {status.value for status in Status} | {status.label for status in Status}
#: The fields Gradescope's results schema documents for a test.
GRADESCOPE_TEST_FIELDS = {"score", "max_score", "status", "name", "name_format", "number", "output", "output_format",
                          "tags", "visibility", "extra_data"}


def _spelled_status(node: ast.AST) -> bool:
    """Whether ``node`` is a status written as a string (or a tuple/list/set of them)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and node.value in SPELLINGS
    return isinstance(node, (ast.Tuple, ast.List, ast.Set)) and any(_spelled_status(e) for e in node.elts)


def status_literals(path: Path) -> list[str]:
    """Places in ``path`` that compare with, assign or pass a status as a string instead of a Status."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Compare):
            hits = [operand for operand in (node.left, *node.comparators) if _spelled_status(operand)]
        elif isinstance(node, ast.keyword):
            hits = [node.value] if node.arg == "status" and _spelled_status(node.value) else []
        elif isinstance(node, ast.Dict):
            hits = [v for k, v in zip(node.keys, node.values) if isinstance(k, ast.Constant) and k.value == "status"
                    and _spelled_status(v)]
        elif isinstance(node, ast.Assign):
            hits = [node.value] if _spelled_status(node.value) and "status" in ast.unparse(node.targets[0]) else []
        else:
            hits = []
        found += [f"{path}:{hit.lineno}: {ast.unparse(hit)}" for hit in hits]
    return found


def test_statuses_are_spelled_only_by_the_enum():
    """No module compares with, assigns or passes a status as a bare string: each has one spelling,
    :class:`Status`, used by the grader and the student tools alike."""
    offenders = [hit for root in SOURCES for path in sorted(root.rglob("*.py")) for hit in status_literals(path)]
    assert offenders == []


def test_the_scan_finds_a_status_spelled_as_text(tmp_path):
    """The scan above can fail: each way of spelling a status by hand is found."""
    source = tmp_path / "sample.py"
    source.write_text('if t.status == "not implemented": pass\nrow = {"status": "passed"}\nf(status="timed_out")\n'
                      'status = "partial"\nok = s in ("failed", "error")\n')
    assert len(status_literals(source)) == 5


def test_a_diagnosis_is_data_and_its_sentence_is_rendered_from_it():
    expected = np.linspace(1.0, 2.0, 12).reshape(3, 4)
    doubled, scaled = diagnose(2 * expected, expected, 1e-7, {}), diagnose(64 * expected, expected, 1e-7, {})
    assert doubled == Diagnosis(DiagnosisKind.SCALE_FACTOR, "2") and scaled.value == "64"
    assert doubled.mistake == scaled.mistake and "factor of 2 (a missing division" in doubled.text()
    assert diagnose(-expected, expected, 1e-7, {}).kind is DiagnosisKind.SIGN_FLIPPED
    assert diagnose(expected.T, expected, 1e-7, {}) == Diagnosis(DiagnosisKind.PERMUTED_AXES, "(1, 0)")
    known = diagnose(expected + 1, expected, 1e-7, {"a bias added twice": expected + 1})
    assert known == Diagnosis(DiagnosisKind.KNOWN_MISTAKE, "a bias added twice") and known.mistake == known.text()
    assert Diagnosis.from_json(json.loads(json.dumps(doubled.to_json()))) == doubled
    shuffled = diagnose(expected.ravel()[::-1].reshape(3, 4), expected, 1e-7, {})
    assert shuffled.kind is DiagnosisKind.REORDERED and shuffled.text().startswith("the right values in the wrong places")
    assert all(isinstance(Diagnosis(kind, "2").text(), str) for kind in DiagnosisKind)


def test_a_mismatch_carries_its_diagnosis_and_case_into_the_record():
    expected = np.arange(1.0, 7.0).reshape(2, 3)
    with pytest.raises(Mismatch) as caught:
        expect_array("dx", expected / 4, expected, 1e-7)
    failure = failure_of(caught.value)
    assert failure.status is Status.FAILED and "Likely cause: off by a constant factor of 1/4" in failure.message
    assert failure.diagnosis == Diagnosis(DiagnosisKind.SCALE_FACTOR, "1/4")
    assert failure.case["output"] == "dx" and failure.case["mismatched"] == 6
    assert failure.case["rel_error"] == pytest.approx(0.6) and failure.case["index"] == [0, 0]


def _results(statuses: dict[str, Status]) -> Results:
    """Results of linear_regression with one check per task, of the given statuses (default passed)."""
    manifest = load_manifest("linear_regression")
    records = []
    for task in manifest.tasks:
        record = TestRecord(f"{task}::test_x", task, "test_x[float32]", 1.0, "a check", params=(("dtype", "float32"),))
        if task in statuses:
            record.status = statuses[task]
            record.diagnosis = Diagnosis(DiagnosisKind.ALL_ZEROS) if statuses[task] is Status.FAILED else None
        records.append(record)
    return score(manifest, records, [], 0.5, {})


def test_results_json_keeps_gradescope_schema_and_round_trips():
    """Each test holds only the fields Gradescope documents, status passed or failed; the finer
    status, task, check, diagnosis and failing case are the test's extra_data, read back unchanged."""
    tasks = list(load_manifest("linear_regression").tasks)
    results = _results({tasks[0]: Status.FAILED, tasks[1]: Status.NOT_IMPLEMENTED, tasks[2]: Status.ERROR})
    validate(results, {t.name for t in results.tests})
    data = json.loads(json.dumps(results.to_json()))
    assert all(set(test) <= GRADESCOPE_TEST_FIELDS and test["status"] in ("passed", "failed") for test in data["tests"])
    first = data["tests"][0]
    assert first["name"] == f"{tasks[0]}: test_x[float32]" and first["extra_data"] == {
        "task": tasks[0], "check": "test_x[float32]", "status": "failed", "rules": [],
        "diagnosis": {"kind": "all_zeros", "value": ""}, "case": {"parameters": {"dtype": "float32"}}}
    assert [t["extra_data"]["status"] for t in data["tests"][1:3]] == ["not_implemented", "error"]
    assert data["extra_data"]["tasks"][tasks[1]]["status"] == "not_implemented"
    assert Results.from_json(data) == results
    data["tests"][0]["status"] = "passed"  # a file whose test disagrees with its details is refused
    with pytest.raises(ValueError, match="disagrees"):
        Results.from_json(data)


def test_junit_reports_errors_apart_from_failures_with_status_and_diagnosis():
    tasks = list(load_manifest("linear_regression").tasks)
    suite = ET.fromstring(junit_xml(_results({tasks[0]: Status.FAILED, tasks[1]: Status.ERROR}), "lr"))
    assert (suite.get("failures"), suite.get("errors")) == ("1", "1")
    cases = {case.get("classname"): case for case in suite.iter("testcase")}
    failed, errored = cases[f"lr.{tasks[0]}"], cases[f"lr.{tasks[1]}"]
    assert failed.find("failure") is not None and errored.find("error") is not None and errored.find("failure") is None
    properties = {p.get("name"): p.get("value") for p in failed.iter("property")}
    assert properties["status"] == "failed" and properties["diagnosis"] == "all_zeros"
    assert failed.get("name") == "test_x[float32]"
