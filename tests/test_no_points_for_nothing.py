"""Issue 11 §5: a submission that implements nothing scores exactly 0 on every task,
through the real grader, and checks of a student's code against itself earn credit
only once the matching check against the reference passes."""
from __future__ import annotations

import pytest

from autograder.grading.plugin import TestRecord
from autograder.grading.runner import credited, score
from autograder.manifest import load_manifest
from release_support import ASSIGNMENTS
from degenerate import MODES, degenerate_submission
from grading_support import grade, task_scores


CASES = [(assignment, mode) for assignment in ASSIGNMENTS for mode in MODES]


@pytest.mark.parametrize(("assignment", "mode"), CASES)
def test_a_submission_that_implements_nothing_scores_zero(tmp_path, assignment, mode):
    graded = grade(assignment, degenerate_submission(assignment, tmp_path, mode))
    earned = {task: points for task, (points, _) in task_scores(graded).items() if points > 0}
    passed = [test.name for test in graded.results.tests if test.status == "passed"]
    assert earned == {} and graded.results.score == 0, f"points for nothing: {earned}, from {passed}"


def record(function: str, status: str = "passed", requires: tuple[str, ...] = (), task: str = "relu") -> TestRecord:
    return TestRecord(f"{task}::{function}", task, function, 1.0, function, status,
                      function=function, requires=requires, rules=("relu.backward",))


def test_a_check_of_the_code_against_itself_counts_only_after_its_prerequisite():
    numeric = record("test_relu_backward_numeric", requires=("test_relu_forward",))
    gated = credited([record("test_relu_forward", "failed"), record("test_relu_forward"), numeric])
    assert gated[2].status == "failed" and "test_relu_forward" in gated[2].message
    assert numeric.status == "passed"  # the record as the check left it is unchanged
    assert credited([record("test_relu_forward"), numeric])[1].status == "passed"


def test_prerequisites_are_matched_on_the_parameters_both_tests_share():
    def run(function, status, loss, **extra):
        return TestRecord(function, "losses", function, 1.0, function, status, function=function,
                          requires=("test_loss",) if function == "test_loss_numeric" else (),
                          params=(("loss", loss), *extra.items()))

    svm_broken = [run("test_loss", "passed", "softmax", case="batch"), run("test_loss", "failed", "svm", case="batch")]
    numeric = [run("test_loss_numeric", "passed", "softmax"), run("test_loss_numeric", "passed", "svm")]
    assert [r.status for r in credited(svm_broken + numeric)[2:]] == ["passed", "failed"]


def test_prerequisites_are_looked_up_in_the_same_task():
    numeric = record("test_backward_numeric", requires=("test_forward",), task="affine")
    other_task = record("test_forward", "failed", task="relu")
    assert credited([record("test_forward", task="affine"), other_task, numeric])[2].status == "passed"


def test_gated_credit_is_left_out_of_the_score():
    manifest = load_manifest("fc_nets")
    records = [record(f"test_{task}", task=task) for task in manifest.tasks if task != "relu"]
    records += [record("test_relu_forward", "not_implemented"),
                record("test_relu_backward_numeric", requires=("test_relu_forward",))]
    results = score(manifest, records, [], 0.0, {})
    relu = results.extra_data["tasks"]["relu"]
    assert relu["score"] == 0 and relu["status"] == "failed"
    gated = next(test for test in results.tests if test.name == "relu: test_relu_backward_numeric")
    assert "counts only once test_relu_forward also passes" in gated.output
    assert "Rules checked: relu.backward" in gated.output
    assert results.score == manifest.max_score - manifest.tasks["relu"].points
